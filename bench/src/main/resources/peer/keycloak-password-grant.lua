-- wrk script: Keycloak's password grant (a login: one Argon2 hash on the server).
--   KEYCLOAK_FORM="$(form body of Keycloak.passwordGrantBody())" \
--     wrk -t1 -c4 -d30s -s keycloak-password-grant.lua http://127.0.0.1:PORT/realms/bench/protocol/openid-connect/token
-- The form body, with the password, comes in the environment variable KEYCLOAK_FORM.
-- wrk counts non-2xx answers itself ("Non-2xx or 3xx responses"); every 100th 2xx answer's body is
-- also checked to hold an access token, and done() prints how many did not.

local form = os.getenv("KEYCLOAK_FORM")
if form == nil or form == "" then
  error("KEYCLOAK_FORM must hold the password grant's form body (Keycloak.passwordGrantBody())")
end
wrk.method = "POST"
wrk.body = form
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
