//! Comment periods, comments, dispositions and the resolution report.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Cred, TestApp, field_errors, header, problem, strings};
use crate::revisions::add_revision;
use crate::standards::{create_standard, standard_body};

pub fn clauses_v1() -> Value {
    json!([
        {"id": "1", "heading": "Scope", "text": "This standard applies to providers."},
        {"id": "2", "heading": "Reporting", "text": "Providers shall report within 15 days."},
        {"id": "3", "heading": "Records", "text": "Providers shall keep records."},
    ])
}

pub struct Setup {
    pub admin: String,
    pub editor: String,
    pub bra: Cred,
    pub bra_delegate: Cred,
    pub fra_delegate: Cred,
    pub period: Value,
}

/// AIS-0001 with revision 1, two members with credentials, and a period open for an hour.
pub async fn setup(app: &mut TestApp) -> Setup {
    create_standard(app, &standard_body("AIS-0001")).await;
    add_revision(app, "AIS-0001", "First draft.", clauses_v1()).await;
    app.member("BRA", "state", true, "latin_america_caribbean")
        .await;
    app.member("FRA", "state", true, "western_europe_others")
        .await;
    let bra = app.client(&["commenter"], Some("BRA")).await;
    let bra_delegate = app.client(&["delegate"], Some("BRA")).await;
    let fra_delegate = app.client(&["delegate"], Some("FRA")).await;
    let editor = app.client(&["editor"], None).await.token;
    let admin = app.admin_token().await;
    let period = open_period(app, "AIS-0001", 3600).await;
    Setup {
        admin,
        editor,
        bra,
        bra_delegate,
        fra_delegate,
        period,
    }
}

pub async fn open_period(app: &mut TestApp, reference: &str, seconds: i64) -> Value {
    let admin = app.admin_token().await;
    let closes_at = app.clock.now_plus(seconds);
    let response = app
        .post(
            &format!("/v1/standards/{reference}/comment-periods"),
            &admin,
            &json!({"closes_at": closes_at}),
        )
        .await;
    assert_eq!(response.status(), 201, "open period");
    response.json().await.unwrap()
}

pub async fn comment(app: &TestApp, who: &Cred, body: Value) -> Value {
    let response = app
        .post("/v1/standards/AIS-0001/comments", &who.token, &body)
        .await;
    assert_eq!(response.status(), 201, "comment {body}");
    response.json().await.unwrap()
}

fn technical(clause: &str, text: &str) -> Value {
    json!({"revision": 1, "clause": clause, "type": "technical", "body": text})
}

/// Sends `token`'s technical comment on clause 2 of AIS-0001 without waiting for it: for tests
/// that hold the writer and queue writes behind it.
fn post_in_background(
    app: &TestApp,
    token: &str,
    text: &str,
) -> tokio::task::JoinHandle<reqwest::Response> {
    let request = app
        .request(Method::POST, "/v1/standards/AIS-0001/comments")
        .bearer_auth(token)
        .json(&technical("2", text));
    tokio::spawn(async move { request.send().await.unwrap() })
}

/// Queues `f` for the writer without waiting for it (see `post_in_background`).
fn write_in_background<T, F>(
    db: &accord::db::Db,
    f: F,
) -> tokio::task::JoinHandle<accord::error::ApiResult<T>>
where
    F: FnOnce(&mut accord::db::DbConn) -> accord::error::ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let db = db.clone();
    tokio::spawn(async move { db.write(f).await })
}

