use actix_web::{HttpRequest, HttpResponse, http::StatusCode, post, web};
use serde_json::json;

use super::{CommentPeriod, find_period};
use crate::auth::{Auth, Secretariat};
use crate::db::models::comment_period::PeriodRow;
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::json_with_etag;
use crate::routes::lifecycle::close_period;
use crate::state::AppState;

/// Close a comment period early
///
/// Closes an open period now (secretariat only); the standard returns to `drafting`. Appends
/// `comment_period.closed` and `standard.stage_changed`. A period that is already closed (also
/// by its deadline) answers 409 `period_closed`.
#[utoipa::path(
    tag = "comment periods",
    params(
        ("reference" = String, Path, description = "Standard reference"),
        ("id" = String, Path, description = "Comment period id"),
    ),
    responses(
        (status = 200, description = "The period, closed", body = CommentPeriod, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[post("/v1/standards/{reference}/comment-periods/{id}/close")]
pub async fn close_comment_period(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let period = state
        .db
        .write(move |conn| {
            let row = find_period(conn, &reference, &id)?;
            if !row.is_open_at(now) {
                let (closed_at, reason) = row.effective_close(now).map(|(a, r)| (Timestamp::from_naive(a), r.to_string())).unzip();
                return Err(ApiError::conflict_with(
                    "period_closed",
                    format!("comment period {id} is already closed"),
                    json!({"opens_at": Timestamp::from_naive(row.opens_at), "closes_at": Timestamp::from_naive(row.closes_at),
                           "closed_at": closed_at, "close_reason": reason}),
                ));
            }
            close_period(conn, &actor, now, &row, now.naive(), "early")?;
            Ok(CommentPeriod::at(PeriodRow::find(conn, &id)?, now))
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &period))
}
