#!/usr/bin/env bash
# latency.sh: one connection paced at 100 req/s; the server answers every 250th request 500 ms late, so ~50
# slots queue up behind it. Latency counted from the schedule must carry that queueing: p99 >= 250 ms from real
# samples (no coordinated-omission synthetics), the send lateness is reported separately (done()'s 4th
# argument), and the median stays small. Stock wrk times from the write: no lateness, p99 only via synthetics.
# Env: WRK (default wrk/build/bin/wrk). Bounded: one 8 s run.
source "$(dirname "$0")/lib.sh"
start_server --slow-every 250 --slow-ms 500
SCHED_RATE=100 "$WRK" -t1 -c1 -d8s -s "$HERE/sched.lua" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1 ||
  { echo "FAIL: wrk exited $?"; cat "$TMP/wrk.out"; exit 1; }
stop_server
line=$(grep '^RESULT ' "$TMP/wrk.out") || { echo "FAIL: no RESULT line from sched.lua"; cat "$TMP/wrk.out"; exit 1; }
python3 - "$line" <<'PY'
import sys
r = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
checks = [
    ("lateness histogram exported (done's 4th argument)", r["lateness_count"] != "nil"),
    ("latency samples are real (count == requests, no synthetics)", r["latency_count"] == r["requests"]),
    ("schedule-based p99 >= 250 ms", int(r["latency_p99"]) >= 250_000),
    ("send lateness p99 >= 100 ms", int(r["lateness_p99"]) >= 100_000),
    ("p99 latency >= p99 lateness", int(r["latency_p99"]) >= int(r["lateness_p99"])),
    ("median < 20 ms", int(r["latency_p50"]) < 20_000),
]
print(" ".join(f"{k}={v}" for k, v in r.items()))
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
