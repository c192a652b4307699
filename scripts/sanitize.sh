#!/usr/bin/env bash
# The test suite under AddressSanitizer and ThreadSanitizer: scripts/sanitize.sh [address|thread|all] (default all).
# Each sanitizer builds into its own folder (.build-asan, .build-tsan). Leak checking is off: the Vulkan loader,
# lavapipe and the validation layer are not instrumented and keep allocations to process exit (their known
# leaks), which LeakSanitizer would report as ours; memory errors and data races are what these runs check.
# The C kernels are not built for ThreadSanitizer (see Package.swift); the Swift worker pool that shares work
# between threads is. Ends with one line per sanitizer and exits non-zero if either failed.
# The builds are optimized (-c release): both sanitizers are made for optimized code, the shipped binary is
# optimized, and an unoptimized suite under ThreadSanitizer takes longer than CI may (about 10 minutes
# optimized on 2 cores, several times that in debug). scripts/test.sh runs the debug build, with its asserts.
set -uo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:${ASAN_OPTIONS:-}"
export TSAN_OPTIONS="halt_on_error=0:${TSAN_OPTIONS:-}"
status=0
summary=()
for sanitizer in address thread; do
  [ "$which" = all ] || [ "$which" = "$sanitizer" ] || continue
  scratch=.build-${sanitizer:0:1}san
  log=$(mktemp)
  echo "== swift test -c release --sanitize=$sanitizer"
  swift test -c release --sanitize="$sanitizer" --scratch-path "$scratch" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  reports=$(grep -cE "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$log")
  if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then status=1; fi
  summary+=("$sanitizer: swift test exited $rc, $reports sanitizer report(s)")
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
