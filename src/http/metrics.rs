//! Prometheus metrics: every request counted and timed by route template, method and status
//! (`accord_http_requests_total`, `accord_http_requests_duration_seconds`), and `GET /metrics`
//! to read them with whatever else is registered (the pools' gauges).
//!
//! The route template comes from the route table of the OpenAPI document (`fallback`), matched
//! segment by segment: asking the router again (`match_pattern`) runs every route's regex once
//! more per request, which actix-web-prom did twice and which cost about 5% of a cached read.
//! Paths the document does not describe (`/metrics`, `/docs/…`) are rare and still ask the
//! router. A request to a path no route has is labelled `UNMATCHED`, so made-up paths do not
//! become label values; one with a method its route does not take (405) keeps the route's
//! template, as before.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use crate::http::fallback::RouteTable;

/// The label of a request that no route takes.
const UNMATCHED: &str = "UNMATCHED";

pub struct HttpMetrics {
    pub registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
}

impl HttpMetrics {
    /// The request metrics, registered in a new registry under `namespace`.
    pub fn new(namespace: &str) -> Result<Self, String> {
        let labels = ["endpoint", "method", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "Total number of HTTP requests").namespace(namespace),
            &labels,
        )
        .map_err(|e| e.to_string())?;
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "http_requests_duration_seconds",
                "HTTP request duration in seconds for all requests (to the response head)",
            )
            .namespace(namespace),
            &labels,
        )
        .map_err(|e| e.to_string())?;
        let registry = Registry::new();
        registry
            .register(Box::new(requests.clone()))
            .map_err(|e| e.to_string())?;
        registry
            .register(Box::new(durations.clone()))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            registry,
            requests,
            durations,
        })
    }

    fn observe(&self, endpoint: &str, method: &Method, status: StatusCode, started: Instant) {
        let labels = [endpoint, method.as_str(), status.as_str()];
        self.durations
            .with_label_values(&labels)
            .observe(started.elapsed().as_secs_f64());
        self.requests.with_label_values(&labels).inc();
    }
}

/// Counts and times the request under its route's template.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let table = req.app_data::<web::Data<RouteTable>>().cloned();
    let method = req.method().clone();
    let result = next.call(req).await;
    let Some(metrics) = metrics else {
        return result;
    };
    match &result {
        Ok(res) => {
            let endpoint = endpoint(res.request(), table.as_ref().map(|t| t.get_ref()));
            metrics.observe(&endpoint, &method, res.status(), started);
        }
        Err(e) => {
            // An error the HTTP layer raised instead of a response (no handler answered) still
            // counts.
            let status = e.as_response_error().status_code();
            metrics.observe(UNMATCHED, &method, status, started);
        }
    }
    result
}

fn endpoint<'a>(req: &HttpRequest, table: Option<&'a RouteTable>) -> std::borrow::Cow<'a, str> {
    if let Some(template) = table.and_then(|t| t.template(req.path())) {
        return template.into();
    }
    // Not in the document: ask the router (the default service matches nothing).
    req.match_pattern()
        .map_or(UNMATCHED.into(), std::borrow::Cow::Owned)
}

/// `GET /metrics`: Prometheus text.
pub async fn serve(metrics: web::Data<HttpMetrics>) -> HttpResponse {
    let mut body = Vec::new();
    if let Err(e) = prometheus::TextEncoder::new().encode(&metrics.registry.gather(), &mut body) {
        tracing::warn!(error = %e, "cannot encode the metrics");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
