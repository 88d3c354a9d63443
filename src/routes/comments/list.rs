use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use futures_util::stream;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{CommentPage, ViewContext};
use crate::cache::CachedPage;
use crate::db::Db;
use crate::db::models::comment::{CommentFilter, CommentOrder, CommentRow};
use crate::domain::comment::{CommentStatus, CommentType, observations};
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::http::negotiate;
use crate::http::pagination::{self, Page, split_page};
use crate::routes::standards::find_standard;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Newest first (the default).
    Newest,
    /// By the clause's position in its revision (general comments first), then oldest first.
    Clause,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommentQuery {
    /// Only comments on this revision.
    pub revision: Option<i32>,
    /// Only comments on this clause.
    pub clause: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub comment_type: Option<CommentType>,
    /// `open`, a disposition, or `withdrawn`.
    pub status: Option<CommentStatus>,
    /// Only comments made in this member's name.
    pub member: Option<String>,
    /// Only comments made at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    pub order: Option<Order>,
    /// Page size (JSON only; the CSV report holds every match).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Rows per database read while streaming the CSV report.
const CSV_BATCH: i64 = 1_000;

/// The columns of the ISO/IEC commenting template.
pub const CSV_HEADER: [&str; 9] = [
    "Comment ID",
    "MB/NC",
    "Clause/Subclause",
    "Paragraph/Figure/Table/Note",
    "Type of comment",
    "Comments",
    "Proposed change",
    "Observations of the secretariat",
    "Revision",
];

fn csv_record(row: &CommentRow) -> [String; 9] {
    let kind = CommentType::parse(&row.comment_type)
        .map(CommentType::iso_code)
        .unwrap_or("");
    let status = CommentStatus::parse(&row.status).unwrap_or(CommentStatus::Open);
    [
        row.id.clone(),
        row.member_code.clone(),
        row.clause_id.clone().unwrap_or_default(),
        row.paragraph.clone().unwrap_or_default(),
        kind.to_string(),
        row.body.clone(),
        row.proposed_change.clone().unwrap_or_default(),
        observations(status, row.response.as_deref(), row.resolved_in),
        row.revision.to_string(),
    ]
}

fn csv_bytes(header: bool, rows: &[CommentRow]) -> Result<web::Bytes, String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        writer.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
    }
    for row in rows {
        writer
            .write_record(csv_record(row))
            .map_err(|e| e.to_string())?;
    }
    writer
        .into_inner()
        .map(web::Bytes::from)
        .map_err(|e| e.to_string())
}

fn next_key(row: &CommentRow) -> (i32, i64) {
    (row.clause_position, row.created_seq)
}

