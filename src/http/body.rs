//! Request bodies: size limit, content type, JSON with precise errors.
//!
//! JSON that does not parse is a 400 saying where (line and column); JSON of the wrong shape (a
//! wrong type, an unknown field) is a 422 naming the field. Required fields are modelled as
//! `Option` in request types and checked by their validation, so that every missing one is listed.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// Reads the whole body, refusing more than `limit` bytes (before reading when the length is
/// announced).
pub async fn read_limited(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if length > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::MalformedJson(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The media type of the request, without parameters, lower-cased.
pub fn content_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// The configured largest request body.
pub fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.max_body_bytes)
        .unwrap_or(1024 * 1024)
}

/// Parses a JSON object into `T`, mapping serde's errors to problems. Every request body of the
/// API is an object; serde would also read a struct from an array of its fields in order, which
/// no caller means, so any other top-level value is refused first.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        // Still a 400 when it is not JSON at all; a 422 when it is JSON of the wrong kind.
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .map_err(|e| shape_error(".".into(), e))?;
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "invalid_type",
            "the body must be a JSON object",
        )]));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        shape_error(path, e.into_inner())
    })?;
    de.end().map_err(|e| shape_error(".".into(), e))?;
    Ok(value)
}

fn shape_error(path: String, inner: serde_json::Error) -> ApiError {
    match inner.classify() {
        serde_json::error::Category::Data => {
            let message = describe_syntax(&inner);
            let (field, reason) = if let Some(name) = backticked(&message, "unknown field ") {
                // The path already ends with the unknown field.
                (if path == "." { name } else { path }, "unknown_field")
            } else if let Some(name) = backticked(&message, "missing field ") {
                (join_path(&path, &name), "required")
            } else {
                (
                    if path == "." {
                        "body".to_string()
                    } else {
                        path
                    },
                    "invalid_type",
                )
            };
            ApiError::Validation(vec![FieldError::new(field, reason, message)])
        }
        _ => ApiError::MalformedJson(format!(
            "the body is not valid JSON: {} (line {}, column {})",
            describe_syntax(&inner),
            inner.line(),
            inner.column()
        )),
    }
}

fn describe_syntax(e: &serde_json::Error) -> String {
    let text = e.to_string();
    text.split(" at line ").next().unwrap_or(&text).to_string()
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    let rest = rest.strip_prefix('`')?;
    Some(rest.split('`').next()?.to_string())
}

fn join_path(path: &str, field: &str) -> String {
    if path == "." || path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            match content_type(&req) {
                Some(ct)
                    if ct == "application/json"
                        || (ct.starts_with("application/") && ct.ends_with("+json")) => {}
                Some(ct) => {
                    return Err(ApiError::UnsupportedMediaType(format!(
                        "the body must be application/json, not {ct}"
                    )));
                }
                None => {
                    return Err(ApiError::UnsupportedMediaType(
                        "the body must be application/json; Content-Type is missing".into(),
                    ));
                }
            }
            let bytes = read_limited(&req, &mut payload, body_limit(&req)).await?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// The raw form body of the token endpoint (`application/x-www-form-urlencoded`).
pub struct FormBody(pub Vec<(String, String)>);

impl FromRequest for FormBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let oauth = |description: String| ApiError::OAuth {
                status: actix_web::http::StatusCode::BAD_REQUEST,
                error: "invalid_request",
                description,
                basic_challenge: false,
            };
            if content_type(&req).as_deref() != Some("application/x-www-form-urlencoded") {
                return Err(ApiError::UnsupportedMediaType(
                    "the token request must be application/x-www-form-urlencoded (RFC 6749 §4.4)"
                        .into(),
                ));
            }
            let bytes = read_limited(&req, &mut payload, 16 * 1024).await?;
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .map(FormBody)
                .map_err(|e| oauth(format!("the form body is not valid: {e}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: Option<String>,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: Option<u32>,
    }

    fn problem_of(body: &str) -> crate::error::Problem {
        parse_json::<Sample>(body.as_bytes())
            .unwrap_err()
            .to_problem()
    }

    #[test]
    fn only_an_object_is_a_body() {
        for body in [r#"["x", null]"#, "  [] ", "\"name\"", "42", "null"] {
            let p = problem_of(body);
            assert_eq!(
                (p.status, p.code.as_str()),
                (422, "validation_failed"),
                "{body}"
            );
            let e = &p.errors.unwrap()[0];
            assert_eq!(
                (e.field.as_str(), e.reason.as_str()),
                ("body", "invalid_type")
            );
        }
        assert_eq!(problem_of("[1,").code, "malformed_json");
        assert!(parse_json::<Sample>(br#" {"name": "x"}"#).is_ok());
    }

    #[test]
    fn syntax_errors_say_where() {
        let p = problem_of("{\n  \"name\": \"x\",\n}");
        assert_eq!((p.status, p.code.as_str()), (400, "malformed_json"));
        assert!(p.detail.contains("line 3"), "{}", p.detail);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let p = problem_of(r#"{"inner": {"count": "many"}}"#);
        assert_eq!((p.status, p.code.as_str()), (422, "validation_failed"));
        let e = &p.errors.unwrap()[0];
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("inner.count", "invalid_type")
        );

        let p = problem_of(r#"{"nmae": "x"}"#);
        let e = &p.errors.unwrap()[0];
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("nmae", "unknown_field")
        );
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        assert_eq!(problem_of(r#"{"name": "x"} {}"#).code, "malformed_json");
        assert_eq!(problem_of("").code, "malformed_json");
    }
}
