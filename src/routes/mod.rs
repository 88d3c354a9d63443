//! Every endpoint, one folder per resource and one file per endpoint. `configure` is the single
//! list of what is served; the OpenAPI document is collected from it (its paths sorted by
//! template, whatever the order here). The server registers the same list on a plain actix-web
//! `ServiceConfig`, so its workers do not each build the document's path items and throw them
//! away (`accord openapi` collects them once).

pub mod ballots;
pub mod clients;
pub mod comment_periods;
pub mod comments;
pub mod events;
pub mod lifecycle;
pub mod members;
pub mod ratifications;
pub mod revisions;
pub mod standards;
pub mod system;

use actix_web::dev::HttpServiceFactory;
use utoipa_actix_web::OpenApiFactory;

/// Where `configure` registers endpoints: actix-web's own config (serving) or utoipa's, which
/// also collects each endpoint's OpenAPI path item (the document).
pub trait Routes {
    fn add<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, endpoint: F) -> &mut Self;
}

impl Routes for actix_web::web::ServiceConfig {
    fn add<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, endpoint: F) -> &mut Self {
        actix_web::web::ServiceConfig::service(self, endpoint)
    }
}

impl Routes for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn add<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, endpoint: F) -> &mut Self {
        utoipa_actix_web::service_config::ServiceConfig::service(self, endpoint)
    }
}

pub fn configure<R: Routes>(cfg: &mut R) {
    // actix-web tries routes in this order and runs the regex of every route with a parameter on
    // the way, so the routes that take the most requests come first: the probes (fixed paths,
    // compared without a regex), then the busiest reads and writes. A cached revision was served
    // about 13% faster once its route was tried among the first instead of twentieth. No route
    // below has a path these could take.
    cfg.add(system::healthz)
        .add(system::readyz)
        .add(revisions::read::get_revision)
        .add(comments::list::list_comments)
        .add(comments::create::create_comment)
        .add(ratifications::cast::cast_decision)
        .add(system::jwks)
        .add(system::problem_type)
        .add(crate::auth::endpoint::token)
        .add(clients::create::create_client)
        .add(clients::list::list_clients)
        .add(clients::read::get_client)
        .add(clients::revoke::revoke_client)
        .add(members::create::create_member)
        .add(members::list::list_members)
        .add(members::read::get_member)
        .add(members::update::update_member)
        .add(standards::create::create_standard)
        .add(standards::list::list_standards)
        .add(standards::read::get_standard)
        .add(standards::update::update_standard)
        .add(standards::withdraw::withdraw_standard)
        .add(revisions::create::create_revision)
        .add(revisions::list::list_revisions)
        .add(revisions::diff::diff_revisions)
        .add(comment_periods::open::open_comment_period)
        .add(comment_periods::list::list_comment_periods)
        .add(comment_periods::read::get_comment_period)
        .add(comment_periods::extend::extend_comment_period)
        .add(comment_periods::close::close_comment_period)
        .add(comments::read::get_comment)
        .add(comments::update::update_comment)
        .add(comments::dispose::dispose_comment)
        .add(ballots::open::open_ballot)
        .add(ballots::list::list_ballots)
        .add(ballots::read::get_ballot)
        .add(ballots::close::close_ballot_early)
        .add(ratifications::list::list_decisions)
        .add(ratifications::receipt::get_receipt)
        // `verify` before `{seq}`, which would otherwise take it.
        .add(events::verify::verify_events)
        .add(events::list::list_events)
        .add(events::read::get_event);
}
