# Sourced by the other scripts: the local stack's parts, each stopped when the calling
# script exits. start_moto PORT starts moto's server (SES v2, SNS, S3) in the background
# and waits until it answers; start_local NAME [VAR=VALUE ...] starts the local API on a
# free port with fresh data (API_URL, LOCAL_PID, LOCAL_LOG, SMTP_PORT).

CLEANUP=()
on_exit() {
  CLEANUP+=("$1")
  # Each step may fail (a process already gone) without stopping the rest or changing
  # the script's status.
  trap 'for c in "${CLEANUP[@]}"; do eval "$c" || true; done' EXIT
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_moto() {
  local port=$1
  mkdir -p .tidings
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >".tidings/moto-$port.log" 2>&1 &
  MOTO_PID=$!
  on_exit "kill $MOTO_PID 2>/dev/null; wait $MOTO_PID 2>/dev/null || true"
  wait_for "http://127.0.0.1:$port/moto-api/data.json" "$MOTO_PID" ".tidings/moto-$port.log" moto || return 1
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
  export AWS_REGION="${AWS_REGION:-us-east-1}"
}

# wait_for URL PID LOG NAME: until URL answers; fails with the log if PID ends first.
wait_for() {
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "$1" && return 0
    if ! kill -0 "$2" 2>/dev/null; then
      echo "$4 failed to start:" >&2
      cat "$3" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$4 did not answer at $1" >&2
  return 1
}

start_local() {
  local name=$1
  shift
  cargo build -q -p local
  local port data
  port=$(free_port)
  # Replies by email come in on SMTP, on a port of its own (README, Replies by email).
  SMTP_PORT=$(free_port)
  export SMTP_PORT
  data=$(mktemp -d)
  mkdir -p .tidings
  LOCAL_LOG=".tidings/$name-local-$port.log"
  env TIDINGS_DATA_DIR="$data" PORT="$port" SMTP_PORT="$SMTP_PORT" "$@" target/debug/local >"$LOCAL_LOG" 2>&1 &
  LOCAL_PID=$!
  on_exit "kill $LOCAL_PID 2>/dev/null; wait $LOCAL_PID 2>/dev/null || true; rm -rf '$data'"
  API_URL="http://127.0.0.1:$port"
  wait_for "$API_URL/messages/unread" "$LOCAL_PID" "$LOCAL_LOG" "the local API"
}
