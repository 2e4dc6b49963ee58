//! Exports: any list as a CSV or XLSX download, streamed, permission-checked by the route's
//! guard and recorded in the export log. Pages and the API share it.
//!
//! A list becomes an export with two things (docs/architecture.md, "Exports"):
//! - a column spec, `&'static [Column<R>]`: the header (Bahasa Indonesia), the [`CellKind`] and
//!   a function from the list's row type `R` to its [`Cell`];
//! - a row stream, `Stream<Item = Result<R, CaseError>>`, read from PostgreSQL with `fetch`
//!   (never `fetch_all`, see `db::cases::stream`),
//!
//! handed to [`respond`] with the user, the format and the filters to log. CSV is written
//! straight into the response body ([`csv`]); XLSX is written in constant-memory mode into a
//! temporary file on a blocking thread, fed through a bounded channel, then streamed
//! ([`xlsx`]). Neither holds more than a few hundred rows in memory, whatever the list's size.
//! When the download ends, one `export_log` row records who, when, what, the format, the
//! filters and the rows handed to the connection, `completed = false` when it stopped early
//! (client gone, database error).

pub mod access_log;
pub mod bottleneck;
pub mod case_list;
pub mod claims;
mod csv;
pub mod nominatif;
pub mod quota;
pub mod reports;
mod xlsx;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::{BoxStream, Stream, StreamExt};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::AppState;
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::db::exports::{self, ExportRecord};

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// The XLSX media type.
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Format {
    /// `csv` or `xlsx` (any letter case).
    pub fn parse(code: &str) -> Option<Format> {
        match code.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The format an `Accept` header asks for, if it names one of the two media types.
    pub fn from_accept(accept: &str) -> Option<Format> {
        accept
            .split(',')
            .map(|t| t.split(';').next().unwrap_or("").trim())
            .find_map(|t| match t {
                "text/csv" => Some(Format::Csv),
                XLSX_TYPE => Some(Format::Xlsx),
                _ => None,
            })
    }

    /// The code, as in the export log and the file extension.
    pub fn code(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => XLSX_TYPE,
        }
    }
}

/// What a column holds; decides the XLSX number format and how CSV writes the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Text, also for numbers that are identifiers (NIK, KK, case numbers): never a number.
    Text,
    /// A whole number.
    Integer,
    /// Whole rupiah: a number in both formats, shown `Rp25.000.000` in XLSX.
    Rupiah,
    /// A measured figure with a fraction (median days): a number shown with one decimal in
    /// XLSX, written with one decimal and a decimal point in CSV.
    Decimal,
    /// A calendar date: a real date cell in XLSX, `YYYY-MM-DD` in CSV.
    Date,
    /// An instant, written in WITA: a date-time cell in XLSX, `YYYY-MM-DD HH:MM` in CSV.
    DateTime,
    /// Yes or no: a boolean cell in XLSX, `Ya`/`Tidak` in CSV.
    Bool,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A whole number (also rupiah).
    Integer(i64),
    /// A number with a fraction.
    Number(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Bool(bool),
}

impl Cell {
    /// Whether the cell is a value a column of `kind` holds (an empty cell fits every
    /// column). A column spec's test asks this of every column.
    pub fn fits(&self, kind: CellKind) -> bool {
        matches!(
            (self, kind),
            (Cell::Empty, _)
                | (Cell::Text(_), CellKind::Text)
                | (Cell::Integer(_), CellKind::Integer | CellKind::Rupiah)
                | (Cell::Number(_), CellKind::Decimal)
                | (Cell::Date(_), CellKind::Date)
                | (Cell::DateTime(_), CellKind::DateTime)
                | (Cell::Bool(_), CellKind::Bool)
        )
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&String> for Cell {
    fn from(s: &String) -> Cell {
        Cell::Text(s.clone())
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Integer(n)
    }
}
impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Number(n)
    }
}
impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(d)
    }
}
impl From<DateTime<Utc>> for Cell {
    fn from(t: DateTime<Utc>) -> Cell {
        Cell::DateTime(t)
    }
}
impl From<bool> for Cell {
    fn from(b: bool) -> Cell {
        Cell::Bool(b)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// One column of an export.
pub struct Column<R> {
    /// The header, in Bahasa Indonesia.
    pub header: &'static str,
    pub kind: CellKind,
    /// The column's value of a row.
    pub value: fn(&R) -> Cell,
}

/// What is exported: the list's name in the log, the file name and the sheet, and its columns.
pub struct Export<R: 'static> {
    /// `export_log.what` (`[a-z_]{1,40}`): `queue`, `monitoring`, `claims` …
    pub what: &'static str,
    /// The file name before the date: `antrean` gives `antrean-2026-12-05.xlsx`. No personal
    /// data, ever.
    pub file_stem: &'static str,
    /// The XLSX worksheet's name (at most 31 characters, none of `[]:*?/\`).
    pub sheet: &'static str,
    pub columns: &'static [Column<R>],
}

/// Rows handed to the XLSX writer thread ahead of it, and CSV rows per body chunk.
const ROWS_AHEAD: usize = 256;

/// The download of `rows` as `format`, recorded in the export log for `user` with `detail`
/// (the filters: codes and dates, never personal data). The caller has checked the user may
/// read the list (its route's guard) and limited `rows` to the user's scope.
pub async fn respond<R, S>(
    state: &AppState,
    user: &CurrentUser,
    export: Export<R>,
    format: Format,
    detail: Value,
    rows: S,
) -> Result<Response, CaseError>
where
    R: Send + 'static,
    S: Stream<Item = Result<R, CaseError>> + Send + 'static,
{
    state
        .cases
        .log_export(user, export.what, format.code(), &detail)
        .await?;
    let log = LogEntry {
        pool: state.pool.clone(),
        user_id: user.id,
        at: state.clock.now(),
        what: export.what,
        format,
        detail,
    };
    let file_name = format!(
        "{}-{}.{}",
        export.file_stem,
        state.clock.today(),
        format.code()
    );
    let columns = export.columns;
    let cells = rows.map(move |row| row.map(|r| columns.iter().map(|c| (c.value)(&r)).collect()));
    let heads: Vec<(&'static str, CellKind)> = columns.iter().map(|c| (c.header, c.kind)).collect();
    let (body, length) = match format {
        Format::Csv => (csv::body(heads, cells.boxed(), log), None),
        Format::Xlsx => {
            let (body, length) = xlsx::body(export.sheet, heads, cells.boxed(), log).await?;
            (body, Some(length))
        }
    };
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, format.content_type())
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        )
        .header(header::CACHE_CONTROL, "private, no-store");
    if let Some(length) = length {
        response = response.header(header::CONTENT_LENGTH, length);
    }
    response
        .body(body)
        .map_err(|e| CaseError::Internal(e.into()))
}

