#!/usr/bin/env bash
# Data-parallel scaling on this machine: images/s of one process against `mpirun -np RANKS` (the cores shared
# among the ranks) for the MLP and conv28 on the CPU backend, side by side, RUNS times in turn (this machine's
# speed drifts, so the ratio of each pair is the figure to read, and their median), with the gradient sum's
# time per step in training and the bare sum alone (`vae bench --what allreduce`).
# Builds the MPI binary (swift build -c release --traits MPI) into .build-mpi first.
# Usage: scripts/bench-scaling.sh [RANKS] [RUNS] (defaults 2 and 3). Needs Open MPI (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ranks="${1:-2}"
runs="${2:-3}"
swift build -c release --traits MPI --scratch-path .build-mpi --product vae >/dev/null
vae=.build-mpi/release/vae
mpirun=(mpirun --allow-run-as-root --oversubscribe -np "$ranks")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The second epoch's rate (the first includes warming up), from the epoch line's last field.
rate() { grep "^epoch  2" | awk '{print $(NF-1)}'; }
printf '%-8s %4s %14s %14s %7s  %s\n' model run "1 process" "$ranks ranks" ratio "gradient sum in training"
for arch in mlp conv28; do
  limit=()
  [ "$arch" = conv28 ] && limit=(--train-limit 6000)
  common=(train --arch "$arch" --epochs 2 "${limit[@]}" --test-limit 1000 --device cpu --quiet --no-tensorboard)
  ratios=()
  for run in $(seq "$runs"); do
    one=$("$vae" "${common[@]}" --out "$work/one-$arch-$run" | rate)
    out=$("${mpirun[@]}" "$vae" "${common[@]}" --out "$work/many-$arch-$run")
    many=$(echo "$out" | rate)
    sum=$(echo "$out" | sed -n 's/^data parallel: [0-9]* ranks; gradient sum //p')
    ratio=$(awk -v a="$many" -v b="$one" 'BEGIN { printf "%.2f", a / b }')
    ratios+=("$ratio")
    printf '%-8s %4s %10s img/s %8s img/s %6sx  %s\n' "$arch" "$run" "$one" "$many" "$ratio" "$sum"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  printf '%-8s median ratio %s over %s runs\n' "$arch" "$median" "$runs"
  "${mpirun[@]}" "$vae" bench --what allreduce --arch "$arch" --repetitions 50
done
