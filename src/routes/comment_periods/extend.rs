use actix_web::{HttpRequest, HttpResponse, http::StatusCode, patch, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::open::check_deadline;
use super::{CommentPeriod, find_period};
use crate::auth::{Auth, Secretariat};
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::Event;
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::{etag_of_json, if_match_accepts, json_with_etag, required_if_match};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendCommentPeriod {
    /// The new deadline: later than the current one, at most 366 days from now.
    #[schema(value_type = String, format = DateTime, required = true)]
    pub closes_at: Option<String>,
}

/// Extend a comment period
///
/// Moves the deadline of an open period later (secretariat only; never earlier: close it early
/// instead). Requires `If-Match`. Appends `comment_period.extended`.
#[utoipa::path(
    tag = "comment periods",
    params(
        ("reference" = String, Path, description = "Standard reference"),
        ("id" = String, Path, description = "Comment period id"),
        ("If-Match" = String, Header, description = "The period's current ETag"),
    ),
    request_body(content = ExtendCommentPeriod, content_type = "application/json"),
    responses(
        (status = 200, description = "The period, extended", body = CommentPeriod, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[patch("/v1/standards/{reference}/comment-periods/{id}")]
pub async fn extend_comment_period(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    path: web::Path<(String, String)>,
    ApiJson(body): ApiJson<ExtendCommentPeriod>,
) -> ApiResult<HttpResponse> {
    let if_match = required_if_match(&req)?;
    let now = state.now();
    let mut e = Errors::new();
    let closes_at = check_deadline(&mut e, body.closes_at, now);
    e.into_result().map_err(ApiError::Validation)?;
    let closes_at =
        closes_at.ok_or_else(|| ApiError::internal("deadline missing after validation"))?;
    let (reference, id) = path.into_inner();
    let actor = auth.actor();
    let period = state
        .db
        .write(move |conn| {
            let row = find_period(conn, &reference, &id)?;
            if_match_accepts(&if_match, &etag_of_json(&CommentPeriod::at(row.clone(), now))?, &format!("comment period {id}"))?;
            if !row.is_open_at(now) {
                return Err(ApiError::conflict_with(
                    "period_closed",
                    format!("comment period {id} is closed and cannot be extended"),
                    json!({"opens_at": Timestamp::from_naive(row.opens_at), "closes_at": Timestamp::from_naive(row.closes_at)}),
                ));
            }
            if closes_at.naive() <= row.closes_at {
                return Err(ApiError::invalid(
                    "closes_at",
                    "out_of_range",
                    format!("an extension must be later than the current deadline {}", Timestamp::from_naive(row.closes_at)),
                ));
            }
            if !PeriodRow::extend(conn, &id, row.version, closes_at.naive())? {
                return Err(ApiError::PreconditionFailed(format!("comment period {id}")));
            }
            Event::append(
                conn,
                &actor,
                now,
                "comment_period.extended",
                &format!("comment_period:{id}"),
                json!({"id": id, "standard": reference, "from": Timestamp::from_naive(row.closes_at), "to": closes_at}),
            )?;
            Ok(CommentPeriod::at(PeriodRow::find(conn, &id)?, now))
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &period))
}
