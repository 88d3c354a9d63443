//! The test harness: every test runs against a real server on a fresh database, SQLite always and
//! PostgreSQL when `ACCORD_TEST_POSTGRES_URL` names a server (each test gets its own database).

use std::net::TcpListener;
use std::sync::Arc;

use accord::config::Settings;
use accord::domain::event::Actor;
use accord::domain::time::{Clock, OffsetClock};
use accord::error::ApiResult;
use accord::routes::clients::create::{CreateClient, insert_client};
use accord::startup::Application;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

pub use reqwest::header;

/// The public URL every test server is configured with: the token issuer and the base of links.
pub const PUBLIC_URL: &str = "http://accord.test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `db_test!(name, |app| async { ... })` makes `name::sqlite`
/// and `name::postgres`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::db_test!($name, tune = |_| {}, |$app| $body);
    };
    ($name:ident, tune = $tune:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                #[allow(unused_mut)]
                let mut $app =
                    $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, $tune)
                        .await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::helpers::postgres_enabled() {
                    eprintln!("skipped: ACCORD_TEST_POSTGRES_URL is not set");
                    return;
                }
                #[allow(unused_mut)]
                let mut $app =
                    $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Postgres, $tune)
                        .await;
                $body
            }
        }
    };
}

/// `.ci/run` names a file in `ACCORD_TEST_PG_MARKER` and counts its lines afterwards, to prove
/// that the PostgreSQL variants ran rather than skipped.
fn record_postgres_run() {
    if let Ok(path) = std::env::var("ACCORD_TEST_PG_MARKER") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "postgres");
        }
    }
}

pub fn postgres_enabled() -> bool {
    std::env::var("ACCORD_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty())
}

/// A client credential with a token.
#[derive(Debug, Clone)]
pub struct Cred {
    pub id: String,
    pub secret: String,
    pub token: String,
}

pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    pub http: reqwest::Client,
    pub clock: Arc<OffsetClock>,
    pub settings: Settings,
    pub app_state: accord::state::AppState,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
    secretariat: Option<Cred>,
}

/// A new, empty database for one test: an SQLite file in `dir`, or a PostgreSQL database that is
/// dropped with the returned guard.
pub fn fresh_database(backend: Backend, dir: &std::path::Path) -> (String, Option<PgDatabase>) {
    if backend == Backend::Postgres {
        record_postgres_run();
    }
    match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.join("accord.db").display()),
            None,
        ),
        Backend::Postgres => {
            let admin_url =
                std::env::var("ACCORD_TEST_POSTGRES_URL").expect("ACCORD_TEST_POSTGRES_URL");
            let name = format!("accord_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                panic!("ACCORD_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
            });
            admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let url = database_url_with_name(&admin_url, &name);
            (url, Some(PgDatabase { admin_url, name }))
        }
    }
}

pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // A plain thread: this may run inside the async runtime.
        let _ = std::thread::spawn(move || {
            if let Ok(mut conn) = PgConnection::establish(&url) {
                let _ =
                    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        })
        .join();
    }
}

