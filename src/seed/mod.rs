//! Loading data into an empty database: `accord seed-demo` (a realistic demo body) and
//! `accord seed-bench` (a synthetic body the size of a real one, for benchmarks).

pub mod bench;
pub mod demo;
