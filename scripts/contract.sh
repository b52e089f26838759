#!/usr/bin/env bash
# The API contract: schemathesis drives the local API from openapi.yaml, with an admin's
# and a staff member's token (fixed seed, bounded examples), and fails on any 5xx, any
# response that does not match its schema and any status the document does not list.
# Needs moto (AWS_ENDPOINT_URL) started by the caller.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/moto.sh
# The contract explores every route, far past one caller's rate limit.
start_local contract TIDINGS_DISPATCH_SECONDS=3600 \
  RATE_LIMIT_READS=100000/100000 RATE_LIMIT_WRITES=100000/100000

for role in admin staff; do
  token=$(target/debug/local token --role "$role" --tenant demo --sub "demo-$role")
  echo "   as $role"
  .venv/bin/schemathesis run openapi.yaml \
    --url "$API_URL" \
    -H "Authorization: Bearer $token" \
    --seed 1 -n 20 \
    --phases examples,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --no-color >".tidings/contract-$role.log" 2>&1 \
    || { tail -80 ".tidings/contract-$role.log"; exit 1; }
  grep -E "^Test cases:|generated" ".tidings/contract-$role.log" | tail -1 | sed 's/^/   /'
done
