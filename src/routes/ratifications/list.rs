use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Ratification;
use crate::db::models::ballot::RatificationRow;
use crate::error::ApiResult;
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::routes::ballots::find_ballot;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RatificationQuery {
    /// Every version of every decision instead of the current ones.
    pub history: Option<bool>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One page of decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatificationPage {
    pub items: Vec<Ratification>,
    pub next_cursor: Option<String>,
}

/// List decisions
///
/// The current decision of each member that has responded, by member code; with `history=true`
/// every version, oldest first within each member. Public.
#[utoipa::path(
    tag = "ballots",
    params(("id" = String, Path, description = "Ballot id"), RatificationQuery),
    responses(
        (status = 200, description = "One page of decisions", body = RatificationPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/ballots/{id}/ratifications")]
pub async fn list_decisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<RatificationQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor::<(String, i32)>(query.cursor.as_deref())?;
    let history = query.history.unwrap_or(false);
    let id = id.into_inner();
    let rows = state
        .db
        .read(move |conn| {
            find_ballot(conn, &id)?;
            Ok(RatificationRow::list(
                conn,
                &id,
                history,
                after.clone(),
                limit + 1,
            )?)
        })
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(pagination::encode_cursor(&(
            &last.member_code,
            last.version,
        ))),
        _ => None,
    };
    let page = Page {
        items: rows.into_iter().map(Ratification::from).collect::<Vec<_>>(),
        next_cursor,
    };
    Ok(page_response(&req, &state.public_base, &page, "cursor"))
}
