//! Rows and their queries, one file per table group. Queries are associated functions on the row
//! types; every function takes the connection it runs on and does no I/O of its own.
//!
//! Every `Insertable` row says `treat_none_as_default_value = false`: a `None` is bound as NULL
//! instead of leaving its column out, so each table has one INSERT text, prepared once per
//! connection and reused (diesel otherwise builds and looks up the SQL text on every insert).

pub mod ballot;
pub mod client;
pub mod comment;
pub mod comment_period;
pub mod event;
pub mod member;
pub mod revision;
pub mod standard;
