#!/usr/bin/env bash
# Builds a self-contained `vae` for machines without Swift (a GPU box with only its driver):
# the Swift runtime, OpenBLAS, zlib, libpng, libjpeg-turbo, minizip and protobuf-c are linked in statically, so the binary
# needs only libc, libm, libstdc++, libgcc_s and the Vulkan loader (libvulkan.so.1), whose Debian package is
# put beside it.
#   scripts/build-portable.sh [DIST]     (default: dist/)
# Then copy DIST to the target and run DIST/run-gpu-bench.sh there (see scripts/gpu/).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist}
VAE_STATIC_LINK=1 swift build -c release --static-swift-stdlib --scratch-path .build-portable --product vae
mkdir -p "$dist"
cp .build-portable/release/vae "$dist/vae"
strip "$dist/vae" || true
( cd "$dist" && rm -f libvulkan1_*.deb && apt-get download libvulkan1 >/dev/null 2>&1 ) \
  || echo "build-portable: could not download libvulkan1 (no Debian mirror?); the target then needs its own Vulkan loader" >&2
cp scripts/gpu/run-gpu-bench.sh scripts/gpu/torch_cuda_vae.py scripts/pytorch/vae_presets.py "$dist/"
mkdir -p "$dist/Data" && cp -r Data/mnist "$dist/Data/"
echo "dynamic dependencies of $dist/vae:"
ldd "$dist/vae" | sed 's/^/  /'
if ldd "$dist/vae" | grep -E -q "libswift|libopenblas|libgfortran|libz\.so|libpng|libturbojpeg|libminizip|libprotobuf-c"; then
  echo "build-portable: the binary still depends on a library it should carry inside" >&2
  exit 1
fi
du -sh "$dist"
