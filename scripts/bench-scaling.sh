#!/usr/bin/env bash
# Data-parallel scaling on this machine: images/s of one process against `mpirun -np 2` (the cores shared
# among the ranks) for the MLP and conv28 on the CPU backend, side by side, and the gradient sum's time per
# step. Builds the MPI binary (swift build -c release --traits MPI) into .build-mpi first.
# Usage: scripts/bench-scaling.sh [RANKS] (default 2). Needs Open MPI (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ranks="${1:-2}"
swift build -c release --traits MPI --scratch-path .build-mpi --product vae >/dev/null
vae=.build-mpi/release/vae
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The second epoch's rate (the first includes warming up), from the epoch line's last field.
rate() { grep "^epoch  2" | awk '{print $(NF-1)}'; }
printf '%-8s %14s %14s %7s  %s\n' model "1 process" "$ranks ranks" ratio "gradient sum"
for arch in mlp conv28; do
  limit=()
  [ "$arch" = conv28 ] && limit=(--train-limit 6000)
  common=(train --arch "$arch" --epochs 2 "${limit[@]}" --test-limit 1000 --device cpu --quiet --no-tensorboard)
  one=$("$vae" "${common[@]}" --out "$work/one-$arch" | rate)
  out=$(mpirun --allow-run-as-root --oversubscribe -np "$ranks" "$vae" "${common[@]}" --out "$work/many-$arch")
  many=$(echo "$out" | rate)
  sum=$(echo "$out" | sed -n 's/^data parallel: [0-9]* ranks; gradient sum //p')
  printf '%-8s %10s img/s %8s img/s %6.2fx  %s\n' "$arch" "$one" "$many" "$(awk -v a="$many" -v b="$one" 'BEGIN { print a / b }')" "$sum"
done
