//! Standards: creation, metadata, listing, withdrawal.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, field_errors, header, problem};

pub fn standard_body(reference: &str) -> Value {
    json!({
        "reference": reference,
        "title": format!("Standard {reference}"),
        "scope": "Applies to providers and deployers of AI systems.",
        "topics": ["safety"],
        "committee": "TC 1",
    })
}

/// An editor credential's token, made once per test app.
pub async fn editor(app: &mut TestApp) -> String {
    app.client(&["editor"], None).await.token
}

pub async fn create_standard(app: &mut TestApp, body: &Value) -> Value {
    let token = app.admin_token().await;
    let response = app.post("/v1/standards", &token, body).await;
    assert_eq!(response.status(), 201, "create {body}");
    response.json().await.unwrap()
}

db_test!(an_editor_creates_a_standard_in_drafting, |app| {
    let token = editor(&mut app).await;
    let response = app
        .post("/v1/standards", &token, &json!({
            "reference": "AIS-0001", "title": "AI incident reporting", "scope": "Serious incidents involving AI systems.",
            "topics": ["safety", "incident-reporting", "safety"], "committee": "TC 1 — Safety",
        }))
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("{PUBLIC_URL}/v1/standards/AIS-0001")
    );
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["stage"], "drafting");
    assert_eq!(
        created["topics"],
        json!(["incident-reporting", "safety"]),
        "sorted, without repeats"
    );
    assert!(created["latest_revision"].is_null() && created["ratified_revision"].is_null());
    assert_eq!(
        created["next_stages"],
        json!([{"by": "open_comment_period", "to": "public_comment"}, {"by": "open_ballot", "to": "ratification"}, {"by": "withdraw", "to": "withdrawn"}])
    );
    assert_eq!(app.get_json("/v1/standards/AIS-0001").await, created);
    let event = app.last_event().await;
    assert_eq!(
        (event["type"].as_str(), event["subject"].as_str()),
        (Some("standard.created"), Some("standard:AIS-0001"))
    );
    assert_eq!(event["data"]["title"], "AI incident reporting");

    let dup = problem(
        app.post("/v1/standards", &token, &standard_body("AIS-0001"))
            .await,
        409,
    )
    .await;
    assert_eq!(dup["code"], "already_exists");
    assert_eq!(
        problem(app.get("/v1/standards/AIS-9999").await, 404).await["code"],
        "not_found"
    );
});

db_test!(standard_fields_are_validated_together, |app| {
    let token = editor(&mut app).await;
    let p = problem(
        app.post("/v1/standards", &token, &json!({"reference": "ais-1", "title": "", "topics": ["Bad Topic", "ok"], "supersedes": "AIS-0404"})).await,
        422,
    )
    .await;
    let mut errors = field_errors(&p);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("committee", "required"),
            ("reference", "invalid_format"),
            ("scope", "required"),
            ("title", "required"),
            ("topics[0]", "invalid_format")
        ]
        .map(|(f, r)| (f.to_string(), r.to_string()))
    );
    let p = problem(app.post("/v1/standards", &token, &json!({"reference": "AIS-0002", "title": "t", "scope": "s", "committee": "c", "supersedes": "AIS-0404"})).await, 422).await;
    assert_eq!(
        field_errors(&p),
        vec![("supersedes".to_string(), "not_found".to_string())]
    );

    let reader = app.client(&["reader"], None).await;
    assert_eq!(
        problem(
            app.post("/v1/standards", &reader.token, &standard_body("AIS-0003"))
                .await,
            403
        )
        .await["code"],
        "forbidden"
    );
    let delegate_member = app
        .member("URY", "state", true, "latin_america_caribbean")
        .await;
    let delegate = app
        .client(&["delegate"], delegate_member["code"].as_str())
        .await;
    assert_eq!(
        problem(
            app.post("/v1/standards", &delegate.token, &standard_body("AIS-0003"))
                .await,
            403
        )
        .await["code"],
        "forbidden"
    );
});

