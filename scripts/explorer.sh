#!/usr/bin/env bash
# Builds and serves the block explorer (explorer/): npm ci when node_modules is missing or
# older than package-lock.json, `npm run build` (type check + Vite), then `vite preview` on
# 127.0.0.1. Prints the URL to open; the page talks to the node over WebSocket from the browser.
#
#   scripts/explorer.sh                                   # http://127.0.0.1:4173, node ws://127.0.0.1:9944
#   EXPLORER_PORT=8080 DEPIN_URL=ws://10.0.0.5:9944 scripts/explorer.sh
#   EXPLORER_HOST=0.0.0.0 scripts/explorer.sh             # serve beyond this machine
#
# Nothing is downloaded at run time: maps are drawn from H3 cells on a plain projection.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../explorer"
port="${EXPLORER_PORT:-4173}"
host="${EXPLORER_HOST:-127.0.0.1}"
url="${DEPIN_URL:-ws://127.0.0.1:9944}"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	echo "[explorer] npm ci" >&2
	npm ci --no-audit --no-fund >&2
fi
echo "[explorer] build" >&2
npm run --silent build >&2
page="http://127.0.0.1:$port/"
[ "$url" = "ws://127.0.0.1:9944" ] || page="$page?rpc=$url"
echo "[explorer] serving explorer/dist on $host:$port; open $page" >&2
echo "$page"
exec node node_modules/vite/bin/vite.js preview --host "$host" --port "$port" --strictPort
