-- The same upload on every request, with wrk's own -H headers (the bearer token) kept:
-- wrk ... -s upload.lua <url> -- <content-type> <bytes>
-- (the body: <bytes> printable bytes made here, so the command line stays short)
local request_text

function init(args)
   if #args ~= 2 then
      error("usage: wrk ... -s upload.lua <url> -- <content-type> <bytes>")
   end
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   headers["content-type"] = args[1]
   local parts = {}
   local size = tonumber(args[2])
   for i = 1, size do
      parts[i] = string.char(97 + (i * 7919) % 26)
   end
   request_text = wrk.format("POST", nil, headers, table.concat(parts))
end

function request()
   return request_text
end
