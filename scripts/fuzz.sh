#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer and AddressSanitizer: scripts/fuzz.sh [SECONDS per target] [TARGET…]
# (targets: Fuzz/targets/*.swift; default all, 60 s each). SwiftPM cannot link libFuzzer executables, so the
# readers' modules (VAECompute, VAEFormats) are compiled here with plain swiftc, instrumented, and each target
# is linked against them. Seeds are Fuzz/corpus/TARGET (real files); what the fuzzer finds goes to
# .build-fuzz/corpus/TARGET, and a crash to .build-fuzz/crashes/TARGET-*, which fails the run: copy it into
# Fuzz/regressions/TARGET/ so the suite replays it for good (Tests/VAETests/FuzzReplayTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in Fuzz/targets/*.swift; do targets+=("$(basename "$f" .swift)"); done
fi
build=.build-fuzz
mkdir -p "$build/modules" "$build/crashes"
flags=(-O -parse-as-library -sanitize=fuzzer,address -g)

# Rebuild the instrumented modules when a source is newer than the library.
module() {
  local name=$1; shift
  local lib="$build/modules/lib$name.a"
  if [ ! -f "$lib" ] || [ -n "$(find "Sources/$name" -newer "$lib" -name '*.swift' | head -1)" ]; then
    echo "fuzz: compiling $name"
    swiftc "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$build/modules/$name.swiftmodule" \
      -emit-library -static -o "$lib" -I "$build/modules" "$@" $(find "Sources/$name" -name "*.swift" | sort)
  fi
}
module VAECompute
c_modules=(-I Sources/CZlib -I Sources/CPNG -I Sources/CTurboJPEG -I Sources/CMinizip)
module VAEFormats "${c_modules[@]}"

# Link every target first, then fuzz them side by side (one process each; libFuzzer is single-threaded, so
# they share the cores instead of queueing for them).
for target in "${targets[@]}"; do
  swiftc "${flags[@]}" -I "$build/modules" "${c_modules[@]}" "Fuzz/targets/$target.swift" \
    -L "$build/modules" -lVAEFormats -lVAECompute -lminizip -lpng16 -lturbojpeg -lz -o "$build/fuzz-$target" 2>&1 | { grep -v "Cannot export local symbol" || true; }
  mkdir -p "$build/corpus/$target"
done
echo "fuzz: ${targets[*]} side by side for ${seconds}s"
pids=()
for target in "${targets[@]}"; do
  # -rss_limit_mb: the readers refuse anything that would need more; a bigger footprint is a finding.
  "$build/fuzz-$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$target-" "$build/corpus/$target" "Fuzz/corpus/$target" 2> "$build/$target.log" &
  pids+=($!)
done
status=0
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  if ! wait "${pids[$i]}"; then
    echo "fuzz: $target FAILED; the input is in $build/crashes/ and the report in $build/$target.log:"
    grep -E "ERROR|SUMMARY|Fatal error|panic" "$build/$target.log" | head -5
    status=1
  else
    runs=$(grep -E "^stat::number_of_executed_units" "$build/$target.log" | awk '{print $2}')
    cov=$(grep -E "cov: [0-9]+" -o "$build/$target.log" | tail -1)
    echo "fuzz: $target ok: ${runs:-?} inputs, ${cov:-cov ?}, no crash"
  fi
done
exit $status
