//! Revisions: numbering, content hashes, immutability, caching, Markdown, limits and diffs.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, field_errors, header, problem, strings};
use crate::standards::{create_standard, standard_body};

fn clause(id: &str, heading: &str, text: &str) -> Value {
    json!({"id": id, "heading": heading, "text": text})
}

/// The documented content hash, recomputed here: SHA-256 of the RFC 8785 canonical JSON of the
/// clause array.
fn documented_hash(clauses: &Value) -> String {
    hex::encode(Sha256::digest(
        serde_jcs::to_string(clauses).unwrap().as_bytes(),
    ))
}

pub async fn add_revision(
    app: &mut TestApp,
    reference: &str,
    summary: &str,
    clauses: Value,
) -> Value {
    let token = app.admin_token().await;
    let response = app
        .post(
            &format!("/v1/standards/{reference}/revisions"),
            &token,
            &json!({"summary": summary, "clauses": clauses}),
        )
        .await;
    assert_eq!(response.status(), 201, "revision of {reference}");
    response.json().await.unwrap()
}

fn three_revisions() -> [Value; 3] {
    [
        json!([
            clause(
                "1",
                "Scope",
                "This standard applies to providers of AI systems."
            ),
            clause(
                "2",
                "Terms",
                "**Serious incident**: an incident that causes harm."
            ),
            clause(
                "3",
                "Reporting",
                "Providers shall report within 15 days.\nReports go to the authority."
            ),
            clause("4", "Records", "Providers shall keep records."),
        ]),
        json!([
            clause(
                "1",
                "Scope",
                "This standard applies to providers of AI systems."
            ),
            clause(
                "2",
                "Terms and definitions",
                "**Serious incident**: an incident that causes harm."
            ),
            clause(
                "3",
                "Reporting",
                "Providers shall report within 72 hours.\nReports go to the authority."
            ),
            clause("4", "Records", "Providers shall keep records."),
            clause("5", "Confidentiality", "Reports are confidential."),
        ]),
        json!([
            clause(
                "1",
                "Scope",
                "This standard applies to providers and deployers of AI systems."
            ),
            clause(
                "3",
                "Reporting",
                "Providers shall report within 72 hours.\nReports go to the authority.\nA template is in Annex A."
            ),
            clause(
                "2",
                "Terms and definitions",
                "**Serious incident**: an incident that causes harm."
            ),
            clause("5", "Confidentiality", "Reports are confidential."),
            clause(
                "annex-a",
                "Reporting template",
                "| field | content |\n| --- | --- |"
            ),
        ]),
    ]
}

