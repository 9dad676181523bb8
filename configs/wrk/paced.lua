-- paced.lua: open-loop fixed-rate wrk schedule through delay() (PACED_RATE req/s over PACED_THREADS threads) + report.lua.
-- Usage: PACED_RATE=2000 PACED_THREADS=4 WRK_REPORT=out.json wrk -t4 -c2000 -s configs/wrk/paced.lua URL
-- NOTE: delay() has no connection identity, so each thread hands out evenly spaced slots t0 + k*interval to
--       whichever connection asks next (k-th call -> k-th slot). Connections' first requests spread over
--       connections/rate seconds and each connection averages rate/connections req/s; response time is
--       absorbed because the slot is fixed in advance (a constant delay would add to it). No random jitter:
--       evenly spaced slots are already lockstep-free and keep the rate exact.
-- NOTE: a slot claimed late fires at once (catch-up burst, open-loop). Slots are claimed late only when every
--       connection is busy, i.e. the server is slower than connections/rate; watch paced.late in the report.
-- NOTE: Debian's wrk measures latency from the write after delay() ends, so client-side queueing (lateness) is
--       not in its histogram: only paced.late / paced.max_late_us show it. The lab's build (wrk/,
--       wrk.schedule_latency) times each request from its slot (now + delay()) and keeps the send lateness as a
--       histogram of its own; delay() then returns exact fractional ms, negative when the slot is already past.
local ffi = require("ffi")

ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
int clock_gettime(int clk_id, paced_timespec *tp);
]])

-- NOTE: debug.getinfo(1, "S").source is "@" .. the -s path as given (relative to wrk's cwd), so it loads the
--       sibling report.lua in the main state and in every thread state; report.lua defines setup() and done().
local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
dofile(here .. "report.lua")

local CLOCK_MONOTONIC = 1 -- NOTE: os.time() has 1 s resolution and os.clock() is CPU time
local ts = ffi.new("paced_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local exact = wrk.schedule_latency -- nil on Debian's wrk, which truncates a delay to whole ms (and a negative one wraps)
local rate = tonumber(os.getenv("PACED_RATE") or "")
local nthreads = tonumber(os.getenv("PACED_THREADS") or "")
local interval_us, t0, k

-- NOTE: validated in init(), not at top level: a top-level error() is only printed and wrk runs unpaced.
function init(_args)
  if not rate or rate ~= rate or rate <= 0 or rate == math.huge then
    error("paced.lua: PACED_RATE must be a positive number (req/s), got " .. tostring(os.getenv("PACED_RATE")), 0)
  end
  if not nthreads or nthreads < 1 or nthreads % 1 ~= 0 then
    error("paced.lua: PACED_THREADS must equal wrk -t, got " .. tostring(os.getenv("PACED_THREADS")), 0)
  end
  interval_us = 1e6 * nthreads / rate
  paced_late, paced_max_late_us = 0, 0 -- globals: read from the main state with thread:get()
end

function delay()
  local now = now_us()
  if not t0 then
    t0, k = now, 0
  end
  local wait = t0 + k * interval_us - now
  k = k + 1
  if wait < -1000 then
    paced_late = paced_late + 1
    paced_max_late_us = math.max(paced_max_late_us, math.floor(-wait))
  end
  if exact then
    return wait / 1000
  end
  return wait > 0 and math.ceil(wait / 1000) or 0
end

-- Called by report.lua's done() in the main state.
function report_paced(threads)
  if #threads ~= nthreads then
    error(("paced.lua: PACED_THREADS=%s but wrk ran %d threads"):format(tostring(nthreads), #threads), 0)
  end
  local late, max_late = 0, 0
  for _, t in ipairs(threads) do
    late = late + t:get("paced_late")
    max_late = math.max(max_late, t:get("paced_max_late_us"))
  end
  return { rate = rate, threads = #threads, late = late, max_late_us = max_late }
end
