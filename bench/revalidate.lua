-- wrk script: a client that revalidates with the last ETag it was sent, as a browser or a
-- polling integration does. The first request of each connection, and the first after the
-- document changes, is a full 200; every other one is a conditional GET. At the end it
-- prints how many answers were 304 out of all, so the run shows what it measured.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

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

function done(summary, latency, requests)
  local total, hits = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("answered")
    hits = hits + thread:get("not_modified")
  end
  io.write(string.format("Revalidated: %d of %d\n", hits, total))
end
