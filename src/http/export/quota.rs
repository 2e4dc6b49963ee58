//! The export of a year's quota table (`/kuota`, `GET /api/v1/kuota/export`): one row per
//! payer the user sees, its guarantee budget in rupiah and its PBPU Pemda quota in people,
//! as the page shows them. Aggregates only; a few dozen payers, handed on from memory.

use axum::response::Response;
use serde_json::json;

use super::{Cell, CellKind, Column, Export, Format};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::quota::QuotaLine;
use crate::http::AppState;

/// The columns of the quota export.
pub const COLUMNS: &[Column<QuotaLine>] = &[
    Column {
        header: "Penanggung",
        kind: CellKind::Text,
        value: |l| Cell::from(&l.label),
    },
    Column {
        header: "Kode",
        kind: CellKind::Text,
        value: |l| Cell::from(&l.code),
    },
    Column {
        header: "Pagu jaminan",
        kind: CellKind::Rupiah,
        value: |l| Cell::from(l.guarantee.limit),
    },
    Column {
        header: "Terpakai (disetujui)",
        kind: CellKind::Rupiah,
        value: |l| Cell::from(l.guarantee.used),
    },
    Column {
        header: "Sisa pagu",
        kind: CellKind::Rupiah,
        value: |l| Cell::from(l.guarantee.remaining),
    },
    Column {
        header: "Persetujuan jaminan",
        kind: CellKind::Integer,
        value: |l| Cell::from(l.guarantee.approvals),
    },
    Column {
        header: "Melebihi pagu",
        kind: CellKind::Integer,
        value: |l| Cell::from(l.guarantee.over_quota_approvals),
    },
    Column {
        header: "Kuota PBPU Pemda (orang)",
        kind: CellKind::Integer,
        value: |l| Cell::from(l.pbpu_pemda.limit),
    },
    Column {
        header: "Terdaftar PBPU",
        kind: CellKind::Integer,
        value: |l| Cell::from(l.pbpu_pemda.used),
    },
    Column {
        header: "Sisa kuota PBPU",
        kind: CellKind::Integer,
        value: |l| Cell::from(l.pbpu_pemda.remaining),
    },
];

/// The export of a year's quota table.
pub fn export() -> Export<QuotaLine> {
    Export {
        what: "quota",
        file_stem: "kuota",
        sheet: "Kuota",
        columns: COLUMNS,
    }
}

/// The download of `year`'s quota table for `user`, as `format`.
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    format: Format,
) -> Result<Response, CaseError> {
    let quota = state.cases.quota_year(user, year).await?;
    let detail = json!({"year": year});
    super::respond_read(state, user, export(), format, detail, quota.items).await
}
