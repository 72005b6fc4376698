-- Send the message in $MSG to the milter at $MILTER_SOCKET as an MTA would,
-- from an outside client, and print the Authentication-Results it adds.
local conn = mt.connect(os.getenv("MILTER_SOCKET"), 20, 0.25)
if conn == nil then error("cannot connect") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate") end
if mt.conninfo(conn, "mail.example.net", "192.0.2.1") ~= nil then error("conninfo") end
pcall(mt.helo, conn, "mail.example.net") -- OpenDKIM negotiates no HELO: an error
mt.macro(conn, SMFIC_MAIL, "i", "4QODK1")
if mt.mailfrom(conn, "<alice@example.org>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<rcpt@example.org>") ~= nil then error("rcptto") end
local f = io.open(os.getenv("MSG"), "rb")
local data = f:read("*a"):gsub("\r\n", "\n")
f:close()
local head, body = data:match("^(.-)\n\n(.*)$")
local fields = {}
for line in (head .. "\n"):gmatch("(.-)\n") do
	if line:match("^[ \t]") and #fields > 0 then
		fields[#fields].v = fields[#fields].v .. "\n" .. line
	else
		local n, v = line:match("^([^:]+):(.*)$")
		table.insert(fields, {n = n, v = v})
	end
end
for _, h in ipairs(fields) do
	if mt.header(conn, h.n, h.v) ~= nil then error("header " .. h.n) end
end
if mt.eoh(conn) ~= nil then error("eoh") end
if mt.bodystring(conn, (body:gsub("\n", "\r\n"))) ~= nil then error("body") end
if mt.eom(conn) ~= nil then error("eom") end
local ar = mt.getheader(conn, "Authentication-Results", 0)
print(ar or "(none)")
mt.disconnect(conn)
