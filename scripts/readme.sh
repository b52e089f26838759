#!/usr/bin/env bash
# README.md's walk-through as a test: its command blocks, extracted from the README, run
# in order against a local API of their own (free port, fresh data, the dispatcher every
# second) and checked against what the README says they answer
# (scripts/readme_walkthrough.py). It starts its own moto too: what the tests left in
# another (S3 objects in some states) can make moto's /moto-api/data.json fail, and the
# walk-through reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
start_moto "$(free_port)"

cargo build -q -p local
port=$(free_port)
data=$(mktemp -d)
mkdir -p .tidings
# The demo's notification delay (20 s) stands; the dispatcher runs every second so
# that the walk-through waits for the delay and not for the schedule.
TIDINGS_DATA_DIR="$data" PORT="$port" TIDINGS_DISPATCH_SECONDS=1 \
  target/debug/local >".tidings/readme-local-$port.log" 2>&1 &
local_pid=$!
stop_local() {
  kill "$local_pid" 2>/dev/null
  wait "$local_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap 'stop_local; kill $MOTO_PID 2>/dev/null; wait $MOTO_PID 2>/dev/null; true' EXIT
api="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$api/messages/unread" && break
  kill -0 "$local_pid" 2>/dev/null || { cat ".tidings/readme-local-$port.log"; exit 1; }
  sleep 0.1
done

# The tokens `make dev` prints.
token() { target/debug/local token --role "$1" --tenant demo --sub "$2" ${3:+--customer "$3"}; }
ADMIN_TOKEN=$(token admin demo-admin)
STAFF_TOKEN=$(token staff demo-staff)
CUSTOMER_TOKEN=$(token customer demo-contact demo-customer)
export ADMIN_TOKEN STAFF_TOKEN CUSTOMER_TOKEN

python3 scripts/readme_walkthrough.py --api "$api" --moto "$AWS_ENDPOINT_URL" \
  || { echo "   local API log: .tidings/readme-local-$port.log"; exit 1; }