db_test!(revisions_are_numbered_hashed_and_recorded, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    let [first, second, _] = three_revisions();
    let token = app.client(&["editor"], None).await.token;
    let response = app
        .post(
            "/v1/standards/AIS-0001/revisions",
            &token,
            &json!({"summary": "First working draft.", "clauses": first}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let hash = documented_hash(&first);
    assert_eq!(response.headers()[header::ETAG], format!("\"{hash}\""));
    assert!(
        response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("/v1/standards/AIS-0001/revisions/1")
    );
    let r1: Value = response.json().await.unwrap();
    assert_eq!(
        (
            r1["number"].as_i64(),
            r1["content_hash"].as_str(),
            r1["clause_count"].as_i64()
        ),
        (Some(1), Some(hash.as_str()), Some(4))
    );
    assert_eq!(r1["clauses"], first);

    let r2 = add_revision(
        &mut app,
        "AIS-0001",
        "Deadline shortened to 72 hours.",
        second.clone(),
    )
    .await;
    assert_eq!(r2["number"], 2);
    assert_eq!(r2["content_hash"], documented_hash(&second));

    let standard = app.get_json("/v1/standards/AIS-0001").await;
    assert_eq!(
        standard["latest_revision"],
        json!({"number": 2, "content_hash": documented_hash(&second)})
    );
    let event = app.last_event().await;
    assert_eq!(event["type"], "revision.created");
    assert_eq!(event["data"]["content_hash"], documented_hash(&second));
    assert_eq!(event["data"]["number"], 2);

    let listed = app.get_json("/v1/standards/AIS-0001/revisions").await;
    let numbers: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    assert!(
        listed["items"][0].get("clauses").is_none(),
        "lists carry no clauses"
    );
    assert_eq!(
        problem(app.get("/v1/standards/NOPE-1/revisions").await, 404).await["code"],
        "not_found"
    );
});

db_test!(a_revision_never_changes, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    let [first, ..] = three_revisions();
    add_revision(&mut app, "AIS-0001", "First.", first.clone()).await;
    let admin = app.admin_token().await;
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let response = app
            .request(method.clone(), "/v1/standards/AIS-0001/revisions/1")
            .bearer_auth(&admin)
            .json(&json!({"summary": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD", "{method}");
        assert_eq!(problem(response, 405).await["code"], "method_not_allowed");
    }
    assert_eq!(
        app.get_json("/v1/standards/AIS-0001/revisions/1").await["clauses"],
        first
    );
});

db_test!(
    revisions_are_cached_for_ever_and_revalidated_by_hash,
    |app| {
        create_standard(&mut app, &standard_body("AIS-0001")).await;
        let [first, second, _] = three_revisions();
        add_revision(&mut app, "AIS-0001", "First.", first.clone()).await;
        let response = app.get("/v1/standards/AIS-0001/revisions/1").await;
        let etag = format!("\"{}\"", documented_hash(&first));
        assert_eq!(response.headers()[header::ETAG], etag.as_str());
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let again = app
            .request(Method::GET, "/v1/standards/AIS-0001/revisions/1")
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.text().await.unwrap(), "");
        let other = app
            .request(Method::GET, "/v1/standards/AIS-0001/revisions/1")
            .header(header::IF_NONE_MATCH, "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200);

        add_revision(&mut app, "AIS-0001", "Second.", second.clone()).await;
        let latest = app.get("/v1/standards/AIS-0001/revisions/latest").await;
        assert_eq!(latest.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(
            latest.headers()[header::CONTENT_LOCATION]
                .to_str()
                .unwrap()
                .ends_with("/revisions/2")
        );
        assert_eq!(latest.json::<Value>().await.unwrap()["clauses"], second);

        assert_eq!(
            problem(app.get("/v1/standards/AIS-0001/revisions/3").await, 404).await["code"],
            "not_found"
        );
        assert_eq!(
            problem(app.get("/v1/standards/AIS-0001/revisions/0").await, 400).await["code"],
            "invalid_path"
        );
        assert_eq!(
            problem(app.get("/v1/standards/AIS-0001/revisions/first").await, 400).await["code"],
            "invalid_path"
        );
        create_standard(&mut app, &standard_body("AIS-0002")).await;
        assert_eq!(
            problem(
                app.get("/v1/standards/AIS-0002/revisions/latest").await,
                404
            )
            .await["code"],
            "not_found"
        );
    }
);

db_test!(a_revision_renders_as_one_markdown_document, |app| {
    let mut body = standard_body("AIS-0001");
    body["title"] = json!("AI incident reporting");
    create_standard(&mut app, &body).await;
    let clauses = json!([
        clause("1", "Scope", "This standard applies to **providers**."),
        clause(
            "4.2",
            "Deadlines",
            "Report:\n\n- within 72 hours;\n- to the authority."
        ),
    ]);
    add_revision(
        &mut app,
        "AIS-0001",
        "First working draft.",
        clauses.clone(),
    )
    .await;
    let hash = documented_hash(&clauses);
    let response = app
        .request(Method::GET, "/v1/standards/AIS-0001/revisions/1")
        .header(header::ACCEPT, "text/markdown")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/markdown; charset=utf-8"
    );
    assert_eq!(response.headers()[header::ETAG], format!("\"{hash}-md\""));
    assert!(
        response.headers()[header::VARY]
            .to_str()
            .unwrap()
            .starts_with("Accept")
    );
    assert_eq!(
        response.text().await.unwrap(),
        format!(
            "# AIS-0001 — AI incident reporting\n\nRevision 1 · content hash `{hash}`\n\n> First working draft.\n\n## 1 Scope\n\nThis standard applies to **providers**.\n\n## 4.2 Deadlines\n\nReport:\n\n- within 72 hours;\n- to the authority.\n"
        )
    );
    let refused = app
        .request(Method::GET, "/v1/standards/AIS-0001/revisions/1")
        .header(header::ACCEPT, "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(refused, 406).await["code"], "not_acceptable");
});

db_test!(revisions_are_refused_outside_drafting, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    let [first, ..] = three_revisions();
    add_revision(&mut app, "AIS-0001", "First.", first.clone()).await;
    let admin = app.admin_token().await;
    app.post(
        "/v1/standards/AIS-0001/withdraw",
        &admin,
        &json!({"reason": "Stopped."}),
    )
    .await;
    let p = problem(
        app.post(
            "/v1/standards/AIS-0001/revisions",
            &admin,
            &json!({"summary": "Late.", "clauses": first}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["code"], "stage_conflict");
    assert_eq!(p["current_stage"], "withdrawn");
    assert!(p["detail"].as_str().unwrap().contains("withdrawn"), "{p}");
    assert_eq!(
        app.get_json("/v1/standards/AIS-0001").await["latest_revision"]["number"],
        1
    );
    assert_eq!(
        problem(
            app.post(
                "/v1/standards/NOPE-1/revisions",
                &admin,
                &json!({"summary": "x", "clauses": [clause("1", "h", "t")]})
            )
            .await,
            404
        )
        .await["code"],
        "not_found"
    );
});

db_test!(revision_limits_are_enforced, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    let admin = app.admin_token().await;
    let post = |body: Value| {
        let request = app
            .request(Method::POST, "/v1/standards/AIS-0001/revisions")
            .bearer_auth(&admin)
            .json(&body);
        async move { request.send().await.unwrap() }
    };

    let too_many: Vec<Value> = (0..2001)
        .map(|i| clause(&i.to_string(), "h", "t"))
        .collect();
    let p = problem(
        post(json!({"summary": "s", "clauses": too_many})).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("clauses".to_string(), "too_many".to_string())]
    );

    let long = "x".repeat(100_001);
    let p = problem(
        post(json!({"summary": "s", "clauses": [clause("1", "h", &long)]})).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("clauses[0].text".to_string(), "too_long".to_string())]
    );

    let p = problem(
        post(json!({"summary": "", "clauses": [clause("1", "h", "t"), clause("1", "", "t"), {"id": "a b", "text": "t"}, clause("ok", "h", "t")], "extra": 1})).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("extra".to_string(), "unknown_field".to_string())]
    );
    let p = problem(post(json!({"summary": "", "clauses": [clause("1", "h", "t"), clause("1", "", "t"), {"id": "a b", "text": "t"}]})).await, 422).await;
    let mut errors = field_errors(&p);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("clauses[1].heading", "required"),
            ("clauses[1].id", "duplicate"),
            ("clauses[2].heading", "required"),
            ("clauses[2].id", "invalid_format"),
            ("summary", "required")
        ]
        .map(|(f, r)| (f.to_string(), r.to_string()))
    );
    let p = problem(post(json!({"summary": "s", "clauses": []})).await, 422).await;
    assert_eq!(
        field_errors(&p),
        vec![("clauses".to_string(), "too_short".to_string())]
    );

    // At the limits exactly, it is accepted.
    let at_limit: Vec<Value> = (0..2000)
        .map(|i| {
            clause(
                &format!("c{i}"),
                "h",
                if i == 0 { &long[..100_000] } else { "t" },
            )
        })
        .collect();
    let ok = post(json!({"summary": "s", "clauses": at_limit})).await;
    assert_eq!(ok.status(), 201);
    let listed = app.get_json("/v1/standards/AIS-0001/revisions/1").await;
    assert_eq!(listed["clauses"].as_array().unwrap().len(), 2000);
    assert_eq!(listed["clauses"][1999]["id"], "c1999", "order is kept");
});

