use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Comment, ViewContext};
use crate::auth::{Auth, Caller, Commenter};
use crate::db::models::comment::CommentRow;
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::Event;
use crate::db::models::member::MemberRow;
use crate::db::schema::clauses;
use crate::db::{DbConn, memo};
use crate::domain::comment::{CommentType, MAX_BODY, MAX_PARAGRAPH, MAX_PROPOSED_CHANGE};
use crate::domain::event::Actor;
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::routes::standards::find_standard;
use crate::state::AppState;

/// A comment on the revision under comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    /// The revision under comment (the open period's revision).
    #[schema(value_type = i32, required = true, minimum = 1)]
    pub revision: Option<i32>,
    /// The clause commented on, which must exist in that revision; absent for a general comment.
    #[schema(example = "4.2")]
    pub clause: Option<String>,
    /// Paragraph, figure, table or note within the clause, up to 100 characters.
    #[schema(example = "Table 2", max_length = 100)]
    pub paragraph: Option<String>,
    #[serde(rename = "type")]
    #[schema(value_type = CommentType, required = true)]
    pub comment_type: Option<String>,
    /// The comment, 1 to 20,000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000)]
    pub body: Option<String>,
    /// The change proposed, up to 20,000 characters.
    #[schema(max_length = 20000)]
    pub proposed_change: Option<String>,
    /// A comment of the same standard that this one replies to.
    pub parent: Option<String>,
    /// Optional: when given it must be the member of the token (comments are always made in the
    /// caller's own member's name).
    pub member: Option<String>,
}

pub struct NewComment {
    pub revision: i32,
    pub clause: Option<String>,
    pub paragraph: Option<String>,
    pub comment_type: CommentType,
    pub body: String,
    pub proposed_change: Option<String>,
    pub parent: Option<String>,
}

impl CreateComment {
    pub fn validate(self) -> Result<NewComment, ApiError> {
        let mut e = Errors::new();
        let revision = e.required("revision", self.revision);
        if revision.is_some_and(|r| r < 1) {
            e.add("revision", "out_of_range", "revision numbers start at 1");
        }
        let comment_type = e
            .required("type", self.comment_type)
            .and_then(|t| e.one_of("type", &t, CommentType::parse, CommentType::ALL));
        let body = e.required("body", self.body);
        if let Some(b) = &body {
            e.text("body", b, 1, MAX_BODY);
        }
        if let Some(p) = &self.proposed_change {
            e.text("proposed_change", p, 0, MAX_PROPOSED_CHANGE);
        }
        if let Some(p) = &self.paragraph {
            e.text("paragraph", p, 1, MAX_PARAGRAPH);
        }
        if let Some(c) = &self.clause {
            if !crate::domain::standard::valid_clause_id(c) {
                e.add("clause", "invalid_format", "not a clause id");
            }
        }
        e.into_result().map_err(ApiError::Validation)?;
        match (revision, comment_type, body) {
            (Some(revision), Some(comment_type), Some(body)) => Ok(NewComment {
                revision,
                clause: self.clause,
                paragraph: self.paragraph.map(|p| p.trim().to_string()),
                comment_type,
                body,
                proposed_change: self.proposed_change.filter(|p| !p.trim().is_empty()),
                parent: self.parent,
            }),
            _ => Err(ApiError::internal("validated comment is incomplete")),
        }
    }
}

/// The member a caller comments for: its own, active.
pub fn acting_member(
    conn: &mut DbConn,
    caller: &Caller,
    claimed: Option<&str>,
) -> ApiResult<String> {
    let own = caller.own_member()?.to_string();
    if let Some(claimed) = claimed {
        caller.require_member(claimed)?;
    }
    let whole = !conn.is_sqlite();
    let member = memo::remember_group(
        |m| &mut m.members,
        memo::MEMBERS,
        &own,
        whole,
        |only| MemberRow::among(conn, only),
    )?
    .ok_or(diesel::result::Error::NotFound)?;
    if member.status != "active" {
        return Err(ApiError::Forbidden(format!(
            "member {own} is {} and cannot comment or vote",
            member.status
        )));
    }
    Ok(own)
}

/// The clauses of revision `revision` of `reference` (or `only` that one): id → (position, hash).
fn clause_anchors(
    conn: &mut DbConn,
    reference: &str,
    revision: i32,
    only: Option<&str>,
) -> diesel::QueryResult<Vec<(String, (i32, String))>> {
    let of_revision = clauses::reference
        .eq(reference)
        .and(clauses::revision.eq(revision));
    let columns = (
        clauses::clause_id,
        (clauses::position, clauses::clause_hash),
    );
    match only {
        Some(id) => crate::on_backend!(conn, |c| clauses::table
            .filter(of_revision.and(clauses::clause_id.eq(id)))
            .select(columns)
            .load(c)),
        None => crate::on_backend!(conn, |c| clauses::table
            .filter(of_revision)
            .select(columns)
            .load(c)),
    }
}

