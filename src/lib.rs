//! Accord: drafting, commenting and ratification of AI standards over HTTP.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod openapi;
pub mod routes;
pub mod scheduler;
pub mod seed;
pub mod startup;
pub mod state;
