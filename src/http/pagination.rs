//! Keyset pagination: `?limit=` (default 50, max 500) and an opaque `?cursor=` holding the sort
//! key of the last item served, so page 10,000 costs what page 1 costs. The body is
//! `{"items": [...], "next_cursor": "…" | null}` and a `Link: <…>; rel="next"` header points at
//! the next page.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, http::header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

pub fn limit(requested: Option<i64>) -> ApiResult<i64> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::InvalidQuery(format!(
            "limit must be between 1 and {MAX_LIMIT}; {n} is not"
        ))),
    }
}

pub fn encode_cursor<T: Serialize>(key: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<T: DeserializeOwned>(cursor: Option<&str>) -> ApiResult<Option<T>> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::InvalidQuery(
                "cursor is not one this service issued; use next_cursor as given".into(),
            )
        })
}

/// Keeps the first `limit` rows and says whether more exist (queries fetch `limit + 1`).
pub fn split_page<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    (rows, more)
}

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The response for a page, with `Link: rel="next"` built from the request's own query string
/// (`param` replaced by the next cursor).
pub fn page_response<T: Serialize>(
    req: &HttpRequest,
    public_base: &str,
    page: &Page<T>,
    param: &str,
) -> HttpResponse {
    page_builder(req, public_base, page.next_cursor.as_deref(), param).json(page)
}

/// A 200 carrying a page rendered earlier (see `cache::CachedPage`): the same body, type and
/// `Link` as when it was first sent.
pub fn cached_page_response(page: &crate::cache::CachedPage) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(link) = &page.link {
        response.insert_header((header::LINK, link.as_str()));
    }
    response
        .content_type("application/json")
        .body(page.body.clone())
}

/// A 200 with the `Link: rel="next"` of [`page_response`], for a body written another way.
pub fn page_builder(
    req: &HttpRequest,
    public_base: &str,
    next_cursor: Option<&str>,
    param: &str,
) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    if let Some(link) = next_cursor.map(|cursor| next_link(req, public_base, cursor, param)) {
        response.insert_header((header::LINK, link));
    }
    response
}

/// The `Link` header value naming the page after this one: the request's own query with `param`
/// set to `cursor`.
pub fn next_link(req: &HttpRequest, public_base: &str, cursor: &str, param: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != param && k != "cursor" && k != "after");
    pairs.push((param.to_string(), cursor.to_string()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("<{public_base}{}?{query}>; rel=\"next\"", req.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(500)).unwrap(), 500);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(501)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor(&("2026-01-01", "x"));
        assert_eq!(
            decode_cursor::<(String, String)>(Some(&c)).unwrap(),
            Some(("2026-01-01".into(), "x".into()))
        );
        assert!(decode_cursor::<(String, String)>(Some("!!")).is_err());
        assert!(decode_cursor::<(String, String)>(Some(&encode_cursor(&5))).is_err());
    }

    #[test]
    fn split_page_detects_more() {
        assert_eq!(split_page(vec![1, 2, 3], 2), (vec![1, 2], true));
        assert_eq!(split_page(vec![1, 2], 2), (vec![1, 2], false));
    }
}
