//! Bad requests of every kind get a problem body, never a 500 or text.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{field_errors, header, problem};

db_test!(unknown_routes_and_wrong_methods_are_problems, |app| {
    let p = problem(app.get("/v1/nothing-here").await, 404).await;
    assert_eq!(p["code"], "route_not_found");

    let response = app
        .request(Method::DELETE, "/v1/members")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD, POST");
    let p = problem(response, 405).await;
    assert_eq!(p["code"], "method_not_allowed");
    assert_eq!(p["allow"], json!(["GET", "HEAD", "POST"]));

    let response = app
        .request(Method::PUT, "/v1/members/BRA")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD, PATCH");
    problem(response, 405).await;
});

db_test!(malformed_json_says_where, |app| {
    let admin = app.admin_token().await;
    let response = app
        .request(Method::POST, "/v1/members")
        .bearer_auth(&admin)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\n  \"code\": \"BRA\",\n  \"name\": }")
        .send()
        .await
        .unwrap();
    let p = problem(response, 400).await;
    assert_eq!(p["code"], "malformed_json");
    assert!(p["detail"].as_str().unwrap().contains("line 3"), "{p}");

    let p = problem(
        app.post("/v1/members", &admin, &json!(["not", "an", "object"]))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p)[0].1, "invalid_type");
});

db_test!(wrong_content_type_is_415, |app| {
    let admin = app.admin_token().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = app
            .request(Method::POST, "/v1/members")
            .bearer_auth(&admin)
            .body(r#"{"code":"BRA"}"#);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let p = problem(request.send().await.unwrap(), 415).await;
        assert_eq!(p["code"], "unsupported_media_type", "{content_type:?}");
    }
    let merge_patch = app
        .request(Method::POST, "/v1/members")
        .bearer_auth(&admin)
        .header(header::CONTENT_TYPE, "application/merge-patch+json; charset=utf-8")
        .body(r#"{"code":"BRA","name":"Brazil","kind":"state","voting":true,"region":"latin_america_caribbean"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(merge_patch.status(), 201, "+json media types are JSON");
});

db_test!(bad_query_and_path_parameters_are_400, |app| {
    for path in [
        "/v1/members?limit=abc",
        "/v1/members?limit=0",
        "/v1/members?limit=501",
        "/v1/members?cursor=%%%",
        "/v1/members?voting=maybe",
        "/v1/events?after=x",
    ] {
        let p = problem(app.get(path).await, 400).await;
        assert_eq!(p["code"], "invalid_query", "{path}");
    }
});

// The body limit is a setting; a body above it is refused before it is parsed.
db_test!(
    oversized_body_is_413,
    tune = |s: &mut accord::config::Settings| s.max_body_bytes = 2048,
    |app| {
        let admin = app.admin_token().await;
        let big = json!({"code": "BRA", "name": "x".repeat(4000), "kind": "state", "voting": true, "region": "africa"});
        let p = problem(app.post("/v1/members", &admin, &big).await, 413).await;
        assert_eq!(p["code"], "payload_too_large");
        assert_eq!(p["limit_bytes"], 2048);
        // Streamed without Content-Length, still refused.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..10).map(|_| Ok(vec![b' '; 1000])).collect();
        let response = app
            .request(Method::POST, "/v1/members")
            .bearer_auth(&admin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(problem(response, 413).await["code"], "payload_too_large");
    }
);

db_test!(head_is_answered_as_get_without_a_body, |app| {
    let get = app.get("/v1/members").await;
    assert_eq!(get.status(), 200);
    let get_etag = get.headers().get(header::ETAG).cloned();
    let get_len = get.bytes().await.unwrap().len();
    assert!(get_len > 0);

    let head = app
        .request(Method::HEAD, "/v1/members")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers().get(header::ETAG).cloned(), get_etag);
    assert_eq!(
        head.headers()[header::CONTENT_LENGTH],
        get_len.to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());

    let missing = app
        .request(Method::HEAD, "/v1/members/ZZZ")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
});

db_test!(a_refused_cors_preflight_is_a_problem, |app| {
    let response = app
        .request(Method::OPTIONS, "/v1/members")
        .header(header::ORIGIN, "https://ministry.example")
        .header("Access-Control-Request-Method", "TRACE")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let p: serde_json::Value = response.json().await.unwrap();
    assert_eq!(p["status"], status);
    assert_eq!(p["code"], "bad_request");
    assert!(p["detail"].as_str().unwrap().len() > 3, "{p}");

    let allowed = app
        .request(Method::OPTIONS, "/v1/members")
        .header(header::ORIGIN, "https://ministry.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
});

db_test!(control_characters_in_a_filter_are_refused, |app| {
    for query in ["q=a%00", "topic=%00", "status=open%0A"] {
        let p = problem(app.get(&format!("/v1/standards?{query}")).await, 400).await;
        assert_eq!(p["code"], "invalid_query", "{query}");
    }
    assert_eq!(app.get("/v1/standards?q=caf%C3%A9").await.status(), 200);
});

db_test!(a_made_up_method_is_refused_and_not_counted, |app| {
    assert_eq!(app.get("/v1/members").await.status(), 200);
    let method = Method::from_bytes(b"BREW").unwrap();
    let response = app.request(method, "/v1/members").send().await.unwrap();
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD, POST");
    assert_eq!(problem(response, 405).await["code"], "method_not_allowed");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("accord_http_requests_total"), "{metrics}");
    assert!(!metrics.contains("BREW"), "{metrics}");
});
