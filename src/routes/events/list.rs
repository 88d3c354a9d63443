use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{EventPage, page_json};
use crate::db::models::event::{Event, EventFilter};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{self, page_builder, split_page};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events with a `seq` greater than this (default 0: from the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Same as `after`, as given in `next_cursor`.
    pub cursor: Option<String>,
    /// Only events of this type, such as `member.created`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// Only events about this subject, such as `member:BRA`.
    pub subject: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The event feed
///
/// Events in chain order after `after`. Public. To follow the feed, pass the last `seq` you hold
/// as `after` (or follow `Link: rel="next"`).
#[utoipa::path(
    tag = "events",
    params(EventQuery),
    responses(
        (status = 200, description = "One page of events", body = EventPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/events")]
pub async fn list_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<EventQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = match (query.after, query.cursor.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::InvalidQuery(
                "give after or cursor, not both".into(),
            ));
        }
        (Some(a), None) if a < 0 => {
            return Err(ApiError::InvalidQuery("after must be 0 or more".into()));
        }
        (Some(a), None) => a,
        (None, Some(c)) => c.parse::<i64>().ok().filter(|a| *a >= 0).ok_or_else(|| {
            ApiError::InvalidQuery(
                "cursor is not one this service issued; use next_cursor as given".into(),
            )
        })?,
        (None, None) => 0,
    };
    let filter = EventFilter {
        after,
        event_type: query.event_type,
        subject: query.subject,
    };
    let rows = state
        .db
        .read(move |conn| Event::list_rows(conn, &filter, limit + 1))
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = if more {
        rows.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    let body = page_json(&rows, next_cursor.as_deref())?;
    Ok(
        page_builder(&req, &state.public_base, next_cursor.as_deref(), "after")
            .content_type(mime::APPLICATION_JSON)
            .body(body),
    )
}
