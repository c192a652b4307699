#!/usr/bin/env bash
# The toolchain's swift-format, with the checked-in .swift-format (4-space indent, 120 columns, the
# rules that fit this code base): `scripts/lint.sh` checks (any finding fails), `scripts/lint.sh --fix`
# rewrites the files in place.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Fuzz Plugins Package.swift)
if [ "${1:-}" = "--fix" ]; then
  swift format format --in-place --recursive "${paths[@]}"
else
  swift format lint --strict --recursive "${paths[@]}"
  echo "lint: ok"
fi
