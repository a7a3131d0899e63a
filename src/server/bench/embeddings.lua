-- wrk script: POST /v1/embeddings with one short text per request (a different text each
-- time, so nothing along the way can cache), and p50/p90/p99 latency at the end.
-- Usage: wrk -t2 -c8 -d20s -s src/server/bench/embeddings.lua http://127.0.0.1:8080
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"input": "The quick brown fox %d jumps over the lazy dog near the river bank.", "model": "gembed"}', counter)
  return wrk.format(nil, "/v1/embeddings", nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d read %d write %d status %d timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
