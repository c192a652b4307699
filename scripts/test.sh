#!/usr/bin/env bash
# The test suite, in debug and in release (optimized builds end object lifetimes early, which is where
# lifetime bugs around GPU resources show). Vulkan runs with validation on; on a machine without a GPU it
# runs on lavapipe, never skipped. Ends with one summary line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
log=$(mktemp)
status=0
for configuration in debug release; do
  echo "== swift test -c $configuration"
  swift test -c "$configuration" 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then echo "== swift test -c $configuration exited with status $rc"; status=1; fi
done
# Swift Testing's closing lines: "✔ Test run with N tests in S suites passed …" or "✘ … failed … with K issues".
passed=$(grep -E "Test run with [0-9]+ tests? .*passed" "$log" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E "Test run with [0-9]+ tests? .*failed" "$log" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
