use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{CommentPeriod, CommentPeriodPage};
use crate::db::models::comment_period::PeriodRow;
use crate::domain::time::Timestamp;
use crate::error::ApiResult;
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::routes::standards::find_standard;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List comment periods
///
/// The comment periods of a standard, oldest first, each with its status at this moment. Public.
#[utoipa::path(
    tag = "comment periods",
    params(("reference" = String, Path, description = "Standard reference"), PeriodQuery),
    responses(
        (status = 200, description = "One page of periods", body = CommentPeriodPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/comment-periods")]
pub async fn list_comment_periods(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor::<(Timestamp, String)>(query.cursor.as_deref())?
        .map(|(t, id)| (t.naive(), id));
    let reference = reference.into_inner();
    let rows = state
        .db
        .read(move |conn| {
            find_standard(conn, &reference)?;
            Ok(PeriodRow::list(conn, &reference, after.clone(), limit + 1)?)
        })
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(pagination::encode_cursor(&(
            Timestamp::from_naive(last.opens_at),
            &last.id,
        ))),
        _ => None,
    };
    let now = state.now();
    let page = Page {
        items: rows
            .into_iter()
            .map(|r| CommentPeriod::at(r, now))
            .collect::<Vec<_>>(),
        next_cursor,
    };
    Ok(page_response(&req, &state.public_base, &page, "cursor"))
}
