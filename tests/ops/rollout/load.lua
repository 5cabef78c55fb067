-- wrk's script for the rolling-restart check (rollout.py): a steady mix of what riders do.
--
--   wrk -t2 -c8 -d3600s --timeout 15s -s load.lua http://LB -- TOKENS_FILE NONCE DELAY_MS
--
-- TOKENS_FILE: one customer access token a line (each customer has a ride going, so the
-- remaining-time read answers 200). NONCE: makes this run's Idempotency-Keys unique. DELAY_MS:
-- the pause of each connection between an answer and its next request, which keeps the rate
-- moderate and steady (connections x 1000 / (DELAY_MS + latency) requests a second at most).
--
-- The mix, per connection, in turn: 6 in 10 GET /v1/rentals/current (the gateway's own copy of
-- the view), 3 GET /v1/stations (a call to the core), 1 POST /v1/tickets (a purchase: the core
-- and the payment node) with an Idempotency-Key of its own, so a retry by HAProxy or by a
-- gateway holding it across the core's restart can never buy twice.
--
-- done() prints one line `ROLLOUT-WRK {json}` that rollout.py reads: wrk's counts and latency
-- percentiles, the answers by status, and the purchases sent and answered 201.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local tokens = {}
local nonce = "run"
local pause = 10
local count = 0
statuses = {}
purchases_sent = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  nonce = args[2] or nonce
  pause = tonumber(args[3] or pause)
end

function delay()
  return pause
end

function request()
  count = count + 1
  local token = tokens[(count * 7 + id) % #tokens + 1]
  local headers = { ["Authorization"] = "Bearer " .. token }
  local turn = count % 10
  if turn < 6 then
    return wrk.format("GET", "/v1/rentals/current", headers)
  elseif turn < 9 then
    return wrk.format("GET", "/v1/stations?limit=10", headers)
  end
  purchases_sent = purchases_sent + 1
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("%s-%d-%d", nonce, id, count)
  return wrk.format("POST", "/v1/tickets", headers, '{"type":"1h"}')
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local by_status, sent = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + n
    end
    sent = sent + (thread:get("purchases_sent") or 0)
  end
  local parts = {}
  for status, n in pairs(by_status) do
    parts[#parts + 1] = string.format('"%s":%d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'ROLLOUT-WRK {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},"statuses":{%s},"purchases_sent":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    latency.mean, table.concat(parts, ","), sent))
end
