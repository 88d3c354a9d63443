-- pgbench script (benches/run.sh, PostgreSQL only): the rows of 64 W4 requests, stored the
-- cheapest way there is: one set-based INSERT per table, one commit for all 64 (perfect group
-- commit), into the same scratch tables as pg_ceiling.sql, from 2 clients (one per core). Nothing
-- else runs: this bounds what any service could reach for W4 on this PostgreSQL.
BEGIN;
INSERT INTO ceiling_events (seq, at, event_type, actor_client, actor_member, subject, data, prev_hash, hash)
SELECT nextval('ceiling_seq'), now(), 'comment.created', 'cli_0123456789abcdef', 'BRA',
        'comment:' || gen_random_uuid(),
        '{"author":"cli_0123456789abcdef","body":"benchmark comment 12-3456","clause":"4.2","id":"0190f7a2-6c1e-7b4a-9d3e-0123456789ab","member":"BRA","paragraph":null,"parent":null,"proposed_change":null,"revision":5,"standard":"BENCH-0001","type":"technical"}',
        md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text) FROM generate_series(1,64);
INSERT INTO ceiling_comments (id, created_seq, reference, revision, period_id, clause_id,
        clause_position, clause_hash, paragraph, comment_type, body, proposed_change, parent_id,
        member_code, author_client, status, response, resolved_in, disposed_at, disposed_by,
        version, created_at, updated_at)
SELECT gen_random_uuid()::text, nextval('ceiling_seq2'), 'BENCH-0001', 5, 'per_0123456789abcdef',
        '4.2', 7, md5(random()::text) || md5(random()::text), NULL, 'technical',
        'benchmark comment 12-3456', NULL, NULL, 'BRA', 'cli_0123456789abcdef', 'open', NULL, NULL,
        NULL, NULL, 1, now(), now() FROM generate_series(1,64) g WHERE random() >= 0 ;
COMMIT;
