//! Accord's API tests: one binary; every test runs on SQLite and, when
//! `ACCORD_TEST_POSTGRES_URL` is set, on PostgreSQL.

#[macro_use]
mod helpers;

mod auth;
mod ballots;
mod clients;
mod comments;
mod errors;
mod events;
mod members;
mod revisions;
mod seed;
mod standards;
mod system;