/// Waits (polling, up to 10 s) until the standard reaches `stage`: the scheduler's record.
async fn wait_for_stage(app: &TestApp, reference: &str, stage: &str) {
    for _ in 0..200 {
        if app.get_json(&format!("/v1/standards/{reference}")).await["stage"] == stage {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{reference} never reached {stage}");
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    let etag = app.get(path).await.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    app.request(Method::PATCH, path)
        .bearer_auth(token)
        .header(header::IF_MATCH, etag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

db_test!(a_comment_needs_an_open_period, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    add_revision(&mut app, "AIS-0001", "First draft.", clauses_v1()).await;
    app.member("BRA", "state", true, "latin_america_caribbean")
        .await;
    let bra = app.client(&["commenter"], Some("BRA")).await;
    let p = problem(
        app.post(
            "/v1/standards/AIS-0001/comments",
            &bra.token,
            &technical("2", "Too slow."),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["code"], "period_closed");
    assert!(
        p["detail"].as_str().unwrap().contains("no comment period"),
        "{p}"
    );
    assert_eq!(p["comment_period"], Value::Null);
});

db_test!(
    opening_a_period_moves_the_standard_to_public_comment,
    |app| {
        let s = setup(&mut app).await;
        assert_eq!(s.period["status"], "open");
        assert_eq!(s.period["revision"], 1);
        assert!(s.period["closed_at"].is_null());
        let standard = app.get_json("/v1/standards/AIS-0001").await;
        assert_eq!(standard["stage"], "public_comment");
        let opened = app
            .events()
            .await
            .into_iter()
            .find(|e| e["type"] == "comment_period.opened")
            .unwrap();
        assert_eq!(opened["data"]["revision"], 1);
        assert_eq!(opened["data"]["closes_at"], s.period["closes_at"]);
        let listed = app.get_json("/v1/standards/AIS-0001/comment-periods").await;
        assert_eq!(listed["items"][0]["id"], s.period["id"]);

        // A second period, a ballot-free standard without revisions, a past deadline: all refused.
        let again = problem(
            app.post(
                "/v1/standards/AIS-0001/comment-periods",
                &s.admin,
                &json!({"closes_at": app.clock.now_plus(60)}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(
            (again["code"].as_str(), again["current_stage"].as_str()),
            (Some("stage_conflict"), Some("public_comment"))
        );
        create_standard(&mut app, &standard_body("AIS-0002")).await;
        let empty = problem(
            app.post(
                "/v1/standards/AIS-0002/comment-periods",
                &s.admin,
                &json!({"closes_at": app.clock.now_plus(60)}),
            )
            .await,
            409,
        )
        .await;
        assert!(empty["detail"].as_str().unwrap().contains("no revision"));
        let past = problem(
            app.post(
                "/v1/standards/AIS-0002/comment-periods",
                &s.admin,
                &json!({"closes_at": app.clock.now_plus(-60)}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&past),
            vec![("closes_at".to_string(), "out_of_range".to_string())]
        );
        let editor = problem(
            app.post(
                "/v1/standards/AIS-0002/comment-periods",
                &s.editor,
                &json!({"closes_at": app.clock.now_plus(60)}),
            )
            .await,
            403,
        )
        .await;
        assert_eq!(editor["code"], "forbidden");
    }
);

db_test!(a_member_comments_in_its_own_name, |app| {
    let s = setup(&mut app).await;
    let response = app
        .post("/v1/standards/AIS-0001/comments", &s.bra.token, &json!({
            "revision": 1, "clause": "2", "paragraph": "first sentence", "type": "technical",
            "body": "Fifteen days is too slow for serious incidents.", "proposed_change": "Replace 15 days by 72 hours."
        }))
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let c: Value = response.json().await.unwrap();
    assert!(location.ends_with(&format!("/v1/comments/{}", c["id"].as_str().unwrap())));
    assert_eq!(
        (c["member"].as_str(), c["author"].as_str()),
        (Some("BRA"), Some(s.bra.id.as_str()))
    );
    assert_eq!(
        (
            c["status"].as_str(),
            c["replies"].as_i64(),
            c["outdated"].as_bool()
        ),
        (Some("open"), Some(0), Some(false))
    );
    assert_eq!(c["anchor"]["state"], "unchanged");
    assert!(c["disposition"].is_null());
    assert_eq!(
        app.get_json(&format!("/v1/comments/{}", c["id"].as_str().unwrap()))
            .await,
        c
    );
    let event = app.last_event().await;
    assert_eq!(event["type"], "comment.created");
    assert_eq!(event["actor"], json!({"client": s.bra.id, "member": "BRA"}));
    assert_eq!(
        event["data"]["body"],
        "Fifteen days is too slow for serious incidents."
    );

    let general = comment(
        &app,
        &s.bra_delegate,
        json!({"revision": 1, "type": "general", "body": "We support the draft."}),
    )
    .await;
    assert!(general["clause"].is_null() && general["anchor"].is_null());
});

db_test!(bad_comments_are_refused_with_the_reason, |app| {
    let s = setup(&mut app).await;
    let missing_clause = problem(
        app.post(
            "/v1/standards/AIS-0001/comments",
            &s.bra.token,
            &technical("9.9", "Where?"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&missing_clause),
        vec![("clause".to_string(), "not_found".to_string())]
    );
    let wrong_revision = problem(
        app.post(
            "/v1/standards/AIS-0001/comments",
            &s.bra.token,
            &json!({"revision": 2, "type": "general", "body": "x"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(
        (
            wrong_revision["code"].as_str(),
            wrong_revision["under_comment"].as_i64()
        ),
        (Some("revision_mismatch"), Some(1))
    );
    let invalid = problem(
        app.post(
            "/v1/standards/AIS-0001/comments",
            &s.bra.token,
            &json!({"type": "opinion"}),
        )
        .await,
        422,
    )
    .await;
    let mut errors = field_errors(&invalid);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("body", "required"),
            ("revision", "required"),
            ("type", "unknown_value")
        ]
        .map(|(f, r)| (f.to_string(), r.to_string()))
    );

    let reader = app.client(&["reader"], None).await;
    assert_eq!(
        problem(
            app.post(
                "/v1/standards/AIS-0001/comments",
                &reader.token,
                &technical("2", "x")
            )
            .await,
            403
        )
        .await["code"],
        "forbidden"
    );
    let mut for_france = technical("2", "In France's name.");
    for_france["member"] = json!("FRA");
    let p = problem(
        app.post("/v1/standards/AIS-0001/comments", &s.bra.token, &for_france)
            .await,
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("FRA"), "{p}");
    let mut own = technical("2", "In Brazil's name.");
    own["member"] = json!("BRA");
    assert_eq!(
        app.post("/v1/standards/AIS-0001/comments", &s.bra.token, &own)
            .await
            .status(),
        201
    );
    assert!(
        app.events()
            .await
            .iter()
            .filter(|e| e["type"] == "comment.created")
            .count()
            == 1,
        "only the valid comment was recorded"
    );
});

db_test!(each_comment_of_a_page_counts_its_own_replies, |app| {
    let s = setup(&mut app).await;
    // Five parents with 0, 1, 2, 0 and 3 replies: every page size below pads the list of ids
    // the counts are read for to a power of two, and the padding must count nothing twice.
    let mut parents = Vec::new();
    for (i, replies) in [0, 1, 2, 0, 3].into_iter().enumerate() {
        let parent = comment(&app, &s.bra.clone(), technical("2", &format!("Point {i}."))).await;
        for r in 0..replies {
            comment(
                &app,
                &s.fra_delegate,
                json!({"revision": 1, "clause": "2", "type": "technical",
                "body": format!("Reply {r} to point {i}."), "parent": parent["id"]}),
            )
            .await;
        }
        parents.push((parent["id"].as_str().unwrap().to_string(), replies));
    }
    for limit in [1, 3, 5, 50] {
        let mut counted = std::collections::HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/standards/AIS-0001/comments?member=BRA&limit={limit}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.get_json(&path).await;
            for c in page["items"].as_array().unwrap() {
                counted.insert(
                    c["id"].as_str().unwrap().to_string(),
                    c["replies"].as_i64().unwrap(),
                );
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        for (id, replies) in &parents {
            assert_eq!(
                counted.get(id),
                Some(&(*replies as i64)),
                "limit {limit}, comment {id}"
            );
        }
    }
});

db_test!(replies_stay_within_their_standard, |app| {
    let s = setup(&mut app).await;
    let parent = comment(&app, &s.bra.clone(), technical("2", "Too slow.")).await;
    let reply = comment(&app, &s.fra_delegate, json!({"revision": 1, "clause": "2", "type": "technical", "body": "We agree.", "parent": parent["id"]})).await;
    assert_eq!(reply["parent"], parent["id"]);
    assert_eq!(
        app.get_json(&format!("/v1/comments/{}", parent["id"].as_str().unwrap()))
            .await["replies"],
        1
    );

    create_standard(&mut app, &standard_body("AIS-0002")).await;
    add_revision(&mut app, "AIS-0002", "First.", clauses_v1()).await;
    open_period(&mut app, "AIS-0002", 3600).await;
    let across = problem(
        app.post("/v1/standards/AIS-0002/comments", &s.bra.token, &json!({"revision": 1, "type": "general", "body": "Reply elsewhere.", "parent": parent["id"]})).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&across),
        vec![("parent".to_string(), "not_allowed".to_string())]
    );
    let unknown = problem(
        app.post(
            "/v1/standards/AIS-0001/comments",
            &s.bra.token,
            &json!({"revision": 1, "type": "general", "body": "x", "parent": "nope"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&unknown),
        vec![("parent".to_string(), "not_found".to_string())]
    );
});

db_test!(authors_edit_and_withdraw_while_the_period_is_open, |app| {
    let s = setup(&mut app).await;
    let c = comment(&app, &s.bra, technical("2", "Too slow.")).await;
    let path = format!("/v1/comments/{}", c["id"].as_str().unwrap());

    let no_if_match = app
        .request(Method::PATCH, &path)
        .bearer_auth(&s.bra.token)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(no_if_match, 428).await["code"],
        "precondition_required"
    );
    let other_member = patch(
        &app,
        &path,
        &s.fra_delegate.token,
        json!({"body": "Hijacked."}),
    )
    .await;
    assert_eq!(problem(other_member, 403).await["code"], "forbidden");
    let other_commenter = app.client(&["commenter"], Some("BRA")).await;
    assert_eq!(
        patch(&app, &path, &other_commenter.token, json!({"body": "x"}))
            .await
            .status(),
        403,
        "a commenter is not the author"
    );

    let edited = patch(
        &app,
        &path,
        &s.bra.token,
        json!({"body": "Far too slow.", "proposed_change": "72 hours."}),
    )
    .await;
    assert_eq!(edited.status(), 200);
    let event = app.last_event().await;
    assert_eq!(event["type"], "comment.updated");
    assert_eq!(
        event["data"]["changes"]["body"],
        json!({"from": "Too slow.", "to": "Far too slow."})
    );
    assert_eq!(
        event["data"]["changes"]["proposed_change"],
        json!({"from": null, "to": "72 hours."})
    );

    let by_delegate = patch(
        &app,
        &path,
        &s.bra_delegate.token,
        json!({"type": "editorial"}),
    )
    .await;
    assert_eq!(
        by_delegate.status(),
        200,
        "a delegate of the same member may edit"
    );
    let bad_status = problem(
        patch(&app, &path, &s.bra.token, json!({"status": "accepted"})).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&bad_status),
        vec![("status".to_string(), "not_allowed".to_string())]
    );

    let withdrawn = patch(&app, &path, &s.bra.token, json!({"status": "withdrawn"})).await;
    assert_eq!(
        withdrawn.json::<Value>().await.unwrap()["status"],
        "withdrawn"
    );
    assert_eq!(app.last_event().await["type"], "comment.withdrawn");
    assert_eq!(
        problem(
            patch(&app, &path, &s.bra.token, json!({"body": "back"})).await,
            409
        )
        .await["code"],
        "conflict"
    );
    let history: Vec<Value> = app
        .get_json(&format!(
            "/v1/events?subject=comment:{}",
            c["id"].as_str().unwrap()
        ))
        .await["items"]
        .as_array()
        .unwrap()
        .clone();
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "comment.created",
            "comment.updated",
            "comment.updated",
            "comment.withdrawn"
        ],
        "edits keep history"
    );

    let later = comment(&app, &s.bra, technical("1", "Scope?")).await;
    let later_path = format!("/v1/comments/{}", later["id"].as_str().unwrap());
    app.clock.advance(7200);
    let closed = problem(
        patch(
            &app,
            &later_path,
            &s.bra.token,
            json!({"body": "late edit"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(closed["code"], "period_closed");
});

db_test!(
    a_deadline_closes_the_period_at_once_and_the_scheduler_records_it,
    |app| {
        let s = setup(&mut app).await;
        comment(&app, &s.bra, technical("2", "In time.")).await;
        app.clock.advance(3601);
        let late = problem(
            app.post(
                "/v1/standards/AIS-0001/comments",
                &s.bra.token,
                &technical("2", "Too late."),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(late["code"], "period_closed");
        assert_eq!(late["comment_period"]["closes_at"], s.period["closes_at"]);
        assert_eq!(late["comment_period"]["opens_at"], s.period["opens_at"]);

        wait_for_stage(&app, "AIS-0001", "drafting").await;
        let events = app.events().await;
        let closed: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "comment_period.closed")
            .collect();
        assert_eq!(closed.len(), 1);
        assert_eq!(
            (
                closed[0]["data"]["reason"].as_str(),
                closed[0]["data"]["closed_at"].as_str()
            ),
            (Some("deadline"), s.period["closes_at"].as_str())
        );
        let changed = events
            .iter()
            .find(|e| e["type"] == "standard.stage_changed")
            .unwrap();
        assert_eq!(
            (
                changed["data"]["from"].as_str(),
                changed["data"]["to"].as_str()
            ),
            (Some("public_comment"), Some("drafting"))
        );
        let period = app
            .get_json(&format!(
                "/v1/standards/AIS-0001/comment-periods/{}",
                s.period["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            (period["status"].as_str(), period["close_reason"].as_str()),
            (Some("closed"), Some("deadline"))
        );
    }
);

db_test!(
    a_close_that_fell_while_the_server_was_down_is_recorded_on_restart,
    |app| {
        let s = setup(&mut app).await;
        app.stop().await;
        app.clock.advance(7200);
        let events_before = app.events_direct();
        assert!(events_before.iter().all(|t| t != "comment_period.closed"));
        app.restart().await;
        wait_for_stage(&app, "AIS-0001", "drafting").await;
        let closed: Vec<Value> = app
            .events()
            .await
            .into_iter()
            .filter(|e| e["type"] == "comment_period.closed")
            .collect();
        assert_eq!(closed.len(), 1, "recorded once");
        assert_eq!(closed[0]["data"]["id"], s.period["id"]);
    }
);

db_test!(the_secretariat_closes_early_or_extends, |app| {
    let s = setup(&mut app).await;
    let path = format!(
        "/v1/standards/AIS-0001/comment-periods/{}",
        s.period["id"].as_str().unwrap()
    );
    let later = app.clock.now_plus(7200);
    let extended = patch(&app, &path, &s.admin, json!({"closes_at": later})).await;
    assert_eq!(extended.status(), 200);
    let body: Value = extended.json().await.unwrap();
    assert_eq!(body["closes_at"], later);
    assert_eq!(app.last_event().await["type"], "comment_period.extended");
    let earlier = problem(
        patch(
            &app,
            &path,
            &s.admin,
            json!({"closes_at": app.clock.now_plus(60)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&earlier),
        vec![("closes_at".to_string(), "out_of_range".to_string())]
    );
    let stale = app
        .request(Method::PATCH, &path)
        .bearer_auth(&s.admin)
        .header(header::IF_MATCH, "\"old\"")
        .json(&json!({"closes_at": later}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(stale, 412).await["code"], "precondition_failed");
    assert_eq!(
        problem(
            patch(&app, &path, &s.editor, json!({"closes_at": later})).await,
            403
        )
        .await["code"],
        "forbidden"
    );

    app.clock.advance(4000);
    assert_eq!(
        comment(&app, &s.bra, technical("2", "Thanks to the extension.")).await["status"],
        "open"
    );

    let closed = app
        .post(&format!("{path}/close"), &s.admin, &json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(
        (closed["status"].as_str(), closed["close_reason"].as_str()),
        (Some("closed"), Some("early"))
    );
    assert_eq!(
        app.get_json("/v1/standards/AIS-0001").await["stage"],
        "drafting"
    );
    let again = problem(
        app.post(&format!("{path}/close"), &s.admin, &json!({}))
            .await,
        409,
    )
    .await;
    assert_eq!(
        (again["code"].as_str(), again["close_reason"].as_str()),
        (Some("period_closed"), Some("early"))
    );
    assert_eq!(
        problem(
            patch(
                &app,
                &path,
                &s.admin,
                json!({"closes_at": app.clock.now_plus(9000)})
            )
            .await,
            409
        )
        .await["code"],
        "period_closed"
    );
});

db_test!(withdrawing_the_standard_closes_its_period, |app| {
    let s = setup(&mut app).await;
    let response = app
        .post(
            "/v1/standards/AIS-0001/withdraw",
            &s.admin,
            &json!({"reason": "Abandoned."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let period = app
        .get_json(&format!(
            "/v1/standards/AIS-0001/comment-periods/{}",
            s.period["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(period["close_reason"], "withdrawn");
    let withdrawn = app.last_event().await;
    assert_eq!(withdrawn["type"], "standard.withdrawn");
    assert_eq!(
        withdrawn["data"]["closed"][0]["comment_period"],
        s.period["id"]
    );
    assert_eq!(
        app.get_json("/v1/standards/AIS-0001").await["stage"],
        "withdrawn"
    );
});

db_test!(editors_record_dispositions, |app| {
    let s = setup(&mut app).await;
    let c = comment(&app, &s.bra, technical("2", "Too slow.")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let disposition = json!({"status": "accepted_modified", "response": "Now 72 hours for the most serious incidents."});
    for who in [&s.bra.token, &s.bra_delegate.token] {
        let p = problem(
            app.send_json(
                Method::PUT,
                &format!("/v1/comments/{id}/disposition"),
                Some(who),
                &disposition,
            )
            .await,
            403,
        )
        .await;
        assert_eq!(p["code"], "forbidden");
    }
    let early = problem(
        app.send_json(
            Method::PUT,
            &format!("/v1/comments/{id}/disposition"),
            Some(&s.editor),
            &json!({"status": "accepted", "response": "x", "resolved_in": 2}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&early),
        vec![("resolved_in".to_string(), "not_found".to_string())]
    );
    let same = problem(
        app.send_json(
            Method::PUT,
            &format!("/v1/comments/{id}/disposition"),
            Some(&s.editor),
            &json!({"status": "accepted", "response": "x", "resolved_in": 1}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&same),
        vec![("resolved_in".to_string(), "out_of_range".to_string())]
    );

    let response = app
        .send_json(
            Method::PUT,
            &format!("/v1/comments/{id}/disposition"),
            Some(&s.editor),
            &disposition,
        )
        .await;
    assert_eq!(response.status(), 200);
    let disposed: Value = response.json().await.unwrap();
    assert_eq!(disposed["status"], "accepted_modified");
    assert_eq!(
        disposed["disposition"]["response"],
        "Now 72 hours for the most serious incidents."
    );
    let event = app.last_event().await;
    assert_eq!(
        (event["type"].as_str(), event["data"]["status"].as_str()),
        (Some("comment.disposed"), Some("accepted_modified"))
    );

    // Later the editor points at the revision that acted on it.
    app.post(
        &format!(
            "/v1/standards/AIS-0001/comment-periods/{}/close",
            s.period["id"].as_str().unwrap()
        ),
        &s.admin,
        &json!({}),
    )
    .await;
    let mut v2 = clauses_v1();
    v2[1]["text"] = json!("Providers shall report within 72 hours.");
    add_revision(&mut app, "AIS-0001", "72 hours.", v2).await;
    let redo = app
        .send_json(
            Method::PUT,
            &format!("/v1/comments/{id}/disposition"),
            Some(&s.editor),
            &json!({"status": "accepted", "response": "Done in revision 2.", "resolved_in": 2}),
        )
        .await;
    let redone: Value = redo.json().await.unwrap();
    assert_eq!(redone["disposition"]["resolved_in"], 2);
    assert_eq!(
        app.last_event().await["data"]["previous"]["status"],
        "accepted_modified"
    );

    let gone = comment_then_withdraw(&mut app, &s).await;
    let p = problem(
        app.send_json(
            Method::PUT,
            &format!("/v1/comments/{gone}/disposition"),
            Some(&s.editor),
            &disposition,
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["code"], "conflict");
});

async fn comment_then_withdraw(app: &mut TestApp, s: &Setup) -> String {
    open_period(app, "AIS-0001", 3600).await;
    let c = comment(
        app,
        &s.bra,
        json!({"revision": 2, "type": "general", "body": "Withdrawn soon."}),
    )
    .await;
    let path = format!("/v1/comments/{}", c["id"].as_str().unwrap());
    assert_eq!(
        patch(app, &path, &s.bra.token, json!({"status": "withdrawn"}))
            .await
            .status(),
        200
    );
    c["id"].as_str().unwrap().to_string()
}

db_test!(comments_on_changed_or_removed_clauses_are_outdated, |app| {
    let s = setup(&mut app).await;
    let on_scope = comment(&app, &s.bra, technical("1", "Scope is fine.")).await;
    let on_reporting = comment(&app, &s.bra, technical("2", "Too slow.")).await;
    let on_records = comment(&app, &s.bra, technical("3", "Records for how long?")).await;
    app.post(
        &format!(
            "/v1/standards/AIS-0001/comment-periods/{}/close",
            s.period["id"].as_str().unwrap()
        ),
        &s.admin,
        &json!({}),
    )
    .await;
    add_revision(
        &mut app,
        "AIS-0001",
        "72 hours; records merged into reporting.",
        json!([
            {"id": "2", "heading": "Reporting", "text": "Providers shall report within 72 hours and keep records."},
            {"id": "1", "heading": "Scope", "text": "This standard applies to providers."},
        ]),
    )
    .await;
    let view = |c: &Value| format!("/v1/comments/{}", c["id"].as_str().unwrap());
    let scope = app.get_json(&view(&on_scope)).await;
    assert_eq!(
        (
            scope["outdated"].as_bool(),
            scope["anchor"]["state"].as_str(),
            scope["anchor"]["latest_position"].as_i64()
        ),
        (Some(false), Some("moved"), Some(2))
    );
    let reporting = app.get_json(&view(&on_reporting)).await;
    assert_eq!(
        (
            reporting["outdated"].as_bool(),
            reporting["anchor"]["state"].as_str()
        ),
        (Some(true), Some("changed"))
    );
    assert_eq!(reporting["anchor"]["latest_revision"], 2);
    let records = app.get_json(&view(&on_records)).await;
    assert_eq!(
        (
            records["outdated"].as_bool(),
            records["anchor"]["state"].as_str(),
            records["anchor"]["latest_position"].clone()
        ),
        (Some(true), Some("removed"), Value::Null)
    );
    let listed = app
        .get_json("/v1/standards/AIS-0001/comments?clause=3")
        .await;
    assert_eq!(listed["items"][0]["outdated"], true);
});

/// A page of comments as a client sees it: its `Link` header and its body.
async fn page_and_link(app: &TestApp, path: &str) -> (String, Value) {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    let link = response.headers()[header::LINK]
        .to_str()
        .unwrap()
        .to_string();
    (link, response.json().await.unwrap())
}

db_test!(a_page_asked_for_again_shows_every_change_at_once, |app| {
    let s = setup(&mut app).await;
    let first = comment(&app, &s.bra, technical("1", "first")).await;
    let second = comment(&app, &s.fra_delegate, technical("2", "second")).await;
    let path = "/v1/standards/AIS-0001/comments?status=open&limit=1";
    let (link, page) = page_and_link(&app, path).await;
    assert_eq!(page["items"][0]["id"], second["id"]);
    assert!(
        link.starts_with(
            "<http://accord.test/v1/standards/AIS-0001/comments?status=open&limit=1&cursor="
        ),
        "{link}"
    );
    // Asked again with nothing changed (on SQLite this one comes from the page cache).
    assert_eq!(
        page_and_link(&app, path).await,
        (link.clone(), page.clone())
    );

    // A new comment through the API is on the page at once.
    let third = comment(&app, &s.bra, technical("3", "third")).await;
    let (_, page) = page_and_link(&app, path).await;
    assert_eq!(page["items"][0]["id"], third["id"]);
    assert_eq!(page["items"][0]["body"], "third");

    // So is a change committed by another process, which this server never saw.
    let id = third["id"].as_str().unwrap();
    app.execute_elsewhere(&format!(
        "UPDATE comments SET body = 'changed elsewhere' WHERE id = '{id}'"
    ));
    let (_, page) = page_and_link(&app, path).await;
    assert_eq!(page["items"][0]["body"], "changed elsewhere");

    // And a disposition takes the comment off the `status=open` page.
    let response = app
        .send_json(
            Method::PUT,
            &format!("/v1/comments/{id}/disposition"),
            Some(&s.editor),
            &json!({"status": "noted", "response": "Thanks."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (_, page) = page_and_link(&app, path).await;
    assert_eq!(page["items"][0]["id"], second["id"]);
    assert_ne!(page["items"][0]["id"], first["id"]);
});

db_test!(comments_are_filtered_ordered_and_paged, |app| {
    let s = setup(&mut app).await;
    let a = comment(&app, &s.bra, technical("3", "a")).await;
    app.clock.advance(10);
    let since = app.clock_now();
    let b = comment(
        &app,
        &s.fra_delegate,
        json!({"revision": 1, "clause": "1", "type": "editorial", "body": "b"}),
    )
    .await;
    let c = comment(
        &app,
        &s.bra,
        json!({"revision": 1, "type": "general", "body": "c"}),
    )
    .await;
    let d = comment(&app, &s.fra_delegate, technical("3", "d")).await;
    app.send_json(
        Method::PUT,
        &format!("/v1/comments/{}/disposition", b["id"].as_str().unwrap()),
        Some(&s.editor),
        &json!({"status": "rejected", "response": "No."}),
    )
    .await;
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();

    assert_eq!(
        ids(app.get_json("/v1/standards/AIS-0001/comments").await),
        [id(&d), id(&c), id(&b), id(&a)],
        "newest first"
    );
    assert_eq!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?order=clause")
            .await),
        [id(&c), id(&b), id(&a), id(&d)],
        "clause order, general first"
    );
    assert_eq!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?member=FRA")
            .await),
        [id(&d), id(&b)]
    );
    assert_eq!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?clause=3")
            .await),
        [id(&d), id(&a)]
    );
    assert_eq!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?type=editorial")
            .await),
        [id(&b)]
    );
    assert_eq!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?status=rejected")
            .await),
        [id(&b)]
    );
    assert_eq!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?status=open")
            .await),
        [id(&d), id(&c), id(&a)]
    );
    assert_eq!(
        ids(app
            .get_json(&format!(
                "/v1/standards/AIS-0001/comments?revision=1&since={since}"
            ))
            .await),
        [id(&d), id(&c), id(&b)]
    );
    assert!(
        ids(app
            .get_json("/v1/standards/AIS-0001/comments?revision=2")
            .await)
        .is_empty()
    );

    let mut seen = Vec::new();
    let mut path = "/v1/standards/AIS-0001/comments?order=clause&limit=3".to_string();
    loop {
        let page = app.get_json(&path).await;
        seen.extend(ids(page.clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path =
                    format!("/v1/standards/AIS-0001/comments?order=clause&limit=3&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, [id(&c), id(&b), id(&a), id(&d)]);
    assert_eq!(
        problem(
            app.get("/v1/standards/AIS-0001/comments?status=pending")
                .await,
            400
        )
        .await["code"],
        "invalid_query"
    );
    assert_eq!(
        problem(app.get("/v1/standards/NOPE-1/comments").await, 404).await["code"],
        "not_found"
    );
});

db_test!(
    the_resolution_report_is_rfc_4180_csv_in_the_iso_columns,
    |app| {
        let s = setup(&mut app).await;
        let tricky = "We propose \"shall\", not \"should\",\nand a second line.";
        let arabic = "يجب أن تكون مهلة الإبلاغ 72 ساعة.";
        let chinese = "建议将报告期限改为72小时，并增加“严重事件”的定义。";
        let c1 = comment(&app, &s.bra, json!({"revision": 1, "clause": "2", "paragraph": "Table 1, row 2", "type": "technical", "body": tricky, "proposed_change": "Use \"shall\"."})).await;
        let c2 = comment(
            &app,
            &s.fra_delegate,
            json!({"revision": 1, "clause": "1", "type": "editorial", "body": arabic}),
        )
        .await;
        let c3 = comment(
            &app,
            &s.bra_delegate,
            json!({"revision": 1, "type": "general", "body": chinese}),
        )
        .await;
        app.send_json(
            Method::PUT,
            &format!("/v1/comments/{}/disposition", c1["id"].as_str().unwrap()),
            Some(&s.editor),
            &json!({"status": "accepted_modified", "response": "Agreed, with \"shall\"."}),
        )
        .await;

        let response = app
            .request(Method::GET, "/v1/standards/AIS-0001/comments?order=clause")
            .header(header::ACCEPT, "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8; header=present"
        );
        assert!(
            response.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("AIS-0001-comments.csv")
        );
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.windows(2).filter(|w| w == b"\r\n").count() >= 4,
            "CRLF line ends"
        );
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(&bytes[..]);
        let headers: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(
            headers,
            [
                "Comment ID",
                "MB/NC",
                "Clause/Subclause",
                "Paragraph/Figure/Table/Note",
                "Type of comment",
                "Comments",
                "Proposed change",
                "Observations of the secretariat",
                "Revision"
            ]
        );
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let id = |c: &Value| c["id"].as_str().unwrap().to_string();
        assert_eq!(
            rows,
            vec![
                vec![
                    id(&c3),
                    "BRA".into(),
                    "".into(),
                    "".into(),
                    "ge".into(),
                    chinese.into(),
                    "".into(),
                    "".into(),
                    "1".into()
                ],
                vec![
                    id(&c2),
                    "FRA".into(),
                    "1".into(),
                    "".into(),
                    "ed".into(),
                    arabic.into(),
                    "".into(),
                    "".into(),
                    "1".into()
                ],
                vec![
                    id(&c1),
                    "BRA".into(),
                    "2".into(),
                    "Table 1, row 2".into(),
                    "te".into(),
                    tricky.into(),
                    "Use \"shall\".".into(),
                    "Accepted with modification. Agreed, with \"shall\".".into(),
                    "1".into(),
                ],
            ]
        );
        let json_anyway = app
            .request(Method::GET, "/v1/standards/AIS-0001/comments")
            .header(header::ACCEPT, "application/xml")
            .send()
            .await
            .unwrap();
        assert_eq!(problem(json_anyway, 406).await["code"], "not_acceptable");
    }
);

db_test!(the_report_streams_past_one_batch, |app| {
    let s = setup(&mut app).await;
    // 1,050 comments, 30 writers at a time.
    for chunk in (0..1_050).collect::<Vec<_>>().chunks(30) {
        let mut tasks = Vec::new();
        for i in chunk {
            let (http, url, token) = (
                app.http.clone(),
                app.url("/v1/standards/AIS-0001/comments"),
                s.bra.token.clone(),
            );
            let body = json!({"revision": 1, "clause": "2", "type": "technical", "body": format!("comment {i}, with a comma")});
            tasks.push(tokio::spawn(async move {
                http.post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 201);
        }
    }
    let response = app
        .request(Method::GET, "/v1/standards/AIS-0001/comments?status=open")
        .header(header::ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let bodies: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[5].to_string())
        .collect();
    assert_eq!(bodies.len(), 1_050);
    let mut unique = bodies.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 1_050, "no row repeated across batches");
});

db_test!(
    a_write_between_two_comments_of_one_batch_is_seen_by_the_second,
    |app| {
        use accord::db::schema::members;
        use diesel::prelude::*;
        use std::time::Duration;

        let s = setup(&mut app).await;
        let db = app.app_state.db.clone();
        // Hold the writer so that the three writes below queue, in this order, for one batch: a
        // comment (its lookups are remembered for the batch), a change to the member it looked up,
        // and a second comment, which must see the change and not the remembered member.
        let hold = app.hold_writer(700).await;
        let post = |text: &str| post_in_background(&app, &s.bra.token, text);
        let first = post("Before the suspension.");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let suspend = write_in_background(&db, |conn| {
            Ok(diesel::update(members::table.find("BRA"))
                .set(members::status.eq("suspended"))
                .execute(conn)?)
        });
        tokio::time::sleep(Duration::from_millis(150)).await;
        let second = post("After the suspension.");
        hold.await.unwrap().unwrap();

        assert_eq!(suspend.await.unwrap().unwrap(), 1);
        assert_eq!(first.await.unwrap().status(), 201);
        let refused = problem(second.await.unwrap(), 403).await;
        assert!(
            refused["detail"].as_str().unwrap().contains("suspended"),
            "{refused}"
        );
        let stored = app.get_json("/v1/standards/AIS-0001/comments").await;
        let bodies: Vec<&str> = strings(&stored["items"], "body");
        assert_eq!(bodies, vec!["Before the suspension."]);
    }
);

// In a batch of the writer, the member registry and a revision's clauses are read once (on
// PostgreSQL, all of them at the second lookup; on SQLite one row at a time). Each comment of the
// batch must still get its own member and clause, and a missing clause or a suspended member
// must be refused as it would be alone.
db_test!(
    comments_of_several_members_on_several_clauses_in_one_batch_each_get_their_own,
    |app| {
        use accord::db::schema::{clauses, comments, members};
        use diesel::prelude::*;

        let s = setup(&mut app).await;
        app.member("KEN", "state", true, "africa").await;
        let ken = app.client(&["commenter"], Some("KEN")).await;
        {
            let mut conn = app.app_state.db.write_pool.get().unwrap();
            diesel::update(members::table.find("KEN"))
                .set(members::status.eq("suspended"))
                .execute(&mut **conn)
                .unwrap();
        }
        let hold = app.hold_writer(600).await;
        let sends = [
            (&s.bra.token, "2", "BRA on 2"),
            (&s.fra_delegate.token, "3", "FRA on 3"),
            (&s.bra_delegate.token, "1", "BRA delegate on 1"),
            (
                &s.fra_delegate.token,
                "9",
                "FRA on a clause that is not there",
            ),
            (&ken.token, "1", "KEN while suspended"),
            (&s.fra_delegate.token, "2", "FRA on 2"),
        ]
        .map(|(token, clause, text)| {
            let request = app
                .request(Method::POST, "/v1/standards/AIS-0001/comments")
                .bearer_auth(token)
                .json(&technical(clause, text));
            tokio::spawn(async move { request.send().await.unwrap() })
        });
        hold.await.unwrap().unwrap();
        let mut statuses = Vec::new();
        for send in sends {
            statuses.push(send.await.unwrap().status().as_u16());
        }
        assert_eq!(statuses, vec![201, 201, 201, 422, 403, 201]);

        // Each stored comment carries its own member and the position and hash of its own clause.
        let mut conn = app.app_state.db.read_pool.get().unwrap();
        // body, member, clause position, clause id, clause hash
        type Stored = (String, String, i32, Option<String>, Option<String>);
        let mut stored: Vec<Stored> = comments::table
            .filter(comments::reference.eq("AIS-0001"))
            .select((
                comments::body,
                comments::member_code,
                comments::clause_position,
                comments::clause_id,
                comments::clause_hash,
            ))
            .load(&mut **conn)
            .unwrap();
        stored.sort();
        let clause_rows: Vec<(String, i32, String)> = clauses::table
            .filter(
                clauses::reference
                    .eq("AIS-0001")
                    .and(clauses::revision.eq(1)),
            )
            .select((clauses::clause_id, clauses::position, clauses::clause_hash))
            .load(&mut **conn)
            .unwrap();
        let clause = |id: &str| {
            let (_, position, hash) = clause_rows.iter().find(|c| c.0 == id).unwrap();
            (*position, Some(id.to_string()), Some(hash.clone()))
        };
        let expected = |body: &str, member: &str, id: &str| {
            let (position, id, hash) = clause(id);
            (body.to_string(), member.to_string(), position, id, hash)
        };
        assert_eq!(
            stored,
            vec![
                expected("BRA delegate on 1", "BRA", "1"),
                expected("BRA on 2", "BRA", "2"),
                expected("FRA on 2", "FRA", "2"),
                expected("FRA on 3", "FRA", "3"),
            ]
        );
        assert_ne!(clause("1").2, clause("2").2, "the clauses hash apart");
    }
);

// In a batch of the writer, new comments are kept and stored together by one INSERT before the
// commit. A reply queued behind its parent in the same batch must find the parent among them,
// and a comment job that fails after building its row must leave neither row nor event behind.
db_test!(
    a_reply_finds_its_parent_in_the_same_batch_and_a_failed_comment_leaves_nothing,
    |app| {
        use accord::domain::event::Actor;
        use accord::error::ApiError;
        use accord::routes::comments::create::{CreateComment, insert_comment};
        use std::sync::{Arc, Mutex};

        setup(&mut app).await;
        let db = app.app_state.db.clone();
        let now = app.app_state.now();
        let actor = Actor {
            client: Some("batch-test".into()),
            member: Some("BRA".into()),
        };
        let parent_id: Arc<Mutex<Option<String>>> = Arc::default();
        let hold = app.hold_writer(400).await;
        // 0: the parent; 1: a comment that fails once its row is built; 2: a reply to 0.
        let writes = (0..3).map(|i| {
            let (db, actor, parent_id) = (db.clone(), actor.clone(), parent_id.clone());
            async move {
                db.write_additive(move |conn| {
                    let parent = if i == 2 {
                        parent_id.lock().unwrap().clone()
                    } else {
                        None
                    };
                    let body = ["Parent.", "Doomed.", "Reply."][i];
                    let new: CreateComment = serde_json::from_value(json!({
                        "revision": 1, "clause": "2", "type": "technical", "body": body, "parent": parent,
                    }))
                    .unwrap();
                    let comment = insert_comment(
                        conn,
                        &actor,
                        "BRA",
                        "batch-test",
                        now,
                        "AIS-0001",
                        new.validate()?,
                    )?;
                    match i {
                        0 => *parent_id.lock().unwrap() = Some(comment.id.clone()),
                        1 => return Err(ApiError::NotFound("comment 1 fails on purpose".into())),
                        _ => {}
                    }
                    Ok(comment.id)
                })
                .await
            }
        });
        let results = futures_util::future::join_all(writes).await;
        hold.await.unwrap().unwrap();

        let parent = results[0].as_ref().expect("the parent is stored").clone();
        assert!(
            matches!(results[1], Err(ApiError::NotFound(_))),
            "{:?}",
            results[1]
        );
        let reply = results[2].as_ref().expect("the reply is stored").clone();
        let stored = app.get_json("/v1/standards/AIS-0001/comments").await;
        assert_eq!(strings(&stored["items"], "body"), vec!["Reply.", "Parent."]);
        let read = app.get_json(&format!("/v1/comments/{reply}")).await;
        assert_eq!(read["parent"], parent.as_str());
        let events = app.events().await;
        let created: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "comment.created")
            .collect();
        assert_eq!(created.len(), 2, "the failed comment left no event");
        assert_eq!(created[0]["data"]["id"], parent.as_str());
        assert_eq!(created[1]["data"]["id"], reply.as_str());
        let verified = app.get_json("/v1/events/verify").await;
        assert_eq!(verified["ok"], true, "{verified}");
    }
);

// A write that is not a comment or a decision may read or change comments: the comments queued
// before it in its batch are stored before it runs, and outside its savepoint, so that its
// failure does not undo them.
db_test!(
    comments_queued_before_another_write_are_stored_before_it_runs,
    |app| {
        use accord::db::schema::comments;
        use accord::error::ApiError;
        use diesel::prelude::*;
        use std::time::Duration;

        let s = setup(&mut app).await;
        let db = app.app_state.db.clone();
        let hold = app.hold_writer(700).await;
        let post = |text: &str| post_in_background(&app, &s.bra.token, text);
        let first = post("Before the count.");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let count = write_in_background(&db, |conn| {
            Ok(comments::table
                .filter(comments::reference.eq("AIS-0001"))
                .count()
                .get_result::<i64>(conn)?)
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let second = post("Before the failure.");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let failing = write_in_background(&db, |conn| {
            diesel::update(comments::table)
                .set(comments::body.eq("Overwritten."))
                .execute(conn)?;
            Err::<(), _>(ApiError::NotFound("fails on purpose".into()))
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let third = post("After the failure.");
        hold.await.unwrap().unwrap();

        assert_eq!(
            count.await.unwrap().unwrap(),
            1,
            "the count saw the comment"
        );
        assert!(matches!(failing.await.unwrap(), Err(ApiError::NotFound(_))));
        for response in [first, second, third] {
            assert_eq!(response.await.unwrap().status(), 201);
        }
        let stored = app.get_json("/v1/standards/AIS-0001/comments").await;
        assert_eq!(
            strings(&stored["items"], "body"),
            vec![
                "After the failure.",
                "Before the failure.",
                "Before the count."
            ]
        );
    }
);
