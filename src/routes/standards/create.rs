use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::Standard;
use crate::auth::{Auth, Editor};
use crate::db::DbConn;
use crate::db::models::event::Event;
use crate::db::models::standard::{StandardRow, search_text, topics_to_text};
use crate::domain::event::Actor;
use crate::domain::stage::Stage;
use crate::domain::standard::{MAX_COMMITTEE, MAX_SCOPE, MAX_TITLE, check_topics, valid_reference};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// A new standard. It starts in stage `drafting`, without revisions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStandard {
    /// Unique and immutable: a capital letter, then 1 to 31 capitals, digits or hyphens.
    #[schema(value_type = String, required = true, example = "AIS-0001", pattern = "^[A-Z][A-Z0-9-]{1,31}$")]
    pub reference: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, example = "AI incident reporting")]
    pub title: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 5000)]
    pub scope: Option<String>,
    /// Up to 20 tags, each 1 to 40 lower-case letters, digits or hyphens.
    #[schema(example = json!(["incident-reporting", "safety"]))]
    pub topics: Option<Vec<String>>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100, example = "TC 1 — Safety and incidents")]
    pub committee: Option<String>,
    /// The reference of a standard this one will replace once ratified.
    pub supersedes: Option<String>,
}

pub struct NewStandard {
    pub reference: String,
    pub title: String,
    pub scope: String,
    pub topics: Vec<String>,
    pub committee: String,
    pub supersedes: Option<String>,
}

impl CreateStandard {
    pub fn validate(self) -> Result<NewStandard, ApiError> {
        let mut e = Errors::new();
        let reference = e.required("reference", self.reference);
        let title = e.required("title", self.title);
        let scope = e.required("scope", self.scope);
        let committee = e.required("committee", self.committee);
        if let Some(r) = &reference {
            if !valid_reference(r) {
                e.add("reference", "invalid_format", format!(
                    "a reference is a capital letter then 1 to 31 capitals, digits or hyphens (such as AIS-0001); `{}` is not",
                    r.chars().take(40).collect::<String>()
                ));
            }
        }
        if let Some(t) = &title {
            e.text("title", t, 1, MAX_TITLE);
        }
        if let Some(s) = &scope {
            e.text("scope", s, 1, MAX_SCOPE);
        }
        if let Some(c) = &committee {
            e.text("committee", c, 1, MAX_COMMITTEE);
        }
        let topics = check_topics(&mut e, "topics", &self.topics.unwrap_or_default());
        if let (Some(s), Some(r)) = (&self.supersedes, &reference) {
            if s == r {
                e.add(
                    "supersedes",
                    "not_allowed",
                    "a standard cannot supersede itself",
                );
            }
        }
        e.into_result().map_err(ApiError::Validation)?;
        match (reference, title, scope, committee) {
            (Some(reference), Some(title), Some(scope), Some(committee)) => Ok(NewStandard {
                reference,
                title: title.trim().to_string(),
                scope: scope.trim().to_string(),
                topics,
                committee: committee.trim().to_string(),
                supersedes: self.supersedes,
            }),
            _ => Err(ApiError::internal("validated standard is incomplete")),
        }
    }
}

/// Checks that `supersedes` names a standard that can still be superseded.
pub fn check_supersedes(conn: &mut DbConn, target: &str) -> ApiResult<()> {
    match StandardRow::find(conn, target) {
        Ok(s) if s.stage == "withdrawn" || s.stage == "superseded" => Err(ApiError::invalid(
            "supersedes",
            "not_allowed",
            format!("{target} is {} and cannot be superseded", s.stage),
        )),
        Ok(_) => Ok(()),
        Err(diesel::result::Error::NotFound) => Err(ApiError::invalid(
            "supersedes",
            "not_found",
            format!("no standard has the reference {target}"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Stores a new standard in `drafting` and its `standard.created` event.
pub fn insert_standard(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    new: NewStandard,
) -> ApiResult<Standard> {
    if StandardRow::find(conn, &new.reference).is_ok() {
        return Err(ApiError::conflict(
            "already_exists",
            format!("a standard {} already exists", new.reference),
        ));
    }
    if let Some(target) = &new.supersedes {
        check_supersedes(conn, target)?;
    }
    let row = StandardRow {
        search_text: search_text(&new.reference, &new.title, &new.scope),
        reference: new.reference,
        title: new.title,
        scope: new.scope,
        topics: topics_to_text(&new.topics),
        committee: new.committee,
        stage: Stage::Drafting.as_str().into(),
        supersedes: new.supersedes,
        superseded_by: None,
        latest_revision: 0,
        latest_hash: None,
        ratified_revision: None,
        ratified_hash: None,
        withdrawn_reason: None,
        version: 1,
        created_at: now.naive(),
        updated_at: now.naive(),
    };
    StandardRow::insert(conn, &row)?;
    let standard = Standard::from(row);
    Event::append(
        conn,
        actor,
        now,
        "standard.created",
        &format!("standard:{}", standard.reference),
        json!({
            "reference": standard.reference, "title": standard.title, "scope": standard.scope,
            "topics": standard.topics, "committee": standard.committee, "supersedes": standard.supersedes,
        }),
    )?;
    Ok(standard)
}

/// Create a standard
///
/// Creates a standard in stage `drafting` (editors and the secretariat). Appends
/// `standard.created`.
#[utoipa::path(
    tag = "standards",
    request_body(content = CreateStandard, content_type = "application/json"),
    responses(
        (status = 201, description = "The standard", body = Standard, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["editor", "secretariat"]))
)]
#[post("/v1/standards")]
pub async fn create_standard(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Editor>,
    ApiJson(body): ApiJson<CreateStandard>,
) -> ApiResult<HttpResponse> {
    let new = body.validate()?;
    let now = state.now();
    let actor = auth.actor();
    let reference = new.reference.clone();
    let standard = state
        .db
        .write(move |conn| insert_standard(conn, &actor, now, new))
        .await?;
    let mut response = json_with_etag(&req, StatusCode::CREATED, &standard);
    if let Ok(location) =
        header::HeaderValue::from_str(&format!("{}/v1/standards/{reference}", state.public_base))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
