use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::models::event::Event;
use crate::domain::event::ChainBreak;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// At most this many events are verified per request; verify longer chains in steps.
pub const MAX_VERIFY: i64 = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Start after this `seq` (default 0); its stored hash is the starting link.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// How many events to verify, 1 to 10,000 (default 10,000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<i64>,
}

/// The result of recomputing part of the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True when every event checked links to the one before and its hash recomputes.
    pub ok: bool,
    /// The first event checked and the last event that verified.
    pub after: i64,
    pub last_verified_seq: i64,
    pub last_verified_hash: String,
    /// The current head of the chain.
    pub head_seq: i64,
    /// The first event that does not verify, when there is one.
    pub first_bad: Option<ChainBreak>,
}

/// Verify the event chain
///
/// Recomputes the hashes of up to 10,000 events after `after` and says whether they link up,
/// naming the first bad event. Public; `accord verify-log` does the same for the whole chain.
#[utoipa::path(
    tag = "events",
    params(VerifyQuery),
    responses(
        (status = 200, description = "What was checked and the result", body = Verification),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/events/verify")]
pub async fn verify_events(
    state: web::Data<AppState>,
    query: web::Query<VerifyQuery>,
) -> ApiResult<HttpResponse> {
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(MAX_VERIFY);
    if after < 0 || !(1..=MAX_VERIFY).contains(&limit) {
        return Err(ApiError::InvalidQuery(format!(
            "after must be 0 or more and limit 1 to {MAX_VERIFY}"
        )));
    }
    let result = state
        .db
        .read(move |conn| {
            let (head_seq, _) = Event::head(conn)?;
            if after > head_seq {
                return Err(ApiError::not_found(format!(
                    "the chain ends at seq {head_seq}"
                )));
            }
            let outcome = Event::verify(conn, after, Some(limit))?;
            Ok(match outcome {
                Ok(v) => Verification {
                    ok: true,
                    after,
                    last_verified_seq: v.last_seq(),
                    last_verified_hash: v.last_hash().to_string(),
                    head_seq,
                    first_bad: None,
                },
                Err(bad) => Verification {
                    ok: false,
                    after,
                    last_verified_seq: bad.seq - 1,
                    last_verified_hash: String::new(),
                    head_seq,
                    first_bad: Some(bad),
                },
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
