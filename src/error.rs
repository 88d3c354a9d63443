//! One error type for the whole API, rendered as an RFC 9457 problem body with a stable `code`.
//!
//! Handlers return `ApiError`; causes that the caller must not see (SQL, I/O) are logged here and
//! replaced by a generic problem. The table of codes is `ApiError::code`, documented in
//! `docs/API-DESIGN.md` and served at `/problems/{code}`.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub use crate::domain::validate::FieldError;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type; it resolves to a description of the code.
    #[schema(example = "/problems/validation_failed")]
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the problem type.
    #[schema(example = "The request body is not valid")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong with this request, in one or two sentences.
    pub detail: String,
    /// A stable snake_case identifier of the problem type, for programs.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Every offending field, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// OAuth 2.0 error code (RFC 6749 §5.2), on token-endpoint problems only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// OAuth 2.0 error description (RFC 6749 §5.2), on token-endpoint problems only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Further members specific to the problem (for example `current_stage` and `allowed`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("no route matches {0}")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { method: String, allow: Vec<String> },
    #[error("{0}")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidPath(String),
    /// A request the HTTP layer refused before any handler saw it (a bad header, a CORS
    /// preflight for a method or header that is not allowed).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 401 for a missing or unusable bearer token. `invalid_token` is the RFC 6750 error code
    /// (absent when no credentials were sent at all).
    #[error("{description}")]
    Unauthorized {
        description: String,
        invalid_token: bool,
    },
    #[error("{0}")]
    Forbidden(String),
    /// 409 with its own stable code (for example `stage_conflict`) and extra members.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        extensions: Map<String, Value>,
    },
    #[error("the resource changed since it was read")]
    PreconditionFailed(String),
    #[error("If-Match is required")]
    PreconditionRequired,
    /// Token-endpoint errors (RFC 6749 §5.2).
    #[error("{description}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
        basic_challenge: bool,
    },
    #[error("{detail}")]
    Unavailable { detail: String, retry_after: u32 },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Every problem code: status, code, title. The single table the docs and `/problems/{code}` use.
pub const PROBLEM_CODES: &[(u16, &str, &str)] = &[
    (
        400,
        "malformed_json",
        "The request body is not well-formed JSON",
    ),
    (400, "invalid_query", "A query parameter is not valid"),
    (400, "invalid_path", "A path parameter is not valid"),
    (
        400,
        "bad_request",
        "The request is not valid HTTP for this service",
    ),
    (400, "invalid_request", "The token request is not valid"),
    (
        400,
        "unsupported_grant_type",
        "The grant type is not supported",
    ),
    (400, "invalid_scope", "The requested scope is not allowed"),
    (401, "unauthorized", "Authentication is required"),
    (401, "invalid_token", "The access token is not valid"),
    (401, "invalid_client", "Client authentication failed"),
    (403, "forbidden", "The caller may not do this"),
    (404, "not_found", "The resource does not exist"),
    (404, "route_not_found", "No such endpoint"),
    (
        405,
        "method_not_allowed",
        "The method is not allowed on this endpoint",
    ),
    (406, "not_acceptable", "No acceptable representation"),
    (
        409,
        "conflict",
        "The request conflicts with the current state",
    ),
    (
        409,
        "already_exists",
        "A resource with this identifier already exists",
    ),
    (
        409,
        "stage_conflict",
        "The standard's stage does not allow this",
    ),
    (409, "period_closed", "No comment period is open"),
    (409, "ballot_closed", "The ballot is closed"),
    (409, "revision_mismatch", "The revision does not match"),
    (
        412,
        "precondition_failed",
        "The resource changed since it was read",
    ),
    (413, "payload_too_large", "The request body is too large"),
    (
        415,
        "unsupported_media_type",
        "The request body has the wrong content type",
    ),
    (422, "validation_failed", "The request is not valid"),
    (
        428,
        "precondition_required",
        "This request must be conditional",
    ),
    (500, "internal_error", "Internal error"),
    (503, "unavailable", "The service is temporarily unavailable"),
];

/// Members of a problem body that extensions may not use.
const RESERVED_MEMBERS: &[&str] = &[
    "type",
    "title",
    "status",
    "detail",
    "code",
    "errors",
    "error",
    "error_description",
];

pub fn problem_title(code: &str) -> &'static str {
    PROBLEM_CODES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map(|(_, _, t)| *t)
        .unwrap_or("Error")
}

