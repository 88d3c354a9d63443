//! The outer guard of every request: `HEAD` is answered as `GET` without its body (RFC 9110
//! §9.3.2); a method the API does not use, or a query with control characters, is refused before
//! any handler; and an error the HTTP layer produced itself (a CORS preflight refused, a header
//! it could not read, a file the docs do not have) still reaches the caller as a problem body.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};

use crate::error::ApiError;
use crate::http::body::body_limit;
use crate::http::fallback::{self, RouteTable};
use crate::http::slices;

const KNOWN_METHODS: [Method; 6] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// How much of a non-problem error body is kept as the problem's `detail`.
const DETAIL_LIMIT: usize = 512;

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The connection remembers that the request was HEAD and sends no body; routing and the
    // handler see GET, so headers and Content-Length are exactly those of GET.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    if !KNOWN_METHODS.contains(req.method()) {
        // Answered here, before the metrics layer, so that made-up methods neither reach a
        // handler nor become label values.
        let response = match req.app_data::<web::Data<RouteTable>>() {
            Some(table) => fallback::answer(req.request(), table),
            None => ApiError::RouteNotFound(req.path().to_string()).error_response(),
        };
        return Ok(req.into_response(response));
    }
    if let Some(byte) = control_byte(req.query_string()) {
        let error = ApiError::InvalidQuery(format!(
            "query parameters may not contain control characters (found 0x{byte:02x})"
        ));
        return Ok(req.into_response(error.error_response()));
    }
    // The request must not be cloned across the call (routing needs it unshared), so what an
    // error from the inner layers needs is taken now.
    let path = req.path().to_owned();
    let max_body = body_limit(req.request());
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let status = e.as_response_error().status_code();
            let response = problem_for(&path, max_body, status, e.to_string());
            return Err(actix_web::error::InternalError::from_response(e, response).into());
        }
    };
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if res.status().as_u16() < 400 || is_problem {
        return Ok(res.map_body(|_, body| slices::sliced(body.boxed())));
    }
    let status = res.status();
    let (req, response) = res.into_parts();
    let text = actix_web::body::to_bytes_limited(response.into_body(), DETAIL_LIMIT)
        .await
        .ok()
        .and_then(Result::ok)
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let response = problem_for(req.path(), max_body, status, text);
    Ok(ServiceResponse::new(req, response))
}

/// The first control character (U+0000–U+001F, U+007F) the query string encodes, if any: no
/// filter of the API means one, and SQL text matching would treat NUL as the end of the text.
fn control_byte(query: &str) -> Option<u8> {
    let bytes = query.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let value = if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            u8::from_str_radix(hex, 16).ok()?
        } else {
            b
        };
        (value < 0x20 || value == 0x7f).then_some(value)
    })
}

fn problem_for(path: &str, max_body: usize, status: StatusCode, text: String) -> HttpResponse {
    let detail = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_lowercase()
    } else {
        text
    };
    let error = match status.as_u16() {
        404 => ApiError::RouteNotFound(path.to_string()),
        413 => ApiError::PayloadTooLarge { limit: max_body },
        415 => ApiError::UnsupportedMediaType(detail),
        406 => ApiError::NotAcceptable(detail),
        400..=499 => ApiError::BadRequest(detail),
        _ => ApiError::Internal(detail),
    };
    if !status.is_client_error() {
        return error.error_response();
    }
    // Keep the status the layer chose (for example 403 for a refused CORS origin) in the
    // response and in the body alike.
    let mut problem = error.to_problem();
    problem.status = status.as_u16();
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_vec(&problem).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::control_byte;

    #[test]
    fn control_characters_in_queries_are_found_encoded_or_not() {
        assert_eq!(control_byte("q=a%00b"), Some(0));
        assert_eq!(control_byte("topic=x&q=%0A"), Some(0x0a));
        assert_eq!(control_byte("q=%7f"), Some(0x7f));
        assert_eq!(control_byte("q=caf%C3%A9+ai&limit=20"), None);
        assert_eq!(control_byte("q=100%"), None);
        assert_eq!(control_byte(""), None);
    }
}
