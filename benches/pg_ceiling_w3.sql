-- pgbench script (benches/run.sh, PostgreSQL only): the rows of one W3 request, read the way
-- Accord reads them (the same SQL as `EventRow::list_rows`, prepared, 100 rows after a random
-- sequence number) and nothing else: no HTTP, no JSON. run.sh passes -D top=(events - 100).
\set after random(0, :top)
SELECT seq, at, event_type, actor_client, actor_member, subject, data, prev_hash, hash
  FROM events WHERE seq > :after ORDER BY seq ASC LIMIT 100;
