#!/usr/bin/env bash
# Side-by-side CPU training speed of --arch conv64: VulkanVAE (`vae bench --what training --arch conv64`) vs
# the same module in PyTorch (scripts/pytorch/time_conv64.py, 2 threads), alternating (A B A B …) so that a
# noisy neighbour hits both alike. Needs a Python with torch (../shared/bench/setup-peers.sh VENV).
# Usage: scripts/bench-conv64-peer.sh VENV [ROUNDS] [IMAGES]
# Prints each round's images/s and the ratio of the medians (VulkanVAE time / PyTorch time).
set -euo pipefail
venv=${1:?usage: scripts/bench-conv64-peer.sh VENV [ROUNDS] [IMAGES]}
rounds=${2:-3}
images=${3:-1280}
cd "$(dirname "$0")/.."
swift build -c release --product vae >/dev/null
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
  ours=$(.build/release/vae bench --device cpu --what training --arch conv64 --images "$images" --json \
    | sed -n 's/.*"samples_per_second" : \([0-9.e+]*\).*/\1/p' | head -1)
  torch=$("$venv/bin/python" scripts/pytorch/time_conv64.py --images "$images" --threads 2 \
    | sed 's/.*"images_per_second": \([0-9.]*\).*/\1/')
  printf 'round %d: vulkanvae %.1f img/s  torch %.1f img/s\n' "$r" "$ours" "$torch" | tee -a "$out"
done
v=$(awk '{print $4}' "$out" | median); t=$(awk '{print $7}' "$out" | median)
awk -v v="$v" -v t="$t" 'BEGIN{printf "median conv64 training: vulkanvae %.1f img/s, torch %.1f img/s; vulkanvae time / torch time %.2f\n", v, t, t/v}'
