-- One path on many towns: each request goes to a town chosen at random from BENCH_HOSTS_FILE
-- (one host per line), so most requests find a town its worker has not served before.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local hosts = {}
local path = os.getenv("BENCH_PATH") or "/"

function init(args)
  for line in io.lines(os.getenv("BENCH_HOSTS_FILE")) do
    table.insert(hosts, line)
  end
  math.randomseed(os.time() + (thread_number or 0) * 7919)
end

function request()
  local host = hosts[math.random(#hosts)]
  return wrk.format("GET", path, {Host = host, ["X-Forwarded-Proto"] = "https"})
end

function response(status, headers, body)
  count_response()
end
