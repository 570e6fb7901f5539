-- POST /v1/auth/refresh with rotation: each answer's new refresh token is the next request's.
-- wrk -tN -cN ... -s refresh-rotation.lua <url>/v1/auth/refresh -- <token 1> ... <token N>
-- One connection per thread (-t equal to -c), so a thread's requests follow one another and each
-- thread owns one session's token chain. A refused refresh leaves the token unchanged; reusing it
-- ends the session (the server sees a replay), so every later request of that thread fails too and
-- the run shows its errors.
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("index", threads)
end

function init(args)
   token = args[index]
   if token == nil then
      error("refresh-rotation.lua: thread " .. index .. " has no refresh token; pass one per thread after --")
   end
end

function request()
   return wrk.format("POST", nil, { ["content-type"] = "application/json" },
                     '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
   if status == 200 then
      local next_token = body:match('"refreshToken"%s*:%s*"([^"]+)"')
      if next_token ~= nil then
         token = next_token
      end
   end
end
