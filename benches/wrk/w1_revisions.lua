-- W1: GET /v1/standards/BENCH-{i:04}/revisions/{n}, i uniform in 1..standards, n in 1..5.
-- Requests are built per request by common.lua (see there for the data they use).
local c = require "common"
function init(args) c.init_thread() end
request = c.w1
