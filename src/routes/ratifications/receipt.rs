use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::ReceiptClaims;
use crate::db::OptionalExt;
use crate::db::models::ballot::RatificationRow;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::json_with_etag;
use crate::routes::ballots::find_ballot;
use crate::state::AppState;

/// A signed receipt and what it says.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// The compact JWS. Verify it with `/.well-known/jwks.json` alone: EdDSA, the key named by the
    /// header's `kid`, `typ` `receipt+jwt`.
    pub receipt: String,
    /// The payload, decoded for convenience (trust the signed one).
    pub payload: ReceiptClaims,
}

/// Get the receipt of a decision
///
/// The receipt of the member's current decision, the same one returned when it was cast. Public:
/// a receipt proves what was recorded, and anyone may check it.
#[utoipa::path(
    tag = "ballots",
    params(
        ("id" = String, Path, description = "Ballot id"),
        ("member" = String, Path, description = "Member code"),
    ),
    responses(
        (status = 200, description = "The receipt", body = Receipt, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/ballots/{id}/ratifications/{member}/receipt")]
pub async fn get_receipt(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, member) = path.into_inner();
    let row = state
        .db
        .read(move |conn| {
            find_ballot(conn, &id)?;
            RatificationRow::current_of(conn, &id, &member)?
                .ok_or(diesel::result::Error::NotFound)
                .or_not_found(|| format!("{member} has no decision in ballot {id}"))
        })
        .await?;
    let payload = row
        .receipt
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).ok()
        })
        .and_then(|bytes| serde_json::from_slice::<ReceiptClaims>(&bytes).ok())
        .ok_or_else(|| ApiError::internal("stored receipt does not decode"))?;
    Ok(json_with_etag(
        &req,
        StatusCode::OK,
        &Receipt {
            receipt: row.receipt,
            payload,
        },
    ))
}
