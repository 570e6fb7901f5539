-- wrk script: Keycloak's userinfo with a Bearer access token (the token of a password grant with
-- scope openid: Keycloak refuses userinfo to a token without it).
--   KEYCLOAK_ACCESS_TOKEN="$(Keycloak.login().accessToken())" \
--     wrk -t1 -c32 -d30s -s keycloak-userinfo.lua http://127.0.0.1:PORT/realms/bench/protocol/openid-connect/userinfo
-- The access token comes in the environment variable KEYCLOAK_ACCESS_TOKEN. Keycloak's access
-- tokens live 5 minutes by default: take a fresh one for each run.
-- wrk counts non-2xx answers itself ("Non-2xx or 3xx responses"); every 100th 2xx answer's body is
-- also checked to name the user, and done() prints how many did not.

local token = os.getenv("KEYCLOAK_ACCESS_TOKEN")
if token == nil or token == "" then
  error("KEYCLOAK_ACCESS_TOKEN must hold an access token of the bench user (Keycloak.login())")
end
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

checked, wrong, seen = 0, 0, 0
function response(status, headers, body)
  seen = seen + 1
  if status >= 200 and status < 300 and seen % 100 == 1 then
    checked = checked + 1
    if not string.find(body, '"preferred_username"', 1, true) then
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
  io.write(string.format("bodies checked: %d, without the user: %d\n", c, w))
end
