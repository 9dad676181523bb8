#!/usr/bin/env bash
# rate.sh: paced (configs/wrk/paced.lua) -t1 with 1, 10 and 2000 connections, i.e. 1, 10 and 2000 pending
# delays per thread; the test server must see the scheduled rate within ±2% over the steady part of the run.
# Env: WRK (default wrk/build/bin/wrk). Bounded: 3 runs of 5 s.
source "$(dirname "$0")/lib.sh"
fail=0
for case in 1:50 10:500 2000:2000; do
  conns=${case%%:*} rate=${case#*:}
  start_server
  PACED_RATE=$rate PACED_THREADS=1 WRK_REPORT=$TMP/report.json \
    "$WRK" -t1 -c"$conns" -d5s -s "$PACED" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1 ||
    { echo "FAIL c=$conns: wrk exited $?"; cat "$TMP/wrk.out"; exit 1; }
  stop_server
  # Steady part: [1.0 s, 4.5 s) after the first request the server saw.
  python3 - "$TMP/server.json" "$conns" "$rate" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1])); conns, rate = int(sys.argv[2]), float(sys.argv[3])
t = sorted(r[0] for r in d["requests"])
lo, hi = t[0] + 1.0, t[0] + 4.5
n = sum(1 for x in t if lo <= x < hi)
want = rate * (hi - lo)
dev = (n - want) / want * 100
ok = abs(dev) <= 2.0
print(f"{'ok  ' if ok else 'FAIL'} -t1 -c{conns} paced {rate:g} req/s: server saw {n} requests in 3.5 s, "
      f"expected {want:.0f} ({dev:+.2f}%, limit ±2%)")
sys.exit(0 if ok else 1)
PY
done
exit $fail
