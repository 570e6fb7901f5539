-- The same POST on every request: wrk ... -s post.lua <url> -- <content-type> <body>
-- (a login, Keycloak's password grant, Keycloak's refresh grant with rotation off).
local request_text

function init(args)
   if #args ~= 2 then
      error("usage: wrk ... -s post.lua <url> -- <content-type> <body>")
   end
   request_text = wrk.format("POST", nil, { ["content-type"] = args[1] }, args[2])
end

function request()
   return request_text
end
