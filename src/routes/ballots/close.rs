use actix_web::{HttpRequest, HttpResponse, http::StatusCode, post, web};
use serde_json::json;

use super::{Ballot, ballot_view, find_ballot, tally};
use crate::auth::{Auth, Secretariat};
use crate::db::models::ballot::{BallotRow, RatificationRow};
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::json_with_etag;
use crate::routes::lifecycle::close_ballot;
use crate::state::AppState;

/// Close a ballot early
///
/// Closes an open ballot before its deadline (secretariat only), allowed once every eligible
/// member has responded (409 listing those who have not). The outcome is recorded: a passing
/// ballot makes the standard `ratified` with the pinned revision (and the standard it supersedes
/// `superseded`); a failing one returns it to `drafting`.
#[utoipa::path(
    tag = "ballots",
    params(("id" = String, Path, description = "Ballot id")),
    responses(
        (status = 200, description = "The ballot, closed", body = Ballot, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[post("/v1/ballots/{id}/close")]
pub async fn close_ballot_early(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let ballot = state
        .db
        .write(move |conn| {
            find_ballot(conn, &id)?;
            let row = BallotRow::find_for_update(conn, &id)?;
            if !row.is_open_at(now) {
                return Err(ApiError::conflict_with(
                    "ballot_closed",
                    format!("ballot {id} is already closed"),
                    json!({"closes_at": Timestamp::from_naive(row.closes_at), "closed_at": row.closed_at.map(Timestamp::from_naive)}),
                ));
            }
            let electorate = BallotRow::electorate(conn, &id)?;
            let current = RatificationRow::current(conn, &id)?;
            let t = tally(&row, &electorate, &current, now)?;
            if !t.not_responded.is_empty() {
                return Err(ApiError::conflict_with(
                    "conflict",
                    format!("{} eligible members have not responded; the ballot closes early only when all have", t.not_responded.len()),
                    json!({"not_responded": t.not_responded}),
                ));
            }
            close_ballot(conn, &actor, now, &row, now.naive(), "early")?;
            let row = find_ballot(conn, &id)?;
            ballot_view(conn, row, now)
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &ballot))
}
