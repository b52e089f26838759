# Sourced by the other scripts: start_moto PORT starts moto's server (SES v2, SNS, S3) in
# the background, waits until it answers, and stops it when the calling script exits.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_moto() {
  local port=$1
  mkdir -p .tidings
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >".tidings/moto-$port.log" 2>&1 &
  MOTO_PID=$!
  trap 'kill $MOTO_PID 2>/dev/null; wait $MOTO_PID 2>/dev/null' EXIT
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/moto-api/data.json" >/dev/null 2>&1; then
      export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
      export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
      export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
      export AWS_REGION="${AWS_REGION:-us-east-1}"
      return 0
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "moto failed to start:" >&2
      cat ".tidings/moto-$port.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "moto did not answer on port $port" >&2
  return 1
}
