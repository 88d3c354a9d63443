use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Standard, StandardPage};
use crate::db::models::standard::{StandardFilter, StandardRow};
use crate::domain::stage::Stage;
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StandardQuery {
    pub stage: Option<Stage>,
    /// Only standards tagged with this topic.
    pub topic: Option<String>,
    /// Only standards of this committee (exact name).
    pub committee: Option<String>,
    /// Only standards changed at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<String>,
    /// Case-insensitive text to find in the reference, title or scope (1 to 200 characters).
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List standards
///
/// Standards in the order they were created (a new standard never moves an older one, so paging
/// loses and repeats nothing), filtered by stage, topic, committee, change time and text. Public.
#[utoipa::path(
    tag = "standards",
    params(StandardQuery),
    responses(
        (status = 200, description = "One page of standards", body = StandardPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards")]
pub async fn list_standards(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StandardQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let updated_since = match &query.updated_since {
        Some(s) => Some(
            Timestamp::parse(s)
                .map_err(|e| ApiError::InvalidQuery(format!("updated_since: {e}")))?
                .naive(),
        ),
        None => None,
    };
    let q = match query.q {
        Some(q) if q.trim().is_empty() || q.chars().count() > 200 => {
            return Err(ApiError::InvalidQuery(
                "q must have 1 to 200 characters".into(),
            ));
        }
        Some(q) => Some(q.trim().to_lowercase()),
        None => None,
    };
    let after = pagination::decode_cursor::<(Timestamp, String)>(query.cursor.as_deref())?
        .map(|(t, r)| (t.naive(), r));
    let filter = StandardFilter {
        stage: query.stage.map(|s| s.as_str().to_string()),
        topic: query.topic,
        committee: query.committee,
        updated_since,
        q,
        after,
    };
    let rows = state
        .db
        .read(move |conn| Ok(StandardRow::list(conn, &filter, limit + 1)?))
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(pagination::encode_cursor(&(
            Timestamp::from_naive(last.created_at),
            &last.reference,
        ))),
        _ => None,
    };
    let page = Page {
        items: rows.into_iter().map(Standard::from).collect::<Vec<_>>(),
        next_cursor,
    };
    Ok(page_response(&req, &state.public_base, &page, "cursor"))
}
