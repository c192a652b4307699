#!/usr/bin/env python3
"""Reads a folder of TensorBoard event files with the tensorboard package's own loader and prints what it
found as one JSON object: {"scalars": {tag: [[step, value], ...]}, "images": {tag: [[step, width, height], ...]}}.

The tests use it to prove that `vae train` writes files TensorBoard reads (not only files our own code reads).
Exits 2 when the tensorboard package is missing (pip install tensorboard; scripts/setup.sh installs it).
"""
import json
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator
except ImportError:
    print("tensorboard-summary: the tensorboard Python package is missing (pip install tensorboard)", file=sys.stderr)
    sys.exit(2)


def main(folder):
    acc = event_accumulator.EventAccumulator(
        folder, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    out = {
        "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags.get("scalars", [])},
        "images": {t: [[e.step, e.width, e.height] for e in acc.Images(t)] for t in tags.get("images", [])},
    }
    json.dump(out, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: tensorboard-summary.py FOLDER", file=sys.stderr)
        sys.exit(64)
    main(sys.argv[1])
