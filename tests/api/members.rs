//! The member registry.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, field_errors, header, problem, strings};

db_test!(a_registered_member_is_served_with_an_etag, |app| {
    let admin = app.admin_token().await;
    let response = app
        .post("/v1/members", &admin, &json!({"code": "BRA", "name": "Federative Republic of Brazil", "kind": "state", "voting": true, "region": "latin_america_caribbean"}))
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("{PUBLIC_URL}/v1/members/BRA")
    );
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["status"], "active");
    assert_eq!(created["region"], "latin_america_caribbean");

    let read = app.get("/v1/members/BRA").await;
    assert_eq!(read.status(), 200);
    let etag = read.headers()[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    assert_eq!(read.json::<Value>().await.unwrap(), created);

    let cached = app
        .request(Method::GET, "/v1/members/BRA")
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert_eq!(cached.headers()[header::ETAG].to_str().unwrap(), etag);

    let event = app.last_event().await;
    assert_eq!(event["type"], "member.created");
    assert_eq!(event["subject"], "member:BRA");
    assert_eq!(event["data"]["name"], "Federative Republic of Brazil");
    assert_eq!(event["actor"]["client"], app.secretariat().await.id);

    assert_eq!(
        problem(app.get("/v1/members/XXX").await, 404).await["code"],
        "not_found"
    );
});

db_test!(member_codes_are_checked_against_iso_3166, |app| {
    let admin = app.admin_token().await;
    let base = |code: &str, kind: &str| json!({"code": code, "name": "X", "kind": kind, "voting": true, "region": "global"});
    for (code, kind) in [
        ("XYZ", "state"),
        ("bra", "state"),
        ("BR", "state"),
        ("FRA", "organisation"),
        ("1OECD", "organisation"),
    ] {
        let p = problem(
            app.post("/v1/members", &admin, &base(code, kind)).await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&p),
            vec![("code".to_string(), "invalid_format".to_string())],
            "{code} as {kind}"
        );
    }
    assert_eq!(
        app.post("/v1/members", &admin, &base("SSD", "state"))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post("/v1/members", &admin, &base("AU", "organisation"))
            .await
            .status(),
        201
    );
});

db_test!(every_invalid_field_is_listed_at_once, |app| {
    let admin = app.admin_token().await;
    let p = problem(
        app.post("/v1/members", &admin, &json!({"code": "XYZ", "name": "   ", "kind": "state", "region": "mars", "status": "sleeping"})).await,
        422,
    )
    .await;
    let mut errors = field_errors(&p);
    errors.sort();
    let expected: Vec<(String, String)> = [
        ("code", "invalid_format"),
        ("name", "required"),
        ("region", "unknown_value"),
        ("status", "unknown_value"),
        ("voting", "required"),
    ]
    .iter()
    .map(|(f, r)| (f.to_string(), r.to_string()))
    .collect();
    assert_eq!(errors, expected, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("5 fields are not valid")
    );
    assert!(
        app.events()
            .await
            .iter()
            .all(|e| e["type"] != "member.created"),
        "nothing recorded"
    );
});

db_test!(a_duplicate_code_is_a_conflict, |app| {
    app.member("JPN", "state", true, "asia_pacific").await;
    let admin = app.admin_token().await;
    let p = problem(
        app.post("/v1/members", &admin, &json!({"code": "JPN", "name": "Japan", "kind": "state", "voting": false, "region": "asia_pacific"})).await,
        409,
    )
    .await;
    assert_eq!(p["code"], "already_exists");
    assert_eq!(
        app.get_json("/v1/members/JPN").await["voting"],
        true,
        "the first registration stands"
    );
});

