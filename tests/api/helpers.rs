//! Helpers of this test binary. The harness itself (cluster, database per test, app, clients,
//! page helpers) lives in `tests/common` so every test binary shares it.

#[path = "../common/mod.rs"]
mod common;

pub use common::*;
