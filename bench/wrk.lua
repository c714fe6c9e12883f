-- wrk script of `make bench`.
--
-- done() prints the latency histogram in 0.1 ms bins, so that the harness can merge the
-- alternating slices of a measurement into one distribution and read its percentiles.
--
-- With BENCH_REVALIDATE=1 the client revalidates with the last ETag it was sent, as a
-- browser or a polling integration does: the first request of each connection, and the
-- first after the document changes, is a full 200; every other one is a conditional GET.
-- done() then also prints how many answers were 304 out of all.

local revalidate = os.getenv("BENCH_REVALIDATE") == "1"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if revalidate then -- per-request callbacks cost wrk time: only where they are needed
  function init(args)
    etag = nil
    not_modified = 0
    answered = 0
  end

  function request()
    if etag then
      return wrk.format(nil, nil, { ["If-None-Match"] = etag })
    end
    return wrk.format()
  end

  function response(status, headers, body)
    answered = answered + 1
    if status == 304 then
      not_modified = not_modified + 1
    end
    local tag = headers["ETag"] or headers["etag"]
    if tag then
      etag = tag
    end
  end
end

function done(summary, latency, requests)
  local bins = {}
  for i = 1, #latency do
    local value, count = latency(i) -- microseconds, and how many requests took that long
    local bin = math.floor(value / 100)
    bins[bin] = (bins[bin] or 0) + count
  end
  local parts = {}
  for bin, count in pairs(bins) do
    table.insert(parts, bin .. ":" .. count)
  end
  io.write("Histogram: " .. table.concat(parts, ",") .. "\n")
  if revalidate then
    local total, hits = 0, 0
    for _, thread in ipairs(threads) do
      total = total + thread:get("answered")
      hits = hits + thread:get("not_modified")
    end
    io.write(string.format("Revalidated: %d of %d\n", hits, total))
  end
end
