-- GTUBE from an outside client: the milter inserts X-Spam-Flag and friends.
local conn = mt.connect(os.getenv("MILTER_SOCKET"), 20, 0.25)
if conn == nil then error("cannot connect") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate") end
if mt.conninfo(conn, "mail.example.net", "192.0.2.1") ~= nil then error("conninfo") end
if mt.helo(conn, "mail.example.net") ~= nil then error("helo") end
mt.macro(conn, SMFIC_MAIL, "i", "4QMT001")
if mt.mailfrom(conn, "<sender@example.net>") ~= nil then error("mailfrom") end
if mt.rcptto(conn, "<rcpt@example.org>") ~= nil then error("rcptto") end
if mt.header(conn, "Date", "Tue, 4 Jun 2024 09:12:40 +0200") ~= nil then error("header") end
if mt.header(conn, "Message-ID", "<gtube-mt@example.net>") ~= nil then error("header") end
if mt.header(conn, "From", "sender@example.net") ~= nil then error("header") end
if mt.header(conn, "Subject", "gtube") ~= nil then error("header") end
if mt.eoh(conn) ~= nil then error("eoh") end
if mt.bodystring(conn, "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n") ~= nil then error("body") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("eom reply is not continue") end
if not mt.eom_check(conn, MT_HDRINSERT, "X-Spam-Flag") then error("X-Spam-Flag not inserted") end
local status = mt.getheader(conn, "X-Spam-Status", 0)
if status == nil or not string.find(status, "^ ?Yes, score=1000.0 required=5.0 tests=GTUBE autolearn=no") then
  error("X-Spam-Status is " .. tostring(status))
end
mt.disconnect(conn)
print("gtube ok")
