#!/usr/bin/env bash
# stamp.sh: wrk.send_stamp adds a header with each request's write time (CLOCK_MONOTONIC µs, 16 digits). The
# server (same host, same clock) reads every request's stamp: present, increasing per connection, and within
# 50 ms before its arrival. A bad header name or a request() script: exit 1 with one line, nothing sent.
# Env: WRK (default wrk/build/bin/wrk). Bounded: one 2 s run, two refusals.
source "$(dirname "$0")/lib.sh"
start_server
STAMP=X-Lab-Sent "$WRK" -t2 -c20 -d2s -s "$HERE/stamp.lua" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1 ||
  { echo "FAIL: wrk exited $?"; cat "$TMP/wrk.out"; exit 1; }
stop_server
python3 - "$TMP/server.json" <<'PY'
import json, sys
reqs = json.load(open(sys.argv[1]))["requests"]
bad = [r for r in reqs if r[2] is None]
waits = sorted(r[0] * 1e6 - r[2] for r in reqs if r[2] is not None)
last, backwards = {}, 0
for t, conn, stamp in reqs:
    if stamp is not None:
        backwards += stamp <= last.get(conn, -1)
        last[conn] = stamp
inside = sum(1 for w in waits if 0 <= w <= 50_000)
ok = reqs and not bad and not backwards and inside == len(waits)
print(f"{'ok  ' if ok else 'FAIL'} {len(reqs)} requests: {len(bad)} unstamped, {backwards} stamps not increasing, "
      f"{inside}/{len(waits)} arrived 0-50 ms after their stamp (median {waits[len(waits) // 2] if waits else 0:.0f} us)")
sys.exit(0 if ok else 1)
PY
start_server
for bad in "X Lab" "STAMP_PIPELINE=1"; do
  case $bad in STAMP_*) env=("$bad" STAMP=X-Lab-Sent) ;; *) env=(STAMP="$bad") ;; esac
  if env "${env[@]}" "$WRK" -t1 -c1 -d1s -s "$HERE/stamp.lua" "http://127.0.0.1:$PORT/" >"$TMP/bad.out" 2>&1; then
    echo "FAIL: wrk accepted ${env[*]}"; exit 1
  fi
  grep -q "wrk.send_stamp" "$TMP/bad.out" || { echo "FAIL: ${env[*]}: no line naming wrk.send_stamp"; exit 1; }
done
stop_server
echo "ok   bad name and request() refused with a line naming wrk.send_stamp"
