-- stamp.lua: wrk.send_stamp and wrk.answer_stamp from the environment (wrk/test/stamp.sh), 10 ms after each answer.
wrk.send_stamp = os.getenv("STAMP")
wrk.answer_stamp = os.getenv("ANSWER_STAMP")
if os.getenv("STAMP_PIPELINE") then
  function request()
    return wrk.format() .. wrk.format()
  end
end
if os.getenv("STAMP_RESPONSE") then
  function response() end
end
function delay()
  return 10
end
local ffi = require("ffi")
ffi.cdef("typedef struct { uint64_t count, limit, min, max; } stamp_stats;")
function done(summary, _latency, _requests, _lateness, read_lateness)
  if read_lateness then
    local n = tonumber(ffi.cast("stamp_stats**", read_lateness)[0].count)
    print(("read_lateness %d of %d answers, p50 %d us, max %d us"):format(
      n, summary.requests, read_lateness:percentile(50), read_lateness.max))
  else
    print("read_lateness nil")
  end
end
