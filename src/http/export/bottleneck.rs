//! The export of the bottleneck table (`/hambatan`): one row per desk × kab/kota or desk ×
//! hospital, the figures the page shows. Aggregates only, no personal data.

use super::{Cell, CellKind, Column, Export};
use crate::cases::bottleneck::DeskRow;

/// The columns of the desk table.
pub const COLUMNS: &[Column<DeskRow>] = &[
    Column {
        header: "Meja",
        kind: CellKind::Text,
        value: |r| Cell::from(&r.desk),
    },
    Column {
        header: "Kode kelompok",
        kind: CellKind::Text,
        value: |r| Cell::from(r.place.code()),
    },
    Column {
        header: "Kab/Kota atau rumah sakit",
        kind: CellKind::Text,
        value: |r| Cell::from(r.place.name()),
    },
    Column {
        header: "Di meja sekarang",
        kind: CellKind::Integer,
        value: |r| Cell::from(r.open),
    },
    Column {
        header: "Terlambat",
        kind: CellKind::Integer,
        value: |r| Cell::from(r.overdue),
    },
    Column {
        header: "Median hari kerja",
        kind: CellKind::Decimal,
        value: |r| Cell::from(r.median_days),
    },
    Column {
        header: "P90 hari kerja",
        kind: CellKind::Decimal,
        value: |r| Cell::from(r.p90_days),
    },
    Column {
        header: "Kasus dihitung",
        kind: CellKind::Integer,
        value: |r| Cell::from(r.stays),
    },
];

/// The export of the desk table.
pub fn export() -> Export<DeskRow> {
    Export {
        what: "bottlenecks",
        file_stem: "hambatan",
        sheet: "Hambatan",
        columns: COLUMNS,
    }
}
