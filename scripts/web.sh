# Sourced by the other scripts: the web app's tools. web_build installs the npm packages
# package-lock.json pins (when missing or changed) and builds web/dist when a source is
# newer; ensure_chromium installs Debian's Chromium, which the browser tests drive.

need_node() {
  command -v npm >/dev/null && return 0
  echo "== Node.js (Debian's nodejs and npm)"
  apt_install nodejs npm
}

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@" >/dev/null; }
}

web_install() {
  need_node
  if [ ! -f web/node_modules/.package-lock.json ] \
    || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

web_build() {
  web_install
  local newest=""
  if [ -f web/dist/index.html ]; then
    newest=$(find web/src web/public web/index.html web/vite.config.ts web/tsconfig.json \
      web/package-lock.json -newer web/dist/index.html 2>/dev/null | head -1 || true)
  fi
  if [ ! -f web/dist/index.html ] || [ -n "$newest" ]; then
    (cd web && npm run --silent build)
  fi
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
}

# start_web_stack NAME [VAR=VALUE ...]: Chromium, the built app, moto (unless one is
# already set) and a local API of its own serving the app (start_local, scripts/moto.sh).
start_web_stack() {
  ensure_chromium
  web_build
  [ -n "${AWS_ENDPOINT_URL:-}" ] || start_moto "$(free_port)"
  start_local "$@"
}
