-- Shared by every Accord wrk script (loaded with require "common"; run.sh puts benches/wrk on
-- LUA_PATH). It provides:
--   * the benchmark data of the backend under test: the Lua table written by run.sh to the file
--     named by BENCH_DATA (standards, events, busy clauses, open ballot and its hash, the 64
--     delegates' bearer tokens and members, the W2 deep cursor);
--   * thread ids (BENCH_THREAD_BASE + 1, + 2, …, unique across the workloads of one run), a
--     deterministic random generator per thread and a per-thread request counter;
--   * one request builder per workload (W1–W5), used alone or mixed (W6);
--   * done(), which writes wrk's exact totals and latency percentiles as JSON to BENCH_RESULT.
local M = {}

local data_file = os.getenv("BENCH_DATA")
M.data = (data_file and data_file ~= "") and dofile(data_file) or {}

-- Thread numbering: setup() runs in wrk's main Lua state once per thread, before init().
local thread_base = tonumber(os.getenv("BENCH_THREAD_BASE") or "0") or 0
local threads_made = 0
function setup(thread)
   threads_made = threads_made + 1
   thread:set("id", thread_base + threads_made)
end

M.counter = 0
M.rotation = 0

-- Called from each script's init(): seeds the generator and spreads the delegate rotation so
-- that two threads do not walk the 64 delegates in lockstep.
function M.init_thread()
   local tid = id or 1
   local seed = tonumber(os.getenv("BENCH_SEED") or "2026") or 2026
   math.randomseed(seed * 1000 + tid)
   math.random(); math.random(); math.random()
   local n = M.data.delegates and #M.data.delegates or 1
   M.rotation = ((tid - 1) * 32) % math.max(n, 1)
end

local function next_count()
   M.counter = M.counter + 1
   return M.counter
end

local function next_delegate()
   local d = M.data.delegates
   M.rotation = M.rotation % #d + 1
   return d[M.rotation]
end

-- W1: a revision of a random standard.
function M.w1()
   local i = math.random(1, M.data.standards)
   local n = math.random(1, M.data.revisions_per_standard or 5)
   return wrk.format("GET", string.format("/v1/standards/BENCH-%04d/revisions/%d", i, n))
end

-- W2 page 1 and W2 deep: open comments of the busy standard.
function M.w2_first()
   return wrk.format("GET", M.data.w2_first_path)
end

function M.w2_deep()
   return wrk.format("GET", M.data.w2_deep_path)
end

-- W3: 100 events after a random sequence number.
function M.w3()
   local top = math.max(M.data.events - 100, 0)
   return wrk.format("GET", string.format("/v1/events?after=%d&limit=100", math.random(0, top)))
end

-- W4: a technical comment on a random clause of the busy revision, by the next delegate.
function M.w4()
   local d = next_delegate()
   local clauses = M.data.busy_clauses
   local clause = clauses[math.random(1, #clauses)]
   local body = string.format(
      '{"revision": %d, "clause": "%s", "type": "technical", "body": "benchmark comment %d-%d"}',
      M.data.busy_revision or 5, clause, id or 0, next_count())
   return wrk.format("POST", M.data.w4_path, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. d.token,
   }, body)
end

-- W5: the next delegate's decision on the open ballot, a new version every time.
function M.w5()
   local d = next_delegate()
   local decision = (math.random(0, 1) == 0) and "ratify" or "abstain"
   local body = string.format(
      '{"decision": "%s", "revision_hash": "%s", "statement": "benchmark %d-%d"}',
      decision, M.data.open_ballot_hash, id or 0, next_count())
   return wrk.format("PUT", "/v1/ballots/" .. M.data.open_ballot .. "/ratifications/" .. d.member, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. d.token,
   }, body)
end

-- W6: 90 % reads (W1, W2 page 1, W2 deep, W3 in equal shares), 9 % W4, 1 % W5.
function M.w6()
   local r = math.random()
   if r < 0.90 then
      local k = math.random(1, 4)
      if k == 1 then return M.w1()
      elseif k == 2 then return M.w2_first()
      elseif k == 3 then return M.w2_deep()
      else return M.w3() end
   elseif r < 0.99 then
      return M.w4()
   else
      return M.w5()
   end
end

local function num(x)
   return string.format("%.3f", tonumber(x) or 0)
end

function done(summary, latency, requests)
   local e = summary.errors
   local parts = {
      '{"duration_us": ', num(summary.duration),
      ', "requests": ', num(summary.requests),
      ', "bytes": ', num(summary.bytes),
      ', "errors": {"connect": ', num(e.connect), ', "read": ', num(e.read),
      ', "write": ', num(e.write), ', "status": ', num(e.status),
      ', "timeout": ', num(e.timeout), '}',
      ', "latency_us": {"min": ', num(latency.min), ', "max": ', num(latency.max),
      ', "mean": ', num(latency.mean), ', "stdev": ', num(latency.stdev),
      ', "p50": ', num(latency:percentile(50)), ', "p75": ', num(latency:percentile(75)),
      ', "p90": ', num(latency:percentile(90)), ', "p99": ', num(latency:percentile(99)),
      ', "p99_9": ', num(latency:percentile(99.9)), '}}\n',
   }
   local out = os.getenv("BENCH_RESULT")
   if out then
      local f = assert(io.open(out, "w"))
      f:write(table.concat(parts))
      f:close()
   else
      io.write(table.concat(parts))
   end
end

return M
