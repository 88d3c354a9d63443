//! Content negotiation on `Accept` (RFC 9110 §12.5.1): the best of the media types an endpoint
//! offers, or 406 when the caller accepts none of them.

use actix_web::{HttpRequest, http::header};

use crate::error::ApiError;

/// The quality the `Accept` header gives `offered`, by the most specific matching range.
fn quality(accept: &str, offered: &str) -> f32 {
    let (otype, osub) = offered.split_once('/').unwrap_or((offered, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|v| v.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let (rtype, rsub) = media.split_once('/').unwrap_or((media.as_str(), ""));
        let specificity = if rtype == otype && rsub == osub {
            3
        } else if rtype == otype && rsub == "*" {
            2
        } else if rtype == "*" && rsub == "*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map(|(_, q)| q).unwrap_or(0.0)
}

/// Picks one of `offered` (the first is the default when `Accept` is absent or ties).
pub fn choose(req: &HttpRequest, offered: &[&'static str]) -> Result<&'static str, ApiError> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(offered[0]);
    };
    if accept.trim().is_empty() {
        return Ok(offered[0]);
    }
    let mut chosen: Option<(&'static str, f32)> = None;
    for o in offered {
        let q = quality(accept, o);
        if q > 0.0 && chosen.is_none_or(|(_, best)| q > best) {
            chosen = Some((o, q));
        }
    }
    chosen.map(|(o, _)| o).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "this resource is available as {}; Accept allows none of them",
            offered.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn pick(accept: Option<&str>) -> Result<&'static str, ApiError> {
        let mut req = TestRequest::default();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT, a));
        }
        choose(
            &req.to_http_request(),
            &["application/json", "text/markdown"],
        )
    }

    #[test]
    fn negotiates_by_quality_and_specificity() {
        assert_eq!(pick(None).unwrap(), "application/json");
        assert_eq!(pick(Some("text/markdown")).unwrap(), "text/markdown");
        assert_eq!(pick(Some("text/*")).unwrap(), "text/markdown");
        assert_eq!(pick(Some("*/*")).unwrap(), "application/json");
        assert_eq!(
            pick(Some("application/json;q=0.5, text/markdown")).unwrap(),
            "text/markdown"
        );
        assert_eq!(
            pick(Some("text/markdown;q=0.2, */*;q=0.8")).unwrap(),
            "application/json"
        );
        assert_eq!(
            pick(Some("text/markdown, */*;q=0")).unwrap(),
            "text/markdown"
        );
        assert!(pick(Some("image/png")).is_err());
        assert!(pick(Some("application/json;q=0")).is_err());
    }
}