/// Streams every matching comment as CSV, reading `CSV_BATCH` rows at a time on a blocking
/// thread; at most a few batches are ever in memory, and a slow reader holds no connection.
fn csv_stream(
    db: Db,
    mut filter: CommentFilter,
    first: Vec<CommentRow>,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(4);
    actix_web::rt::task::spawn_blocking(move || {
        let mut batch = first;
        let mut header = true;
        loop {
            let done = (batch.len() as i64) < CSV_BATCH;
            if let Some(last) = batch.last() {
                filter.after = Some(next_key(last));
            }
            let chunk = csv_bytes(header, &batch).map_err(std::io::Error::other);
            header = false;
            if tx.blocking_send(chunk).is_err() || done {
                return;
            }
            let next = db
                .read_pool
                .get()
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    CommentRow::list(&mut conn, &filter, CSV_BATCH).map_err(|e| e.to_string())
                });
            batch = match next {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export stopped");
                    let _ = tx.blocking_send(Err(std::io::Error::other(e)));
                    return;
                }
            };
        }
    });
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// List comments, or export the resolution report
///
/// Comments on a standard, filtered, newest first or in clause order, cursor-paginated. Public.
/// With `Accept: text/csv` the answer is the resolution report in the columns of the ISO/IEC
/// commenting template (RFC 4180 CSV, UTF-8, CRLF line ends, with a header row): every matching
/// comment, streamed (`limit` and `cursor` do not apply). Its columns are Comment ID, MB/NC (the
/// member), Clause/Subclause, Paragraph/Figure/Table/Note, Type of comment (`ge`, `te`, `ed`),
/// Comments, Proposed change, Observations of the secretariat (the disposition and response),
/// and Revision.
#[utoipa::path(
    tag = "comments",
    params(("reference" = String, Path, description = "Standard reference"), CommentQuery),
    responses(
        (status = 200, description = "One page of comments, or the whole CSV report",
            content((CommentPage = "application/json"), (String = "text/csv")),
            headers(("Link" = String), ("Content-Disposition" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 406, response = crate::openapi::NotAcceptable),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/comments")]
pub async fn list_comments(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let media = negotiate::choose(&req, &["application/json", "text/csv"])?;
    let csv = media == "text/csv";
    // SQLite: a page read at the database's current version is sent again as it was, unread.
    // Its key is the whole request target, so a kept page was built from this very query,
    // already found valid: the query is parsed (and the cursor decoded) only on a miss. The
    // version is read only when pages are kept (it takes a lock and a statement).
    let version = (!csv && state.caches.keeps_pages())
        .then(|| state.db.data_version())
        .flatten();
    let target = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |pq| pq.as_str());
    if let Some(hit) = version.and_then(|v| state.caches.page(target, v)) {
        return Ok(pagination::cached_page_response(&hit));
    }
    let query = web::Query::<CommentQuery>::from_query(req.query_string())?.into_inner();
    let limit = if csv {
        CSV_BATCH
    } else {
        pagination::limit(query.limit)?
    };
    let order = match query.order.unwrap_or(Order::Newest) {
        Order::Newest => CommentOrder::NewestFirst,
        Order::Clause => CommentOrder::ClauseOrder,
    };
    let since = match &query.since {
        Some(s) => Some(
            Timestamp::parse(s)
                .map_err(|e| ApiError::InvalidQuery(format!("since: {e}")))?
                .naive(),
        ),
        None => None,
    };
    let after = if csv {
        None
    } else {
        pagination::decode_cursor::<(i32, i64)>(query.cursor.as_deref())?
    };
    let reference = reference.into_inner();
    let filter = CommentFilter {
        reference: reference.clone(),
        revision: query.revision,
        clause: query.clause,
        comment_type: query.comment_type.map(|t| t.as_str().to_string()),
        status: query.status.map(|s| s.as_str().to_string()),
        member: query.member,
        since,
        order,
        after,
    };
    if csv {
        let query_filter = filter.clone();
        let rows = state
            .db
            .read(move |conn| {
                find_standard(conn, &query_filter.reference)?;
                Ok(CommentRow::list(conn, &query_filter, CSV_BATCH)?)
            })
            .await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8; header=present")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{reference}-comments.csv\""),
            ))
            .streaming(csv_stream(state.db.clone(), filter, rows)));
    }
    let caches = state.caches.clone();
    let (rows, more, ctx) = state
        .db
        .read(move |conn| {
            let standard = find_standard(conn, &filter.reference)?;
            let (rows, more) =
                split_page(CommentRow::list_counted(conn, &filter, limit + 1)?, limit);
            let ctx = ViewContext::for_counted_page(
                conn,
                &caches,
                &filter.reference,
                standard.latest_revision,
            )?;
            Ok((rows, more, ctx))
        })
        .await?;
    let next_cursor = match rows.last() {
        Some((last, _)) if more => Some(pagination::encode_cursor(&next_key(last))),
        _ => None,
    };
    let page = Page {
        items: rows
            .into_iter()
            .map(|(row, replies)| ctx.view_counted(row, replies))
            .collect::<Vec<_>>(),
        next_cursor,
    };
    let rendered = CachedPage {
        version: version.unwrap_or_default(),
        body: serde_json::to_vec(&page)
            .map_err(ApiError::internal)?
            .into(),
        link: page
            .next_cursor
            .as_deref()
            .map(|cursor| pagination::next_link(&req, &state.public_base, cursor, "cursor")),
    };
    let response = pagination::cached_page_response(&rendered);
    if version.is_some() {
        state.caches.put_page(target, Arc::new(rendered));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting_and_ends_lines_with_crlf() {
        let row = CommentRow {
            id: "c1".into(),
            created_seq: 1,
            reference: "AIS-0001".into(),
            revision: 1,
            period_id: "p".into(),
            clause_id: Some("4.2".into()),
            clause_position: 3,
            clause_hash: None,
            paragraph: None,
            comment_type: "technical".into(),
            body: "Say \"shall\", not \"should\",\nplease".into(),
            proposed_change: None,
            parent_id: None,
            member_code: "EGY".into(),
            author_client: "cli".into(),
            status: "open".into(),
            response: None,
            resolved_in: None,
            disposed_at: None,
            disposed_by: None,
            version: 1,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        let text = String::from_utf8(csv_bytes(false, &[row]).unwrap().to_vec()).unwrap();
        assert_eq!(
            text,
            "c1,EGY,4.2,,te,\"Say \"\"shall\"\", not \"\"should\"\",\nplease\",,,1\r\n"
        );
    }
}
