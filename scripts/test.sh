#!/usr/bin/env bash
# Every check, in the order a failure is cheapest to find.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
source scripts/web.sh

start=$(date +%s)
echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cfn-lint infra/template.yaml"
.venv/bin/cfn-lint infra/template.yaml
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== pdftotext (the PDF export's tests read its text back)"
command -v pdftotext >/dev/null || apt_install poppler-utils
# Its whole version text, then the first line: `head` closing the pipe early would kill
# pdftotext with SIGPIPE, which pipefail reports as a failure.
version=$(pdftotext -v 2>&1 || true)
echo "${version%%$'\n'*}"
echo "== web app: npm ci, type check and build (web/dist); Chromium for its browser tests"
web_build
ensure_chromium
chromium --version
echo "== moto (SES v2, SNS, S3)"
start_moto "$(free_port)"
echo "   $AWS_ENDPOINT_URL"
echo "== cargo test (every AWS call recorded for the IAM check)"
calls="$PWD/target/aws-calls"
rm -rf "$calls"
TIDINGS_AWS_CALLS="$calls" cargo test --workspace -- --skip iam_policies_grant
echo "== IAM: each function's calls against its policies in infra/template.yaml"
TIDINGS_AWS_CALLS_RECORDED="$calls" cargo test --workspace --test iam -- --nocapture
echo "== API contract (schemathesis)"
scripts/contract.sh
echo "== README walk-through"
scripts/readme.sh
echo "== web app: build, then the journeys in Chromium (Playwright)"
scripts/web-test.sh
echo "== make test passed in $(( $(date +%s) - start ))s"
