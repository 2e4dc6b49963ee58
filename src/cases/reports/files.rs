//! A report's downloads, written from its [`Table`]s: an XLSX workbook with one worksheet per
//! table (counts and amounts as numbers, dates and times as Excel dates in WITA), and a CSV
//! file per table (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read the
//! accents, numbers with a dot, dates `YYYY-MM-DD`). Reports are a few dozen rows, so both are
//! built in memory; the streaming exports of long lists are another module's.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

use super::figures::{Cell, Table};
use crate::domain::{locale, sla};

/// The workbook of `tables`, one worksheet each, in order.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(13);
    let header = Format::new()
        .set_bold()
        .set_background_color("#F3F5F7")
        .set_text_wrap();
    let text = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let count = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("\"Rp\"#,##0");
    let days = Format::new().set_num_format("0.0");
    let date = Format::new()
        .set_num_format("dd-mm-yyyy")
        .set_align(FormatAlign::Left);
    let time = Format::new()
        .set_num_format("dd-mm-yyyy hh:mm \"WITA\"")
        .set_align(FormatAlign::Left);
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(table.sheet)?;
        sheet.write_string_with_format(0, 0, table.title, &title)?;
        for (c, column) in table.columns.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(2, c, *column, &header)?;
            let width = if c == 0 || table.columns.len() == 2 {
                40.0
            } else {
                18.0
            };
            sheet.set_column_width(c, width)?;
        }
        for (r, row) in table.all_rows().enumerate() {
            let r = u32::try_from(r + 3).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(s) => sheet.write_string_with_format(r, c, s, &text)?,
                    Cell::Count(n) => sheet.write_number_with_format(r, c, *n as f64, &count)?,
                    // Whole rupiah below 2^53: exact as a spreadsheet number.
                    Cell::Money(m) => sheet.write_number_with_format(r, c, m.0 as f64, &money)?,
                    Cell::Days(d) => sheet.write_number_with_format(r, c, *d, &days)?,
                    Cell::Date(d) => sheet.write_datetime_with_format(r, c, *d, &date)?,
                    Cell::Time(t) => sheet.write_datetime_with_format(
                        r,
                        c,
                        t.with_timezone(&sla::wita()).naive_local(),
                        &time,
                    )?,
                    Cell::Empty => sheet,
                };
            }
        }
        sheet.set_freeze_panes(3, 0)?;
    }
    book.save_to_buffer()
}

/// The CSV file of `table`: a header row, the data rows and the totals.
pub fn csv(table: &Table) -> String {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = table.columns.iter().map(|c| field(c)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in table.all_rows() {
        let cells: Vec<String> = row.iter().map(csv_value).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A cell as CSV: numbers plain (`25000000`, `3.5`), dates ISO, times ISO in WITA.
fn csv_value(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => field(s),
        Cell::Count(n) => n.to_string(),
        Cell::Money(m) => m.0.to_string(),
        Cell::Days(d) => format!("{d:.1}"),
        Cell::Date(d) => d.to_string(),
        Cell::Time(t) => t
            .with_timezone(&sla::wita())
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Cell::Empty => String::new(),
    }
}

/// A text field, as every CSV of the service encodes it ([`locale::push_csv_text`]).
fn field(s: &str) -> String {
    let mut out = String::new();
    locale::push_csv_text(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rupiah;

    fn table() -> Table {
        Table {
            key: "uji",
            title: "Uji",
            sheet: "Uji",
            columns: vec!["Nama", "Jumlah", "Dibayar (Rp)"],
            rows: vec![
                vec![
                    Cell::Text("RSUD \"Kupang\", NTT".into()),
                    Cell::Count(2),
                    Cell::Money(Rupiah(25_000_000)),
                ],
                vec![Cell::Text("=SUM(A1)".into()), Cell::Count(0), Cell::Empty],
            ],
            footer: Some(vec![
                Cell::Text("Jumlah".into()),
                Cell::Count(2),
                Cell::Days(3.5),
            ]),
        }
    }

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let csv = csv(&table());
        assert_eq!(
            csv,
            "\u{feff}Nama,Jumlah,Dibayar (Rp)\r\n\
             \"RSUD \"\"Kupang\"\", NTT\",2,25000000\r\n\
             '=SUM(A1),0,\r\n\
             Jumlah,2,3.5\r\n"
        );
    }

    #[test]
    fn workbook_is_a_zip() {
        let bytes = xlsx(&[table()]).expect("a workbook");
        assert!(bytes.starts_with(b"PK"));
    }
}
