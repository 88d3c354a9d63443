//! ETags and conditional requests.
//!
//! The ETag of a representation is a digest of the bytes sent, so it changes exactly when the
//! representation does; revisions use their content hash instead. `If-None-Match` gives 304 on
//! reads; `If-Match` is required on `PATCH` (428 without it, 412 when stale).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header};
use serde::Serialize;

use crate::domain::canonical::sha256_hex;
use crate::error::{ApiError, ApiResult};

/// A strong ETag for these bytes: the first 128 bits of their SHA-256, quoted.
pub fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", &sha256_hex(bytes)[..32])
}

/// The entity tags listed in a header, as sent (`*` and `W/` prefixes included).
fn tags(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn header_tags(req: &HttpRequest, name: header::HeaderName) -> Option<Vec<String>> {
    req.headers()
        .get(name)
        .map(|v| tags(v.to_str().unwrap_or("")))
}

/// Whether `If-None-Match` names `etag` (or `*`), by the weak comparison RFC 9110 §13.1.2
/// prescribes for it: `W/"x"` matches `"x"`.
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    header_tags(req, header::IF_NONE_MATCH).is_some_and(|t| {
        t.iter()
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
    })
}

/// The `If-Match` of a PATCH: 428 when absent.
pub fn required_if_match(req: &HttpRequest) -> ApiResult<Vec<String>> {
    match header_tags(req, header::IF_MATCH) {
        Some(tags) if !tags.is_empty() => Ok(tags),
        _ => Err(ApiError::PreconditionRequired),
    }
}

/// Whether the tags of an `If-Match` accept the current ETag, by the strong comparison RFC 9110
/// §13.1.1 prescribes: a weak tag (`W/"x"`) never matches, since it cannot vouch for the bytes.
pub fn if_match_accepts(tags: &[String], current: &str, what: &str) -> ApiResult<()> {
    if tags.iter().any(|t| t == "*" || t == current) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(what.to_string()))
    }
}

/// A JSON response with its ETag; `304 Not Modified` when the client already has it.
pub fn json_with_etag<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    value: &T,
) -> HttpResponse {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(e) => return actix_web::ResponseError::error_response(&ApiError::internal(e)),
    };
    let etag = etag_of(&body);
    if status == StatusCode::OK && not_modified(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag))
        .content_type("application/json")
        .body(body)
}

/// The ETag a resource would be served with.
pub fn etag_of_json<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_vec(value)
        .map(|b| etag_of(&b))
        .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_are_split_as_sent() {
        assert_eq!(tags(r#""a", W/"b" ,*"#), vec![r#""a""#, r#"W/"b""#, "*"]);
    }

    #[test]
    fn if_match_refuses_a_stale_tag() {
        assert!(if_match_accepts(&[r#""a""#.into()], r#""a""#, "x").is_ok());
        assert!(if_match_accepts(&["*".into()], r#""a""#, "x").is_ok());
        let e = if_match_accepts(&[r#""b""#.into()], r#""a""#, "x").unwrap_err();
        assert_eq!(e.code(), "precondition_failed");
        let weak = if_match_accepts(&[r#"W/"a""#.into()], r#""a""#, "x").unwrap_err();
        assert_eq!(weak.code(), "precondition_failed");
    }
}
