//! The hash-chained event log.

use std::sync::Arc;

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, PUBLIC_URL, TestApp, header, problem};

/// The documented hash, recomputed here from the event as served.
fn recompute(event: &Value) -> String {
    let body = json!({
        "seq": event["seq"], "at": event["at"], "type": event["type"], "actor": event["actor"],
        "subject": event["subject"], "data": event["data"], "prev_hash": event["prev_hash"],
    });
    let canonical = serde_jcs::to_string(&body).unwrap();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn assert_chain(events: &[Value]) {
    let mut prev = "0".repeat(64);
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["seq"], (i + 1) as i64, "seqs run from 1 without gaps");
        assert_eq!(
            event["prev_hash"],
            prev.as_str(),
            "event {} links to the one before",
            i + 1
        );
        assert_eq!(
            event["hash"],
            recompute(event).as_str(),
            "event {} hash recomputes",
            i + 1
        );
        prev = event["hash"].as_str().unwrap().to_string();
    }
}

db_test!(every_write_appends_a_chained_event, |app| {
    let admin = app.secretariat().await;
    app.member("PER", "state", true, "latin_america_caribbean")
        .await;
    let delegate = app.client(&["delegate"], Some("PER")).await;
    app.request(Method::DELETE, &format!("/v1/clients/{}", delegate.id))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();

    let events = app.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "client.created",
            "member.created",
            "client.created",
            "client.revoked"
        ]
    );
    assert_eq!(
        events[0]["actor"],
        json!({"client": null, "member": null}),
        "the first client comes from the command line"
    );
    assert_eq!(
        events[1]["actor"],
        json!({"client": admin.id, "member": null})
    );
    assert_eq!(events[2]["data"]["member"], "PER");
    assert_chain(&events);

    let single = app.get(&format!("/v1/events/{}", 2)).await;
    assert_eq!(
        single.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(single.json::<Value>().await.unwrap(), events[1]);
    assert_eq!(
        problem(app.get("/v1/events/99").await, 404).await["code"],
        "not_found"
    );
    assert_eq!(
        problem(app.get("/v1/events/abc").await, 400).await["code"],
        "invalid_path"
    );

    let verified = app.get_json("/v1/events/verify").await;
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["last_verified_seq"], 4);
    assert_eq!(verified["last_verified_hash"], events[3]["hash"]);
});

db_test!(the_feed_pages_with_after_and_filters, |app| {
    for code in ["AUT", "BEL", "CHE", "DNK", "ESP"] {
        app.member(code, "state", true, "western_europe_others")
            .await;
    }
    let page = app.get("/v1/events?after=1&limit=2").await;
    let link = page.headers()[header::LINK].to_str().unwrap().to_string();
    assert_eq!(
        link,
        format!("<{PUBLIC_URL}/v1/events?limit=2&after=3>; rel=\"next\"")
    );
    let body: Value = page.json().await.unwrap();
    let seqs: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![2, 3]);
    assert_eq!(body["next_cursor"], "3");
    let next = app.get_json("/v1/events?limit=2&cursor=3").await;
    assert_eq!(next["items"][0]["seq"], 4);

    let created = app.get_json("/v1/events?type=member.created").await;
    assert_eq!(created["items"].as_array().unwrap().len(), 5);
    let about = app.get_json("/v1/events?subject=member:CHE").await;
    assert_eq!(about["items"].as_array().unwrap().len(), 1);
    assert_eq!(about["items"][0]["data"]["code"], "CHE");
    let tail = app.get_json("/v1/events?after=6").await;
    assert!(tail["items"].as_array().unwrap().is_empty() && tail["next_cursor"].is_null());
    assert_eq!(
        problem(app.get("/v1/events?after=-1").await, 400).await["code"],
        "invalid_query"
    );
    assert_eq!(
        problem(app.get("/v1/events?after=1&cursor=2").await, 400).await["code"],
        "invalid_query"
    );
});

