//! Health, metrics, request ids, the served spec and UI, logging, start-up.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, fresh_database, problem};

db_test!(health_and_readiness_answer, |app| {
    assert_eq!(app.get_json("/healthz").await, json!({"status": "ok"}));
    let ready = app.get_json("/readyz").await;
    let expected = if app.backend == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(ready, json!({"status": "ok", "database": expected}));
});

db_test!(request_ids_are_echoed_or_generated, |app| {
    let echoed = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", "gov-BRA-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "gov-BRA-42");
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(id).map(|u| u.get_version_num()),
        Ok(4)
    );
    let unsafe_id = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", "a b<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(unsafe_id.headers()["x-request-id"], "a b<script>");
    let on_error = app
        .request(Method::GET, "/nope")
        .header("x-request-id", "trace-7")
        .send()
        .await
        .unwrap();
    assert_eq!(on_error.headers()["x-request-id"], "trace-7");
});

db_test!(
    metrics_count_requests_by_route_and_report_the_pools,
    |app| {
        app.get("/v1/members").await;
        app.get("/v1/members/BRA").await;
        app.get("/v1/members/BRA/").await;
        app.get("/v1/no-such-route/42").await;
        app.request(Method::POST, "/v1/members/BRA")
            .send()
            .await
            .unwrap();
        app.get("/metrics").await;
        let text = app.get("/metrics").await.text().await.unwrap();
        assert!(
            text.contains(
                r#"accord_http_requests_total{endpoint="/v1/members",method="GET",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"accord_http_requests_total{endpoint="/v1/members/{code}",method="GET",status="404"} 1"#), "{text}");
        // Paths no route has are counted under one label, not under their own path; a method
        // the route does not take is counted under the route.
        assert!(
            text.contains(
                r#"accord_http_requests_total{endpoint="UNMATCHED",method="GET",status="404"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"accord_http_requests_total{endpoint="/v1/members/{code}",method="POST",status="405"} 1"#), "{text}");
        assert!(!text.contains("no-such-route"), "{text}");
        // Routes outside the API document are labelled by the router.
        assert!(
            text.contains(
                r#"accord_http_requests_total{endpoint="/metrics",method="GET",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("accord_http_requests_duration_seconds_bucket"));
        assert!(
            text.contains(r#"accord_db_pool_connections{pool="read",state="max"} 4"#),
            "{text}"
        );
        assert!(text.contains(r#"accord_db_pool_connections{pool="write",state="in_use"}"#));
    }
);

db_test!(
    cors_allows_browser_clients_to_read_the_useful_headers,
    |app| {
        let preflight = app
            .request(Method::OPTIONS, "/v1/members")
            .header("origin", "https://research.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 200);
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        let simple = app
            .request(Method::GET, "/v1/members")
            .header("origin", "https://research.example")
            .send()
            .await
            .unwrap();
        let exposed = simple.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for h in ["etag", "link", "location", "x-request-id"] {
            assert!(exposed.contains(h), "{h} exposed: {exposed}");
        }
    }
);

db_test!(
    requests_right_after_postgresql_drops_every_connection_still_succeed,
    |app| {
        // Within a second of its last use a pooled connection is taken without a test query
        // (`db::PROVEN_FOR`); one that PostgreSQL dropped meanwhile must not fail a request.
        app.member("BRA", "state", true, "latin_america_caribbean")
            .await;
        let admin = app.admin_token().await;
        assert_eq!(app.get("/v1/members/BRA").await.status(), 200);
        if app.backend == Backend::Postgres {
            use diesel::prelude::*;
            let mut other = diesel::PgConnection::establish(&app.settings.database_url).unwrap();
            let dropped: Vec<bool> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .load(&mut other)
            .unwrap();
            assert!(
                !dropped.is_empty() && dropped.iter().all(|d| *d),
                "the server's connections were dropped: {dropped:?}"
            );
        }
        // The writer first, before any read has found a connection lost: its batch begins on a
        // connection that works.
        let counted = app
            .app_state
            .db
            .write(|conn| {
                use diesel::prelude::*;
                Ok(accord::db::schema::members::table
                    .count()
                    .get_result::<i64>(conn)?)
            })
            .await;
        assert_eq!(counted.ok(), Some(1), "a write right after the drop");
        // A read (no token), an authenticated write (its revocation check is a read), and a read
        // of what it wrote.
        let read = app.get("/v1/members/BRA").await;
        assert_eq!(read.status(), 200);
        let created = app
            .post(
                "/v1/members",
                &admin,
                &json!({"code": "KEN", "name": "Kenya", "kind": "state", "voting": true, "region": "africa"}),
            )
            .await;
        assert_eq!(created.status(), 201);
        let listed = app.get_json("/v1/members").await;
        let codes: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["BRA", "KEN"]);
    }
);

db_test!(problem_types_resolve_to_their_description, |app| {
    let described = app.get_json("/problems/validation_failed").await;
    assert_eq!(
        described,
        json!({"code": "validation_failed", "status": 422, "title": "The request is not valid"})
    );
    assert_eq!(
        problem(app.get("/problems/no_such_code").await, 404).await["code"],
        "not_found"
    );
});

db_test!(the_served_spec_is_the_committed_spec, |app| {
    let served: Value = app.get_json("/openapi.json").await;
    let committed: Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    let printed: Value = serde_json::from_str(&accord::openapi::document_json()).unwrap();
    assert_eq!(served, printed);
    assert_eq!(served["openapi"], "3.1.0");
});

db_test!(
    a_large_body_arrives_whole_with_its_announced_length,
    |app| {
        // The spec is far larger than the 16 kB slices large bodies are sent in (`http::slices`).
        let response = app.get("/openapi.json").await;
        assert_eq!(response.status(), 200);
        let announced: usize = response.headers()[reqwest::header::CONTENT_LENGTH]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            response
                .headers()
                .get(reqwest::header::TRANSFER_ENCODING)
                .is_none()
        );
        let body = response.bytes().await.unwrap();
        assert!(
            body.len() > 4 * accord::http::slices::SLICE,
            "{}",
            body.len()
        );
        assert_eq!(body.len(), announced);
        let served: Value = serde_json::from_slice(&body).unwrap();
        let printed: Value = serde_json::from_str(&accord::openapi::document_json()).unwrap();
        assert_eq!(served, printed);

        let head = app
            .request(Method::HEAD, "/openapi.json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            head.headers()[reqwest::header::CONTENT_LENGTH],
            announced.to_string().as_str()
        );
        assert!(head.bytes().await.unwrap().is_empty());
    }
);

db_test!(swagger_ui_is_served_without_leaving_the_machine, |app| {
    let redirect = app.get("/docs").await;
    assert!(redirect.status().is_redirection());
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/openapi.json"), "{initializer}");
    for asset in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"] {
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
    for text in [&html, &initializer] {
        for external in [
            "src=\"http",
            "href=\"http",
            "//cdn",
            "unpkg.com",
            "jsdelivr",
        ] {
            assert!(
                !text.contains(external),
                "loads {external} from outside: {text}"
            );
        }
    }
});

/// Every operation documents what a client needs: a summary, its parameters, its responses
/// (problems included) and its security requirement.
#[test]
fn every_operation_is_fully_documented() {
    let doc: Value = serde_json::from_str(&accord::openapi::document_json()).unwrap();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let name = format!("{} {path}", method.to_uppercase());
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(op["security"].is_array(), "{name}: security requirement");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2') || k == "304"),
                "{name}: a success response"
            );
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let param = segment.trim_matches(|c| c == '{' || c == '}');
                let documented = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == param && p["in"] == "path"));
                assert!(documented, "{name}: path parameter {param}");
            }
            let secured = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.get("bearer").is_some());
            if secured {
                for status in ["401", "403"] {
                    assert!(responses.contains_key(status), "{name}: documents {status}");
                }
            }
            if op.get("requestBody").is_some() {
                for status in ["413", "415"] {
                    assert!(responses.contains_key(status), "{name}: documents {status}");
                }
            }
            if method == "patch" {
                for status in ["412", "428"] {
                    assert!(responses.contains_key(status), "{name}: documents {status}");
                }
            }
        }
    }
    assert!(count >= 16, "{count} operations");
}

/// Runs the real binary and reads its log while the secrets it handles pass through.
async fn secrets_never_reach_the_log(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = fresh_database(backend, dir.path());
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let env = |cmd: &mut Command| {
        cmd.env("ACCORD_DATABASE_URL", &url)
            .env("ACCORD_DATA_DIR", &data)
            .env("ACCORD_BIND", format!("127.0.0.1:{port}"))
            .env("ACCORD_LOG", "trace")
            .env("ACCORD_LOG_FORMAT", "json")
            .env_remove("MIMALLOC_PURGE_DELAY");
    };
    let mut create = Command::new(env!("CARGO_BIN_EXE_accord"));
    env(&mut create);
    let out = create
        .args(["client", "create", "--role", "secretariat", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret) = (
        created["client_id"].as_str().unwrap().to_string(),
        created["client_secret"].as_str().unwrap().to_string(),
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&secret));

    let mut serve = Command::new(env!("CARGO_BIN_EXE_accord"));
    env(&mut serve);
    let mut child = serve
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
            .join("\n")
    });

    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "server did not start");
    assert_eq!(
        purge_delay_of(child.id()).as_deref(),
        Some("0"),
        "the server gives freed memory back at once unless told otherwise"
    );
    let token: Value = http
        .post(format!("{base}/v1/auth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap().to_string();
    let issued: Value = http
        .post(format!("{base}/v1/clients"))
        .bearer_auth(&access)
        .json(&json!({"roles": ["reader"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second_secret = issued["client_secret"].as_str().unwrap().to_string();
    http.post(format!("{base}/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", "acs_wrong-guess"),
        ])
        .send()
        .await
        .unwrap();

    child.kill().unwrap();
    child.wait().unwrap();
    let log = log.join().unwrap();
    assert!(
        log.contains("request_id"),
        "the log is being captured: {log}"
    );
    for secret in [
        &secret,
        &second_secret,
        &access,
        &"acs_wrong-guess".to_string(),
    ] {
        assert!(
            !log.contains(secret.as_str()),
            "a secret or token reached the log"
        );
    }
    assert!(!log.contains("$argon2"), "a secret hash reached the log");
}

/// The allocator setting in the environment the process `pid` runs with now (after it started
/// itself again, see `main.rs`), read from `/proc`.
fn purge_delay_of(pid: u32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    environ
        .split(|b| *b == 0)
        .filter_map(|entry| std::str::from_utf8(entry).ok())
        .find_map(|entry| entry.strip_prefix("MIMALLOC_PURGE_DELAY="))
        .map(str::to_string)
}

/// An operator who sets the allocator's purge delay keeps it: the server does not overwrite it.
async fn an_operators_purge_delay_is_kept(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = fresh_database(backend, dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .env("ACCORD_DATABASE_URL", &url)
        .env("ACCORD_DATA_DIR", dir.path().join("data"))
        .env("ACCORD_BIND", format!("127.0.0.1:{port}"))
        .env("MIMALLOC_PURGE_DELAY", "250")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let seen = purge_delay_of(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ready, "server did not start");
    assert_eq!(seen.as_deref(), Some("250"));
}

mod operators_purge_delay {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_operators_purge_delay_is_kept(super::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if crate::helpers::postgres_enabled() {
            super::an_operators_purge_delay_is_kept(super::Backend::Postgres).await;
        }
    }
}

mod secrets_in_logs {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::secrets_never_reach_the_log(super::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if crate::helpers::postgres_enabled() {
            super::secrets_never_reach_the_log(super::Backend::Postgres).await;
        }
    }
}

#[test]
fn an_unsupported_database_url_stops_start_up_with_one_sentence() {
    let out = Command::new(env!("CARGO_BIN_EXE_accord"))
        .env(
            "ACCORD_DATABASE_URL",
            "mysql://root:hunter2@localhost/accord",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sqlite://") && stderr.contains("postgres://"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password must not be echoed"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
