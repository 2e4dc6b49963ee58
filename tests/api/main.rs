//! Integration tests of the web pages, the database rules and the command-line tool, each
//! against a running application on a database of its own (see `helpers`).
//!
//! One module per area; tests read `// Arrange / Act / Assert` and assert what a user sees:
//! status, redirect target, text under a CSS selector.

mod helpers;

mod access;
mod account;
mod admin;
mod api_tokens;
mod backup;
mod bottleneck;
mod cases_api;
mod claims;
mod cli;
mod concurrent_figures;
mod csrf;
mod dashboard;
mod database;
mod database_tls;
mod database_trouble;
mod db_security;
mod desk_figures;
mod desk_stays;
mod digest;
mod exports;
mod family_status;
mod figures;
mod files;
mod fuzz;
mod generate;
mod headers;
mod health;
mod hostile;
mod idempotency;
mod identity_checks;
mod input;
mod instances;
mod intake_documents;
mod job_retries;
mod layers;
mod letters;
mod log_scan;
mod monitoring;
mod nominatif;
mod notifications;
mod offline;
mod outbox;
mod pages;
mod pbpu_route;
mod personal_data;
mod preferences;
mod query_plans;
mod queue;
mod quota;
mod refusals;
mod reports;
mod retention;
mod route_matrix;
mod scale;
mod serving;
mod sessions;
mod shutdown;
mod sign_in;
mod sign_in_security;
mod snapshot;
mod storage;
mod two_factor;
mod workflow_pages;
mod workflow_paths;
