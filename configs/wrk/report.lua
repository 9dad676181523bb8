-- report.lua: wrk done() hook writing summary + every non-empty latency bucket as one JSON file (wrk-report/1).
-- Env: WRK_REPORT=<path> (unset: JSON on stdout), WRK_REPORT_EXPORT=ffi (default) | latency_i | both,
--      WRK_SEND_STAMP=<header>: the lab's wrk adds that header with each request's write time (wrk.send_stamp),
--      WRK_ANSWER_STAMP=<header>: and reads the server's write time from that answer header (wrk.answer_stamp).
-- NOTE: done() runs once, in the main Lua state, after wrk printed its text output; it never sees the `--` args.
-- NOTE: the lab's wrk build passes a 4th argument to done(): the send lateness (slot -> written, us), a stats object
--       like latency; its paced latency then runs from each request's slot. Debian's passes 3 (from the write).
--       With wrk.answer_stamp a 5th: the read lateness (the server's write -> wrk read the answer, us).
-- NOTE: an error() inside done()/setup()/init() is unprotected: wrk prints "PANIC: ..." and exits 1 (loud).
--       An error at file top level is only printed and wrk runs anyway, so never validate there.
local ffi = require("ffi")

-- NOTE: the latency userdata holds a `stats *` (stats.h); ffi.cast("T**", userdata) points at that payload.
ffi.cdef([[typedef struct { uint64_t count, limit, min, max; uint64_t data[]; } wrk_report_stats;]])

-- NOTE: a field Debian's wrk never reads; the lab's stamps CLOCK_MONOTONIC µs, which only a server on the same
--       machine can read against its own clock (the lab sets it only then).
local stamp, answer = os.getenv("WRK_SEND_STAMP"), os.getenv("WRK_ANSWER_STAMP")
if stamp and stamp ~= "" then
  wrk.send_stamp = stamp
end
if answer and answer ~= "" then
  wrk.answer_stamp = answer
end

local threads = {}
local MODES = { ffi = true, latency_i = true, both = true }

function setup(thread)
  local mode = os.getenv("WRK_REPORT_EXPORT") or "ffi"
  if not MODES[mode] then
    error("report.lua: WRK_REPORT_EXPORT must be ffi, latency_i or both, got " .. mode, 0)
  end
  threads[#threads + 1] = thread
end

local function int(x)
  return string.format("%.0f", x)
end

local function real(x)
  if x ~= x or x == math.huge or x == -math.huge then
    return "0"
  end
  return string.format("%.17g", x)
end

-- One pass over data[0..max]. NOTE: starts at 0, not s.min: wrk's coordinated-omission correction
-- (stats_correct, run before done()) adds samples without updating min, so never trust min as a lower bound.
local function export_ffi(latency)
  local s = ffi.cast("wrk_report_stats**", latency)[0]
  local d, vals, cnts, n, total = s.data, {}, {}, 0, 0
  for i = 0, tonumber(s.max) do
    local c = tonumber(d[i])
    if c ~= 0 then
      n = n + 1
      vals[n], cnts[n], total = i, c, total + c
    end
  end
  return vals, cnts, total, tonumber(s.count)
end

-- NOTE: latency(i) rescans from min on every call (stats_value_at): O(buckets x range), fallback/test only.
local function export_latency_i(latency)
  local vals, cnts = {}, {}
  for i = 1, #latency do
    vals[i], cnts[i] = latency(i)
  end
  return vals, cnts
end

-- NOTE: tostring/string.format cost ~1.5 us per number (2.5 s for 1.8M buckets); digits into an ffi buffer: ~0.1 s.
local BUF_SIZE = 65536
local buf = ffi.new("char[?]", BUF_SIZE + 64) -- slack > one "[v,c]," entry (values < 2^53: <= 16 digits)

local function put_uint(pos, x)
  local first = pos
  repeat
    local q = math.floor(x / 10)
    buf[pos], pos, x = 48 + (x - q * 10), pos + 1, q
  until x == 0
  local i, j = first, pos - 1
  while i < j do
    buf[i], buf[j], i, j = buf[j], buf[i], i + 1, j - 1
  end
  return pos
end

-- Writes "[v,c],[v,c]...]" (the opening "[" is the caller's).
local function write_histogram(out, vals, cnts)
  local pos = 0
  for i = 1, #vals do
    if i > 1 then
      buf[pos], pos = 44, pos + 1 -- ,
    end
    buf[pos] = 91 -- [
    pos = put_uint(pos + 1, vals[i])
    buf[pos] = 44
    pos = put_uint(pos + 1, cnts[i])
    buf[pos], pos = 93, pos + 1 -- ]
    if pos >= BUF_SIZE then
      out:write(ffi.string(buf, pos))
      pos = 0
    end
  end
  buf[pos] = 93
  out:write(ffi.string(buf, pos + 1))
end

-- A µs stats object (the lab's wrk's send or read lateness) as ',"<key>":{"count":n,"histogram":[...]}' or null.
local function write_stats(out, key, st)
  if not st then
    out:write(',"', key, '":null')
    return
  end
  local v, c, total, count = export_ffi(st)
  if total ~= count then
    v, c = export_latency_i(st)
  end
  out:write(',"', key, '":{"count":', int(count), ',"histogram":[')
  write_histogram(out, v, c)
  out:write("}")
end

function done(summary, latency, _requests, lateness, read_lateness)
  local mode = os.getenv("WRK_REPORT_EXPORT") or "ffi"
  local vals, cnts, export = nil, nil, "ffi"
  local count
  if mode ~= "latency_i" then
    local total
    vals, cnts, total, count = export_ffi(latency)
    if total ~= count then
      io.stderr:write(("report.lua: ffi walk found %d samples but stats.count=%d; using latency(i)\n"):format(total, count))
      vals = nil
    end
  end
  if not vals then
    vals, cnts = export_latency_i(latency)
    export = "latency(i)"
    count = 0
    for i = 1, #cnts do
      count = count + cnts[i]
    end
  end

  local e = summary.errors
  local min = count > 0 and latency.min or 0 -- NOTE: empty stats keep min = UINT64_MAX
  local paced = type(report_paced) == "function" and report_paced(threads) or nil
  local pct = {}
  for _, p in ipairs({ "50", "90", "99", "99.9" }) do
    pct[#pct + 1] = ('"%s":%s'):format(p, int(latency:percentile(tonumber(p))))
  end

  local path = os.getenv("WRK_REPORT")
  local out = io.stdout
  if path and path ~= "" then
    out = assert(io.open(path .. ".tmp", "w"))
  end
  out:write('{"schema":"wrk-report/1","summary":{"duration_us":', int(summary.duration))
  out:write(',"requests":', int(summary.requests), ',"bytes":', int(summary.bytes))
  out:write(',"errors":{"connect":', int(e.connect), ',"read":', int(e.read), ',"write":', int(e.write))
  out:write(',"status":', int(e.status), ',"timeout":', int(e.timeout), "}}")
  out:write(',"latency":{"count":', int(count), ',"min":', int(min), ',"max":', int(latency.max))
  out:write(',"mean":', real(latency.mean), ',"stdev":', real(latency.stdev), "}")
  -- NOTE: latency.count does not exist in wrk's Lua API (it evaluates to the string "count"); use stats.count.
  -- Samples wrk's coordinated-omission correction invented (pipeline 1: count = requests - timeouts + this).
  out:write(',"co_synthetic":', int(count - (summary.requests - e.timeout)))
  out:write(',"wrk_percentiles":{', table.concat(pct, ","), "}")
  out:write(',"export":"', export, '","histogram":[')
  write_histogram(out, vals, cnts)
  if mode == "both" then
    out:write(',"histogram_latency_i":[')
    write_histogram(out, export_latency_i(latency))
  end
  out:write(',"latency_from":"', lateness and "schedule" or "write", '"')
  write_stats(out, "lateness", lateness)
  write_stats(out, "read_lateness", read_lateness)
  if paced then
    out:write(',"paced":{"rate":', real(paced.rate), ',"threads":', int(paced.threads))
    out:write(',"late":', int(paced.late), ',"max_late_us":', int(paced.max_late_us), "}}\n")
  else
    out:write(',"paced":null}\n')
  end
  if out ~= io.stdout then
    assert(out:close())
    assert(os.rename(path .. ".tmp", path))
  end
end