db_test!(metadata_changes_need_the_current_etag, |app| {
    create_standard(&mut app, &standard_body("AIS-0001")).await;
    create_standard(&mut app, &standard_body("AIS-0002")).await;
    let token = editor(&mut app).await;
    let etag = app.get("/v1/standards/AIS-0002").await.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    let patch = |etag: Option<&str>, body: Value| {
        let mut r = app
            .request(Method::PATCH, "/v1/standards/AIS-0002")
            .bearer_auth(&token)
            .json(&body);
        if let Some(e) = etag {
            r = r.header(header::IF_MATCH, e);
        }
        r.send()
    };
    assert_eq!(
        problem(patch(None, json!({"title": "x"})).await.unwrap(), 428).await["code"],
        "precondition_required"
    );
    let ok = patch(Some(&etag), json!({"title": "Risk management for general-purpose models", "topics": ["gpai", "risk"], "supersedes": "AIS-0001"})).await.unwrap();
    assert_eq!(ok.status(), 200);
    let updated: Value = ok.json().await.unwrap();
    assert_eq!(updated["topics"], json!(["gpai", "risk"]));
    assert_eq!(updated["supersedes"], "AIS-0001");
    let event = app.last_event().await;
    assert_eq!(event["type"], "standard.updated");
    assert_eq!(
        event["data"]["changes"]["title"]["to"],
        "Risk management for general-purpose models"
    );
    assert_eq!(
        event["data"]["changes"]["supersedes"],
        json!({"from": null, "to": "AIS-0001"})
    );

    assert_eq!(
        problem(
            patch(Some(&etag), json!({"scope": "stale"})).await.unwrap(),
            412
        )
        .await["code"],
        "precondition_failed"
    );
    let current = app.get("/v1/standards/AIS-0002").await.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    let p = problem(
        patch(Some(&current), json!({"reference": "AIS-0009"}))
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("reference".to_string(), "unknown_field".to_string())]
    );
    let cleared = patch(Some(&current), json!({"supersedes": null}))
        .await
        .unwrap();
    assert_eq!(
        cleared.json::<Value>().await.unwrap()["supersedes"],
        Value::Null
    );
});

db_test!(
    standards_are_filtered_by_stage_topic_committee_time_and_text,
    |app| {
        let mut a = standard_body("AIS-0001");
        a["title"] = json!("Éthique de l'IA générative");
        a["topics"] = json!(["ethics", "gpai"]);
        create_standard(&mut app, &a).await;
        let mut b = standard_body("AIS-0002");
        b["scope"] = json!("Labelling of AI-generated content with 100% machine-readable marks.");
        b["committee"] = json!("TC 2");
        create_standard(&mut app, &b).await;
        app.clock.advance(60);
        let since = app.clock_now();
        let mut c = standard_body("RM-01");
        c["topics"] = json!(["gpai-risk"]);
        create_standard(&mut app, &c).await;
        let admin = app.admin_token().await;
        let withdrawn = app
            .post(
                "/v1/standards/AIS-0002/withdraw",
                &admin,
                &json!({"reason": "merged into AIS-0001"}),
            )
            .await;
        assert_eq!(withdrawn.status(), 200);

        let refs = |page: Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["reference"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            refs(app.get_json("/v1/standards").await),
            ["AIS-0001", "AIS-0002", "RM-01"]
        );
        assert_eq!(
            refs(app.get_json("/v1/standards?stage=withdrawn").await),
            ["AIS-0002"]
        );
        assert_eq!(
            refs(app.get_json("/v1/standards?topic=gpai").await),
            ["AIS-0001"],
            "a topic matches whole tags only"
        );
        assert_eq!(
            refs(app.get_json("/v1/standards?committee=TC%202").await),
            ["AIS-0002"]
        );
        assert_eq!(
            refs(
                app.get_json(&format!("/v1/standards?updated_since={since}"))
                    .await
            ),
            ["AIS-0002", "RM-01"]
        );
        assert_eq!(
            refs(app.get_json("/v1/standards?q=%C3%89THIQUE").await),
            ["AIS-0001"],
            "case-insensitive beyond ASCII"
        );
        assert_eq!(
            refs(app.get_json("/v1/standards?q=rm-0").await),
            ["RM-01"],
            "the reference is searched"
        );
        assert_eq!(
            refs(app.get_json("/v1/standards?q=100%25").await),
            ["AIS-0002"],
            "% is literal"
        );
        assert!(
            refs(app.get_json("/v1/standards?q=_").await).is_empty(),
            "_ is literal"
        );
        assert_eq!(
            problem(app.get("/v1/standards?stage=final").await, 400).await["code"],
            "invalid_query"
        );
        assert_eq!(
            problem(app.get("/v1/standards?updated_since=yesterday").await, 400).await["code"],
            "invalid_query"
        );
    }
);

