use actix_web::{HttpRequest, HttpResponse, http::StatusCode, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Standard, find_standard, next_stage};
use crate::auth::{Auth, Secretariat};
use crate::db::models::event::Event;
use crate::db::models::standard::StandardRow;
use crate::domain::stage::Transition;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawStandard {
    /// Why the standard is withdrawn, 1 to 2,000 characters; published.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// Withdraw a standard
///
/// Withdraws a standard from any stage but `ratified` and `superseded` (secretariat only). An
/// open comment period is closed and an open ballot cancelled with it. Appends
/// `standard.withdrawn`. A refused move is a 409 `stage_conflict` naming the current stage and
/// the allowed next stages.
#[utoipa::path(
    tag = "standards",
    params(("reference" = String, Path, description = "Standard reference")),
    request_body(content = WithdrawStandard, content_type = "application/json"),
    responses(
        (status = 200, description = "The standard, withdrawn", body = Standard, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[post("/v1/standards/{reference}/withdraw")]
pub async fn withdraw_standard(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    reference: web::Path<String>,
    ApiJson(body): ApiJson<WithdrawStandard>,
) -> ApiResult<HttpResponse> {
    let mut e = Errors::new();
    let reason = e.required("reason", body.reason);
    if let Some(r) = &reason {
        e.text("reason", r, 1, 2_000);
    }
    e.into_result().map_err(ApiError::Validation)?;
    let reason = reason.unwrap_or_default().trim().to_string();
    let reference = reference.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let standard = state
        .db
        .write(move |conn| {
            let row = find_standard(conn, &reference)?;
            next_stage(&row, Transition::Withdraw)?;
            let closed = crate::routes::lifecycle::on_withdraw(conn, &actor, now, &row)?;
            if !StandardRow::withdraw(conn, &reference, &row.stage, &reason, now.naive())? {
                return Err(ApiError::conflict(
                    "stage_conflict",
                    format!("{reference} changed stage meanwhile; retry"),
                ));
            }
            Event::append(
                conn,
                &actor,
                now,
                "standard.withdrawn",
                &format!("standard:{reference}"),
                json!({"reason": reason, "from": row.stage, "to": "withdrawn", "closed": closed}),
            )?;
            Ok(Standard::from(find_standard(conn, &reference)?))
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &standard))
}
