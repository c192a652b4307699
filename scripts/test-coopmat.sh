#!/usr/bin/env bash
# The mixed-precision product (f16 cooperative matrices, Shaders/matmul_coopmat.comp) proven without a GPU, on
# Mesa 26's lavapipe (scripts/fetch-coopmat-driver.sh) with Debian 13's validation layer on:
#  1. the build has the shader (scripts/fetch-glslang.sh provides the compiler; scripts/setup.sh runs it) and
#     the driver offers cooperative matrices (`vae devices`);
#  2. `vae selftest --quick --validate`: every kernel family on the driver, and the `mixed` family
#     (MixedPrecisionCases: operands exact in f16 at f32's tolerance, any operands within the f16 bound) on
#     the mixed-precision configuration;
#  3. the suite's MixedPrecisionTests and ShaderCoverageTests, in the test binary run under the same loader;
#  4. the MLP trains on it: three epochs of 6,400 images in full and in mixed precision from one seed, and
#     every epoch's test loss in mixed precision must be within 0.5 % of full precision's (measured: 0.07 %
#     after two epochs). Mixed precision changes the numbers, so they are compared within a bound, not bit
#     for bit.
# Ends with "N passed, M failed" over the checks; exits non-zero when any failed. Expects a release build with the tests (scripts/test.sh makes it).
set -uo pipefail
cd "$(dirname "$0")/.."
vae=.build/release/vae
[ -x "$vae" ] || { echo "test-coopmat: build first (swift build -c release)"; exit 1; }
run=$(bash scripts/fetch-coopmat-driver.sh) || { echo "test-coopmat: the driver could not be fetched"; exit 1; }
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
passed=0 failed=0
check() {  # check NAME STATUS
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "== test-coopmat: $1: ok"
  else failed=$((failed + 1)); echo "== test-coopmat: $1: FAILED"; fi
}
devices=$("$run" "$vae" devices 2>&1)
echo "$devices" | grep -E "^vulkan|driver|cooperative"
echo "$devices" | grep -qE "cooperative matrices f16->f32 [0-9x,]+$"
check "the build has the shader and the driver offers cooperative matrices" $?

"$run" "$vae" selftest --device vulkan --quick --validate 2>&1 | tee /tmp/test-coopmat.$$ | grep -E "^selftest|mixed|passed|failed"
status=${PIPESTATUS[0]}
grep -q "mixed precision (cooperative matrices" /tmp/test-coopmat.$$
check "selftest with the mixed-precision configuration, validation on" $((status | $?))
rm -f /tmp/test-coopmat.$$

# The suite's mixed-precision and shader-coverage tests, in the test binary itself under the same loader
# (there they run the cooperative-matrix cases rather than skip them).
suite=$("$run" .build/release/VulkanVAEPackageTests.xctest --testing-library swift-testing \
  --filter "MixedPrecisionTests|ShaderCoverageTests" 2>&1)
echo "$suite" | grep -aE "Test run with|skipped|✘" | sed 's/\x1b\[[0-9;]*m//g'
echo "$suite" | grep -aqE "Test run with [0-9]+ tests? .*passed" && ! echo "$suite" | grep -aq "everyMixedCase.*skipped"
check "the suite's mixed-precision tests on the driver" $?

out=$(mktemp -d)
train() {
  "$run" "$vae" train --device vulkan --precision "$1" --epochs 3 --train-limit 6400 --test-limit 1000 --seed 1 \
    --out "$out/$1" 2>&1 | grep -E "^(device|epoch)"
}
train full && train mixed
python3 - "$out/full/metrics.csv" "$out/mixed/metrics.csv" <<'PY'
import csv, sys
def test_losses(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [float(r["test_loss"]) for r in rows]
full, mixed = test_losses(sys.argv[1]), test_losses(sys.argv[2])
ok = len(full) == len(mixed) == 3
for epoch, (f, m) in enumerate(zip(full, mixed), 1):
    gap = abs(m - f) / f
    ok &= gap <= 0.005
    print(f"epoch {epoch}: test loss full {f:.4f}, mixed {m:.4f}, gap {100 * gap:.3f} % (bound 0.5 %)")
sys.exit(0 if ok else 1)
PY
check "training in mixed precision within 0.5 % of full precision" $?
rm -rf "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
