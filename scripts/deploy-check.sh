#!/usr/bin/env bash
# What `sam build` makes of infra/template.yaml on this machine, without Docker and
# without deploying: every function built for arm64 by cargo-lambda (zig), the template
# validated with its linter, and the built artifacts listed with their sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PWD/.venv/bin:$PATH"
# sam validates and builds offline; it only wants a region and some credentials to exist.
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-check} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-check}
export SAM_CLI_TELEMETRY=0
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
  || rustup target add aarch64-unknown-linux-gnu

echo "== sam validate --lint"
sam validate --lint --template-file infra/template.yaml
echo "== sam build (rust-cargolambda, arm64)"
started=$(date +%s)
sam build --template-file infra/template.yaml --build-dir target/sam --beta-features \
  --cached --cache-dir target/sam-cache
echo "== built in $(( $(date +%s) - started )) s"
for dir in target/sam/*Function; do
  printf "%-24s bootstrap %6d KiB\n" "$(basename "$dir")" $(( $(stat -c %s "$dir/bootstrap") / 1024 ))
done
