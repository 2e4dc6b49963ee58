//! The XLSX writer: `rust_xlsxwriter` in constant-memory mode on a blocking thread, fed row by
//! row through a bounded channel, into an anonymous temporary file that is then streamed.
//!
//! Constant-memory mode flushes each row to the worksheet's own temporary file as soon as the
//! next one starts, so memory does not grow with the row count; the workbook is then zipped
//! into a file made by `tempfile::tempfile()`, which has no name on disk from the start: it
//! disappears when the download ends or is abandoned, and never outlives the process. Both sit
//! in the system's temporary directory (`TMPDIR`). The response is sent once the file is
//! complete, so a failure is still an error page rather than a truncated file.
//!
//! Cells keep their types: text (NIK, KK and case numbers too) as strings, numbers as numbers
//! (rupiah formatted `"Rp"#,##0`, fractions `0.0`), dates and instants (WITA) as date cells,
//! booleans as booleans. The header row is bold, frozen and carries an autofilter.

use std::io::{Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use futures_util::StreamExt;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use tokio::sync::mpsc;

use super::{Cell, CellKind, CellRows, LogEntry, LogGuard, ROWS_AHEAD, logged_body};
use crate::cases::CaseError;
use crate::domain::action::FieldError;
use crate::domain::sla::wita;

/// Data rows a worksheet holds below its header row.
const MAX_ROWS: u32 = 1_048_575;
/// Characters an XLSX cell holds.
const MAX_TEXT: usize = 32_767;

/// The body of an XLSX download and its length in bytes. Returns once the file is written.
/// A download that fails or is cut off before (the request's time limit) is logged
/// incomplete, with the rows handed to the writer.
pub(super) async fn body(
    sheet: &'static str,
    heads: Vec<(&'static str, CellKind)>,
    mut rows: CellRows,
    log: LogEntry,
) -> Result<(Body, u64), CaseError> {
    let count = Arc::new(AtomicI64::new(0));
    let guard = LogGuard::new(log, count.clone());
    let (tx, rx) = mpsc::channel::<Vec<Cell>>(ROWS_AHEAD);
    let writer = tokio::task::spawn_blocking(move || write(sheet, &heads, rx));
    let mut failure = None;
    while let Some(row) = rows.next().await {
        match row {
            Ok(cells) => {
                if tx.send(cells).await.is_err() {
                    // The writer stopped; its error is below.
                    break;
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| CaseError::Internal(anyhow::Error::from(e)));
    match (failure, written) {
        (None, Ok(Ok((file, length, written)))) => {
            count.store(written, Ordering::Relaxed);
            let file = tokio::fs::File::from_std(file);
            let chunks = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
            Ok((logged_body(chunks.boxed(), Some(length), guard), length))
        }
        (Some(e), _) | (None, Err(e) | Ok(Err(e))) => {
            guard.finish(false).await;
            Err(e)
        }
    }
}

/// The cell formats of a workbook.
struct Formats {
    header: Format,
    date: Format,
    datetime: Format,
    rupiah: Format,
    decimal: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("dd-mm-yyyy"),
            datetime: Format::new().set_num_format("dd-mm-yyyy hh:mm"),
            rupiah: Format::new().set_num_format("\"Rp\"#,##0"),
            decimal: Format::new().set_num_format("0.0"),
        }
    }
}

/// A column's width in characters: its header (and the filter button) or what its kind
/// usually holds.
fn width(header: &str, kind: CellKind) -> f64 {
    let usual = match kind {
        CellKind::Text => 24,
        CellKind::Integer | CellKind::Bool => 8,
        CellKind::Rupiah => 16,
        CellKind::Decimal => 10,
        CellKind::Date => 12,
        CellKind::DateTime => 17,
    };
    (header.chars().count() + 4).max(usual) as f64
}

/// Writes the workbook from the rows received until the channel closes; returns the file
/// (rewound), its length and the number of data rows.
fn write(
    sheet: &str,
    heads: &[(&'static str, CellKind)],
    mut rx: mpsc::Receiver<Vec<Cell>>,
) -> Result<(std::fs::File, u64, i64), CaseError> {
    let internal = |e: XlsxError| CaseError::Internal(anyhow::Error::from(e));
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let worksheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(internal)?;
    worksheet.set_name(sheet).map_err(internal)?;
    for (col, (header, kind)) in heads.iter().enumerate() {
        let col = col as u16;
        worksheet
            .set_column_width(col, width(header, *kind))
            .map_err(internal)?;
        worksheet
            .write_string_with_format(0, col, *header, &formats.header)
            .map_err(internal)?;
    }
    worksheet.set_freeze_panes(1, 0).map_err(internal)?;
    let mut row: u32 = 0;
    while let Some(cells) = rx.blocking_recv() {
        if row == MAX_ROWS {
            return Err(CaseError::Invalid(vec![FieldError {
                field: "format",
                message: "Daftar ini lebih dari 1.048.575 baris, batas satu lembar XLSX; \
                          unduh sebagai CSV atau persempit saringannya."
                    .into(),
            }]));
        }
        row += 1;
        for (col, cell) in cells.iter().enumerate() {
            let kind = heads.get(col).map_or(CellKind::Text, |h| h.1);
            write_cell(worksheet, &formats, row, col as u16, kind, cell).map_err(internal)?;
        }
    }
    let last_col = heads.len().saturating_sub(1) as u16;
    worksheet
        .autofilter(0, 0, row, last_col)
        .map_err(internal)?;
    let mut file = tempfile::tempfile().map_err(|e| CaseError::Internal(e.into()))?;
    workbook.save_to_writer(&mut file).map_err(internal)?;
    let length = file
        .seek(SeekFrom::End(0))
        .and_then(|n| file.seek(SeekFrom::Start(0)).map(|_| n))
        .map_err(|e| CaseError::Internal(e.into()))?;
    Ok((file, length, i64::from(row)))
}

/// Writes one cell with its type and the column's format.
fn write_cell(
    worksheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    kind: CellKind,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) if s.chars().count() > MAX_TEXT => {
            let cut: String = s.chars().take(MAX_TEXT).collect();
            worksheet.write_string(row, col, cut)?;
        }
        Cell::Text(s) => {
            worksheet.write_string(row, col, s)?;
        }
        // Whole numbers up to 2^53 are exact in a spreadsheet's float, far beyond any count or
        // amount of rupiah here.
        Cell::Integer(n) if kind == CellKind::Rupiah => {
            worksheet.write_number_with_format(row, col, *n as f64, &formats.rupiah)?;
        }
        Cell::Integer(n) => {
            worksheet.write_number(row, col, *n as f64)?;
        }
        Cell::Number(x) => {
            worksheet.write_number_with_format(row, col, *x, &formats.decimal)?;
        }
        Cell::Date(d) => {
            worksheet.write_datetime_with_format(row, col, d, &formats.date)?;
        }
        Cell::DateTime(t) => {
            let local = t.with_timezone(&wita()).naive_local();
            worksheet.write_datetime_with_format(row, col, local, &formats.datetime)?;
        }
        Cell::Bool(b) => {
            worksheet.write_boolean(row, col, *b)?;
        }
    }
    Ok(())
}
