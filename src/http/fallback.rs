//! Answers for requests no handler takes: 405 with `Allow` when the path exists under another
//! method, 404 otherwise. The table of paths and methods comes from the OpenAPI document, so it
//! is exactly what is served.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &doc.paths.paths {
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
        Self { routes }
    }

    /// The methods allowed on `path`, or `None` when no route has this path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut found: Option<Vec<String>> = None;
        for (segments, methods) in &self.routes {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                });
            if matches {
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
        };
        assert_eq!(
            table.allowed("/v1/members/BRA"),
            Some(vec!["GET".into(), "HEAD".into(), "PATCH".into()])
        );
        assert_eq!(table.allowed("/v1/members/"), None);
        assert_eq!(table.allowed("/v1/members/BRA/x"), None);
    }
}
