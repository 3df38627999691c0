-- The search page asked a new question each time (a word that matches
-- nothing after one that does), so that no answer is ever kept: the cost of
-- a miss, close spellings looked for included (the new word is letters, as
-- a typo would be). Used by benches/http_load.sh.
--
-- The request is written by hand, not by wrk.format: building it through
-- wrk.format's tables cost wrk about 3% of the machine's two cores, taken
-- from the server it measures.
local n = 0
local function letters(k)
  local s = ""
  repeat
    s = string.char(97 + k % 26) .. s
    k = math.floor(k / 26)
  until k == 0
  return s
end
local head, tail
init = function()
  head = "GET /authorities?q=minist+zq"
  -- The headers given with -H (Accept-Encoding with GZIP=1), as wrk.format
  -- would write them.
  tail = " HTTP/1.1\r\n"
  if not wrk.headers["Host"] then
    tail = tail .. "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
  end
  for name, value in pairs(wrk.headers) do
    tail = tail .. name .. ": " .. value .. "\r\n"
  end
  tail = tail .. "\r\n"
end
request = function()
  n = n + 1
  return head .. letters(n) .. tail
end
