//! The OpenAPI 3.1 document: generated from the handlers' `#[utoipa::path]` attributes as they
//! are registered (utoipa-actix-web), plus the parts that belong to the whole API (security
//! schemes, tags, reusable problem responses). `accord openapi` prints it; the server serves it.

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};
use utoipa_actix_web::AppExt;

use crate::error::Problem;

/// The request is malformed: JSON that does not parse (with line and column), or a bad query or
/// path parameter.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json",
    example = json!({"type": "/problems/malformed_json", "title": "The request body is not well-formed JSON", "status": 400,
        "detail": "the body is not valid JSON: EOF while parsing an object (line 1, column 12)", "code": "malformed_json"}))]
pub struct BadRequest(pub Problem);

/// No valid bearer token: missing, malformed, expired, not yet valid, wrongly signed, for another
/// issuer or audience, or of a revoked client. `WWW-Authenticate` says which (RFC 6750).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("WWW-Authenticate" = String)),
    example = json!({"type": "/problems/invalid_token", "title": "The access token is not valid", "status": 401,
        "detail": "the token has expired", "code": "invalid_token"}))]
pub struct Unauthorized(pub Problem);

/// The caller lacks the role, or tries to act for another member.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json",
    example = json!({"type": "/problems/forbidden", "title": "The caller may not do this", "status": 403,
        "detail": "this action needs the role secretariat; this client has reader", "code": "forbidden"}))]
pub struct Forbidden(pub Problem);

/// The resource does not exist.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// The request conflicts with the current state (already exists, wrong stage, closed window);
/// `code` says which, and extra members give the state.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub Problem);

/// `If-Match` does not match the current ETag: someone changed the resource since it was read.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(pub Problem);

/// `If-Match` is required on this request.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionRequired(pub Problem);

/// The body is larger than the configured limit (`ACCORD_MAX_BODY_BYTES`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem);

/// The body is not of the media type this endpoint takes.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem);

/// None of the media types in `Accept` can be produced.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotAcceptable(pub Problem);

/// The request is well-formed but not valid; `errors` lists every offending field.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json",
    example = json!({"type": "/problems/validation_failed", "title": "The request is not valid", "status": 422,
        "detail": "2 fields are not valid: code, region", "code": "validation_failed",
        "errors": [
            {"field": "code", "reason": "invalid_format", "message": "`XYZ` is not an ISO 3166-1 alpha-3 country code"},
            {"field": "region", "reason": "required", "message": "region is required"}]}))]
pub struct ValidationFailed(pub Problem);

/// The database is busy or unreachable; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u32)))]
pub struct Unavailable(pub Problem);

/// A token-endpoint error: a problem body that also carries RFC 6749 §5.2 `error` and
/// `error_description` (`invalid_request`, `invalid_client`, `unsupported_grant_type`,
/// `invalid_scope`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json",
    example = json!({"type": "/problems/invalid_client", "title": "Client authentication failed", "status": 401,
        "detail": "client authentication failed", "code": "invalid_client",
        "error": "invalid_client", "error_description": "client authentication failed"}))]
pub struct OAuthError(pub Problem);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord",
        description = include_str!("../docs/api-description.md"),
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&SecuritySchemes),
    components(
        schemas(Problem),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PreconditionRequired, PayloadTooLarge, UnsupportedMediaType, NotAcceptable,
            ValidationFailed, Unavailable, OAuthError)
    ),
    tags(
        (name = "auth", description = "Access tokens (OAuth 2.0 client credentials)"),
        (name = "clients", description = "API credentials, issued by the secretariat"),
        (name = "members", description = "States and organisations that are party to the body"),
        (name = "standards", description = "Standards and ethics frameworks, and their stages"),
        (name = "revisions", description = "Numbered, immutable drafts of a standard, and their differences"),
        (name = "comment periods", description = "Windows in which comments on a revision are accepted"),
        (name = "comments", description = "Comments on drafts, their dispositions, and the resolution report"),
        (name = "ballots", description = "Ratification ballots, decisions, tallies and signed receipts"),
        (name = "events", description = "The hash-chained log of every change"),
        (name = "system", description = "Health, keys and problem types"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        bearer.description = Some(
            "An access token from POST /v1/auth/token. The names in a requirement are the roles \
             that may call the operation (any one of them)."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description = Some("client_id and client_secret, for the token endpoint only".into());
        components.add_security_scheme("basic", SecurityScheme::Http(basic));
    }
}

/// The whole document, as served at `/openapi.json` and printed by `accord openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, paths) = App::new()
        .into_utoipa_app()
        .configure(|cfg| crate::routes::configure(cfg))
        .split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.merge(paths);
    doc
}

/// The document as pretty JSON with a final newline, exactly as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| panic!("OpenAPI serialisation: {e}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every enum of text in the document, wherever it sits (component, parameter, inline).
    fn text_enums(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(items)) = map.get("enum") {
                    found.extend(items.iter().filter_map(|v| v.as_str().map(str::to_owned)));
                }
                map.values().for_each(|v| text_enums(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| text_enums(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_documented_enum_value_is_the_text_the_api_accepts() {
        let doc: Value = serde_json::from_str(&super::document_json()).unwrap();
        let mut found = Vec::new();
        text_enums(&doc, &mut found);
        for needed in [
            "secretariat",
            "public_comment",
            "accepted_modified",
            "asia_pacific",
        ] {
            assert!(
                found.iter().any(|v| v == needed),
                "{needed} is not documented"
            );
        }
        let wrong: Vec<_> = found
            .iter()
            .filter(|v| v.chars().any(|c| c.is_ascii_uppercase()))
            .collect();
        assert!(
            wrong.is_empty(),
            "enum values the API would refuse: {wrong:?}"
        );
    }
}
