#!/usr/bin/env bash
# Builds `vae` optimized and installs it with its bundled MNIST:
#   scripts/install.sh [PREFIX]     (default: /usr/local)
# puts PREFIX/bin/vae and PREFIX/share/vulkanvae/mnist, where `vae` finds its data from any folder.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
swift build -c release --product vae
install -d "$prefix/bin" "$prefix/share/vulkanvae/mnist"
install -m 755 .build/release/vae "$prefix/bin/vae"
install -m 644 Data/mnist/* "$prefix/share/vulkanvae/mnist/"
echo "installed $prefix/bin/vae (data in $prefix/share/vulkanvae/mnist)"
