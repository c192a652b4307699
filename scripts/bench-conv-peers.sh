#!/usr/bin/env bash
# Side-by-side CPU epoch times of the conv28 model: VulkanVAE (`vae train --arch conv28`) vs the same
# module in PyTorch (../shared/bench/torch_conv_vae.py, 2 threads), alternating runs (A B A B …) so that a
# noisy neighbour hits both alike. Needs the peers' virtual environment (../shared/bench/setup-peers.sh VENV).
# Usage: scripts/bench-conv-peers.sh VENV [ROUNDS] [EPOCHS]
# Prints each round's median training-epoch time (epoch 1 left out: it warms up) and the medians' ratio,
# then the sustained GFLOP/s of our epoch against the sgemm rate (`vae bench`).
set -euo pipefail
venv=${1:?usage: scripts/bench-conv-peers.sh VENV [ROUNDS] [EPOCHS]}
rounds=${2:-3}
epochs=${3:-3}
cd "$(dirname "$0")/.."
peers=../shared/bench
out=$(mktemp -d)
swift build -c release --product vae >/dev/null
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for r in $(seq 1 "$rounds"); do
  .build/release/vae train --arch conv28 --device cpu --epochs "$epochs" --quiet --out "$out/vae-$r" >/dev/null
  ours=$(tail -n +3 "$out/vae-$r/metrics.csv" | cut -d, -f8 | median)
  "$venv/bin/python" "$peers/torch_conv_vae.py" --data Data/mnist --epochs "$epochs" --threads 2 --json "$out/torch-$r.json" >/dev/null
  torch=$(grep -v '"epoch": 1,' "$out/torch-$r.json" | sed 's/.*"train_seconds": \([0-9.]*\).*/\1/' | median)
  echo "round $r: vulkanvae $ours s  torch $torch s" | tee -a "$out/rounds.txt"
done
m() { awk -v f="$1" '{print $f}' "$out/rounds.txt" | median; }
v=$(m 4); t=$(m 7)
echo "median conv28 epoch: vulkanvae $v s, torch $t s; vulkanvae/torch $(awk -v a="$v" -v b="$t" 'BEGIN{printf "%.2f", a/b}')"
# The products' FLOPs per image over our epoch time, against the best sgemm rate measured now.
flops=$(.build/release/vae bench --device cpu --what training --arch conv28 --images 1280 --json | sed -n 's/.*"flops_per_image" : \([0-9.e+]*\).*/\1/p' | head -1)
sgemm=$(.build/release/vae bench --device cpu --what sgemm --json | grep -o '"gflops" : [0-9.]*' | awk '{print $3}' | sort -g | tail -1)
awk -v f="$flops" -v s="$v" -v g="$sgemm" 'BEGIN{r=f*60000/s/1e9; printf "sustained %.1f GFLOP/s (%.1f MFLOP per image) = %.0f%% of the best sgemm rate, %.1f GFLOP/s\n", r, f/1e6, 100*r/g, g}'
