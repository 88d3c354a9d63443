-- A writer batch's new decisions in one call: the current flag taken from the versions they
-- replace, then the new versions inserted, as `store` in src/db/models/ballot.rs did in two
-- statements. Each of those was sent as new SQL text (a multi-row VALUES of 14 parameters a
-- row, and an `= ANY` list), which PostgreSQL parsed and planned for every batch; a function's
-- statements are planned once per connection and take the rows as arrays. A replaced version
-- that is no longer current aborts the call (and the batch) rather than leave two current rows.
CREATE FUNCTION accord_store_decisions(
    p_replaced_ballot   TEXT[],
    p_replaced_member   TEXT[],
    p_ballot_id         TEXT[],
    p_member_code       TEXT[],
    p_version           INTEGER[],
    p_current           BOOLEAN[],
    p_decision          TEXT[],
    p_reservations      TEXT[],
    p_reservations_hash TEXT[],
    p_reasons           TEXT[],
    p_statement         TEXT[],
    p_cast_by           TEXT[],
    p_cast_at           TIMESTAMP[],
    p_event_seq         BIGINT[],
    p_event_hash        TEXT[],
    p_receipt           TEXT[]
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    replaced BIGINT;
    expected BIGINT := coalesce(cardinality(p_replaced_ballot), 0);
BEGIN
    IF expected > 0 THEN
        UPDATE ratifications AS r SET current = FALSE
          FROM unnest(p_replaced_ballot, p_replaced_member) AS x (ballot_id, member_code)
         WHERE r.ballot_id = x.ballot_id AND r.member_code = x.member_code AND r.current;
        GET DIAGNOSTICS replaced = ROW_COUNT;
        IF replaced <> expected THEN
            RAISE EXCEPTION '% of % replaced decisions are no longer current',
                expected - replaced, expected;
        END IF;
    END IF;
    INSERT INTO ratifications (ballot_id, member_code, version, current, decision, reservations,
                               reservations_hash, reasons, statement, cast_by, cast_at,
                               event_seq, event_hash, receipt)
    SELECT * FROM unnest(p_ballot_id, p_member_code, p_version, p_current, p_decision,
                         p_reservations, p_reservations_hash, p_reasons, p_statement, p_cast_by,
                         p_cast_at, p_event_seq, p_event_hash, p_receipt);
END
$$;
