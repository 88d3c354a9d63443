use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BallotPage, ballot_view};
use crate::db::models::ballot::BallotRow;
use crate::domain::time::Timestamp;
use crate::error::ApiResult;
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::routes::standards::find_standard;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BallotQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List ballots
///
/// The ballots of a standard, oldest first, each with its tally. Public.
#[utoipa::path(
    tag = "ballots",
    params(("reference" = String, Path, description = "Standard reference"), BallotQuery),
    responses(
        (status = 200, description = "One page of ballots", body = BallotPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/ballots")]
pub async fn list_ballots(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    query: web::Query<BallotQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(query.limit)?.min(100);
    let after = pagination::decode_cursor::<(Timestamp, String)>(query.cursor.as_deref())?
        .map(|(t, id)| (t.naive(), id));
    let reference = reference.into_inner();
    let now = state.now();
    let (items, next_cursor) = state
        .db
        .read(move |conn| {
            find_standard(conn, &reference)?;
            let (rows, more) = split_page(
                BallotRow::list(conn, &reference, after.clone(), limit + 1)?,
                limit,
            );
            let next = match rows.last() {
                Some(last) if more => Some(pagination::encode_cursor(&(
                    Timestamp::from_naive(last.opens_at),
                    &last.id,
                ))),
                _ => None,
            };
            let items = rows
                .into_iter()
                .map(|r| ballot_view(conn, r, now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((items, next))
        })
        .await?;
    Ok(page_response(
        &req,
        &state.public_base,
        &Page { items, next_cursor },
        "cursor",
    ))
}
