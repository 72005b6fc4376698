-- An SMTP AUTH client ({auth_authen} set) is outbound: not scored.
local conn = mt.connect(os.getenv("MILTER_SOCKET"), 20, 0.25)
if conn == nil then error("cannot connect") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate") end
if mt.conninfo(conn, "dsl.example.net", "198.51.100.7") ~= nil then error("conninfo") end
if mt.helo(conn, "laptop") ~= nil then error("helo") end
mt.macro(conn, SMFIC_MAIL, "i", "4QMT002", "{auth_authen}", "alice")
if mt.mailfrom(conn, "<alice@example.org>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<bob@example.com>") ~= nil then error("rcptto") end
if mt.header(conn, "From", "alice@example.org") ~= nil then error("header") end
if mt.eoh(conn) ~= nil then error("eoh") end
if mt.bodystring(conn, "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n") ~= nil then error("body") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.eom_check(conn, MT_HDRINSERT, "X-Spam-Flag") then error("outbound mail was scored") end
mt.disconnect(conn)
print("auth ok")
