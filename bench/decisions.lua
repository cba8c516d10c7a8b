-- wrk script for the decision point: POSTs JSON bodies read from the file BENCH_BODIES (one per
-- line) to BENCH_PATH with the bearer token BENCH_TOKEN. Each of the BENCH_THREADS threads goes
-- round the bodies from its own share of them, from BENCH_START on (where the previous load
-- stopped); done() prints one JSON line of figures, as report.lua does.
-- Answers other than 2xx and 3xx count as errors (the runner checks the answers beforehand).
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    bodies[#bodies + 1] = line
  end
  local share = math.floor(#bodies / (tonumber(os.getenv("BENCH_THREADS")) or 1))
  index = (tonumber(os.getenv("BENCH_START")) + id * share) % #bodies
  path = os.getenv("BENCH_PATH")
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
    ["Content-Type"] = "application/json",
    ["X-Forwarded-Proto"] = "https",
  }
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", path, headers, bodies[index])
end

done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, "p99_ms": %f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, bad))
end
