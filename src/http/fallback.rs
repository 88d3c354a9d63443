//! Answers for requests no handler takes: 405 with `Allow` when the path exists under another
//! method, 404 otherwise. The table of paths and methods comes from the OpenAPI document, so it
//! is exactly what is served.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<String>)>,
    /// Each route's template as the document spells it (`/v1/members/{code}`), by index.
    templates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let mut routes = Vec::new();
        let mut templates = Vec::new();
        for (path, item) in &doc.paths.paths {
            templates.push(path.clone());
            let segments = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        Segment::Param
                    } else {
                        Segment::Literal(s.to_string())
                    }
                })
                .collect();
            let mut methods = Vec::new();
            for (method, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ] {
                if op.is_some() {
                    methods.push(method.to_string());
                    if method == "GET" {
                        // Every GET is also answered to HEAD (see `http::guard`).
                        methods.push("HEAD".to_string());
                    }
                }
            }
            routes.push((segments, methods));
        }
        Self { routes, templates }
    }

    /// The template of the route whose path `path` is (`/v1/members/{code}` for
    /// `/v1/members/BRA`), whatever the method, or `None` when there is none: what the router's
    /// `match_pattern` gives, found without a regex. Where a literal and a parameter both fit
    /// (`/v1/events/verify` and `/v1/events/{seq}`), the literal wins, as it does in the router.
    pub fn template(&self, path: &str) -> Option<&str> {
        let count = segment_count(path);
        let mut best: Option<(usize, usize)> = None;
        for (index, (segments, _)) in self.routes.iter().enumerate() {
            if let Some(literals) = fits(segments, path, count)
                && best.is_none_or(|(_, most)| literals > most)
            {
                best = Some((index, literals));
            }
        }
        best.map(|(index, _)| self.templates[index].as_str())
    }

    /// The methods allowed on `path`, or `None` when no route has this path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let count = segment_count(path);
        let mut found: Option<Vec<String>> = None;
        for (segments, methods) in &self.routes {
            if fits(segments, path, count).is_some() {
                let all = found.get_or_insert_with(Vec::new);
                for m in methods {
                    if !all.contains(m) {
                        all.push(m.clone());
                    }
                }
            }
        }
        found
    }
}

fn segment_count(path: &str) -> usize {
    path.bytes().filter(|b| *b == b'/').count() + 1
}

/// Whether `path` (of `count` segments) fits a route's segments, and if so with how many literal
/// segments (the more, the more specific the route). Most routes are ruled out by the count
/// alone, which matters because this runs on every request (for the metrics).
fn fits(segments: &[Segment], path: &str, count: usize) -> Option<usize> {
    if count != segments.len() {
        return None;
    }
    let mut literals = 0;
    for (segment, part) in segments.iter().zip(path.split('/')) {
        match segment {
            Segment::Literal(l) if l == part => literals += 1,
            Segment::Param if !part.is_empty() => {}
            _ => return None,
        }
    }
    Some(literals)
}

pub async fn not_found_or_not_allowed(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> HttpResponse {
    answer(&req, &table)
}

/// The 404 or 405 for a request no handler takes.
pub fn answer(req: &HttpRequest, table: &RouteTable) -> HttpResponse {
    let error = match table.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow,
        },
        None => ApiError::RouteNotFound(req.path().to_string()),
    };
    error.error_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_segment_by_segment() {
        let table = RouteTable {
            routes: vec![(
                vec![
                    Segment::Literal("".into()),
                    Segment::Literal("v1".into()),
                    Segment::Literal("members".into()),
                    Segment::Param,
                ],
                vec!["GET".into(), "HEAD".into(), "PATCH".into()],
            )],
            templates: vec!["/v1/members/{code}".into()],
        };
        assert_eq!(
            table.allowed("/v1/members/BRA"),
            Some(vec!["GET".into(), "HEAD".into(), "PATCH".into()])
        );
        assert_eq!(table.allowed("/v1/members/"), None);
        assert_eq!(table.allowed("/v1/members/BRA/x"), None);
    }

    #[test]
    fn a_request_is_labelled_with_the_template_of_the_route_that_serves_it() {
        let table = RouteTable::from_openapi(&crate::openapi::document());
        let cases = [
            ("/v1/members/BRA", Some("/v1/members/{code}")),
            ("/v1/events/verify", Some("/v1/events/verify")),
            ("/v1/events/12", Some("/v1/events/{seq}")),
            (
                "/v1/standards/AIS-0001/revisions/2",
                Some("/v1/standards/{reference}/revisions/{n}"),
            ),
            ("/healthz", Some("/healthz")),
            // No such route, an empty segment, one segment too many.
            ("/v1/nothing", None),
            ("/v1/members/", None),
            ("/v1/members/BRA/x", None),
        ];
        for (path, expected) in cases {
            assert_eq!(table.template(path), expected, "{path}");
        }
    }
}
