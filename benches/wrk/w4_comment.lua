-- W4: POST /v1/standards/BENCH-0001/comments as the 64 delegates in turn (expects 201).
-- Requests are built per request by common.lua (see there for the data they use).
local c = require "common"
function init(args) c.init_thread() end
request = c.w4
