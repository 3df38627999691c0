-- The search page asked a new question each time (a word that matches
-- nothing after one that does), so that no answer is ever kept: the cost of
-- a miss. Used by benches/http_load.sh.
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/authorities?q=minist+zq" .. n)
end