db_test!(a_diff_across_three_revisions_names_every_change, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    let [first, second, third] = three_revisions();
    add_revision(&mut app, "AIS-0001", "First.", first.clone()).await;
    add_revision(&mut app, "AIS-0001", "Second.", second.clone()).await;
    add_revision(&mut app, "AIS-0001", "Third.", third.clone()).await;

    let d = app
        .get_json("/v1/standards/AIS-0001/revisions/3/diff?from=1")
        .await;
    assert_eq!(
        d["from"],
        json!({"number": 1, "content_hash": documented_hash(&first)})
    );
    assert_eq!(
        d["to"],
        json!({"number": 3, "content_hash": documented_hash(&third)})
    );
    assert_eq!(
        d["added"],
        json!([{"id": "5", "position": 4, "heading": "Confidentiality"}, {"id": "annex-a", "position": 5, "heading": "Reporting template"}])
    );
    assert_eq!(
        d["removed"],
        json!([{"id": "4", "position": 4, "heading": "Records"}])
    );
    let moved: Vec<&str> = strings(&d["moved"], "id");
    assert_eq!(
        moved.len(),
        1,
        "1,2,3 became 1,3,2: one clause moved ({moved:?})"
    );
    let changed: Vec<&str> = strings(&d["changed"], "id");
    assert_eq!(
        changed,
        ["1", "3", "2"],
        "in the order of the newer revision"
    );
    let reporting = &d["changed"][1];
    assert_eq!(
        (
            reporting["from_position"].as_i64(),
            reporting["to_position"].as_i64()
        ),
        (Some(3), Some(2))
    );
    let lines: Vec<(String, String)> = reporting["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["op"].as_str().unwrap().to_string(),
                l["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("delete", "Providers shall report within 15 days."),
            ("insert", "Providers shall report within 72 hours."),
            ("equal", "Reports go to the authority."),
            ("insert", "A template is in Annex A.")
        ]
        .map(|(o, t)| (o.to_string(), t.to_string()))
    );
    assert!(
        reporting["unified"]
            .as_str()
            .unwrap()
            .contains("+A template is in Annex A.")
    );
    assert_eq!(
        d["changed"][2]["heading"],
        json!({"from": "Terms", "to": "Terms and definitions"})
    );
    assert_eq!(d["changed"][2]["hunks"], json!([]));
    assert_eq!(d["unchanged"], 0);

    let step = app
        .get_json("/v1/standards/AIS-0001/revisions/2/diff?from=1")
        .await;
    assert_eq!(step["added"].as_array().unwrap().len(), 1);
    assert_eq!(step["moved"], json!([]));
    assert_eq!(step["unchanged"], 2);
    let latest = app
        .get("/v1/standards/AIS-0001/revisions/latest/diff?from=2")
        .await;
    assert_eq!(latest.headers()[header::CACHE_CONTROL], "no-cache");
    let fixed = app
        .get("/v1/standards/AIS-0001/revisions/3/diff?from=2")
        .await;
    assert_eq!(
        fixed.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );

    assert_eq!(
        problem(
            app.get("/v1/standards/AIS-0001/revisions/3/diff").await,
            400
        )
        .await["code"],
        "invalid_query"
    );
    assert_eq!(
        problem(
            app.get("/v1/standards/AIS-0001/revisions/3/diff?from=x")
                .await,
            400
        )
        .await["code"],
        "invalid_query"
    );
    assert_eq!(
        problem(
            app.get("/v1/standards/AIS-0001/revisions/3/diff?from=9")
                .await,
            404
        )
        .await["code"],
        "not_found"
    );
});