db_test!(
    paging_loses_and_repeats_nothing_while_standards_are_created,
    |app| {
        let admin = app.admin_token().await;
        let mut existing = Vec::new();
        for i in 0..23 {
            let reference = format!("P-{i:03}");
            assert_eq!(
                app.post("/v1/standards", &admin, &standard_body(&reference))
                    .await
                    .status(),
                201
            );
            existing.push(reference);
        }
        let mut seen: Vec<String> = Vec::new();
        let mut path = "/v1/standards?limit=5".to_string();
        let mut created_meanwhile = Vec::new();
        loop {
            let page = app.get_json(&path).await;
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["reference"].as_str().unwrap().to_string()),
            );
            // Writers keep adding standards, some sorting before every existing reference.
            for prefix in ["A", "Z"] {
                let reference = format!("{prefix}-{:03}", created_meanwhile.len());
                assert_eq!(
                    app.post("/v1/standards", &admin, &standard_body(&reference))
                        .await
                        .status(),
                    201
                );
                created_meanwhile.push(reference);
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/standards?limit=5&cursor={cursor}"),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            seen.len(),
            "no standard is served twice: {seen:?}"
        );
        for reference in &existing {
            assert!(seen.contains(reference), "{reference} was lost");
        }
        assert_eq!(
            &seen[..23],
            &existing[..],
            "existing standards keep their order"
        );
    }
);

db_test!(
    withdrawal_is_for_the_secretariat_and_follows_the_stages,
    |app| {
        create_standard(&mut app, &standard_body("AIS-0001")).await;
        let token = editor(&mut app).await;
        assert_eq!(
            problem(
                app.post(
                    "/v1/standards/AIS-0001/withdraw",
                    &token,
                    &json!({"reason": "x"})
                )
                .await,
                403
            )
            .await["code"],
            "forbidden"
        );
        let admin = app.admin_token().await;
        let p = problem(
            app.post("/v1/standards/AIS-0001/withdraw", &admin, &json!({}))
                .await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&p),
            vec![("reason".to_string(), "required".to_string())]
        );

        let response = app
            .post(
                "/v1/standards/AIS-0001/withdraw",
                &admin,
                &json!({"reason": "Overtaken by AIS-0007."}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (body["stage"].as_str(), body["withdrawn_reason"].as_str()),
            (Some("withdrawn"), Some("Overtaken by AIS-0007."))
        );
        assert_eq!(body["next_stages"], json!([]));
        let event = app.last_event().await;
        assert_eq!(event["type"], "standard.withdrawn");
        assert_eq!(event["data"]["from"], "drafting");

        let again = problem(
            app.post(
                "/v1/standards/AIS-0001/withdraw",
                &admin,
                &json!({"reason": "again"}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(again["code"], "stage_conflict");
        assert_eq!(again["current_stage"], "withdrawn");
        assert_eq!(again["allowed"], json!([]));
        assert_eq!(
            problem(
                app.post(
                    "/v1/standards/NOPE-1/withdraw",
                    &admin,
                    &json!({"reason": "x"})
                )
                .await,
                404
            )
            .await["code"],
            "not_found"
        );
    }
);
