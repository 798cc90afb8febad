-- wrk script: GET /api/search with text queries drawn at random from the file named by $QUERIES
-- (one query per line), so that most requests run the text encoder instead of hitting its cache.
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  if #line > 0 then queries[#queries + 1] = line end
end

local function encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

request = function()
  return wrk.format("GET", "/api/search?k=10&text=" .. encode(queries[math.random(#queries)]))
end
