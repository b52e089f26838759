#!/usr/bin/env bash
# The API contract: schemathesis drives the local API from openapi.yaml, with an admin's
# and a staff member's token (fixed seed, bounded examples), and fails on any 5xx, any
# response that does not match its schema and any status the document does not list.
# Needs moto (AWS_ENDPOINT_URL) started by the caller.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p local
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
mkdir -p .tidings
# The contract explores every route, far past one caller's rate limit.
TIDINGS_DATA_DIR="$data" PORT="$port" TIDINGS_DISPATCH_SECONDS=3600 \
  RATE_LIMIT_READS=100000/100000 RATE_LIMIT_WRITES=100000/100000 \
  target/debug/local >".tidings/contract-local-$port.log" 2>&1 &
local_pid=$!
trap 'kill $local_pid 2>/dev/null; wait $local_pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/messages/unread" && break
  sleep 0.1
done

for role in admin staff; do
  token=$(target/debug/local token --role "$role" --tenant demo --sub "demo-$role")
  echo "   as $role"
  .venv/bin/schemathesis run openapi.yaml \
    --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" \
    --seed 1 -n 20 \
    --phases examples,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --no-color >".tidings/contract-$role.log" 2>&1 \
    || { tail -80 ".tidings/contract-$role.log"; exit 1; }
  grep -E "^Test cases:|generated" ".tidings/contract-$role.log" | tail -1 | sed 's/^/   /'
done
