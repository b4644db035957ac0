-- One page, each request from another citizen: a client address (X-Forwarded-For, which the app
-- trusts from the one proxy in front of it) chosen at random, as many visitors behind nginx would
-- send. The pages behind a secret token are rate-limited per address; one wrk address would hit
-- that limit instead of the page.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

function init(args)
  math.randomseed(os.time() + (thread_number or 0) * 7919)
end

function request()
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                                                 math.random(1, 254))
  return wrk.format()
end

function response(status, headers, body)
  count_response()
end
