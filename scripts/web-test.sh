#!/usr/bin/env bash
# The web app in a real browser: Playwright drives Debian's Chromium (headless) through
# the journeys in web/tests against a local API of its own (free port, fresh data, the
# dispatcher every second), which serves the built app at /app/. Screenshots of each view
# land in target/web/screenshots/. Needs moto (AWS_ENDPOINT_URL); starts its own if unset.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/moto.sh
source scripts/web.sh

start_web_stack web TIDINGS_DISPATCH_SECONDS=1
mkdir -p target/web/screenshots
(
  cd web
  TIDINGS_API="$API_URL" TIDINGS_LOCAL_BIN="$PWD/../target/debug/local" \
    TIDINGS_MOTO="$AWS_ENDPOINT_URL" TIDINGS_SCREENSHOTS="$PWD/../target/web/screenshots" \
    npx playwright test "$@"
) || { echo "   local API log: $LOCAL_LOG"; exit 1; }
