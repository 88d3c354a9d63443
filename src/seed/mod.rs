//! Loading data into an empty database: `accord seed-demo` (a realistic demo body).

pub mod demo;