fn database_url_with_name(url: &str, name: &str) -> String {
    // postgres://user@host:port/db?params -> same with another db
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestApp {
    /// Spawns with settings adjusted by `tune` (for example a small body limit).
    pub async fn spawn_with(backend: Backend, tune: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = fresh_database(backend, dir.path());
        let mut settings = Settings {
            database_url,
            bind: "127.0.0.1:0".into(),
            public_url: Some(PUBLIC_URL.into()),
            data_dir: dir.path().join("data"),
            token_ttl: 86_400,
            workers: Some(2),
            pool_size: 4,
            scheduler_interval_ms: 100,
            ..Settings::default()
        };
        tune(&mut settings);
        let clock = Arc::new(OffsetClock::default());
        let (address, app_state, handle) = launch(&settings, clock.clone()).await;
        TestApp {
            backend,
            address,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            clock,
            settings,
            app_state,
            handle,
            _dir: dir,
            _pg: pg,
            secretariat: None,
        }
    }

    /// Stops the server and starts a new one on the same database and keys, as a restart would.
    pub async fn restart(&mut self) {
        self.handle.stop(true).await;
        let (address, app_state, handle) = launch(&self.settings, self.clock.clone()).await;
        self.address = address;
        self.app_state = app_state;
        self.handle = handle;
    }

    /// The service clock's "now", as the API prints times.
    pub fn clock_now(&self) -> String {
        self.clock.now().to_string()
    }

    /// Stops the server (the database stays) until `restart`.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// Event types read straight from the database (works while the server is stopped).
    pub fn events_direct(&self) -> Vec<String> {
        use diesel::prelude::*;
        let mut conn = self.app_state.db.read_pool.get().expect("connection");
        accord::db::schema::events::table
            .order(accord::db::schema::events::seq.asc())
            .select(accord::db::schema::events::event_type)
            .load::<String>(&mut **conn)
            .expect("events")
    }

    /// Runs SQL on a connection of its own, outside the server's pools, as another process
    /// writing to the same database would.
    pub fn execute_elsewhere(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let path = self
                    .settings
                    .database_url
                    .trim_start_matches("sqlite://")
                    .to_string();
                let mut conn = diesel::SqliteConnection::establish(&path).expect("SQLite");
                conn.batch_execute(&format!("PRAGMA busy_timeout = 5000; {sql}"))
                    .expect("SQL run elsewhere");
            }
            Backend::Postgres => {
                let mut conn =
                    PgConnection::establish(&self.settings.database_url).expect("PostgreSQL");
                conn.batch_execute(sql).expect("SQL run elsewhere");
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut request = self.request(method, path).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, Some(token), body).await
    }

    /// A token from the token endpoint (form-field client authentication).
    pub async fn token_for(&self, id: &str, secret: &str) -> String {
        let response = self
            .request(Method::POST, "/v1/auth/token")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), StatusCode::OK, "token for {id}");
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// The first secretariat credential, made as `accord client create` makes it.
    pub async fn secretariat(&mut self) -> Cred {
        if let Some(c) = &self.secretariat {
            return c.clone();
        }
        let new = CreateClient {
            name: Some("test secretariat".into()),
            member: None,
            roles: Some(vec!["secretariat".into()]),
        }
        .validate()
        .expect("valid");
        let secret = accord::auth::secret::generate_secret();
        let hash = accord::auth::secret::hash_secret(&secret).expect("hash");
        let id = accord::auth::secret::generate_client_id();
        let now = self.clock.now();
        let id2 = id.clone();
        self.app_state
            .db
            .write(move |conn| insert_client(conn, &Actor::default(), now, new, id2, hash))
            .await
            .expect("secretariat client");
        let token = self.token_for(&id, &secret).await;
        let cred = Cred { id, secret, token };
        self.secretariat = Some(cred.clone());
        cred
    }

    pub async fn admin_token(&mut self) -> String {
        self.secretariat().await.token
    }

    /// A client with these roles (and member) issued through the API, with a token.
    pub async fn client(&mut self, roles: &[&str], member: Option<&str>) -> Cred {
        let admin = self.admin_token().await;
        let response = self
            .post(
                "/v1/clients",
                &admin,
                &json!({"roles": roles, "member": member}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create client {roles:?} {member:?}"
        );
        let body: Value = response.json().await.expect("json");
        let id = body["id"].as_str().expect("id").to_string();
        let secret = body["client_secret"].as_str().expect("secret").to_string();
        let token = self.token_for(&id, &secret).await;
        Cred { id, secret, token }
    }

    /// Registers a member through the API.
    pub async fn member(&mut self, code: &str, kind: &str, voting: bool, region: &str) -> Value {
        let admin = self.admin_token().await;
        let name = format!("Member {code}");
        let response = self
            .post("/v1/members", &admin, &json!({"code": code, "name": name, "kind": kind, "voting": voting, "region": region}))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create member {code}"
        );
        response.json().await.expect("json")
    }

    /// The server's signing key, to forge tokens in security tests.
    pub fn signing_key_pem(&self) -> String {
        std::fs::read_to_string(self.settings.data_dir.join("signing-key.pem"))
            .expect("signing key")
    }

    pub fn issuer(&self) -> String {
        self.settings.public_url.clone().expect("public url")
    }

    /// All events, in order.
    pub async fn events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .get_json(&format!("/v1/events?after={after}&limit=500"))
                .await;
            let items = page["items"].as_array().expect("items").clone();
            if items.is_empty() {
                break;
            }
            after = items.last().and_then(|e| e["seq"].as_i64()).expect("seq");
            events.extend(items);
            if page["next_cursor"].is_null() {
                break;
            }
        }
        events
    }

    pub async fn last_event(&self) -> Value {
        self.events().await.pop().expect("an event")
    }

    /// Holds the writer thread for `millis` ms (a job that sleeps), once it has started: every
    /// write sent meanwhile queues, in the order sent, for the batch that follows. Await the
    /// handle to know the hold is over.
    pub async fn hold_writer(&self, millis: u64) -> tokio::task::JoinHandle<ApiResult<()>> {
        let db = self.app_state.db.clone();
        let hold = tokio::spawn(async move {
            db.write(move |_| {
                std::thread::sleep(std::time::Duration::from_millis(millis));
                Ok(())
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        hold
    }
}

/// The string `field` of each object in the JSON array `list`, in order (panics when `list` is
/// not an array or an item lacks the field: the test's expectation fails).
pub fn strings<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|item| item[field].as_str().expect("a string field"))
        .collect()
}

/// The problem body of a response, after checking its status and media type.
pub async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(
        content_type, "application/problem+json",
        "problem media type"
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status, "status member of {body}");
    assert!(
        body["code"].is_string() && body["title"].is_string() && body["detail"].is_string(),
        "problem members: {body}"
    );
    assert_eq!(
        body["type"],
        format!("/problems/{}", body["code"].as_str().unwrap_or_default())
    );
    body
}

/// The offending fields of a validation problem, as (field, reason).
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["reason"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Builds and starts the application on a fresh port; returns its address, state and handle.
async fn launch(
    settings: &Settings,
    clock: Arc<OffsetClock>,
) -> (
    String,
    accord::state::AppState,
    actix_web::dev::ServerHandle,
) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let settings = settings.clone();
    let clock: Arc<dyn Clock> = clock;
    let application = tokio::task::spawn_blocking(move || {
        Application::build_with_listener(&settings, clock, listener)
    })
    .await
    .expect("join")
    .expect("application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let state = application.state().clone();
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    (address, state, handle)
}
