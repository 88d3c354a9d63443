//! The HTTP ceiling of this machine for a response of a given size: actix-web with the worker
//! count Accord uses and nothing else, answering `GET /bytes/{n}` with `n` bytes, the same every
//! time (no routing table, middleware, database or serialisation to speak of).
//!
//! `benches/run.sh` drives it with the same wrk settings as Accord's workloads, at the body size
//! of each read workload, so that every read can be compared with what merely sending its bytes
//! costs here. Not part of the service.
//!
//! Usage: `http_ceiling ADDR` (for example `127.0.0.1:8099`).

use actix_web::{App, HttpResponse, HttpServer, web};

/// The largest body served (the workloads' pages are well under this).
const MAX: usize = 4 << 20;

async fn bytes(path: web::Path<usize>, all: web::Data<web::Bytes>) -> HttpResponse {
    let n = path.into_inner();
    if n > MAX {
        return HttpResponse::BadRequest().body(format!("at most {MAX} bytes"));
    }
    // A slice of one shared buffer: no copy, no allocation of the body.
    HttpResponse::Ok()
        .content_type("application/octet-stream")
        .body(all.slice(..n))
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_string());
    let all = web::Data::new(web::Bytes::from(vec![b'a'; MAX]));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(all.clone())
                .route("/bytes/{n}", web::get().to(bytes))
        })
        .workers(workers)
        .bind(addr)?
        .run()
        .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test;

    #[actix_web::test]
    async fn it_sends_exactly_the_bytes_asked_for_and_refuses_more_than_it_holds() {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(web::Bytes::from(vec![b'a'; MAX])))
                .route("/bytes/{n}", web::get().to(bytes)),
        )
        .await;
        for n in [0, 2, 8_192, 74_000] {
            let req = test::TestRequest::get()
                .uri(&format!("/bytes/{n}"))
                .to_request();
            let body = test::call_and_read_body(&app, req).await;
            assert_eq!(body.len(), n);
        }
        let req = test::TestRequest::get()
            .uri(&format!("/bytes/{}", MAX + 1))
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), 400);
    }
}
