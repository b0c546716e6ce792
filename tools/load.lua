-- wrk script for tools/load.sh: a mix of what users and API clients do.
-- Out of every 250 requests: 175 GET /api/v1/user (several tokens in turn),
-- 20 GET /api/v1/tokens, 15 GET /api/v1/audit-log, 20 Tokens pages and
-- 19 Audit Log pages (signed in), 1 sign-in (a password hash).
-- Every answer is counted by status; done() prints the counts.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function split(s)
  local out = {}
  for w in string.gmatch(s or "", "%S+") do
    table.insert(out, w)
  end
  return out
end

function init(args)
  tokens = split(os.getenv("LOAD_TOKENS"))
  cookie = os.getenv("LOAD_COOKIE")
  login_path = os.getenv("LOAD_LOGIN_PATH")
  login_body = os.getenv("LOAD_LOGIN_BODY")
  origin = os.getenv("LOAD_ORIGIN")
  n = 0
  statuses = {}
end

local function api(path)
  local token = tokens[(n % #tokens) + 1]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

local function page(path)
  return wrk.format("GET", path, { ["Cookie"] = cookie, ["Accept"] = "text/html" })
end

function request()
  n = n + 1
  local slot = n % 250
  if slot == 0 then
    return wrk.format("POST", login_path, {
      ["Origin"] = origin,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, login_body)
  elseif slot <= 20 then
    return api("/api/v1/tokens")
  elseif slot <= 35 then
    return api("/api/v1/audit-log?limit=20")
  elseif slot <= 55 then
    return page("/settings/tokens")
  elseif slot <= 74 then
    return page("/settings/audit-log")
  end
  return api("/api/v1/user")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, count in pairs(s) do
      total[code] = (total[code] or 0) + count
    end
  end
  local codes = {}
  for code in pairs(total) do
    table.insert(codes, code)
  end
  table.sort(codes)
  for _, code in ipairs(codes) do
    io.write(string.format("status %d: %d\n", code, total[code]))
  end
  local e = summary.errors
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
end
