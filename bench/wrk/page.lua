-- One page, requested again and again (the host and any session cookie come as -H headers).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

function response(status, headers, body)
  count_response()
end
