-- sched.lua: paced at SCHED_RATE req/s per thread from evenly spaced slots (like configs/wrk/paced.lua),
-- then done() prints one line of results for wrk/test/latency.sh:
--   RESULT requests=N latency_count=N latency_p50=us latency_p99=us lateness_count=N|nil lateness_p99=us
-- On the lab wrk (wrk.schedule_latency) delay() returns exact fractional ms, negative when the slot is past.
local rate = tonumber(os.getenv("SCHED_RATE") or "100")
local exact = wrk.schedule_latency
local t0, k


local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } sched_timespec;
int clock_gettime(int clk_id, sched_timespec *tp);
]])
local ts = ffi.new("sched_timespec")
local function now()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1e3 + tonumber(ts.tv_nsec) / 1e6
end

function delay()
  local n = now()
  if not t0 then
    t0, k = n, 0
  end
  local wait = t0 + k * 1000 / rate - n
  k = k + 1
  if exact then
    return wait
  end
  return wait > 0 and math.ceil(wait) or 0
end

function done(summary, latency, requests, lateness)
  local s = ffi.cast("struct { uint64_t count, limit, min, max; } **", latency)[0]
  io.write(("RESULT requests=%d latency_count=%d latency_p50=%d latency_p99=%d"):format(
    summary.requests, tonumber(s.count), latency:percentile(50), latency:percentile(99)))
  if lateness then
    local l = ffi.cast("struct { uint64_t count, limit, min, max; } **", lateness)[0]
    io.write((" lateness_count=%d lateness_p99=%d\n"):format(tonumber(l.count), lateness:percentile(99)))
  else
    io.write(" lateness_count=nil lateness_p99=0\n")
  end
end
