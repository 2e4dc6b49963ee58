//! The export of the claim list (`/klaim`, `GET /api/v1/klaim/export`): the claims of the
//! list's filters in the user's scope, as the page shows them (NIK masked), amounts as rupiah
//! numbers and dates as dates.

use axum::response::Response;
use serde_json::json;

use super::{Cell, CellKind, Column, Export, Format};
use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::claims::{ClaimFilter, ClaimView};
use crate::http::AppState;

/// The columns of the claims export.
pub const COLUMNS: &[Column<ClaimView>] = &[
    Column {
        header: "No. klaim",
        kind: CellKind::Text,
        value: |c| Cell::from(&c.number),
    },
    Column {
        header: "No. kasus",
        kind: CellKind::Text,
        value: |c| Cell::from(&c.case_number),
    },
    Column {
        header: "Nama pasien",
        kind: CellKind::Text,
        value: |c| Cell::from(&c.patient_name),
    },
    Column {
        header: "NIK",
        kind: CellKind::Text,
        value: |c| Cell::from(c.patient_nik.as_ref()),
    },
    Column {
        header: "Kab/Kota asal",
        kind: CellKind::Text,
        value: |c| Cell::from(&c.kab_kota_name),
    },
    Column {
        header: "Rumah sakit",
        kind: CellKind::Text,
        value: |c| Cell::from(&c.hospital_name),
    },
    Column {
        header: "Penanggung",
        kind: CellKind::Text,
        value: |c| Cell::from(c.payer_label),
    },
    Column {
        header: "Perawatan sejak",
        kind: CellKind::Date,
        value: |c| Cell::from(c.care_start),
    },
    Column {
        header: "Perawatan sampai",
        kind: CellKind::Date,
        value: |c| Cell::from(c.care_end),
    },
    Column {
        header: "Hari perawatan",
        kind: CellKind::Integer,
        value: |c| Cell::from(c.care_days),
    },
    Column {
        header: "Kode INA-CBG",
        kind: CellKind::Text,
        value: |c| Cell::from(c.ina_cbg_code.as_ref()),
    },
    Column {
        header: "Nilai klaim",
        kind: CellKind::Rupiah,
        value: |c| Cell::from(c.amount_claimed),
    },
    Column {
        header: "Status",
        kind: CellKind::Text,
        value: |c| Cell::from(c.status_label),
    },
    Column {
        header: "Diajukan (WITA)",
        kind: CellKind::DateTime,
        value: |c| Cell::from(c.submitted_at),
    },
    Column {
        header: "Tanggal bayar",
        kind: CellKind::Date,
        value: |c| Cell::from(c.paid_on),
    },
    Column {
        header: "Nilai dibayar",
        kind: CellKind::Rupiah,
        value: |c| Cell::from(c.amount_paid),
    },
];

/// The export of the claim list.
pub fn export() -> Export<ClaimView> {
    Export {
        what: "claims",
        file_stem: "klaim",
        sheet: "Klaim",
        columns: COLUMNS,
    }
}

/// The download of the claims of `filter` (cursor and limit ignored) for `user` as `format`.
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    filter: &ClaimFilter,
    format: Format,
) -> Result<Response, CaseError> {
    let rows = state.cases.stream_claims(user, filter)?;
    let detail = json!({
        "status": filter.status.map(|s| s.as_str()),
        "hospital_id": filter.hospital_id,
        "kab_kota_code": filter.kab_kota_code,
        "from": filter.from,
        "to": filter.to,
    });
    super::respond(state, user, export(), format, detail, rows).await
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn every_column_gives_a_value_of_its_kind() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("a date");
        let claim = ClaimView {
            id: Uuid::nil(),
            number: "KL-2026-000001".into(),
            case_id: Uuid::nil(),
            case_number: "MS-2026-000001".into(),
            patient_name: "Maria".into(),
            patient_nik: Some("5371********0001".into()),
            hospital_id: Uuid::nil(),
            hospital_name: "RSUD".into(),
            payer: "pbpu_pemda",
            payer_label: "PBPU Pemda",
            kab_kota_code: "5371".into(),
            kab_kota_name: "Kota Kupang".into(),
            status: "paid",
            status_label: "Dibayar",
            version: 3,
            care_start: day,
            care_end: day,
            care_days: 1,
            amount_claimed: 25_000_000,
            amount_claimed_text: "Rp25.000.000".into(),
            ina_cbg_code: Some("A-4-10-I".into()),
            document: None,
            return_reason: None,
            paid_on: Some(day),
            amount_paid: Some(24_000_000),
            amount_paid_text: Some("Rp24.000.000".into()),
            payment_reference: None,
            submitted_by: "RSUD".into(),
            submitted_at: Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap(),
            verified_at: None,
            paid_recorded_at: None,
            available_actions: vec![],
        };
        for column in COLUMNS {
            let cell = (column.value)(&claim);
            assert!(cell != Cell::Empty, "{}", column.header);
            assert!(cell.fits(column.kind), "{}: {cell:?}", column.header);
        }
    }
}
