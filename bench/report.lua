-- wrk script: the request comes from the environment; done() prints one JSON line of figures.
-- Answers other than 2xx and 3xx count as errors (the runner checks beforehand that each page answers 200).
wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Referer"] = os.getenv("BENCH_ORIGIN") .. "/"
if wrk.body then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, "p99_ms": %f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, bad))
end
