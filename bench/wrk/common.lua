-- Shared by every scenario script: a bound on the requests of each thread (BENCH_MAX_REQUESTS)
-- and the summary as one JSON line (latencies in microseconds), read by bench/load.py.
local max_requests = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "0")
local threads = {}
responses = 0
flows = 0
flow_errors = 0

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function count_response()
  responses = responses + 1
  if max_requests > 0 and responses >= max_requests then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local completed_flows, failed_flows = 0, 0
  for _, thread in ipairs(threads) do
    completed_flows = completed_flows + (thread:get("flows") or 0)
    failed_flows = failed_flows + (thread:get("flow_errors") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"flows": %d, "flow_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, completed_flows, failed_flows))
end
