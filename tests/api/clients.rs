//! Issuing, listing and revoking API clients.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, field_errors, header, problem};

db_test!(a_new_client_shows_its_secret_once_and_never_again, |app| {
    app.member("IND", "state", true, "asia_pacific").await;
    let admin = app.admin_token().await;
    let response = app
        .post(
            "/v1/clients",
            &admin,
            &json!({"name": "MEITY gateway", "member": "IND", "roles": ["delegate", "commenter"]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    assert!(id.starts_with("cli_") && secret.len() >= 40, "{created}");
    assert_eq!(created["member"], "IND");
    assert_eq!(created["roles"], json!(["delegate", "commenter"]));
    assert_eq!(created["name"], "MEITY gateway");
    assert!(created["revoked_at"].is_null());

    let list = app
        .request(Method::GET, "/v1/clients")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let text = list.text().await.unwrap();
    assert!(!text.contains(&secret), "the secret must not be listed");
    assert!(!text.contains("argon2"), "no hash: {text}");
    let listed: Value = serde_json::from_str(&text).unwrap();
    for item in listed["items"].as_array().unwrap() {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["created_at", "id", "member", "name", "revoked_at", "roles"],
            "only these fields"
        );
    }
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str())
    );

    let one = app
        .request(Method::GET, &format!("/v1/clients/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let one_text = one.text().await.unwrap();
    assert!(!one_text.contains(&secret) && !one_text.contains("argon2"));

    let event = app.last_event().await;
    assert_eq!(event["type"], "client.created");
    assert_eq!(event["subject"], format!("client:{id}"));
    assert_eq!(event["data"]["roles"], json!(["delegate", "commenter"]));
    assert!(
        !event.to_string().contains(&secret),
        "the event must not hold the secret"
    );
    let events_text = app.get("/v1/events?limit=500").await.text().await.unwrap();
    assert!(!events_text.contains(&secret) && !events_text.contains("argon2"));

    // The secret works once shown.
    app.token_for(&id, &secret).await;
});

db_test!(client_roles_and_member_must_fit_together, |app| {
    app.member("CHL", "state", true, "latin_america_caribbean")
        .await;
    app.member("OECD", "organisation", false, "global").await;
    let admin = app.admin_token().await;

    let cases = [
        (json!({"roles": ["delegate"]}), ("member", "not_allowed")),
        (json!({"roles": ["commenter"]}), ("member", "not_allowed")),
        (
            json!({"roles": ["secretariat"], "member": "CHL"}),
            ("member", "not_allowed"),
        ),
        (json!({"roles": []}), ("roles", "not_allowed")),
        (json!({}), ("roles", "required")),
        (
            json!({"roles": ["delegate"], "member": "ARG"}),
            ("member", "not_found"),
        ),
        (
            json!({"roles": ["reader"], "name": ""}),
            ("name", "required"),
        ),
        (
            json!({"roles": ["reader"], "colour": "blue"}),
            ("colour", "unknown_field"),
        ),
    ];
    for (body, (field, reason)) in cases {
        let p = problem(app.post("/v1/clients", &admin, &body).await, 422).await;
        assert_eq!(
            field_errors(&p),
            vec![(field.to_string(), reason.to_string())],
            "{body}"
        );
    }
    for ok in [
        json!({"roles": ["delegate"], "member": "CHL"}),
        json!({"roles": ["commenter"], "member": "OECD"}),
        json!({"roles": ["editor"]}),
    ] {
        assert_eq!(
            app.post("/v1/clients", &admin, &ok).await.status(),
            201,
            "{ok}"
        );
    }
});

db_test!(suspended_members_get_no_new_clients, |app| {
    app.member("MLI", "state", true, "africa").await;
    let admin = app.admin_token().await;
    let etag = app.get("/v1/members/MLI").await.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    let suspended = app
        .request(Method::PATCH, "/v1/members/MLI")
        .bearer_auth(&admin)
        .header(header::IF_MATCH, etag)
        .json(&json!({"status": "suspended"}))
        .send()
        .await
        .unwrap();
    assert_eq!(suspended.status(), 200);
    let p = problem(
        app.post(
            "/v1/clients",
            &admin,
            &json!({"roles": ["delegate"], "member": "MLI"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("member".to_string(), "not_allowed".to_string())]
    );
});

db_test!(
    revoking_is_recorded_once_and_hides_the_client_from_the_default_list,
    |app| {
        let admin = app.admin_token().await;
        let reader = app.client(&["reader"], None).await;
        let path = format!("/v1/clients/{}", reader.id);

        let first = app
            .request(Method::DELETE, &path)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 204);
        let events_after_first = app.events().await.len();
        let second = app
            .request(Method::DELETE, &path)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(second.status(), 204);
        assert_eq!(
            app.events().await.len(),
            events_after_first,
            "revoking twice records once"
        );
        let event = app.last_event().await;
        assert_eq!(event["type"], "client.revoked");
        assert_eq!(event["subject"], format!("client:{}", reader.id));

        let shown: Value = app
            .request(Method::GET, &path)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(shown["revoked_at"].is_string());
        let active: Value = app
            .request(Method::GET, "/v1/clients")
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            active["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != reader.id.as_str())
        );
        let all: Value = app
            .request(Method::GET, "/v1/clients?include_revoked=true")
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            all["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == reader.id.as_str())
        );

        let missing = app
            .request(Method::DELETE, "/v1/clients/cli_nope")
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(problem(missing, 404).await["code"], "not_found");
    }
);

db_test!(clients_page_in_creation_order, |app| {
    let admin = app.admin_token().await;
    let mut made = vec![app.secretariat().await.id];
    for _ in 0..4 {
        let created: Value = app
            .post("/v1/clients", &admin, &json!({"roles": ["reader"]}))
            .await
            .json()
            .await
            .unwrap();
        made.push(created["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut path = "/v1/clients?limit=2".to_string();
    loop {
        let response = app
            .request(Method::GET, &path)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let link = response
            .headers()
            .get(header::LINK)
            .map(|l| l.to_str().unwrap().to_string());
        let page: Value = response.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        match (page["next_cursor"].as_str(), link) {
            (Some(cursor), Some(link)) => {
                assert!(
                    link.starts_with(&format!("<{PUBLIC_URL}/v1/clients?"))
                        && link.ends_with(">; rel=\"next\""),
                    "{link}"
                );
                assert!(link.contains(cursor));
                path = format!("/v1/clients?limit=2&cursor={cursor}");
            }
            (None, None) => break,
            other => panic!("next_cursor and Link disagree: {other:?}"),
        }
    }
    assert_eq!(seen, made);
});
