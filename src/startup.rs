//! Builds the application from `Settings`: pools and migrations, keys, the actix `App` with its
//! middleware, and the HTTP server. `main` and the tests share it.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, http::header, web};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGaugeVec, Opts};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::keys::KeyRing;
use crate::auth::token::TokenConfig;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::time::SharedClock;
use crate::error::ApiError;
use crate::http::fallback::{RouteTable, not_found_or_not_allowed};
use crate::state::AppState;

pub struct Application {
    server: Server,
    port: u16,
    state: AppState,
    scheduler_interval: Duration,
}

impl Application {
    /// Opens the database (migrating it), loads the keys and binds the listener.
    pub fn build(settings: &Settings, clock: SharedClock) -> Result<Self, String> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
        Self::build_with_listener(settings, clock, listener)
    }

    pub fn build_with_listener(
        settings: &Settings,
        clock: SharedClock,
        listener: TcpListener,
    ) -> Result<Self, String> {
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let state = build_state(settings, clock)?;
        let server = serve(settings, state.clone(), listener)?;
        let scheduler_interval = Duration::from_millis(settings.scheduler_interval_ms.max(10));
        Ok(Self {
            server,
            port,
            state,
            scheduler_interval,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server (tests use it to "restart" on the same database).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped, with the scheduler running beside the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let scheduler = crate::scheduler::run(self.state.clone(), self.scheduler_interval);
        tokio::select! {
            result = self.server => result,
            _ = scheduler => Ok(()),
        }
    }
}

/// Everything but the HTTP server: also used by the command line.
pub fn build_state(settings: &Settings, clock: SharedClock) -> Result<AppState, String> {
    let db = Db::connect(
        &settings.database(),
        settings.pool_size,
        1,
        Duration::from_millis(settings.pool_timeout_ms),
    )?;
    let keys = KeyRing::load(
        settings.signing_key_file.as_deref(),
        &settings.data_dir,
        &settings.previous_key_files,
    )?;
    Ok(AppState {
        db,
        keys: Arc::new(keys),
        tokens: TokenConfig {
            issuer: settings.public_base(),
            audience: settings.token_audience.clone(),
            ttl_seconds: settings.token_ttl as i64,
        },
        clock,
        public_base: settings.public_base(),
        max_body_bytes: settings.max_body_bytes,
        caches: Arc::new(crate::cache::Caches::new(
            settings.revision_cache_mb * 1024 * 1024,
            settings.page_cache_mb * 1024 * 1024,
        )),
    })
}

/// Reports the pools' connections to Prometheus at scrape time.
struct PoolCollector {
    db: Db,
    gauges: IntGaugeVec,
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.gauges.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        for (name, pool) in [("read", &self.db.read_pool), ("write", &self.db.write_pool)] {
            let s = pool.state();
            self.gauges
                .with_label_values(&[name, "idle"])
                .set(i64::from(s.idle_connections));
            self.gauges
                .with_label_values(&[name, "in_use"])
                .set(i64::from(s.connections - s.idle_connections));
            self.gauges
                .with_label_values(&[name, "max"])
                .set(i64::from(pool.max_size()));
        }
        self.gauges.collect()
    }
}

/// The OpenAPI document as compact JSON.
struct OpenApiJson(web::Bytes);

/// `GET /openapi.json`: the document this build serves (the same as `accord openapi`).
async fn serve_openapi(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(mime::APPLICATION_JSON)
        .body(doc.0.clone())
}

fn serve(settings: &Settings, state: AppState, listener: TcpListener) -> Result<Server, String> {
    // The document is served as bytes written once: each worker used to keep its own copy of
    // the whole utoipa tree (about 6 MB of the idle server's memory per worker) and serialise
    // it again on every request.
    let spec = crate::openapi::document();
    let routes = web::Data::new(RouteTable::from_openapi(&spec));
    let spec_json = web::Data::new(OpenApiJson(web::Bytes::from(
        serde_json::to_vec(&spec).map_err(|e| format!("OpenAPI serialisation: {e}"))?,
    )));
    drop(spec);
    let metrics =
        crate::http::metrics::HttpMetrics::new("accord").map_err(|e| format!("metrics: {e}"))?;
    let gauges = IntGaugeVec::new(
        Opts::new(
            "accord_db_pool_connections",
            "Database pool connections by pool and state",
        ),
        &["pool", "state"],
    )
    .map_err(|e| e.to_string())?;
    metrics
        .registry
        .register(Box::new(PoolCollector {
            db: state.db.clone(),
            gauges,
        }))
        .map_err(|e| format!("metrics: {e}"))?;
    let metrics = web::Data::new(metrics);
    let cors_origins = settings.cors_origins.clone();
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        let mut cors = Cors::default()
            .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
            .allow_any_header()
            .expose_headers([
                header::ETAG,
                header::LINK,
                header::LOCATION,
                header::RETRY_AFTER,
                header::WWW_AUTHENTICATE,
                header::HeaderName::from_static(crate::http::request_id::HEADER),
            ])
            .max_age(3600);
        if cors_origins.is_empty() {
            cors = cors.allow_any_origin().send_wildcard();
        } else {
            for origin in &cors_origins {
                cors = cors.allowed_origin(origin);
            }
        }
        App::new()
            .configure(crate::routes::configure)
            .app_data(data.clone())
            .app_data(routes.clone())
            .app_data(metrics.clone())
            .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::from(e).into()))
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| ApiError::InvalidPath(e.to_string()).into()),
            )
            .app_data(
                web::JsonConfig::default()
                    .error_handler(|e, _| ApiError::MalformedJson(e.to_string()).into()),
            )
            .service(SwaggerUi::new("/docs/{_:.*}").config(Config::from("/openapi.json")))
            .app_data(spec_json.clone())
            .route("/openapi.json", web::get().to(serve_openapi))
            .service(web::redirect("/docs", "/docs/"))
            .route("/metrics", web::get().to(crate::http::metrics::serve))
            .default_service(web::to(not_found_or_not_allowed))
            .wrap(Compress::default())
            .wrap(cors)
            .wrap(from_fn(crate::http::metrics::middleware))
            .wrap(from_fn(crate::http::guard::middleware))
            .wrap(from_fn(crate::http::request_id::middleware))
    })
    .shutdown_timeout(10)
    // Large bodies go out in slices (`http::slices`): with Nagle's algorithm on, the write after
    // the first slice waited for the client's delayed ACK, 40 ms, and the event feed fell to
    // 40 % of its rate. Every response is written as soon as it is ready anyway.
    .tcp_nodelay(true);
    // Blocking work is database calls (bounded by the pool anyway) and the odd argon2 hash or
    // diff. actix's default allows 512 threads per worker: under 64 connections that grew dozens
    // of threads, each with its own allocator arena, for no throughput.
    let workers = settings
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let blocking = (settings.pool_size as usize).div_ceil(workers) + 1;
    server = server
        .workers(workers)
        .worker_max_blocking_threads(blocking.max(2));
    Ok(server.listen(listener).map_err(|e| e.to_string())?.run())
}