impl ApiError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            extensions: Map::new(),
        }
    }

    pub fn conflict_with(code: &'static str, detail: impl Into<String>, extensions: Value) -> Self {
        let extensions = match extensions {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Self::Conflict {
            code,
            detail: detail.into(),
            extensions,
        }
    }

    pub fn invalid(field: impl Into<String>, reason: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, reason, message)])
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::RouteNotFound(_) => "route_not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::MalformedJson(_) => "malformed_json",
            Self::InvalidQuery(_) => "invalid_query",
            Self::InvalidPath(_) => "invalid_path",
            Self::BadRequest(_) => "bad_request",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::NotAcceptable(_) => "not_acceptable",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Validation(_) => "validation_failed",
            Self::Unauthorized {
                invalid_token: true,
                ..
            } => "invalid_token",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict { code, .. } => code,
            Self::PreconditionFailed(_) => "precondition_failed",
            Self::PreconditionRequired => "precondition_required",
            Self::OAuth { error, .. } => error,
            Self::Unavailable { .. } => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::MethodNotAllowed { method, allow } => {
                format!(
                    "{method} is not allowed here; allowed: {}",
                    allow.join(", ")
                )
            }
            Self::Validation(errors) => match errors.len() {
                1 => format!("1 field is not valid: {}", errors[0].field),
                n => format!(
                    "{n} fields are not valid: {}",
                    errors
                        .iter()
                        .map(|e| e.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Self::PreconditionFailed(what) => format!(
                "{what} changed since the ETag given in If-Match was read; fetch it again and retry"
            ),
            Self::PreconditionRequired => {
                "this request must carry If-Match with the resource's current ETag".into()
            }
            // Never reveal internals to the caller: the cause is logged instead.
            Self::Internal(_) => "an internal error occurred; it has been logged".into(),
            other => other.to_string(),
        }
    }

    pub fn to_problem(&self) -> Problem {
        let code = self.code();
        let mut problem = Problem {
            type_: format!("/problems/{code}"),
            title: problem_title(code).to_string(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.to_string(),
            errors: None,
            error: None,
            error_description: None,
            extensions: Map::new(),
        };
        match self {
            Self::Validation(errors) => problem.errors = Some(errors.clone()),
            Self::OAuth {
                error, description, ..
            } => {
                problem.error = Some((*error).to_string());
                problem.error_description = Some(description.clone());
            }
            Self::Conflict { extensions, .. } => {
                // Extension members never replace the standard ones.
                problem.extensions = extensions
                    .iter()
                    .filter(|(k, _)| !RESERVED_MEMBERS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
            }
            Self::MethodNotAllowed { allow, .. } => {
                problem
                    .extensions
                    .insert("allow".into(), Value::from(allow.clone()));
            }
            Self::PayloadTooLarge { limit } => {
                problem
                    .extensions
                    .insert("limit_bytes".into(), Value::from(*limit));
            }
            _ => {}
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound(_) | Self::RouteNotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::MalformedJson(_)
            | Self::InvalidQuery(_)
            | Self::InvalidPath(_)
            | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::OAuth { status, .. } => *status,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(cause = %cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized {
                description,
                invalid_token,
            } => {
                let challenge = if *invalid_token {
                    format!(
                        "Bearer realm=\"accord\", error=\"invalid_token\", error_description=\"{}\"",
                        description.replace('"', "'")
                    )
                } else {
                    "Bearer realm=\"accord\"".to_string()
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            Self::OAuth {
                basic_challenge: true,
                ..
            } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"accord\""));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::Unavailable { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_default();
        response.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::NotFound => Self::NotFound("the resource does not exist".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                "already_exists",
                "a resource with this identifier already exists",
            ),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::Unavailable {
                detail: "the database was busy with a conflicting change; retry".into(),
                retry_after: 1,
            },
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Self::Unavailable {
                detail: "the connection to the database was lost; retry".into(),
                retry_after: 1,
            },
            Error::DatabaseError(_, info) if is_busy(info.message()) => Self::Unavailable {
                detail: "the database is busy; retry".into(),
                retry_after: 1,
            },
            _ => Self::Internal(format!("database: {e}")),
        }
    }
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        Self::Unavailable {
            detail: "no database connection became free in time; retry shortly".into(),
            retry_after: 1,
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(format!("blocking task failed: {e}"))
    }
}

/// A query string that does not fit an endpoint's parameters, whether the `web::Query` extractor
/// or a handler parsing it itself found it.
impl From<actix_web::error::QueryPayloadError> for ApiError {
    fn from(e: actix_web::error::QueryPayloadError) -> Self {
        Self::InvalidQuery(e.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_entry_in_the_table() {
        let mut codes: Vec<_> = PROBLEM_CODES.iter().map(|(_, c, _)| *c).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len(), "duplicate code in PROBLEM_CODES");
    }

    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../docs/API-DESIGN.md");
        for (status, code, title) in PROBLEM_CODES {
            assert!(
                doc.contains(&format!("| {status} | `{code}` | {title} |")),
                "{code} missing from docs/API-DESIGN.md"
            );
        }
    }

    #[test]
    fn extensions_cannot_replace_standard_members() {
        let p = ApiError::conflict_with(
            "conflict",
            "x",
            serde_json::json!({"status": "withdrawn", "current_stage": "drafting"}),
        )
        .to_problem();
        let body = serde_json::to_value(&p).unwrap();
        assert_eq!(body["status"], 409);
        assert_eq!(body["current_stage"], "drafting");
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let problem = ApiError::Internal("SELECT secret FROM x".into()).to_problem();
        assert!(!problem.detail.contains("SELECT"));
        assert_eq!(problem.code, "internal_error");
    }

    #[test]
    fn status_in_the_table_matches_the_error() {
        let cases = [
            ApiError::not_found("x"),
            ApiError::Validation(vec![]),
            ApiError::PreconditionRequired,
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::conflict("stage_conflict", "x"),
        ];
        for e in cases {
            let (status, _, _) = PROBLEM_CODES
                .iter()
                .find(|(_, c, _)| *c == e.code())
                .expect("code listed");
            assert_eq!(*status, e.status_code().as_u16(), "{}", e.code());
        }
    }
}