db_test!(members_are_filtered_and_paged_without_loss, |app| {
    let states = [
        "ARG", "BRA", "CAN", "DEU", "EGY", "FRA", "GHA", "IND", "JPN", "KEN", "MEX", "NGA",
    ];
    for (i, code) in states.iter().enumerate() {
        let region = if i % 2 == 0 { "africa" } else { "asia_pacific" };
        app.member(code, "state", i % 3 != 0, region).await;
    }
    app.member("OECD", "organisation", false, "global").await;

    let mut seen = Vec::new();
    let mut path = "/v1/members?kind=state&limit=5".to_string();
    let mut pages = 0;
    loop {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200);
        let link = response
            .headers()
            .get(header::LINK)
            .map(|v| v.to_str().unwrap().to_string());
        let page: Value = response.json().await.unwrap();
        pages += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["code"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("Link with a next page");
                let target = link.trim_start_matches('<').split('>').next().unwrap();
                assert!(
                    target.contains("kind=state") && target.contains("limit=5"),
                    "filters kept in {link}"
                );
                path = target.trim_start_matches(PUBLIC_URL).to_string();
                assert!(path.contains(cursor));
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, states.to_vec());

    let voting: Value = app.get_json("/v1/members?voting=false&region=africa").await;
    let codes: Vec<&str> = strings(&voting["items"], "code");
    assert_eq!(codes, vec!["ARG", "GHA"]);
    let orgs = app.get_json("/v1/members?kind=organisation").await;
    assert_eq!(orgs["items"].as_array().unwrap().len(), 1);
    let active = app.get_json("/v1/members?status=active&limit=500").await;
    assert_eq!(active["items"].as_array().unwrap().len(), 13);
    assert_eq!(
        problem(app.get("/v1/members?kind=planet").await, 400).await["code"],
        "invalid_query"
    );
    assert_eq!(
        problem(app.get("/v1/members?colour=red").await, 400).await["code"],
        "invalid_query"
    );
});

db_test!(patch_needs_the_current_etag, |app| {
    app.member("NOR", "state", false, "western_europe_others")
        .await;
    let admin = app.admin_token().await;
    let first = app.get("/v1/members/NOR").await;
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_string();
    let patch = |etag: Option<String>, body: Value| {
        let mut request = app
            .request(Method::PATCH, "/v1/members/NOR")
            .bearer_auth(&admin)
            .json(&body);
        if let Some(etag) = etag {
            request = request.header(header::IF_MATCH, etag);
        }
        request.send()
    };

    let p = problem(patch(None, json!({"voting": true})).await.unwrap(), 428).await;
    assert_eq!(p["code"], "precondition_required");
    // A weak tag cannot vouch for the bytes: If-Match compares strongly (RFC 9110 §13.1.1).
    let weak = patch(Some(format!("W/{etag}")), json!({"voting": true}));
    let p = problem(weak.await.unwrap(), 412).await;
    assert_eq!(p["code"], "precondition_failed");
    // If-None-Match compares weakly: the weak form of the current tag is a 304.
    let cached = app
        .request(Method::GET, "/v1/members/NOR")
        .header(header::IF_NONE_MATCH, format!("W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);

    let updated = patch(
        Some(etag.clone()),
        json!({"voting": true, "name": "Kingdom of Norway"}),
    )
    .await
    .unwrap();
    assert_eq!(updated.status(), 200);
    let new_etag = updated.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(new_etag, etag);
    let body: Value = updated.json().await.unwrap();
    assert_eq!(
        (body["voting"].as_bool(), body["name"].as_str()),
        (Some(true), Some("Kingdom of Norway"))
    );
    assert_eq!(
        app.get("/v1/members/NOR").await.headers()[header::ETAG]
            .to_str()
            .unwrap(),
        new_etag
    );

    let event = app.last_event().await;
    assert_eq!(event["type"], "member.updated");
    assert_eq!(
        event["data"]["changes"],
        json!({"name": {"from": "Member NOR", "to": "Kingdom of Norway"}, "voting": {"from": false, "to": true}})
    );

    let p = problem(
        patch(Some(etag.clone()), json!({"status": "suspended"}))
            .await
            .unwrap(),
        412,
    )
    .await;
    assert_eq!(p["code"], "precondition_failed");
    assert_eq!(
        app.get_json("/v1/members/NOR").await["status"],
        "active",
        "a stale write changes nothing"
    );

    let p = problem(
        patch(Some(new_etag.clone()), json!({"code": "SWE"}))
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("code".to_string(), "unknown_field".to_string())]
    );
    let p = problem(
        patch(Some(new_etag.clone()), json!({"region": "moon"}))
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("region".to_string(), "unknown_value".to_string())]
    );

    let events_before = app.events().await.len();
    let same = patch(Some(new_etag.clone()), json!({"voting": true}))
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(
        app.events().await.len(),
        events_before,
        "a change to nothing records nothing"
    );

    let missing = app
        .request(Method::PATCH, "/v1/members/ZZZ")
        .bearer_auth(&admin)
        .header(header::IF_MATCH, "\"x\"")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(missing, 404).await["code"], "not_found");
});
