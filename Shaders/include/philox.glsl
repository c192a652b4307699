// Philox-4x32-10 (Salmon et al., SC'11), the twin of Swift's `Philox`: the same counter and key give the
// same four words on every device. umulExtended gives the 32x32->64 product without 64-bit integers.
uvec4 philox4x32_10(uvec4 c, uvec2 k) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k.x += 0x9E3779B9u;
            k.y += 0xBB67AE85u;
        }
        uint hi0, lo0, hi1, lo1;
        umulExtended(0xD2511F53u, c.x, hi0, lo0);
        umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
        c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// Uniform in [0, 1) from the top 24 bits: exact in float32, identical on every device.
float philox_uniform(uint bits) {
    return float(bits >> 8) * (1.0 / 16777216.0);
}

// Four standard normals by Box-Muller on word pairs (0,1) and (2,3); 1 - u keeps log away from zero.
vec4 philox_normals(uvec4 bits) {
    const float two_pi = 6.28318530717958647692;
    float r0 = sqrt(-2.0 * log(1.0 - philox_uniform(bits.x)));
    float r1 = sqrt(-2.0 * log(1.0 - philox_uniform(bits.z)));
    float t0 = two_pi * philox_uniform(bits.y);
    float t1 = two_pi * philox_uniform(bits.w);
    return vec4(r0 * cos(t0), r0 * sin(t0), r1 * cos(t1), r1 * sin(t1));
}
