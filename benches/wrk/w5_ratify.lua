-- W5: PUT /v1/ballots/{open}/ratifications/{member} as the 64 delegates in turn (expects 200/201).
-- Requests are built per request by common.lua (see there for the data they use).
local c = require "common"
function init(args) c.init_thread() end
request = c.w5
