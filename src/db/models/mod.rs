//! Rows and their queries, one file per table group. Queries are associated functions on the row
//! types; every function takes the connection it runs on and does no I/O of its own.

pub mod client;
pub mod event;
pub mod member;
pub mod revision;
pub mod standard;
