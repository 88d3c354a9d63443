//! Rows and their queries, one file per table group. Queries are associated functions on the row
//! types; every function takes the connection it runs on and does no I/O of its own.

pub mod ballot;
pub mod client;
pub mod comment;
pub mod comment_period;
pub mod event;
pub mod member;
pub mod revision;
pub mod standard;
