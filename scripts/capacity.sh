#!/usr/bin/env bash
# One line per operation: DynamoDB requests and capacity units (table and indexes, as
# ReturnConsumedCapacity: INDEXES reports them from the embedded emulator) in a
# conversation read by 2, 500 and 3,000 people, and the price per million at us-east-1
# list prices. Dev profile unless the arguments say otherwise (make bench passes its own).
# Email replies read the raw message from S3: moto's server is started on a free port
# (as make test starts it) and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
mkdir -p target
start_moto "$(free_port)"
cargo test "$@" -p testkit --test capacity -- --nocapture --test-threads=1 >target/capacity.log 2>&1 \
  || { cat target/capacity.log; exit 1; }
grep -o 'CAPACITY .*' target/capacity.log
