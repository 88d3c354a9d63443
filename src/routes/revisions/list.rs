use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{RevisionPage, RevisionSummary};
use crate::db::models::revision::RevisionRow;
use crate::error::ApiResult;
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::routes::standards::find_standard;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevisionQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List revisions
///
/// The revisions of a standard, oldest first, without their clauses. Public.
#[utoipa::path(
    tag = "revisions",
    params(("reference" = String, Path, description = "Standard reference"), RevisionQuery),
    responses(
        (status = 200, description = "One page of revisions", body = RevisionPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    query: web::Query<RevisionQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor::<i32>(query.cursor.as_deref())?.unwrap_or(0);
    let reference = reference.into_inner();
    let rows = state
        .db
        .read(move |conn| {
            find_standard(conn, &reference)?;
            Ok(RevisionRow::list(conn, &reference, after, limit + 1)?)
        })
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = if more {
        rows.last().map(|r| pagination::encode_cursor(&r.number))
    } else {
        None
    };
    let page = Page {
        items: rows
            .into_iter()
            .map(RevisionSummary::from)
            .collect::<Vec<_>>(),
        next_cursor,
    };
    Ok(page_response(&req, &state.public_base, &page, "cursor"))
}
