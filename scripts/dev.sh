#!/usr/bin/env bash
# The local stack: moto for SES/SNS/S3 on ${MOTO_PORT:-5000} (sent mail and SMS at
# /moto-api/data.json), DynamoDB embedded in the local API (data in .tidings/), the API on
# 127.0.0.1:${PORT:-3000} and the web app at /app/ on the same origin. Ctrl-C stops
# everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
source scripts/web.sh

web_build
cargo build -p local
start_moto "${MOTO_PORT:-5000}"
echo "moto (SES v2, SNS, S3): $AWS_ENDPOINT_URL  — sent messages: $AWS_ENDPOINT_URL/moto-api/data.json"
target/debug/local
