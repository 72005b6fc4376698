-- A 2 MB body against MaxMessageSize 1M and OnOversize reject: 552 at EOM.
local conn = mt.connect(os.getenv("MILTER_SOCKET"), 20, 0.25)
if conn == nil then error("cannot connect") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate") end
if mt.conninfo(conn, "mail.example.net", "192.0.2.1") ~= nil then error("conninfo") end
if mt.helo(conn, "mail.example.net") ~= nil then error("helo") end
mt.macro(conn, SMFIC_MAIL, "i", "4QMT003")
if mt.mailfrom(conn, "<sender@example.net>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<rcpt@example.org>") ~= nil then error("rcptto") end
if mt.header(conn, "From", "sender@example.net") ~= nil then error("header") end
if mt.eoh(conn) ~= nil then error("eoh") end
local line = string.rep("x", 998) .. "\r\n"
local chunk = string.rep(line, 60)
for i = 1, 35 do
  if mt.bodystring(conn, chunk) ~= nil then error("body") end
end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("oversized message not rejected with a reply code") end
mt.disconnect(conn)
print("oversize ok")
