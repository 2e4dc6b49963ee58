//! The export of the list of nominative batches (`/nominatif`, `GET
//! /api/v1/nominatif/export`): one row per batch as the list shows it, with the beneficiaries
//! in the reader's scope. No personal data (the decree annex, with names and NIK, is the
//! batch's own XLSX). A few batches a month, read as the page reads them, handed on from
//! memory.

use axum::response::Response;
use serde_json::json;

use super::{Cell, CellKind, Column, Export, Format};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::nominatif::BatchView;
use crate::http::AppState;

/// The columns of the batch list export.
pub const COLUMNS: &[Column<BatchView>] = &[
    Column {
        header: "Nomor",
        kind: CellKind::Text,
        value: |b| Cell::from(&b.number),
    },
    Column {
        header: "Status",
        kind: CellKind::Text,
        value: |b| Cell::from(b.status_label),
    },
    Column {
        header: "Dasar",
        kind: CellKind::Text,
        value: |b| Cell::from(b.basis_label),
    },
    Column {
        header: "Periode sejak",
        kind: CellKind::Date,
        value: |b| Cell::from(b.period_start),
    },
    Column {
        header: "Periode sampai",
        kind: CellKind::Date,
        value: |b| Cell::from(b.period_end),
    },
    Column {
        header: "Penanggung biaya",
        kind: CellKind::Text,
        value: |b| Cell::from(b.payer_label),
    },
    Column {
        header: "Jumlah penerima",
        kind: CellKind::Integer,
        value: |b| Cell::from(b.rows),
    },
    Column {
        header: "Nomor Keputusan Gubernur",
        kind: CellKind::Text,
        value: |b| Cell::from(b.decree_number.as_ref()),
    },
    Column {
        header: "Tanggal keputusan",
        kind: CellKind::Date,
        value: |b| Cell::from(b.decree_date),
    },
    Column {
        header: "Dibuat oleh",
        kind: CellKind::Text,
        value: |b| Cell::from(&b.created_by),
    },
    Column {
        header: "Dibuat (WITA)",
        kind: CellKind::DateTime,
        value: |b| Cell::from(b.created_at),
    },
];

/// The export of the batch list.
pub fn export() -> Export<BatchView> {
    Export {
        what: "nominatif_batches",
        file_stem: "daftar-nominatif",
        sheet: "Daftar nominatif",
        columns: COLUMNS,
    }
}

/// The download of the batches `user` may read, as `format`.
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    format: Format,
) -> Result<Response, CaseError> {
    let batches = state.cases.nominatif_list(user).await?;
    super::respond_read(state, user, export(), format, json!({}), batches).await
}
