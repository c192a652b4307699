#!/usr/bin/env bash
# The test suite, in debug and in release (optimized builds end object lifetimes early, which is where
# lifetime bugs around GPU resources show). Vulkan runs with validation on; on a machine without a GPU it
# runs on lavapipe, never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export VK_LAYER_ENABLES="${VK_LAYER_ENABLES:-VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT}"
echo "== swift test (debug)"
swift test
echo "== swift test -c release"
swift test -c release
