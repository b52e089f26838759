#!/usr/bin/env bash
# The web app's numbers: bundle size (gzip), the staff inbox's first render with 200
# conversations, and the API requests per minute of an idle open inbox (visible, hidden,
# three tabs). Runs against a local API of its own (free port, fresh data, a dispatcher
# that stays out of the way) serving the built app. Prints a readable block, then one
# `WEB <name> <value> <unit>` line per metric. Needs moto (AWS_ENDPOINT_URL); starts its
# own if unset.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
source scripts/web.sh

start_web_stack webbench TIDINGS_DISPATCH_SECONDS=3600
TIDINGS_API="$API_URL" TIDINGS_LOCAL_BIN="$PWD/target/debug/local" node web/bench/bench.mjs \
  || { echo "   local API log: $LOCAL_LOG"; exit 1; }
