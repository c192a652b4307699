#!/usr/bin/env bash
# The MPI build (swift build --traits MPI, in .build-mpi) and its tests: `vae train` under mpirun on the CPU
# and on lavapipe against one process, resume across rank counts, ranks that disagree or fail. Needs Open MPI
# (scripts/setup.sh installs openmpi-bin and libopenmpi-dev). Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "test-mpi: mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)"; exit 1; }
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
log=$(mktemp)
swift test --traits MPI --scratch-path .build-mpi --filter "MPICLITests|DataParallelTests" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -E "Test run with [0-9]+ tests? .*passed" "$log" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E "Test run with [0-9]+ tests? .*failed" "$log" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