/// Tampers with one stored event directly in the database.
fn tamper(app: &TestApp, seq: i64) {
    let sql = format!("UPDATE events SET data = '{{\"code\":\"FORGED\"}}' WHERE seq = {seq}");
    let mut conn = app.app_state.db.write_pool.get().unwrap();
    conn.batch_execute(&sql).unwrap();
}

db_test!(
    a_tampered_event_is_named_by_the_api_and_by_verify_log,
    |app| {
        for code in ["POL", "ROU", "SVK"] {
            app.member(code, "state", true, "eastern_europe").await;
        }
        let ok = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
            .arg("verify-log")
            .env("ACCORD_DATABASE_URL", &app.settings.database_url)
            .env("ACCORD_LOG", "error")
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: 4 events verified"));

        tamper(&app, 3);
        let verified = app.get_json("/v1/events/verify").await;
        assert_eq!(verified["ok"], false);
        assert_eq!(verified["first_bad"]["seq"], 3);
        assert_eq!(verified["first_bad"]["reason"], "hash_mismatch");
        assert_eq!(verified["last_verified_seq"], 2);

        let bad = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
            .arg("verify-log")
            .env("ACCORD_DATABASE_URL", &app.settings.database_url)
            .env("ACCORD_LOG", "error")
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(stderr.contains("event 3 is bad: hash_mismatch"), "{stderr}");
    }
);