/// Stores a comment in the open period of `reference`, with its `comment.created` event.
pub fn insert_comment(
    conn: &mut DbConn,
    actor: &Actor,
    member: &str,
    author: &str,
    now: Timestamp,
    reference: &str,
    new: NewComment,
) -> ApiResult<Comment> {
    // Remembered for the rest of the batch when the writer runs this as an additive job (see
    // `db::memo`): a batch of comments on one standard reads these once.
    let standard = memo::remember(
        |m| &mut m.standards,
        reference.to_string(),
        || find_standard(conn, reference),
    )?;
    let period = memo::remember(
        |m| &mut m.open_periods,
        reference.to_string(),
        || PeriodRow::unrecorded(conn, reference),
    )?
    .filter(|p| p.is_open_at(now));
    let Some(period) = period else {
        let last = PeriodRow::latest(conn, reference)?;
        let detail = match &last {
            Some(p) => format!(
                "no comment period of {reference} is open: the last one ran from {} to {}",
                Timestamp::from_naive(p.opens_at),
                Timestamp::from_naive(
                    p.effective_close(now)
                        .map(|(at, _)| at)
                        .unwrap_or(p.closes_at)
                )
            ),
            None => format!("no comment period of {reference} has been opened"),
        };
        return Err(ApiError::conflict_with(
            "period_closed",
            detail,
            json!({
                "comment_period": last.as_ref().map(|p| json!({
                    "id": p.id, "revision": p.revision,
                    "opens_at": Timestamp::from_naive(p.opens_at), "closes_at": Timestamp::from_naive(p.closes_at),
                })),
            }),
        ));
    };
    if new.revision != period.revision {
        return Err(ApiError::conflict_with(
            "revision_mismatch",
            format!(
                "revision {} of {reference} is under comment, not revision {}",
                period.revision, new.revision
            ),
            json!({"under_comment": period.revision}),
        ));
    }
    let (clause_position, clause_hash) = match &new.clause {
        None => (0, None),
        Some(id) => {
            let whole = !conn.is_sqlite();
            let found: Option<(i32, String)> = memo::remember_group(
                |m| &mut m.clauses,
                &memo::clause_group(reference, period.revision),
                id,
                whole,
                |only| clause_anchors(conn, reference, period.revision, only),
            )?;
            let (position, hash) = found.ok_or_else(|| {
                ApiError::invalid(
                    "clause",
                    "not_found",
                    format!(
                        "revision {} of {reference} has no clause {id}",
                        period.revision
                    ),
                )
            })?;
            (position, Some(hash))
        }
    };
    if let Some(parent) = &new.parent {
        match CommentRow::find(conn, parent) {
            Ok(p) if p.reference == reference => {}
            Ok(p) => {
                return Err(ApiError::invalid(
                    "parent",
                    "not_allowed",
                    format!(
                        "comment {parent} is about {}; a reply stays with its standard",
                        p.reference
                    ),
                ));
            }
            Err(diesel::result::Error::NotFound) => {
                return Err(ApiError::invalid(
                    "parent",
                    "not_found",
                    format!("no comment has the id {parent}"),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let event = Event::append(
        conn,
        actor,
        now,
        "comment.created",
        &format!("comment:{id}"),
        json!({
            "id": id, "standard": reference, "revision": new.revision, "clause": new.clause, "paragraph": new.paragraph,
            "type": new.comment_type, "body": new.body, "proposed_change": new.proposed_change, "parent": new.parent,
            "member": member, "author": author,
        }),
    )?;
    let row = CommentRow {
        id,
        created_seq: event.seq,
        reference: reference.to_string(),
        revision: new.revision,
        period_id: period.id,
        clause_id: new.clause,
        clause_position,
        clause_hash,
        paragraph: new.paragraph,
        comment_type: new.comment_type.as_str().to_string(),
        body: new.body,
        proposed_change: new.proposed_change,
        parent_id: new.parent,
        member_code: member.to_string(),
        author_client: author.to_string(),
        status: "open".into(),
        response: None,
        resolved_in: None,
        disposed_at: None,
        disposed_by: None,
        version: 1,
        created_at: now.naive(),
        updated_at: now.naive(),
    };
    let anchor = match (&row.clause_id, &row.clause_hash) {
        (Some(id), Some(hash)) => Some((id.clone(), row.clause_position, hash.clone())),
        _ => None,
    };
    let view = ViewContext::fresh(standard.latest_revision, anchor).view(row.clone());
    CommentRow::insert(conn, row)?;
    Ok(view)
}

/// Submit a comment
///
/// Comments on the revision under comment, in the caller's member's name (commenters and
/// delegates). Only while a comment period is open: otherwise 409 `period_closed` with the
/// period's dates. `revision` must be the one under comment (409 `revision_mismatch`), `clause`
/// must exist in it (422), and `parent` must be a comment on the same standard (422). Appends
/// `comment.created`.
#[utoipa::path(
    tag = "comments",
    params(("reference" = String, Path, description = "Standard reference")),
    request_body(content = CreateComment, content_type = "application/json"),
    responses(
        (status = 201, description = "The comment", body = Comment, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["commenter", "delegate"]))
)]
#[post("/v1/standards/{reference}/comments")]
pub async fn create_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Commenter>,
    reference: web::Path<String>,
    ApiJson(body): ApiJson<CreateComment>,
) -> ApiResult<HttpResponse> {
    let claimed = body.member.clone();
    let new = body.validate()?;
    auth.own_member()?;
    if let Some(claimed) = &claimed {
        auth.require_member(claimed)?;
    }
    let reference = reference.into_inner();
    let now = state.now();
    let caller = auth.caller.clone();
    let comment = state
        .db
        .write_additive(move |conn| {
            let member = acting_member(conn, &caller, claimed.as_deref())?;
            insert_comment(
                conn,
                &caller.actor(),
                &member,
                &caller.client_id,
                now,
                &reference,
                new,
            )
        })
        .await?;
    let location = format!("{}/v1/comments/{}", state.public_base, comment.id);
    let mut response = json_with_etag(&req, StatusCode::CREATED, &comment);
    if let Ok(location) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
