//! Endpoints for load balancers, key discovery and problem documentation.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, PROBLEM_CODES};
use crate::state::AppState;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Readiness: the database answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    #[schema(example = "ok")]
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Liveness probe
///
/// 200 while the process serves HTTP. Touches no database.
#[utoipa::path(tag = "system", responses((status = 200, description = "The process is up", body = Health)), security(()))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness probe
///
/// 200 when a read and a write connection to the database answer; 503 otherwise.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "The database answers", body = Ready),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    use diesel::connection::SimpleConnection;
    let db = state.db.clone();
    crate::db::blocking(move || {
        for pool in [&db.read_pool, &db.write_pool] {
            let mut conn = pool.get()?;
            conn.batch_execute("SELECT 1")
                .map_err(|e| ApiError::Unavailable {
                    detail: format!("the database does not answer: {e}"),
                    retry_after: 1,
                })?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Ready {
        status: "ok".into(),
        database: state.db.backend().into(),
    }))
}

/// A JSON Web Key Set (RFC 7517) of Ed25519 public keys.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "alg": "EdDSA", "use": "sig"}]}))]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<serde_json::Value>,
}

/// Signing keys
///
/// The public keys that verify access tokens and ratification receipts, by `kid`. Keys retired by
/// a rotation stay listed so that old receipts keep verifying.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "The key set", body = Jwks, headers(("Cache-Control" = String)))),
    security(())
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.keys.jwks())
}

/// Describe a problem type
///
/// The `type` of every problem body resolves here: its status, code and meaning.
#[utoipa::path(
    tag = "system",
    params(("code" = String, Path, description = "A problem code, such as validation_failed")),
    responses(
        (status = 200, description = "The problem type", body = Object,
            example = json!({"code": "validation_failed", "status": 422, "title": "The request is not valid"})),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(())
)]
#[get("/problems/{code}")]
pub async fn problem_type(code: web::Path<String>) -> ApiResult<HttpResponse> {
    let (status, code, title) = PROBLEM_CODES
        .iter()
        .find(|(_, c, _)| *c == code.as_str())
        .ok_or_else(|| ApiError::not_found(format!("no problem type is called {code}")))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .json(json!({"code": code, "status": status, "title": title})))
}