/// [`respond`] for a list read whole as its page reads it (a small aggregate: reports, batches,
/// quota, desks), handed on from memory.
pub async fn respond_read<R: Send + 'static>(
    state: &AppState,
    user: &CurrentUser,
    export: Export<R>,
    format: Format,
    detail: Value,
    rows: Vec<R>,
) -> Result<Response, CaseError> {
    let rows = futures_util::stream::iter(rows.into_iter().map(Ok));
    respond(state, user, export, format, detail, rows).await
}

/// The rows of an export as cells, in column order.
type CellRows = BoxStream<'static, Result<Vec<Cell>, CaseError>>;

/// The export log row of one download, written once it ends.
struct LogEntry {
    pool: PgPool,
    user_id: Uuid,
    at: DateTime<Utc>,
    what: &'static str,
    format: Format,
    detail: Value,
}

impl LogEntry {
    async fn write(self, row_count: i64, completed: bool) {
        let record = ExportRecord {
            user_id: self.user_id,
            at: self.at,
            what: self.what,
            format: self.format.code(),
            row_count,
            completed,
            detail: self.detail,
        };
        if let Err(e) = exports::record(&self.pool, &record).await {
            tracing::error!(error = %e, what = self.what, "export log row not written");
        }
    }
}

/// Writes the log row exactly once: [`LogGuard::finish`] when the body ends, or on drop when
/// the body is dropped before its end (the client went away): then `completed = false`.
struct LogGuard {
    entry: Option<LogEntry>,
    /// Rows handed to the connection so far.
    rows: Arc<AtomicI64>,
}

impl LogGuard {
    fn new(entry: LogEntry, rows: Arc<AtomicI64>) -> LogGuard {
        LogGuard {
            entry: Some(entry),
            rows,
        }
    }

    async fn finish(mut self, completed: bool) {
        if let Some(entry) = self.entry.take() {
            entry
                .write(self.rows.load(Ordering::Relaxed), completed)
                .await;
        }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let Some(entry) = self.entry.take() else {
            return;
        };
        let rows = self.rows.load(Ordering::Relaxed);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(entry.write(rows, false));
            }
            Err(_) => tracing::error!(what = entry.what, "export log row lost: no runtime"),
        }
    }
}

/// A response body of `chunks` that writes the log row when it ends: complete with the last
/// chunk (before the client sees the end of the body, so a client that has read everything
/// finds the row), incomplete after an error or when dropped early. With a known `length`
/// (sent as `Content-Length`) the last chunk is the one that reaches it: the server stops
/// reading the body there and never asks for its end.
fn logged_body(
    chunks: BoxStream<'static, std::io::Result<Bytes>>,
    length: Option<u64>,
    guard: LogGuard,
) -> Body {
    let stream = futures_util::stream::unfold(
        (chunks, Some(guard), 0_u64),
        move |(mut chunks, mut guard, sent)| async move {
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    let sent = sent + chunk.len() as u64;
                    if length == Some(sent)
                        && let Some(g) = guard.take()
                    {
                        g.finish(true).await;
                    }
                    Some((Ok(chunk), (chunks, guard, sent)))
                }
                Some(Err(e)) => {
                    if let Some(g) = guard.take() {
                        g.finish(false).await;
                    }
                    Some((Err(e), (chunks, None, sent)))
                }
                None => {
                    if let Some(g) = guard.take() {
                        g.finish(length.is_none_or(|l| l == sent)).await;
                    }
                    None
                }
            }
        },
    );
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_code_and_accept_header() {
        assert_eq!(Format::parse("CSV"), Some(Format::Csv));
        assert_eq!(Format::parse(" xlsx "), Some(Format::Xlsx));
        assert_eq!(Format::parse("pdf"), None);
        assert_eq!(Format::from_accept("text/csv"), Some(Format::Csv));
        assert_eq!(
            Format::from_accept("application/json, text/csv;q=0.5"),
            Some(Format::Csv)
        );
        assert_eq!(Format::from_accept(XLSX_TYPE), Some(Format::Xlsx));
        assert_eq!(Format::from_accept("*/*"), None);
    }

    #[test]
    fn optional_values_become_empty_cells() {
        assert_eq!(Cell::from(None::<i64>), Cell::Empty);
        assert_eq!(Cell::from(Some(5_i64)), Cell::Integer(5));
        assert_eq!(Cell::from("a"), Cell::Text("a".into()));
    }
}
