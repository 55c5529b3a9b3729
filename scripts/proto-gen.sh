#!/usr/bin/env bash
# Generates the TypeScript types of proto/ into libs/wire/generated. The options must match
# LOADER_OPTIONS in libs/wire/src/load-proto.ts, or the types would lie about the decoded shape.
# --check: regenerate into a temp dir and fail if the committed files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
out=libs/wire/generated
gen() {
  proto-loader-gen-types --keepCase --longs=String --enums=String --defaults --oneofs \
    --grpcLib=@grpc/grpc-js --outDir="$1" proto/dtn/peering/v1/dpp.proto >/dev/null
  # The generator writes extensionless imports; ESM under nodenext wants the file's extension.
  find "$1" -name '*.ts' -exec sed -i -E "s#(from '\.{1,2}/[^']*)'#\1.ts'#" {} +
}
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  gen "$tmp"
  if ! diff -r "$tmp" "$out" >/dev/null; then
    echo "libs/wire/generated is out of date with proto/: run npm run proto:gen" >&2
    diff -r "$tmp" "$out" | head -20 >&2
    exit 1
  fi
  echo "proto: generated types up to date"
else
  rm -rf "$out"; gen "$out"
fi
