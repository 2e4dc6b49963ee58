//! The per-patient access history (`/audit/pasien/unduh`): every access to one patient's cases
//! (UU 27/2022 Pasal 32), as the auditor's printable page lists it. No case content: who, role,
//! agency, when, what, from where.

use super::{Cell, CellKind, Column, Export};
use crate::db::access_log::{AccessKind, AccessRow};
use crate::domain::Role;

fn role_of(r: &AccessRow) -> Option<Role> {
    r.role.parse::<Role>().ok()
}

/// The columns of the history.
pub const COLUMNS: &[Column<AccessRow>] = &[
    Column {
        header: "Waktu",
        kind: CellKind::DateTime,
        value: |r| Cell::from(r.at),
    },
    Column {
        header: "Nama pengguna",
        kind: CellKind::Text,
        value: |r| Cell::from(&r.username),
    },
    Column {
        header: "Nama",
        kind: CellKind::Text,
        value: |r| Cell::from(&r.display_name),
    },
    Column {
        header: "Peran",
        kind: CellKind::Text,
        value: |r| Cell::from(role_of(r).map_or("—", |x| x.label())),
    },
    Column {
        header: "Instansi",
        kind: CellKind::Text,
        value: |r| Cell::from(role_of(r).map_or("—", |x| x.agency())),
    },
    Column {
        header: "Kegiatan",
        kind: CellKind::Text,
        value: |r| Cell::from(AccessKind::parse(&r.kind).map_or("—", |k| k.label())),
    },
    Column {
        header: "Bagian",
        kind: CellKind::Text,
        value: |r| Cell::from(&r.what),
    },
    Column {
        header: "Nomor kasus",
        kind: CellKind::Text,
        value: |r| Cell::from(r.case_number.clone()),
    },
    Column {
        header: "Saluran",
        kind: CellKind::Text,
        value: |r| Cell::from(&r.via),
    },
    Column {
        header: "Alamat IP",
        kind: CellKind::Text,
        value: |r| Cell::from(r.client_ip.clone()),
    },
    Column {
        header: "Alasan",
        kind: CellKind::Text,
        value: |r| Cell::from(r.reason.clone()),
    },
];

/// The export of a patient's access history.
pub fn export() -> Export<AccessRow> {
    Export {
        what: "access_history",
        file_stem: "riwayat-akses-pasien",
        sheet: "Riwayat akses",
        columns: COLUMNS,
    }
}
