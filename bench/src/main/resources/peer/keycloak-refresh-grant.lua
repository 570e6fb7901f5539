-- wrk script: Keycloak's refresh grant. Refresh token rotation is off (Keycloak's default), so the
-- same refresh token is sent every time and every answer is a new access token for it.
--   KEYCLOAK_REFRESH_TOKEN="$(Keycloak.login().refreshToken())" [KEYCLOAK_CLIENT_ID=bench] \
--     wrk -t1 -c32 -d30s -s keycloak-refresh-grant.lua http://127.0.0.1:PORT/realms/bench/protocol/openid-connect/token
-- The refresh token comes in the environment variable KEYCLOAK_REFRESH_TOKEN, the public client's
-- id in KEYCLOAK_CLIENT_ID (default "bench"): the body is Keycloak.refreshGrantBody(token).
-- wrk counts non-2xx answers itself ("Non-2xx or 3xx responses"); every 100th 2xx answer's body is
-- also checked to hold an access token, and done() prints how many did not.

local token = os.getenv("KEYCLOAK_REFRESH_TOKEN")
if token == nil or token == "" then
  error("KEYCLOAK_REFRESH_TOKEN must hold a refresh token of the bench user (Keycloak.login())")
end
local client = os.getenv("KEYCLOAK_CLIENT_ID") or "bench"

local function encode(value)
  return (string.gsub(value, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

wrk.method = "POST"
wrk.body = "client_id=" .. encode(client) .. "&grant_type=refresh_token&refresh_token=" .. encode(token)
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

checked, wrong, seen = 0, 0, 0
function response(status, headers, body)
  seen = seen + 1
  if status >= 200 and status < 300 and seen % 100 == 1 then
    checked = checked + 1
    if not string.find(body, '"access_token"', 1, true) then
      wrong = wrong + 1
    end
  end
end

function done(summary, latency, requests)
  local c, w = 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("checked")
    w = w + thread:get("wrong")
  end
  io.write(string.format("bodies checked: %d, without an access token: %d\n", c, w))
end
