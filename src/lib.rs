//! Merajut Sehat: case tracking for the health-financing program of Nusa Tenggara Timur.
//!
//! `domain` decides (pure rules, no I/O), `db` stores, `web` and `api` translate HTTP,
//! `startup` wires them together, `pg` runs the embedded PostgreSQL, `cli` serves operators.

pub mod access;
pub mod api;
pub mod auth;
pub mod backup;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod generate;
pub mod http;
pub mod pg;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;
pub mod worker;

/// The embedded migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
