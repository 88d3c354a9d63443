//! Every endpoint, one folder per resource and one file per endpoint. `configure` is the single
//! list of what is served; the OpenAPI document is collected from it.

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

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(system::healthz)
        .service(system::readyz)
        .service(system::jwks)
        .service(system::problem_type)
        .service(crate::auth::endpoint::token)
        .service(clients::create::create_client)
        .service(clients::list::list_clients)
        .service(clients::read::get_client)
        .service(clients::revoke::revoke_client)
        .service(members::create::create_member)
        .service(members::list::list_members)
        .service(members::read::get_member)
        .service(members::update::update_member)
        .service(standards::create::create_standard)
        .service(standards::list::list_standards)
        .service(standards::read::get_standard)
        .service(standards::update::update_standard)
        .service(standards::withdraw::withdraw_standard)
        .service(revisions::create::create_revision)
        .service(revisions::list::list_revisions)
        .service(revisions::read::get_revision)
        .service(revisions::diff::diff_revisions)
        .service(comment_periods::open::open_comment_period)
        .service(comment_periods::list::list_comment_periods)
        .service(comment_periods::read::get_comment_period)
        .service(comment_periods::extend::extend_comment_period)
        .service(comment_periods::close::close_comment_period)
        .service(comments::create::create_comment)
        .service(comments::list::list_comments)
        .service(comments::read::get_comment)
        .service(comments::update::update_comment)
        .service(comments::dispose::dispose_comment)
        .service(ballots::open::open_ballot)
        .service(ballots::list::list_ballots)
        .service(ballots::read::get_ballot)
        .service(ballots::close::close_ballot_early)
        .service(ratifications::cast::cast_decision)
        .service(ratifications::list::list_decisions)
        .service(ratifications::receipt::get_receipt)
        // `verify` before `{seq}`, which would otherwise take it.
        .service(events::verify::verify_events)
        .service(events::list::list_events)
        .service(events::read::get_event);
}
