use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};

use super::{Ballot, ballot_view, find_ballot};
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get a ballot and its tally
///
/// The ballot with its rule, electorate and tally: counts per decision, who has not responded,
/// each criterion with its required and actual figures and whether it is met, and the outcome
/// (`pending` with the projected outcome while open). Public.
#[utoipa::path(
    tag = "ballots",
    params(("id" = String, Path, description = "Ballot id")),
    responses(
        (status = 200, description = "The ballot", body = Ballot, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/ballots/{id}")]
pub async fn get_ballot(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let ballot = state
        .db
        .read(move |conn| {
            let row = find_ballot(conn, &id)?;
            ballot_view(conn, row, now)
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &ballot))
}
