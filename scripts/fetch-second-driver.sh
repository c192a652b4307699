#!/usr/bin/env bash
# A second Vulkan driver for the suite: the newer lavapipe from Debian's backports (Mesa 25 on Debian 12),
# unpacked beside the stock one, never installed over it. Prints the ICD file to point VK_DRIVER_FILES at;
# scripts/test.sh and scripts/sanitize.sh use it through VAE_SECOND_DRIVER (see scripts/second-driver.sh).
#
# How: a private apt configuration (scripts/private-apt.sh: its own lists and cache under .build-tools/) that
# reads the same Debian archive as the system's sources, for the backports suite; `apt-get download` of mesa-vulkan-drivers from
# there (whatever version backports has today: old ones disappear, so none is pinned), `dpkg -x` into
# .build-tools/second-driver/root, and an ICD file whose library_path is that folder's libvulkan_lvp.so.
# Nothing under /usr changes. Exits non-zero with one line saying why when it cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.build-tools/second-driver"
icd="$root/lvp_icd.json"
lib="$root/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"
fail() { echo "fetch-second-driver: $*" >&2; exit 1; }

if [ -f "$icd" ] && [ -f "$lib" ] && [ -f "$root/version" ]; then
  echo "$icd"
  exit 0
fi
. /etc/os-release
[ "${ID:-}" = debian ] && [ -n "${VERSION_CODENAME:-}" ] ||
  fail "needs Debian's backports archive (this is ${PRETTY_NAME:-an unknown system}); the suite runs on the stock driver alone only where VAE_SECOND_DRIVER=none says so"
suite="$VERSION_CODENAME-backports"

. scripts/private-apt.sh
apt="$root/apt"
rm -rf "$root/root"
private_apt "$apt" "$suite"
archive=$apt_archive
opts=("${apt_opts[@]}")
mkdir -p "$root/deb"
echo "fetch-second-driver: mesa-vulkan-drivers from $archive $suite" >&2
apt-get "${opts[@]}" update -qq >&2 || fail "apt-get update of $archive $suite failed"
(cd "$root/deb" && apt-get "${opts[@]}" download -qq "mesa-vulkan-drivers/$suite" >&2) ||
  fail "apt-get download mesa-vulkan-drivers/$suite failed"
deb=$(ls "$root"/deb/mesa-vulkan-drivers_*.deb)
version=$(dpkg-deb -f "$deb" Version)
dpkg -x "$deb" "$root/root"
rm -rf "$root/deb" "$apt"
[ -f "$lib" ] || fail "the package has no libvulkan_lvp.so"
api=$(grep -oE '"api_version": *"[^"]+"' "$root/root/usr/share/vulkan/icd.d/lvp_icd.json" | grep -oE "[0-9.]+" || echo 1.3.0)
cat > "$icd" <<EOF
{
    "file_format_version": "1.0.0",
    "ICD": { "library_path": "$lib", "api_version": "$api" }
}
EOF
echo "$version" > "$root/version"
echo "fetch-second-driver: lavapipe from mesa-vulkan-drivers $version in $root" >&2
echo "$icd"
