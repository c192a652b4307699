#!/usr/bin/env bash
# Side-by-side CPU epoch times: VulkanVAE vs PyTorch's VAE example vs its JAX port, alternating runs
# (A B C A B C …) so that a noisy neighbour hits all three alike. Needs the peers' virtual environment:
#   ../shared/bench/setup-peers.sh VENV
# Usage: scripts/bench-peers.sh VENV [ROUNDS] [EPOCHS]
# Prints each run's median training-epoch time (epoch 1 left out: it warms up / compiles) and the medians.
set -euo pipefail
venv=${1:?usage: scripts/bench-peers.sh VENV [ROUNDS] [EPOCHS]}
rounds=${2:-3}
epochs=${3:-3}
cd "$(dirname "$0")/.."
peers=../shared/bench
out=$(mktemp -d)
swift build -c release --product vae >/dev/null
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for r in $(seq 1 "$rounds"); do
  .build/release/vae train --device cpu --epochs "$epochs" --quiet --out "$out/vae-$r" >/dev/null
  ours=$(tail -n +3 "$out/vae-$r/metrics.csv" | cut -d, -f8 | median)
  "$venv/bin/python" "$peers/torch_vae.py" --epochs "$epochs" --threads 2 --loss bce --json "$out/torch-$r.json" >/dev/null
  torch=$(grep -v '"epoch": 1,' "$out/torch-$r.json" | sed 's/.*"train_seconds": \([0-9.]*\).*/\1/' | median)
  "$venv/bin/python" "$peers/jax_vae.py" --mode scan --epochs "$epochs" --loss bce --json "$out/jax-$r.json" >/dev/null
  jax=$(grep -v '"epoch": 1,' "$out/jax-$r.json" | sed 's/.*"train_seconds": \([0-9.]*\).*/\1/' | median)
  echo "round $r: vulkanvae $ours s  torch $torch s  jax-scan $jax s" | tee -a "$out/rounds.txt"
done
m() { awk -v f="$1" '{print $f}' "$out/rounds.txt" | median; }
v=$(m 4); t=$(m 7); j=$(m 10)
echo "median epoch: vulkanvae $v s, torch $t s, jax-scan $j s; vulkanvae/torch $(awk -v a="$v" -v b="$t" 'BEGIN{printf "%.2f", a/b}'), vulkanvae/jax $(awk -v a="$v" -v b="$j" 'BEGIN{printf "%.2f", a/b}')"
