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

# The demo's notification delay (20 s) stands; the dispatcher runs every second so
# that the walk-through waits for the delay and not for the schedule.
start_local readme TIDINGS_DISPATCH_SECONDS=1
api=$API_URL

# The tokens `make dev` prints.
token() { target/debug/local token --role "$1" --tenant demo --sub "$2" ${3:+--customer "$3"}; }
ADMIN_TOKEN=$(token admin demo-admin)
STAFF_TOKEN=$(token staff demo-staff)
CUSTOMER_TOKEN=$(token customer demo-contact demo-customer)
export ADMIN_TOKEN STAFF_TOKEN CUSTOMER_TOKEN

python3 scripts/readme_walkthrough.py --api "$api" --moto "$AWS_ENDPOINT_URL" \
  || { echo "   local API log: $LOCAL_LOG"; exit 1; }
