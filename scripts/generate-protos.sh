#!/usr/bin/env bash
# Regenerates the C code of Protos/*.proto (protobuf-c) into Sources/CTensorBoardEvent. Run only after changing
# a .proto: the generated files are committed, so building needs only the protobuf-c runtime (libprotobuf-c-dev,
# which scripts/setup.sh installs), not its compiler. protobuf-c rather than swift-protobuf: the C runtime is a
# system library, while swift-protobuf's 50 s module build was repeated by every build configuration of CI.
# Needs protoc-c (Debian: protobuf-c-compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc-c >/dev/null || { echo "generate-protos: protoc-c is not on PATH (apt-get install protobuf-c-compiler)" >&2; exit 1; }
out=Sources/CTensorBoardEvent
protoc-c --proto_path=Protos --c_out="$out" Protos/tensorboard_event.proto
mv "$out/tensorboard_event.pb-c.h" "$out/include/"
echo "generate-protos: wrote $out/tensorboard_event.pb-c.c and $out/include/tensorboard_event.pb-c.h"
