#!/usr/bin/env bash
# The test suite: `swift test` in release (optimized builds end object lifetimes early, which is where
# lifetime bugs around GPU resources show; the code has no assert or #if DEBUG, so preconditions are checked
# the same in both configurations and a debug run adds no check). Vulkan runs with validation on; on a
# machine without a GPU it runs on lavapipe, never skipped. The Vulkan device and driver are printed first.
#
# With the second driver (scripts/fetch-second-driver.sh; VAE_SECOND_DRIVER=PATH to its ICD file, or `fetch`
# to fetch it, as CI does), every kernel family is then checked on it against the reference (`vae selftest
# --quick --validate`) and the Vulkan training suites run again on it (CPU-vs-Vulkan training of each
# architecture, replay, streaming, shards, device failure), so a result that holds on one driver only shows.
# (Not every Vulkan suite: Mesa 25's lavapipe compiles pipelines several times slower than Mesa 22's, and the
# whole set costs about five minutes there from a cold cache.) Ends with one summary line over everything it
# ran: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
# The suites that train on Vulkan in the test process (the kernel suite runs on it through `vae selftest`).
SECOND_DRIVER_SUITES="VAETests\.(TrainingTests|Conv64ModelTests|ConvModelTests|ReplayTests|StreamedDataTests|ShardedDataTests|DeviceFailureTests)"
second="${VAE_SECOND_DRIVER:-}"
if [ "$second" = fetch ]; then
  second=$(bash scripts/fetch-second-driver.sh) || { echo "test: the second driver could not be fetched"; exit 1; }
fi
log=$(mktemp)
status=0
start=$SECONDS
echo "== swift test -c release"
swift test -c release 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then echo "== swift test -c release exited with status $rc"; status=1; fi
echo "== test: the suite took $((SECONDS - start)) s"
if [ -n "$second" ]; then
  [ -f "$second" ] || { echo "test: VAE_SECOND_DRIVER=$second is not a file"; exit 1; }
  start=$SECONDS
  echo "== the second driver, VK_DRIVER_FILES=$second"
  VK_DRIVER_FILES="$second" .build/release/vae devices | grep -E "^vulkan|driver"
  VK_DRIVER_FILES="$second" .build/release/vae selftest --device vulkan --quick --validate 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then echo "== vae selftest on the second driver exited with status $rc"; status=1; fi
  VK_DRIVER_FILES="$second" swift test -c release --skip-build --filter "$SECOND_DRIVER_SUITES" 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then echo "== swift test on the second driver exited with status $rc"; status=1; fi
  echo "== test: the second driver's run took $((SECONDS - start)) s"
fi
# Which drivers ran: the suite prints "[devices] …" once per run (Tests/KernelTests/Support/TestDevices.swift).
grep -a "^\[devices\] vulkan" "$log" | sort -u | sed 's/^/== test: /' 
# Swift Testing's closing lines: "✔ Test run with N tests in S suites passed …" or "✘ … failed … with K issues".
passed=$(grep -aE "Test run with [0-9]+ tests? .*passed" "$log" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -aE "Test run with [0-9]+ tests? .*failed" "$log" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
