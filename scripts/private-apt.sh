# Sourced by the scripts that fetch Debian packages without installing them (fetch-second-driver.sh,
# fetch-coopmat-driver.sh). private_apt DIR SUITE… prepares an apt configuration of its own under DIR (lists,
# cache and an empty package status, so apt resolves as on an empty system and nothing of the machine's own
# apt state is touched) that reads the Debian archive the system already uses (its first URI serving the
# release, else Debian's own) for the suites named, and sets `apt_opts` to pass to apt-get; `apt_archive` is the
# archive's URI. Needs `fail` (one line, non-zero exit) from the caller.
private_apt() {
  local dir=$1 suite
  shift
  [ "$(uname -m)" = x86_64 ] || fail "only x86_64 is set up here (this machine is $(uname -m))"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || fail "Debian's archive keyring is missing ($keyring; apt-get install debian-archive-keyring)"
  apt_archive=$(grep -rhsE "^(URIs:|deb )" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
    grep -oE "https?://[^ ]+" | grep -v -- "-security" | grep -E "/debian/?$" | head -1 || true)
  apt_archive=${apt_archive:-http://deb.debian.org/debian}
  rm -rf "$dir"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/state"
  : > "$dir/state/status"
  : > "$dir/sources.list"
  for suite in "$@"; do echo "deb [signed-by=$keyring] $apt_archive $suite main" >> "$dir/sources.list"; done
  apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=$dir/state/status" -o "Dir::Cache=$dir/cache"
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Install-Recommends=false)
}
