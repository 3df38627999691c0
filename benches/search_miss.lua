-- The search page asked a new question each time (a word that matches
-- nothing after one that does), so that no answer is ever kept: the cost of
-- a miss, close spellings looked for included (the new word is letters, as
-- a typo would be). Used by benches/http_load.sh.
local n = 0
local function letters(k)
  local s = ""
  repeat
    s = string.char(97 + k % 26) .. s
    k = math.floor(k / 26)
  until k == 0
  return s
end
request = function()
  n = n + 1
  return wrk.format("GET", "/authorities?q=minist+zq" .. letters(n))
end
