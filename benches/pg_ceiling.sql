-- pgbench script (benches/run.sh, PostgreSQL only): the rows one W4 request stores, and nothing
-- else. One comment and one event (with data, hashes and every index of the real tables, copied
-- by CREATE TABLE ... (LIKE ... INCLUDING ALL) into empty tables), in one transaction, from 64
-- clients at once. No HTTP, no authentication, no validation reads, no chain ordering, no foreign
-- keys, smaller indexes: an upper bound on what this PostgreSQL can commit for W4, not a target.
BEGIN;
INSERT INTO ceiling_events (seq, at, event_type, actor_client, actor_member, subject, data, prev_hash, hash)
VALUES (nextval('ceiling_seq'), now(), 'comment.created', 'cli_0123456789abcdef', 'BRA',
        'comment:' || gen_random_uuid(),
        '{"author":"cli_0123456789abcdef","body":"benchmark comment 12-3456","clause":"4.2","id":"0190f7a2-6c1e-7b4a-9d3e-0123456789ab","member":"BRA","paragraph":null,"parent":null,"proposed_change":null,"revision":5,"standard":"BENCH-0001","type":"technical"}',
        md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text));
INSERT INTO ceiling_comments (id, created_seq, reference, revision, period_id, clause_id,
        clause_position, clause_hash, paragraph, comment_type, body, proposed_change, parent_id,
        member_code, author_client, status, response, resolved_in, disposed_at, disposed_by,
        version, created_at, updated_at)
VALUES (gen_random_uuid()::text, currval('ceiling_seq'), 'BENCH-0001', 5, 'per_0123456789abcdef',
        '4.2', 7, md5(random()::text) || md5(random()::text), NULL, 'technical',
        'benchmark comment 12-3456', NULL, NULL, 'BRA', 'cli_0123456789abcdef', 'open', NULL, NULL,
        NULL, NULL, 1, now(), now());
COMMIT;
