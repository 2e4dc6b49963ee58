-- The benchmark's request script for wrk (bench/run.sh): every scenario runs through it.
--
-- Without arguments each request is wrk's own (the URL and `-H` headers given on the command
-- line). With `-- FILE`, requests are read from FILE, one per line, tab-separated:
--     METHOD <tab> PATH [<tab> AUTHORIZATION [<tab> BODY]]
-- Thread k of n takes lines k, k+n, k+2n, …, so no two connections send the same line (a
-- transition is taken once per case) until the file is used up and starts over.
--
-- At the end it prints one line the runner reads:
--     RESULT requests rps p50_ms p95_ms p99_ms errors
-- where errors counts connection errors, timeouts and answers other than 2xx/3xx.

local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
end

local lines = {}
local n = 0
local step = 1
local at = 0

function init(args)
   if args[1] then
      for l in io.lines(args[1]) do
         n = n + 1
         lines[n] = l
      end
   end
   -- setup() runs in the main state only: the thread count comes from the runner.
   step = tonumber(os.getenv("WRK_THREADS") or "1")
   at = (id or 0) % math.max(n, 1) + 1
end

function request()
   if n == 0 then
      return wrk.request()
   end
   local line = lines[at]
   at = at + step
   if at > n then
      at = ((at - 1) % n) + 1
   end
   local method, path, auth, body = line:match("^([^\t]+)\t([^\t]+)\t?([^\t]*)\t?(.*)$")
   local headers = {}
   for k, v in pairs(wrk.headers) do
      headers[k] = v
   end
   if auth and auth ~= "" then
      headers["Authorization"] = auth
   end
   if body == "" then
      body = nil
   end
   return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   io.write(string.format("RESULT %d %.1f %.2f %.2f %.2f %d\n",
      summary.requests,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000,
      latency:percentile(95) / 1000,
      latency:percentile(99) / 1000,
      errors))
end
