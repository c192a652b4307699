#!/usr/bin/env bash
# A Vulkan driver with cooperative matrices, for checking the mixed-precision product on a machine without a
# GPU: Mesa 26's lavapipe from Debian 13's backports (the first lavapipe that exposes VK_KHR_cooperative_matrix,
# 8×8×8 f16 tiles), with Debian 13's validation layer (Debian 12's predates the extension and rejects its
# SPIR-V). They need Debian 13's C library, so everything is unpacked under .build-tools/coopmat-driver (about
# 310 MB; nothing is installed) and programs run under that folder's own dynamic loader, through the launcher
# this prints: `LAUNCHER vae …` runs our binary with the folder's libraries first and the driver and layer chosen.
# How: a private apt configuration (scripts/private-apt.sh: own lists, cache and an empty package status) on
# Debian's archive for
# trixie and trixie-backports; apt resolves mesa-vulkan-drivers from backports (whatever version it has: old
# ones disappear, so none is pinned) with everything it needs, downloads them, and `dpkg -x` unpacks them.
# Exits non-zero with one line saying why when it cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.build-tools/coopmat-driver"
files="$root/root"
lib="$files/usr/lib/x86_64-linux-gnu"
launcher="$root/run"
fail() { echo "fetch-coopmat-driver: $*" >&2; exit 1; }

if [ -x "$launcher" ] && [ -f "$lib/libvulkan_lvp.so" ] && [ -f "$root/version" ]; then
  echo "$launcher"
  exit 0
fi
. scripts/private-apt.sh
apt="$root/apt"
rm -rf "$files"
mkdir -p "$files"
private_apt "$apt" trixie trixie-backports
archive=$apt_archive
opts=("${apt_opts[@]}")
echo "fetch-coopmat-driver: Mesa's lavapipe from $archive trixie-backports, with what it needs" >&2
apt-get "${opts[@]}" update -qq >&2 || fail "apt-get update of $archive trixie and trixie-backports failed"
apt-get "${opts[@]}" install -qq -y --download-only -t trixie-backports mesa-vulkan-drivers libvulkan1 \
  vulkan-validationlayers >&2 || fail "apt could not download mesa-vulkan-drivers from trixie-backports"
for deb in "$apt"/cache/archives/*.deb; do dpkg -x "$deb" "$files"; done
version=$(dpkg-deb -f "$apt"/cache/archives/mesa-vulkan-drivers_*.deb Version)
rm -rf "$apt"
[ -f "$lib/libvulkan_lvp.so" ] || fail "the package has no libvulkan_lvp.so"
[ -x "$lib/ld-linux-x86-64.so.2" ] || fail "Debian 13's dynamic loader is missing from the unpacked libc6"
api=$(grep -oE '"api_version": *"[^"]+"' "$files/usr/share/vulkan/icd.d/lvp_icd.json" | grep -oE "[0-9.]+" || echo 1.4.0)
cat > "$root/lvp_icd.json" <<JSON
{
    "file_format_version": "1.0.0",
    "ICD": { "library_path": "$lib/libvulkan_lvp.so", "api_version": "$api" }
}
JSON
cat > "$launcher" <<LAUNCH
#!/bin/sh
# Runs a program under Debian 13's loader and libraries with Mesa $version's lavapipe and Debian 13's
# validation layer (scripts/fetch-coopmat-driver.sh). Bundled data is looked for beside the binary, which the
# loader hides, so VAE_DATA points at the repository's Data/ unless set.
export VK_DRIVER_FILES="$root/lvp_icd.json" VK_LAYER_PATH="$files/usr/share/vulkan/explicit_layer.d"
export VAE_DATA="\${VAE_DATA:-$PWD/Data}"
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "\$@"
LAUNCH
chmod +x "$launcher"
echo "$version" > "$root/version"
echo "fetch-coopmat-driver: lavapipe from mesa-vulkan-drivers $version in $root" >&2
echo "$launcher"
