-- One fixed request, the URL given to wrk (keep-alive, no per-request Lua): the /healthz
-- control, W2 page 1, W2 deep (the cursor is in the URL) and the Datasette peer (P1).
require "common"
