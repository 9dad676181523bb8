#!/usr/bin/env bash
# reconnect.sh: the server closes each connection 30 ms after every 3rd response, i.e. while wrk waits in a
# 100 ms delay(). Each connection must keep one request chain (~1 request per 100 ms + RTT): stock wrk 4.1
# starts a second chain on every such reconnect (wg/wrk#289) and the request rate runs away.
# Env: WRK (default wrk/build/bin/wrk). Bounded: one 4 s run.
source "$(dirname "$0")/lib.sh"
conns=10
start_server --close-after 3 --close-ms 30
"$WRK" -t1 -c$conns -d4s -s "$HERE/delay100.lua" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1 ||
  { echo "FAIL: wrk exited $?"; cat "$TMP/wrk.out"; exit 1; }
stop_server
python3 - "$TMP/server.json" $conns <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); conns = int(sys.argv[2])
t = sorted(r[0] for r in d["requests"])
lo, hi = t[0] + 0.5, t[0] + 3.5
n = sum(1 for x in t if lo <= x < hi)
most = conns * (hi - lo) * 10          # one chain per connection: at most 1 request per 100 ms
ok = 0.6 * most <= n <= 1.05 * most
print(f"{'ok  ' if ok else 'FAIL'} {conns} connections, 100 ms delay, server closes during the delay: "
      f"{n} requests in 3 s over {d['connections']} server connections, one chain each allows <= {most:.0f}"
      + ("" if ok else f" (got {n / most:.1f}x: duplicate request chains after reconnect)" if n > most else ""))
sys.exit(0 if ok else 1)
PY
