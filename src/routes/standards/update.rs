use actix_web::{HttpRequest, HttpResponse, http::StatusCode, patch, web};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::create::check_supersedes;
use super::{Standard, find_standard};
use crate::auth::{Auth, Editor};
use crate::db::models::event::Event;
use crate::db::models::standard::{
    StandardChanges, StandardRow, search_text, topics_from_text, topics_to_text,
};
use crate::domain::standard::{MAX_COMMITTEE, MAX_SCOPE, MAX_TITLE, check_topics};
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::{etag_of_json, if_match_accepts, json_with_etag, required_if_match};
use crate::state::AppState;

/// `Some(None)` for an explicit null, `None` for an absent field.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Metadata changes; absent fields stay as they are. The reference never changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStandard {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub scope: Option<String>,
    /// Replaces the whole list.
    pub topics: Option<Vec<String>>,
    #[schema(min_length = 1, max_length = 100)]
    pub committee: Option<String>,
    /// A reference, or null to supersede nothing. Only while drafting.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub supersedes: Option<Option<String>>,
}

impl UpdateStandard {
    fn validate(self) -> Result<UpdateStandard, ApiError> {
        let mut e = Errors::new();
        if let Some(t) = &self.title {
            e.text("title", t, 1, MAX_TITLE);
        }
        if let Some(s) = &self.scope {
            e.text("scope", s, 1, MAX_SCOPE);
        }
        if let Some(c) = &self.committee {
            e.text("committee", c, 1, MAX_COMMITTEE);
        }
        let topics = self.topics.map(|t| check_topics(&mut e, "topics", &t));
        e.into_result().map_err(ApiError::Validation)?;
        Ok(UpdateStandard {
            title: self.title.map(|t| t.trim().to_string()),
            scope: self.scope.map(|s| s.trim().to_string()),
            committee: self.committee.map(|c| c.trim().to_string()),
            topics,
            supersedes: self.supersedes,
        })
    }
}

/// Keeps the fields that differ from `row`, described as `{field: {from, to}}`.
fn effective(row: &StandardRow, u: UpdateStandard) -> (StandardChanges, Map<String, Value>) {
    let mut c = StandardChanges::default();
    let mut diff = Map::new();
    if let Some(t) = u.title.filter(|t| *t != row.title) {
        diff.insert("title".into(), json!({"from": row.title, "to": t}));
        c.title = Some(t);
    }
    if let Some(s) = u.scope.filter(|s| *s != row.scope) {
        diff.insert("scope".into(), json!({"from": row.scope, "to": s}));
        c.scope = Some(s);
    }
    if let Some(cm) = u.committee.filter(|cm| *cm != row.committee) {
        diff.insert("committee".into(), json!({"from": row.committee, "to": cm}));
        c.committee = Some(cm);
    }
    let current_topics = topics_from_text(&row.topics);
    if let Some(t) = u.topics.filter(|t| *t != current_topics) {
        diff.insert("topics".into(), json!({"from": current_topics, "to": t}));
        c.topics = Some(topics_to_text(&t));
    }
    if let Some(s) = u.supersedes.filter(|s| *s != row.supersedes) {
        diff.insert(
            "supersedes".into(),
            json!({"from": row.supersedes, "to": s}),
        );
        c.supersedes = Some(s);
    }
    if c.title.is_some() || c.scope.is_some() {
        c.search_text = Some(search_text(
            &row.reference,
            c.title.as_deref().unwrap_or(&row.title),
            c.scope.as_deref().unwrap_or(&row.scope),
        ));
    }
    (c, diff)
}

/// Update a standard's metadata
///
/// Changes title, scope, topics, committee or `supersedes` (editors and the secretariat).
/// Requires `If-Match` with the current ETag. Appends `standard.updated` with each change.
#[utoipa::path(
    tag = "standards",
    params(
        ("reference" = String, Path, description = "Standard reference"),
        ("If-Match" = String, Header, description = "The standard's current ETag"),
    ),
    request_body(content = UpdateStandard, content_type = "application/json"),
    responses(
        (status = 200, description = "The standard, updated", body = Standard, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["editor", "secretariat"]))
)]
#[patch("/v1/standards/{reference}")]
pub async fn update_standard(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Editor>,
    reference: web::Path<String>,
    ApiJson(body): ApiJson<UpdateStandard>,
) -> ApiResult<HttpResponse> {
    let if_match = required_if_match(&req)?;
    let update = body.validate()?;
    let reference = reference.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let standard = state
        .db
        .write(move |conn| {
            let row = find_standard(conn, &reference)?;
            if_match_accepts(
                &if_match,
                &etag_of_json(&Standard::from(row.clone()))?,
                &format!("standard {reference}"),
            )?;
            let (changes, diff) = effective(&row, update);
            if diff.is_empty() {
                return Ok(Standard::from(row));
            }
            if let Some(target) = &changes.supersedes {
                if row.stage != "drafting" {
                    return Err(ApiError::conflict_with(
                        "stage_conflict",
                        format!(
                            "supersedes can change only while drafting; {reference} is in stage {}",
                            row.stage
                        ),
                        json!({"current_stage": row.stage}),
                    ));
                }
                if let Some(target) = target {
                    if *target == reference {
                        return Err(ApiError::invalid(
                            "supersedes",
                            "not_allowed",
                            "a standard cannot supersede itself",
                        ));
                    }
                    check_supersedes(conn, target)?;
                }
            }
            if !StandardRow::update(conn, &reference, row.version, &changes, now.naive())? {
                return Err(ApiError::PreconditionFailed(format!(
                    "standard {reference}"
                )));
            }
            Event::append(
                conn,
                &actor,
                now,
                "standard.updated",
                &format!("standard:{reference}"),
                json!({ "changes": diff }),
            )?;
            Ok(Standard::from(find_standard(conn, &reference)?))
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &standard))
}
