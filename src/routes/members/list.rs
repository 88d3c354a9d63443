use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Member, MemberPage};
use crate::db::models::member::{MemberFilter, MemberRow};
use crate::domain::member::{MemberKind, MemberStatus, Region};
use crate::error::ApiResult;
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Only states or only organisations.
    pub kind: Option<MemberKind>,
    /// Only voting members (`true`) or only observers (`false`).
    pub voting: Option<bool>,
    pub status: Option<MemberStatus>,
    pub region: Option<Region>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List members
///
/// Members in code order, optionally filtered; cursor-paginated. Public.
#[utoipa::path(
    tag = "members",
    params(MemberQuery),
    responses(
        (status = 200, description = "One page of members", body = MemberPage,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/members")]
pub async fn list_members(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<MemberQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let filter = MemberFilter {
        kind: query.kind.map(|k| k.as_str().to_string()),
        voting: query.voting,
        status: query.status.map(|s| s.as_str().to_string()),
        region: query.region.map(|r| r.as_str().to_string()),
        after_code: pagination::decode_cursor::<String>(query.cursor.as_deref())?,
    };
    let rows = state
        .db
        .read(move |conn| Ok(MemberRow::list(conn, &filter, limit + 1)?))
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = if more {
        rows.last().map(|r| pagination::encode_cursor(&r.code))
    } else {
        None
    };
    let page = Page {
        items: rows.into_iter().map(Member::from).collect::<Vec<_>>(),
        next_cursor,
    };
    Ok(page_response(&req, &state.public_base, &page, "cursor"))
}
