# Sourced by wrk/test/*.sh: one python server on 127.0.0.1, one bounded wrk run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$(cd "$HERE/../.." && pwd)
WRK=${WRK:-$LAB/wrk/build/bin/wrk}
PACED=${PACED_LUA:-$LAB/configs/wrk/paced.lua}
TMP=$(mktemp -d /tmp/wrk-test.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
[ -x "$WRK" ] || { echo "FAIL: no wrk at $WRK (run wrk/build.sh or set WRK=)"; exit 2; }
ulimit -n "$(ulimit -Hn)"

# start_server <args...>: sets PORT; the request log lands in $TMP/server.json at stop_server.
start_server() {
  python3 "$HERE/server.py" --out "$TMP/server.json" "$@" >"$TMP/port" &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  PORT=$(head -1 "$TMP/port"); [ -n "$PORT" ] || { echo "FAIL: test server did not start"; exit 2; }
}
stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
  [ -s "$TMP/server.json" ] || { echo "FAIL: test server wrote no log"; exit 2; }
}
