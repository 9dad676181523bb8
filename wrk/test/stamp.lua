-- stamp.lua: wrk.send_stamp from the environment (wrk/test/stamp.sh), paced 10 ms after each response.
wrk.send_stamp = os.getenv("STAMP")
if os.getenv("STAMP_PIPELINE") then
  function request()
    return wrk.format() .. wrk.format()
  end
end
function delay()
  return 10
end
