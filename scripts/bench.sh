#!/usr/bin/env bash
# Numbers, not assertions: release binary sizes, the time from exec to "listening" for the
# local API, and handler throughput against embedded DynamoDB.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== release build (the profile the Lambdas ship with)"
cargo build --release -p send -p thread -p mark-read -p activity -p admin -p notify -p sms-inbound
for bin in send thread mark-read activity admin notify sms-inbound; do
  printf "%-12s %6d KiB\n" "$bin" $(( $(stat -c %s "target/release/$bin") / 1024 ))
done
echo "== handler throughput (cargo bench)"
cargo bench -p testkit --bench throughput
echo "== exporting 20,000 messages as CSV"
cargo bench -p testkit --bench export
echo "== the dispatcher draining a backlog (moto's SES, embedded DynamoDB)"
source scripts/moto.sh
start_moto "$(free_port)"
cargo bench -p testkit --bench backlog
echo "== what the secret read adds to a cold start (moto's SSM)"
cargo bench -p testkit --bench secrets
echo "== capacity per operation (make capacity)"
scripts/capacity.sh
