-- Scripted clients: each thread has one connection and is one citizen going through a plan of
-- requests written by bench/flows.py (BENCH_FLOW_DATA): the application form step by step with
-- its session cookie and CSRF token, a 1 MB upload and the submission, in "mix" mode after
-- looking at the catalogue. An answer with an unexpected status counts as a failed flow and the
-- citizen starts again with a fresh session.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local data = dofile(os.getenv("BENCH_FLOW_DATA"))
local files = {}
local plan, position, cookie, csrf, key, host

local function restart()
  position, cookie, csrf, key = 1, nil, nil, nil
end

function init(args)
  for name, path in pairs(data.files) do
    local handle = assert(io.open(path, "rb"))
    files[name] = handle:read("*a")
    handle:close()
  end
  local number = thread_number or 1
  host = data.hosts[(number - 1) % #data.hosts + 1]
  plan = data.plans[os.getenv("BENCH_FLOW_MODE") or "flow"]
  restart()
end

local function segment(value)
  if value == "{csrf}" then return csrf or "" end
  if value == "{key}" then return key or "" end
  local file = value:match("^{file:(.+)}$")
  if file then return files[file] end
  return value
end

function request()
  local step = plan[position]
  -- A browser sends the form's page as Referer: Flask-WTF checks it on HTTPS.
  local headers = {Host = host, ["X-Forwarded-Proto"] = "https", Referer = "https://" .. host .. "/"}
  if cookie then headers["Cookie"] = cookie end
  local body = nil
  if step.body then
    local parts = {}
    for i, value in ipairs(step.body) do parts[i] = segment(value) end
    body = table.concat(parts)
    headers["Content-Type"] = step.content_type
  end
  return wrk.format(step.method, step.path, headers, body)
end

function response(status, headers, body)
  count_response()
  local step = plan[position]
  local set_cookie = headers["Set-Cookie"] or headers["set-cookie"]
  if set_cookie then cookie = set_cookie:match("^([^;]+)") end
  if status ~= step.expect then
    if os.getenv("BENCH_DEBUG") then
      io.stderr:write(step.method .. " " .. step.path .. " answered " .. status .. "\n" .. (body or "") .. "\n")
    end
    flow_errors = flow_errors + 1
    restart()
    return
  end
  if body then
    csrf = body:match('name="csrf_token"[^>]-value="([^"]+)"') or csrf
    key = body:match('name="einreichung"[^>]-value="([^"]+)"') or key
  end
  position = position + 1
  if position > #plan then
    flows = flows + 1
    restart()
  end
end
