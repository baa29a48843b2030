-- wrk script for ReadAudit's end-to-end benchmark (Benchmarks/e2e.sh).
-- Environment: E2E_MODE = get (the CRM's own GET /customers/{id}) or post (the audited read's shape:
-- POST /v1/customer-data with {customerId, agentId, interactionId} and a bearer key; the ids are also
-- sent as X-Customer-Id / X-Agent-Id / X-Interaction-Id headers, which nginx-proxy routes and logs by
-- and ReadAudit ignores), E2E_KEY, E2E_CUSTOMERS (ids C-00000 .. C-<n-1>), E2E_DELAY_MS (paced case:
-- think time per connection between a response and the next request; 0 = closed loop), E2E_OUT (a
-- file the summary is appended to as one JSON line).
local mode = os.getenv("E2E_MODE") or "post"
local key = os.getenv("E2E_KEY") or "bench-key"
local customers = tonumber(os.getenv("E2E_CUSTOMERS") or "10000")
local delay_ms = tonumber(os.getenv("E2E_DELAY_MS") or "0")
local out = os.getenv("E2E_OUT")
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  counter = counter + 1
  local id = string.format("C-%05d", math.random(0, customers - 1))
  if mode == "get" then
    return wrk.format("GET", "/customers/" .. id, {["Accept"] = "application/json"})
  end
  -- Genesys ids are UUIDs: 200 agents, a fresh interaction per request.
  local agent = string.format("6f1c2a9e-3b4d-4c5e-8f70-%012x", math.random(0, 199))
  local interaction = string.format("%08x-%04x-4%03x-8%03x-%04x%08x", math.random(0, 0x7fffffff),
    math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0xffff), math.random(0, 0x7fffffff))
  local body = '{"customerId":"' .. id .. '","agentId":"' .. agent .. '","interactionId":"' .. interaction .. '"}'
  return wrk.format("POST", "/v1/customer-data", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
    ["X-Customer-Id"] = id, ["X-Agent-Id"] = agent, ["X-Interaction-Id"] = interaction,
  }, body)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local line = string.format(
    '{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p99_us":%d,"p999_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.mean, latency.max)
  if out then
    local f = io.open(out, "a")
    f:write(line)
    f:close()
  else
    io.write(line)
  end
end
