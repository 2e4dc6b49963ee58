//! The CSV writer: rows encoded as they arrive, straight into the response body.
//!
//! Decisions (docs/architecture.md, "Exports"):
//! - UTF-8 with a byte-order mark: without it Excel reads the file as the system code page and
//!   garbles names with non-ASCII letters; spreadsheet programs and CSV libraries skip it.
//! - Comma as separator and CRLF line ends (RFC 4180), fields quoted only when they hold a
//!   comma, a quote or a line break, quotes doubled. An Indonesian-locale Excel splits on `;`
//!   when a CSV is double-clicked; the XLSX download is the one for Excel, CSV the one for
//!   other programs, so CSV keeps the standard rather than one locale's habit.
//! - Formula injection (OWASP "CSV injection"): a text cell starting with `=`, `+`, `-`, `@`,
//!   tab or carriage return gets a leading `'`, so a spreadsheet shows it as text instead of
//!   running it. Numbers are written as plain digits (no thousands separator) and stay numbers.
//! - Fractions with one decimal and a decimal point (`2.5`): the precision the pages show, in
//!   the notation programs read.
//! - Dates `YYYY-MM-DD`, instants `YYYY-MM-DD HH:MM` in WITA (the header says so), booleans
//!   `Ya`/`Tidak`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::{Body, Bytes};
use futures_util::StreamExt;

use super::{Cell, CellKind, CellRows, LogEntry, LogGuard, ROWS_AHEAD, logged_body};
use crate::domain::locale::push_csv_text;
use crate::domain::sla::wita;

/// The byte-order mark that tells Excel the file is UTF-8.
const BOM: &str = "\u{feff}";

/// The body of a CSV download: the header line, then the rows in chunks of up to
/// [`ROWS_AHEAD`] rows as they are ready.
pub(super) fn body(heads: Vec<(&'static str, CellKind)>, rows: CellRows, log: LogEntry) -> Body {
    let count = Arc::new(AtomicI64::new(0));
    let guard = LogGuard::new(log, count.clone());
    let mut header = String::from(BOM);
    let titles: Vec<Cell> = heads.iter().map(|(h, _)| Cell::from(*h)).collect();
    line(&mut header, &titles);
    let chunks = rows.ready_chunks(ROWS_AHEAD).map(move |batch| {
        let mut out = String::with_capacity(batch.len() * 160);
        let mut n = 0;
        for row in batch {
            match row {
                Ok(cells) => {
                    line(&mut out, &cells);
                    n += 1;
                }
                Err(e) => {
                    let e = anyhow::Error::from(e);
                    tracing::error!(error = %format!("{e:#}"), "CSV export stopped");
                    return Err(std::io::Error::other("export stopped"));
                }
            }
        }
        count.fetch_add(n, Ordering::Relaxed);
        Ok(Bytes::from(out))
    });
    let all = futures_util::stream::once(async move { Ok(Bytes::from(header)) }).chain(chunks);
    logged_body(all.boxed(), None, guard)
}

/// Appends one CSV line (CRLF-terminated).
fn line(out: &mut String, cells: &[Cell]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, cell);
    }
    out.push_str("\r\n");
}

/// Appends one field.
fn field(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => push_csv_text(out, s),
        Cell::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        Cell::Number(x) => {
            let _ = write!(out, "{x:.1}");
        }
        Cell::Date(d) => {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
        Cell::DateTime(t) => {
            let _ = write!(out, "{}", t.with_timezone(&wita()).format("%Y-%m-%d %H:%M"));
        }
        Cell::Bool(b) => out.push_str(if *b { "Ya" } else { "Tidak" }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn encoded(cells: &[Cell]) -> String {
        let mut out = String::new();
        line(&mut out, cells);
        out
    }

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(
            encoded(&[
                Cell::from("Ana"),
                Cell::from("Kupang, NTT"),
                Cell::from("dia \"Nona\""),
                Cell::from("dua\nbaris"),
                Cell::Empty,
            ]),
            "Ana,\"Kupang, NTT\",\"dia \"\"Nona\"\"\",\"dua\nbaris\",\r\n"
        );
    }

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            encoded(&[
                Cell::from("=HYPERLINK(\"http://x\")"),
                Cell::from("+62"),
                Cell::from("-1"),
                Cell::from("@SUM(A1)"),
                Cell::from("\tx"),
                Cell::Integer(-5),
                Cell::Integer(25_000_000),
            ]),
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+62,'-1,'@SUM(A1),'\tx,-5,25000000\r\n"
        );
    }

    #[test]
    fn dates_times_in_wita_and_booleans_in_indonesian() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
        // 2026-12-04 17:30 UTC is 2026-12-05 01:30 WITA.
        let at = Utc.with_ymd_and_hms(2026, 12, 4, 17, 30, 0).unwrap();
        assert_eq!(
            encoded(&[
                Cell::Date(day),
                Cell::DateTime(at),
                Cell::Bool(true),
                Cell::Bool(false)
            ]),
            "2026-12-05,2026-12-05 01:30,Ya,Tidak\r\n"
        );
    }
}
