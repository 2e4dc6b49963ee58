//! The export of the list of reports (`/laporan`): every version the user may read, with its
//! period, kind, scope, status, due date, who finalised it and when, and whether it is
//! overdue. No personal data. The list is one row per report version (a few per month), read
//! and filtered by the service as the page is, so it is handed on from memory.

use axum::response::Response;
use serde_json::json;

use super::{Cell, CellKind, Column, Export, Format};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::reports::ReportLine;
use crate::http::AppState;

/// The columns of the reports export.
pub const COLUMNS: &[Column<ReportLine>] = &[
    Column {
        header: "Laporan",
        kind: CellKind::Text,
        value: |l| Cell::from(l.kind.label()),
    },
    Column {
        header: "Cakupan",
        kind: CellKind::Text,
        value: |l| Cell::from(l.scope()),
    },
    Column {
        header: "Kode rumah sakit",
        kind: CellKind::Text,
        value: |l| Cell::from(l.row.hospital_code.as_ref()),
    },
    Column {
        header: "Periode",
        kind: CellKind::Text,
        value: |l| Cell::from(l.period.label()),
    },
    Column {
        header: "Awal periode",
        kind: CellKind::Date,
        value: |l| Cell::from(l.period.start),
    },
    Column {
        header: "Akhir periode",
        kind: CellKind::Date,
        value: |l| Cell::from(l.period.end),
    },
    Column {
        header: "Versi",
        kind: CellKind::Integer,
        value: |l| Cell::from(i64::from(l.row.version)),
    },
    Column {
        header: "Status",
        kind: CellKind::Text,
        value: |l| Cell::from(l.status.label()),
    },
    Column {
        header: "Batas waktu",
        kind: CellKind::Date,
        value: |l| Cell::from(l.due_date),
    },
    Column {
        header: "Terlambat",
        kind: CellKind::Bool,
        value: |l| Cell::from(l.overdue),
    },
    Column {
        header: "Difinalkan oleh",
        kind: CellKind::Text,
        value: |l| Cell::from(l.row.finalised_by_name.as_ref()),
    },
    Column {
        header: "Difinalkan (WITA)",
        kind: CellKind::DateTime,
        value: |l| Cell::from(l.row.finalised_at),
    },
];

/// The export of the list of reports.
pub fn export() -> Export<ReportLine> {
    Export {
        what: "reports",
        file_stem: "laporan",
        sheet: "Laporan",
        columns: COLUMNS,
    }
}

/// The download of the reports `user` may read, as `format`.
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    format: Format,
) -> Result<Response, CaseError> {
    let lines = state.cases.reports(user).await?;
    super::respond_read(state, user, export(), format, json!({}), lines).await
}