db_test!(concurrent_writers_on_two_instances_form_one_chain, |app| {
    let admin = app.admin_token().await;
    // A second server process on the same database, with its own pools.
    let second = {
        let mut settings = app.settings.clone();
        settings.bind = "127.0.0.1:0".into();
        let state = accord::startup::Application::build(&settings, app.clock.clone()).unwrap();
        let address = format!("http://127.0.0.1:{}", state.port());
        tokio::spawn(state.run_until_stopped());
        address
    };
    let addresses = Arc::new([app.address.clone(), second]);
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (http, admin, addresses) = (app.http.clone(), admin.clone(), addresses.clone());
        tasks.push(tokio::spawn(async move {
            let code = format!("ORG{i}");
            let response = http
                .post(format!("{}/v1/members", addresses[i % 2]))
                .bearer_auth(admin)
                .json(&json!({"code": code, "name": code, "kind": "organisation", "voting": false, "region": "global"}))
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let events = app.events().await;
    assert_eq!(events.len(), 1 + 48);
    assert_chain(&events);
    let verified = app.get_json("/v1/events/verify").await;
    assert_eq!(
        (
            verified["ok"].as_bool(),
            verified["last_verified_seq"].as_i64()
        ),
        (Some(true), Some(49))
    );
    if app.backend == Backend::Postgres {
        assert_eq!(app.get_json("/readyz").await["database"], "postgres");
    }
});

db_test!(
    a_failing_write_undoes_only_itself_when_writes_are_batched,
    |app| {
        let admin = app.admin_token().await;
        let mut tasks = Vec::new();
        // Each code is submitted twice at once: one wins, the other must fail without harming the rest.
        for i in 0..40 {
            let (http, url, admin) = (app.http.clone(), app.url("/v1/members"), admin.clone());
            let code = format!("ORG{}", i / 2);
            tasks.push(tokio::spawn(async move {
            let body = json!({"code": code, "name": code, "kind": "organisation", "voting": false, "region": "global"});
            http.post(url).bearer_auth(admin).json(&body).send().await.unwrap().status().as_u16()
        }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            20,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            20,
            "{statuses:?}"
        );
        let members = app.get_json("/v1/members?limit=500").await;
        assert_eq!(members["items"].as_array().unwrap().len(), 20);
        let events = app.events().await;
        assert_eq!(
            events
                .iter()
                .filter(|e| e["type"] == "member.created")
                .count(),
            20,
            "failed writes leave no event"
        );
        assert_chain(&events);
    }
);

// The writer runs queued writes as one transaction and stores their events together when the
// batch ends. A write that fails after appending must take its events with it, and the writes
// after it in the same batch must chain on from the last write that succeeded.
db_test!(
    a_write_that_fails_inside_a_batch_leaves_no_trace_in_the_chain,
    |app| {
        use accord::db::models::event::Event;
        use accord::domain::event::Actor;
        use accord::error::ApiError;

        let db = app.app_state.db.clone();
        let now = app.app_state.now();
        let actor = Actor {
            client: Some("batch-test".into()),
            member: None,
        };
        // Hold the writer thread so that every write below is queued and runs in the next batch.
        let hold = app.hold_writer(400).await;
        // Write i appends `test:i`; i % 3 == 1 then fails; i % 3 == 2 appends a second event.
        let writes = (0..30).map(|i| {
            let (db, actor) = (db.clone(), actor.clone());
            async move {
                db.write(move |conn| {
                    let first = Event::append(
                        conn,
                        &actor,
                        now,
                        "test.write",
                        &format!("test:{i}"),
                        json!({ "i": i }),
                    )?;
                    match i % 3 {
                        1 => Err(ApiError::NotFound(format!("write {i} fails on purpose"))),
                        2 => {
                            let second = Event::append(
                                conn,
                                &actor,
                                now,
                                "test.write",
                                &format!("test:{i}:second"),
                                json!({ "i": i }),
                            )?;
                            Ok(vec![first.seq, second.seq])
                        }
                        _ => Ok(vec![first.seq]),
                    }
                })
                .await
            }
        });
        let results = futures_util::future::join_all(writes).await;
        hold.await.unwrap().unwrap();

        let events = app.events().await;
        assert_chain(&events);
        let stored: Vec<(i64, &str)> = events
            .iter()
            .filter(|e| e["type"] == "test.write")
            .map(|e| (e["seq"].as_i64().unwrap(), e["subject"].as_str().unwrap()))
            .collect();
        let mut expected = Vec::new();
        for (i, result) in results.into_iter().enumerate() {
            match (i % 3, result) {
                (1, Err(ApiError::NotFound(_))) => {}
                (2, Ok(seqs)) => {
                    expected.push((seqs[0], format!("test:{i}")));
                    expected.push((seqs[1], format!("test:{i}:second")));
                }
                (0, Ok(seqs)) => expected.push((seqs[0], format!("test:{i}"))),
                (_, other) => panic!("write {i} ended with {other:?}"),
            }
        }
        let expected: Vec<(i64, &str)> = expected.iter().map(|(s, n)| (*s, n.as_str())).collect();
        assert_eq!(
            stored, expected,
            "the events stored are those of the writes that succeeded, at the seqs they were told"
        );
        assert_eq!(expected.len(), 30, "10 writes of one event and 10 of two");
        let verified = app.get_json("/v1/events/verify").await;
        assert_eq!(verified["ok"], true, "{verified}");
    }
);

/// How the database defines `events`: one `name: definition` per table and index (SQLite's
/// implicit indexes as `name: auto`; on PostgreSQL the indexes only).
fn events_schema(app: &TestApp) -> String {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        line: String,
    }
    let sql = match app.backend {
        Backend::Sqlite => {
            "SELECT name || ': ' || coalesce(sql, 'auto') AS line FROM sqlite_master \
             WHERE tbl_name = 'events' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT indexname || ': ' || indexdef AS line FROM pg_indexes \
             WHERE tablename = 'events' ORDER BY indexname"
        }
    };
    let mut conn = app.app_state.db.read_pool.get().unwrap();
    let lines: Vec<Line> = diesel::sql_query(sql).load(&mut **conn).unwrap();
    lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

db_test!(
    the_event_log_keeps_every_event_through_its_rebuild_and_back,
    |app| {
        for code in ["POL", "ROU", "SVK"] {
            app.member(code, "state", true, "eastern_europe").await;
        }
        let before = app.events().await;
        assert_eq!(before.len(), 4);
        let rebuilt = events_schema(&app);
        // The index lines (the table's definition spans several lines and names every column).
        let indexes = |schema: &str| {
            schema
                .lines()
                .filter(|l| {
                    (l.contains(": CREATE") && !l.contains("CREATE TABLE")) || l.ends_with(": auto")
                })
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert!(
            indexes(&rebuilt).iter().all(|l| !l.contains("hash")),
            "no index on hash: {rebuilt}"
        );
        if app.backend == Backend::Sqlite {
            // seq is the rowid: no separate index holds it.
            assert!(
                rebuilt.contains("seq           INTEGER PRIMARY KEY"),
                "{rebuilt}"
            );
            assert!(!rebuilt.contains("sqlite_autoindex"), "{rebuilt}");
        }

        // Down: the table as it was, with the same events.
        {
            let mut conn = app.app_state.db.write_pool.get().unwrap();
            // The migrations after it (PostgreSQL only: a function, and the comments' creation
            // order kept within each standard; nothing on SQLite) go first.
            let version = accord::db::migrations::revert_last(&mut conn).unwrap();
            assert_eq!(version, "20261208000007");
            let version = accord::db::migrations::revert_last(&mut conn).unwrap();
            assert_eq!(version, "20261207000006");
            let version = accord::db::migrations::revert_last(&mut conn).unwrap();
            assert_eq!(version, "20261202000005");
        }
        let old = events_schema(&app);
        assert!(
            old.contains("UNIQUE") || old.contains("sqlite_autoindex_events_2"),
            "the hash index is back: {old}"
        );
        assert_eq!(app.events().await, before);

        // Up again: the same events, the chain intact, and appends go on from the last seq.
        {
            let mut conn = app.app_state.db.write_pool.get().unwrap();
            accord::db::migrations::run(&mut conn).unwrap();
        }
        assert_eq!(events_schema(&app), rebuilt);
        assert_eq!(app.events().await, before);
        app.member("CZE", "state", true, "eastern_europe").await;
        let after = app.events().await;
        assert_eq!(after.len(), 5);
        assert_eq!(after[..4], before[..]);
        assert_eq!(after[4]["seq"], 5);
        assert_eq!(after[4]["prev_hash"], before[3]["hash"]);
        let verified = app.get_json("/v1/events/verify").await;
        assert_eq!(verified["ok"], true, "{verified}");
        assert_eq!(verified["last_verified_seq"], 5);
    }
);

// Every write of a batch runs in a savepoint of the batch's transaction, and a success does not
// release it (the next write's nests inside). A write that fails, whether it returned an error
// after changing a row or the database rejected one of its statements, must undo its own change
// alone: the writes before and after it in the same batch keep theirs.
db_test!(
    a_write_that_fails_after_changing_a_row_undoes_that_change_alone,
    |app| {
        use accord::db::schema::members;
        use accord::error::ApiError;
        use diesel::prelude::*;

        app.member("POL", "state", true, "eastern_europe").await;
        let db = app.app_state.db.clone();
        let hold = app.hold_writer(400).await;
        // Write i appends "i," to the member's name; then i % 3 == 1 returns an error, i % 3 == 2
        // runs a statement the database rejects, and i % 3 == 0 succeeds.
        let writes = (0..12).map(|i| {
            let db = db.clone();
            async move {
                db.write(move |conn| {
                    diesel::update(members::table.find("POL"))
                        .set(members::name.eq(members::name.concat(format!("{i},"))))
                        .execute(conn)?;
                    match i % 3 {
                        1 => Err(ApiError::NotFound(format!("write {i} fails on purpose"))),
                        2 => {
                            conn.batch_execute("SELECT no_such_column FROM members")?;
                            Ok(())
                        }
                        _ => Ok(()),
                    }
                })
                .await
            }
        });
        let results = futures_util::future::join_all(writes).await;
        hold.await.unwrap().unwrap();

        for (i, result) in results.iter().enumerate() {
            match (i % 3, result) {
                (0, Ok(())) | (1, Err(ApiError::NotFound(_))) | (2, Err(ApiError::Internal(_))) => {
                }
                (_, other) => panic!("write {i} ended with {other:?}"),
            }
        }
        let member = app.get_json("/v1/members/POL").await;
        assert_eq!(member["name"], "Member POL0,3,6,9,");
    }
);

// Additive writes (comments, decisions) run without a savepoint: what they store is deferred to
// the batch's end. One that fails a check must leave nothing behind while the others of its
// batch commit. One whose statement the database rejects must not let the batch commit on
// PostgreSQL, where that error aborts the whole transaction: every write of the batch is then
// answered 503 (retry) and nothing is stored. On SQLite the failed statement undoes nothing
// else, so only that write fails.
db_test!(
    an_additive_write_that_fails_leaves_nothing_and_a_rejected_statement_fails_its_batch_on_postgres,
    |app| {
        use accord::db::models::event::Event;
        use accord::domain::event::Actor;
        use accord::error::ApiError;

        let db = app.app_state.db.clone();
        let now = app.app_state.now();
        let actor = Actor {
            client: Some("additive-test".into()),
            member: None,
        };
        let before = app.events().await.len();
        let run = |ops: Vec<u8>| {
            let writes = ops.into_iter().enumerate().map(|(i, op)| {
                let (db, actor) = (db.clone(), actor.clone());
                async move {
                    db.write_additive(move |conn| {
                        let event = Event::append(
                            conn,
                            &actor,
                            now,
                            "test.additive",
                            &format!("test:{i}"),
                            json!({ "i": i }),
                        )?;
                        match op {
                            1 => Err(ApiError::NotFound(format!("write {i} fails a check"))),
                            2 => {
                                conn.batch_execute("SELECT no_such_column FROM members")?;
                                Ok(event.seq)
                            }
                            _ => Ok(event.seq),
                        }
                    })
                    .await
                }
            });
            futures_util::future::join_all(writes)
        };

        // A batch of successes and failed checks.
        let hold = app.hold_writer(400).await;
        let results = run(vec![0, 1, 0, 1, 1, 0]).await;
        hold.await.unwrap().unwrap();
        let mut committed = Vec::new();
        for (i, result) in results.into_iter().enumerate() {
            match (i, result) {
                (0 | 2 | 5, Ok(seq)) => committed.push((seq, format!("test:{i}"))),
                (1 | 3 | 4, Err(ApiError::NotFound(_))) => {}
                (_, other) => panic!("write {i} ended with {other:?}"),
            }
        }
        let events = app.events().await;
        assert_chain(&events);
        let stored: Vec<(i64, String)> = events[before..]
            .iter()
            .map(|e| {
                assert_eq!(e["type"], "test.additive");
                (
                    e["seq"].as_i64().unwrap(),
                    e["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(stored, committed, "the successes, chained in order");

        // A batch with a statement the database rejects, between two successes.
        let hold = app.hold_writer(400).await;
        let results = run(vec![0, 2, 0]).await;
        hold.await.unwrap().unwrap();
        let after = app.events().await;
        assert_chain(&after);
        if app.backend == Backend::Postgres {
            for (i, result) in results.iter().enumerate() {
                assert!(
                    matches!(result, Err(ApiError::Unavailable { .. })),
                    "write {i} ended with {result:?}"
                );
            }
            assert_eq!(after.len(), events.len(), "nothing of the batch is stored");
        } else {
            assert!(results[0].is_ok(), "{:?}", results[0]);
            assert!(
                matches!(results[1], Err(ApiError::Internal(_))),
                "{:?}",
                results[1]
            );
            assert!(results[2].is_ok(), "{:?}", results[2]);
            let subjects: Vec<&str> = after[events.len()..]
                .iter()
                .map(|e| e["subject"].as_str().unwrap())
                .collect();
            assert_eq!(subjects, vec!["test:0", "test:2"]);
        }
    }
);
