#!/usr/bin/env bash
# Regenerates the Swift code of Protos/*.proto into the targets that use it. Run only after changing a .proto:
# the generated files are committed, so building needs neither protoc nor swift-protobuf's plugin (its first
# build takes minutes). Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift on PATH, built from the
# swift-protobuf version Package.swift names:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0
#   swift build -c release --product protoc-gen-swift   # then add .build/release to PATH
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "generate-protos: protoc is not on PATH (apt-get install protobuf-compiler)" >&2; exit 1; }
command -v protoc-gen-swift >/dev/null || { echo "generate-protos: protoc-gen-swift is not on PATH (see this script's header)" >&2; exit 1; }
protoc --proto_path=Protos --swift_out=Sources/VAETensorBoard --swift_opt=Visibility=Internal Protos/tensorboard_event.proto
echo "generate-protos: wrote Sources/VAETensorBoard/tensorboard_event.pb.swift"
