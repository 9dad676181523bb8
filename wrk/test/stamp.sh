#!/usr/bin/env bash
# stamp.sh: wrk.send_stamp adds a header with each request's write time (CLOCK_MONOTONIC µs, 16 digits). The
# server (same host, same clock) reads every request's stamp: present, increasing per connection, and within
# 50 ms before its arrival. wrk.answer_stamp reads the server's X-Lab-Done (its write time) from every answer
# into done()'s 5th argument, read_lateness. A bad header name, a request() script with send_stamp or a
# response() script with answer_stamp: exit 1 with one line.
# Env: WRK (default wrk/build/bin/wrk). Bounded: one 2 s run, two refusals.
source "$(dirname "$0")/lib.sh"
start_server
STAMP=X-Lab-Sent ANSWER_STAMP=x-lab-done "$WRK" -t2 -c20 -d2s -s "$HERE/stamp.lua" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1 ||
  { echo "FAIL: wrk exited $?"; cat "$TMP/wrk.out"; exit 1; }
stop_server
read -r n answers p50 < <(sed -n 's/^read_lateness \([0-9]*\) of \([0-9]*\) answers, p50 \([0-9]*\) us.*/\1 \2 \3/p' "$TMP/wrk.out") || true
if [ -n "${n:-}" ] && [ "$n" -gt 0 ] && [ "$n" = "$answers" ] && [ "$p50" -le 50000 ]; then
  echo "ok   read lateness of $n/$answers answers, p50 $p50 us"
else
  echo "FAIL read lateness: $(grep read_lateness "$TMP/wrk.out" || echo none)"; exit 1
fi
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
for bad in "X Lab" "STAMP_PIPELINE=1" "STAMP_RESPONSE=1"; do
  case $bad in
    STAMP_PIPELINE*) env=("$bad" STAMP=X-Lab-Sent) ;;
    STAMP_RESPONSE*) env=("$bad" ANSWER_STAMP=x-lab-done) ;;
    *) env=(STAMP="$bad") ;;
  esac
  if env "${env[@]}" "$WRK" -t1 -c1 -d1s -s "$HERE/stamp.lua" "http://127.0.0.1:$PORT/" >"$TMP/bad.out" 2>&1; then
    echo "FAIL: wrk accepted ${env[*]}"; exit 1
  fi
  grep -qE "wrk.(send|answer)_stamp" "$TMP/bad.out" || { echo "FAIL: ${env[*]}: no line naming the field"; exit 1; }
done
stop_server
echo "ok   a bad name, request() with send_stamp, response() with answer_stamp: refused with one line"
