-- W6: per request 90 % reads (W1, W2 page 1, W2 deep, W3 equally), 9 % W4, 1 % W5.
-- Requests are built per request by common.lua (see there for the data they use).
local c = require "common"
function init(args) c.init_thread() end
request = c.w6
