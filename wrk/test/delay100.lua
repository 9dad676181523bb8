-- delay100.lua: every request waits 100 ms after the previous response (wrk/test/reconnect.sh).
function delay()
  return 100
end
