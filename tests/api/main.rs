//! Integration tests of the web pages, the database rules and the command-line tool, each
//! against a running application on a database of its own (see `helpers`).
//!
//! One module per area; tests read `// Arrange / Act / Assert` and assert what a user sees:
//! status, redirect target, text under a CSS selector.

mod helpers;

mod access;
mod account;
mod admin;
mod bottleneck;
mod cases_api;
mod claims;
mod cli;
mod concurrent_figures;
mod dashboard;
mod database;
mod desk_stays;
mod digest;
mod exports;
mod figures;
mod health;
mod hostile;
mod identity_checks;
mod input;
mod layers;
mod letters;
mod log_scan;
mod monitoring;
mod nominatif;
mod notifications;
mod outbox;
mod pages;
mod pbpu_route;
mod preferences;
mod queue;
mod quota;
mod refusals;
mod reports;
mod route_matrix;
mod sign_in;
mod snapshot;
mod workflow_pages;
mod workflow_paths;
