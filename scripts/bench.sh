#!/usr/bin/env bash
# Numbers, not assertions, ending in one table: the Lambda packages' sizes (arm64), each
# function's cold start and memory beside a hello-world lambda_http function, handler
# throughput, a 20,000-message export as CSV and as PDF (time, CPU, peak RSS, size,
# requests, S3 parts), a person's export and erasure (10,000 messages: time, peak RSS,
# requests, units), the dispatcher draining a backlog, the secret read at cold start, the
# web app's size, first render and idle polling, events from commit to webhook and
# through the events function, email replies from S3 to a readable message, and the
# capacity and price of every operation. Logs in target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
out=target/bench
mkdir -p "$out"
started=$(date +%s)
step() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

step "Lambda packages (make package)"
scripts/package.sh | tee "$out/package.log"
step "one optimised build: the functions, hello-world, the benchmarks and the capacity run"
# One invocation, so the binaries and the benchmarks share one feature set and one build
# of the SDK crates (built separately, the two sets differ and it is built twice).
cargo build --profile bench --bins --benches --test capacity -p testkit -p send -p thread -p export \
  -p mark-read -p activity -p admin -p notify -p sms-inbound -p email-inbound -p jobs -p events \
  -p webhooks -p hello
start_moto "$(free_port)"
step "cold start and memory against an emulated Lambda Runtime API"
BENCH_BIN_DIR="$PWD/target/release" cargo bench -p testkit --bench coldstart 2>&1 | tee "$out/coldstart.log"
step "handler throughput"
cargo bench -p testkit --bench throughput 2>&1 | tee "$out/throughput.log"
step "exporting 20,000 messages of 4,000 characters as CSV and as PDF (streamed to S3 in parts; peak RSS of each export alone)"
cargo bench -p testkit --bench export 2>&1 | tee "$out/export.log"
step "a person's data: export and erasure of a contact with 10,000 messages (the jobs worker)"
cargo bench -p testkit --bench person 2>&1 | tee "$out/person.log"
step "the dispatcher draining a backlog (moto's SES, embedded DynamoDB)"
cargo bench -p testkit --bench backlog 2>&1 | tee "$out/backlog.log"
step "events: commit to first webhook attempt through the stream, and events a second (moto's EventBridge)"
cargo bench -p testkit --bench events 2>&1 | tee "$out/events.log"
step "email replies: the raw message in S3 to the message on a thread page (moto's S3)"
cargo bench -p testkit --bench replies 2>&1 | tee "$out/replies.log"
step "what the secret read adds to a cold start (moto's SSM)"
cargo bench -p testkit --bench secrets 2>&1 | tee "$out/secrets.log"
step "the web app: gzip size, first render of an inbox of 200 conversations, idle requests a minute (Chromium)"
scripts/web-bench.sh 2>&1 | tee "$out/web.log"
step "capacity per operation (make capacity)"
scripts/capacity.sh --profile bench | tee "$out/capacity.log"
step "done"
python3 scripts/bench_table.py "$out"
echo "make bench took $(( $(date +%s) - started )) s"
