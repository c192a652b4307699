#!/usr/bin/env bash
# The conv28 quality bar: 10 epochs on grey-level MNIST from several seeds, VulkanVAE and the same module in
# PyTorch (../shared/bench/torch_conv_vae.py), and the mean final test loss of each (quality is judged as a
# mean over seeds, never by picking one). Needs the peers' virtual environment.
# Usage: scripts/quality-conv28.sh VENV [SEEDS...]   (default seeds 1 2 3)
set -euo pipefail
venv=${1:?usage: scripts/quality-conv28.sh VENV [SEEDS...]}
shift
if [ $# -gt 0 ]; then seeds=("$@"); else seeds=(1 2 3); fi
cd "$(dirname "$0")/.."
out=$(mktemp -d)
swift build -c release --product vae >/dev/null
for s in "${seeds[@]}"; do
  .build/release/vae train --arch conv28 --device cpu --epochs 10 --seed "$s" --quiet --out "$out/vae-$s" >/dev/null
  ours=$(tail -n 1 "$out/vae-$s/metrics.csv" | cut -d, -f5)
  "$venv/bin/python" ../shared/bench/torch_conv_vae.py --data Data/mnist --epochs 10 --threads 2 --seed "$s" --json "$out/torch-$s.json" >/dev/null
  torch=$(tail -n 1 "$out/torch-$s.json" | sed 's/.*"test_loss": \([0-9.]*\).*/\1/')
  echo "seed $s: vulkanvae $ours  torch $torch" | tee -a "$out/seeds.txt"
done
awk '{v+=$4; t+=$6; n++} END {printf "mean test loss after 10 epochs over %d seeds: vulkanvae %.2f, torch %.2f\n", n, v/n, t/n}' "$out/seeds.txt"
