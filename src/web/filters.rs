//! Template filters: how pages write times and sizes, always through
//! [`crate::domain::locale`], so every time on every page is WITA and says so.
//!
//! Askama looks filters up as `filters::<name>` where the template struct is defined: a page
//! module brings them in with `use super::filters;` and writes `{{ step.at|wita }}`.

use chrono::{DateTime, Utc};

use crate::domain::locale;

/// An instant in WITA, labelled: `05-12-2026 00:59 WITA`.
pub fn wita(t: &DateTime<Utc>, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(locale::time(*t))
}

/// A stored file size in human units: `512 B`, `1,2 MB`.
pub fn file_size(bytes: &i32, _: &dyn askama::Values) -> askama::Result<String> {
    Ok(locale::file_size(u64::try_from(*bytes).unwrap_or(0)))
}
