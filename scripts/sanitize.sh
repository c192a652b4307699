#!/usr/bin/env bash
# The suite under the sanitizers: scripts/sanitize.sh [address|thread|all] (default all).
# - address: AddressSanitizer over the whole suite, built with the MPI trait so the MPI tests (mpirun and its
#   ranks) run under it too.
# - thread: ThreadSanitizer over the suites whose code runs on several threads (THREADED below): the CPU
#   backend's worker pool, ranks as threads, the streamed and sharded data, the decoding of image folders in
#   parallel, the data cache, the run's signals and progress line, the Vulkan device's locks and staging.
#   Suites of single-threaded code (file formats, one-shot CLI checks) add time and nothing for TSan: of the
#   hostile-use suite only the signal and folder-lock tests run (the rest are file checks and kills of
#   processes, whose worker pool the in-process suites already cover).
# Each sanitizer builds into its own folder (.build-asan, .build-tsan), optimized (-c release): both
# sanitizers are made for optimized code, and the shipped binary is optimized.
# Leak checking is off: the Vulkan loader, lavapipe and the validation layer are not instrumented and keep
# allocations to process exit, which LeakSanitizer would report as ours.
# Reports are written to files (log_path) as well as caught in the output, so a report from a `vae` child
# process whose output a test captured is still seen; any report fails the run.
# The C kernels are not built for ThreadSanitizer (see Package.swift); the Swift worker pool is.
# Ends with one line per sanitizer and exits non-zero if either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
THREADED="KernelTests.(VulkanDeviceTests|TensorGroupTests|PipelineCacheTests|MatmulTests)|DataParallelTests|StreamedDataTests|ShardedDataTests|OwnDataTests|ImageFileTests|ColourDataTests|TrainingTests|ReplayTests|HardeningCLITests/(aSecondInterruptStopsAtOnce|aRunningTrainingLocksItsFolder)|OwnDataCLITests"
status=0
summary=()
for sanitizer in address thread; do
  [ "$which" = all ] || [ "$which" = "$sanitizer" ] || continue
  scratch=.build-${sanitizer:0:1}san
  reports_dir=$(mktemp -d)
  log=$(mktemp)
  case $sanitizer in
    address)
      export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:log_path=$reports_dir/report:${ASAN_OPTIONS:-}"
      args=(--traits MPI)
      command -v mpirun >/dev/null || { echo "sanitize: mpirun is not installed (scripts/setup.sh installs it)"; exit 1; }
      ;;
    thread)
      export TSAN_OPTIONS="halt_on_error=0:log_path=$reports_dir/report:${TSAN_OPTIONS:-}"
      args=(--filter "$THREADED")
      ;;
  esac
  echo "== swift test -c release --sanitize=$sanitizer ${args[*]}"
  start=$SECONDS
  VAE_SANITIZER="$sanitizer" swift test -c release --sanitize="$sanitizer" --scratch-path "$scratch" "${args[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # Reports printed by the test process itself, and those any process (the `vae` children among them) wrote
  # to its own file under log_path.
  printed=$(grep -acE "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$log")
  files=$(grep -lsE "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$reports_dir"/report* | wc -l)
  for f in $(grep -lsE "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$reports_dir"/report*); do
    echo "== sanitize: report in $(basename "$f"):"; head -40 "$f"
  done
  tests=$(grep -aoE "Test run with [0-9]+ tests?" "$log" | grep -oE "[0-9]+" | tail -1)
  grep -a "^\[devices\] vulkan" "$log" | sort -u | sed "s/^/== sanitize: $sanitizer ran on /"
  if [ "$rc" -ne 0 ] || [ "$printed" -ne 0 ] || [ "$files" -ne 0 ]; then status=1; fi
  summary+=("$sanitizer: swift test exited $rc (${tests:-0} tests, $((SECONDS - start)) s), $((printed + files)) sanitizer report(s)")
  rm -rf "$log" "$reports_dir"
done
printf '%s\n' "${summary[@]}"
exit $status
