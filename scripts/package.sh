#!/usr/bin/env bash
# Every function built as Lambda runs it (arm64, provided.al2023) with cargo-lambda and
# zig from the project's .venv, zipped as Lambda takes it: target/lambda/<function>/
# bootstrap.zip. One cargo invocation for all of them, so the SDK crates build once.
set -euo pipefail
cd "$(dirname "$0")/.."

FUNCTIONS=(send thread export mark-read activity admin notify sms-inbound email-inbound jobs events
  webhooks)
# A zip larger than this (2.5 MB) fails the build: size is cold start.
MAX_ZIP_BYTES=${MAX_ZIP_BYTES:-2500000}

rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
  || rustup target add aarch64-unknown-linux-gnu
export PATH="$PWD/.venv/bin:$PATH"
args=()
for f in "${FUNCTIONS[@]}"; do args+=(-p "$f"); done
started=$(date +%s)
cargo lambda build --release --arm64 --output-format zip "${args[@]}"
echo "== packages (arm64, built in $(( $(date +%s) - started )) s)"
status=0
for f in "${FUNCTIONS[@]}"; do
  zip="target/lambda/$f/bootstrap.zip"
  bytes=$(stat -c %s "$zip")
  unzipped=$(unzip -l "$zip" | awk 'END {print $1}')
  mark=""
  if (( bytes > MAX_ZIP_BYTES )); then mark="  over $MAX_ZIP_BYTES bytes"; status=1; fi
  printf "%-13s zip %9d bytes (%5d KiB)  bootstrap %5d KiB%s\n" "$f" "$bytes" $(( bytes / 1024 )) \
    $(( unzipped / 1024 )) "$mark"
done
exit $status
