-- W3: GET /v1/events?after=S&limit=100, S uniform in 0..(events-100).
-- Requests are built per request by common.lua (see there for the data they use).
local c = require "common"
function init(args) c.init_thread() end
request = c.w3
