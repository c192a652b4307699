#!/usr/bin/env bash
# Runs on a GPU machine from the folder scripts/build-portable.sh made (no Swift needed there):
# unpacks the Vulkan loader beside the binary if the machine has none, lists devices, benchmarks
# `vae` on the GPU through Vulkan, trains briefly, and times PyTorch's VAE example model on CUDA for comparison.
# It stops unless Vulkan has a real GPU (so CPU emulation is never benchmarked as one), then checks every kernel
# against the CPU reference (`vae selftest`) before measuring anything.
#   ./run-gpu-bench.sh [OUT]    (writes OUT/*.json and logs; default: ./gpu-results)
#   VAE_GPU_DRY_RUN=1 ./run-gpu-bench.sh OUT   runs it on whatever Vulkan has (lavapipe), to time the script
set -uo pipefail
cd "$(dirname "$0")"
out=${1:-gpu-results}
mkdir -p "$out"
if ! ldconfig -p | grep -q libvulkan.so.1; then
  deb=$(ls libvulkan1_*.deb 2>/dev/null | head -1)
  if [ -n "$deb" ]; then
    mkdir -p loader && dpkg -x "$deb" loader
    export LD_LIBRARY_PATH="$PWD/loader/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
  fi
fi
# NVIDIA's ICD file, where the driver is mounted rather than installed.
for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$icd"; fi
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/nvidia-smi.txt"
./vae devices 2>&1 | tee "$out/devices.txt"
if ! grep -A1 '^vulkan:' "$out/devices.txt" | grep -qE '^ +(discrete|integrated|virtual) GPU' && [ -z "${VAE_GPU_DRY_RUN:-}" ]; then
  echo "run-gpu-bench: Vulkan has no GPU here (see devices.txt); stopping rather than measuring CPU emulation" | tee "$out/refused.txt"
  exit 2
fi
# Every kernel, every variant, against the CPU reference; the figures below mean nothing if this fails.
start=$SECONDS
./vae selftest --device vulkan --json > "$out/selftest.json" 2> "$out/selftest.err"
echo "selftest: exit $? in $((SECONDS - start)) s ($(grep -E '^  "(passed|failed)"' "$out/selftest.json" | tr -d ' \n'))" | tee "$out/selftest.txt"
./vae bench --device vulkan --what kernels,sgemm,training --sgemm-size 4096 --repetitions 50 --json > "$out/vae-vulkan-bench.json" 2> "$out/vae-vulkan-bench.err"
# sgemm at 4096³ and the model's products under every matmul preset (the shared-memory tiles and the rest).
timeout 120 ./vae bench --device vulkan --what kernels,sgemm --matmul all --sgemm-size 4096 --json > "$out/vae-vulkan-presets.json" 2> "$out/vae-vulkan-presets.err"
./vae bench --device vulkan --what kernels,training 2>&1 | tee "$out/vae-vulkan-bench.txt"
# Mixed precision (f16 operands on cooperative matrices, f32 sums) beside the f32 figures above, where the
# device offers cooperative matrices and the build has their shader: the same measurements and a training run.
if grep -q "cooperative matrices f16->f32" "$out/devices.txt" && ! grep -q "not in this build" "$out/devices.txt"; then
  timeout 120 ./vae bench --device vulkan --precision mixed --what kernels,sgemm,training --sgemm-size 4096 \
    --repetitions 50 --json > "$out/vae-vulkan-mixed-bench.json" 2> "$out/vae-vulkan-mixed-bench.err"
  timeout 120 ./vae bench --device vulkan --precision mixed --what kernels,training 2>&1 | tee "$out/vae-vulkan-mixed-bench.txt"
  timeout 200 ./vae train --device vulkan --precision mixed --epochs 3 --out "$out/vae-train-mixed" 2>&1 \
    | grep -v " step " | tee "$out/vae-train-mixed.txt"
fi
./vae train --device vulkan --epochs 3 --out "$out/vae-train" 2>&1 | grep -v " step " | tee "$out/vae-train.txt"
# The convolutional presets (each bounded in time: their GPU kernels are not tuned yet), with the convolutions
# as implicit GEMMs on the shared-memory tiles (the default on a GPU) and, to compare, one output per invocation.
for arch in conv28 conv64; do
  timeout 180 ./vae bench --device vulkan --what training --arch "$arch" --images 2560 2>&1 | tee "$out/vae-vulkan-$arch.txt"
  timeout 120 ./vae bench --device vulkan --what training --arch "$arch" --images 2560 --convolutions direct 2>&1 \
    | tee "$out/vae-vulkan-$arch-direct-convolutions.txt"
done
timeout 300 ./vae train --device vulkan --arch conv64 --data synthetic:shapes --epochs 1 --out "$out/vae-train-conv64" 2>&1 \
  | grep -v " step " | tee "$out/vae-train-conv64.txt"
# conv28 on MNIST for 3 epochs, against the same module in PyTorch with cuDNN below.
timeout 300 ./vae train --device vulkan --arch conv28 --epochs 3 --out "$out/vae-train-conv28" 2>&1 | grep -v " step " \
  | tee "$out/vae-train-conv28.txt"
python3 torch_cuda_vae.py --epochs 3 --json "$out/torch-cuda.json" 2>&1 | tee "$out/torch-cuda.txt"
python3 torch_cuda_vae.py --arch conv28 --epochs 3 --json "$out/torch-cuda-conv28.json" 2>&1 | tee "$out/torch-cuda-conv28.txt"
python3 torch_cuda_vae.py --sgemm 4096 2>&1 | tee "$out/torch-sgemm.txt"
