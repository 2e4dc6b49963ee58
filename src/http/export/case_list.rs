//! The exports of the case lists (queue, hospital cases, monitoring): the columns of
//! [`ListEntry`], the same row the pages show, NIK masked.

use axum::response::Response;

use super::{Cell, CellKind, Column, Export, Format};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::lists::{ListEntry, ListForm, ListKind};
use crate::http::AppState;

/// The columns of every case list export.
pub const COLUMNS: &[Column<ListEntry>] = &[
    Column {
        header: "No. kasus",
        kind: CellKind::Text,
        value: |e| Cell::from(&e.number),
    },
    Column {
        header: "Nama pasien",
        kind: CellKind::Text,
        value: |e| Cell::from(&e.name),
    },
    Column {
        header: "NIK",
        kind: CellKind::Text,
        value: |e| Cell::from(&e.nik),
    },
    Column {
        header: "Kab/Kota asal",
        kind: CellKind::Text,
        value: |e| Cell::from(&e.kab),
    },
    Column {
        header: "Rumah sakit",
        kind: CellKind::Text,
        value: |e| Cell::from(&e.hospital),
    },
    Column {
        header: "Status",
        kind: CellKind::Text,
        value: |e| Cell::from(e.state),
    },
    Column {
        header: "Meja",
        kind: CellKind::Text,
        value: |e| Cell::from(e.desk),
    },
    Column {
        header: "Hari kerja di meja",
        kind: CellKind::Integer,
        value: |e| Cell::from(e.days),
    },
    Column {
        header: "Batas waktu",
        kind: CellKind::Date,
        value: |e| Cell::from(e.due_date),
    },
    Column {
        header: "Terlambat",
        kind: CellKind::Bool,
        value: |e| Cell::from(e.overdue),
    },
    Column {
        header: "Tanggal masuk RS",
        kind: CellKind::Date,
        value: |e| Cell::from(e.admission_date),
    },
    Column {
        header: "Terdaftar (WITA)",
        kind: CellKind::DateTime,
        value: |e| Cell::from(e.registered_at),
    },
    Column {
        header: "Plafon jaminan",
        kind: CellKind::Rupiah,
        value: |e| Cell::from(e.guarantee_ceiling),
    },
];

/// The export of the list `kind`.
pub fn export(kind: ListKind) -> Export<ListEntry> {
    let (file_stem, sheet) = match kind {
        ListKind::Queue => ("antrean", "Antrean saya"),
        ListKind::Mine => ("kasus-rumah-sakit", "Kasus rumah sakit"),
        ListKind::Monitoring => ("pemantauan", "Pemantauan kasus"),
    };
    Export {
        what: kind.code(),
        file_stem,
        sheet,
        columns: COLUMNS,
    }
}

/// The download of the list `kind` for `user` with the filters of `form` (the page's kept
/// search, or the API's parameters), as `format`.
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    kind: ListKind,
    form: &ListForm,
    format: Format,
) -> Result<Response, CaseError> {
    let criteria = state.cases.list_criteria(user, kind, form).await?;
    let filter = criteria.filter(kind, state.clock.today());
    let rows = state.cases.stream_list(user, kind, filter).await?;
    super::respond(
        state,
        user,
        export(kind),
        format,
        criteria.log_detail(),
        rows,
    )
    .await
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn every_column_gives_a_value_of_its_kind() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("a date");
        let entry = ListEntry {
            id: Uuid::nil(),
            number: "MS-2026-000001".into(),
            name: "Maria".into(),
            nik: "5371********0001".into(),
            kab: "Kota Kupang".into(),
            hospital: "RSUD".into(),
            state: "Verifikasi NIK",
            desk: "Disdukcapil",
            days: 2,
            due_date: Some(day),
            overdue: true,
            admission_date: day,
            registered_at: Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap(),
            guarantee_ceiling: Some(25_000_000),
        };
        for column in COLUMNS {
            let cell = (column.value)(&entry);
            assert!(cell != Cell::Empty, "{}", column.header);
            assert!(cell.fits(column.kind), "{}: {cell:?}", column.header);
        }
    }
}
