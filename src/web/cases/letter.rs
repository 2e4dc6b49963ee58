//! The printable temporary guarantee letter (Surat Jaminan Sementara) of a guaranteed case.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::CaseDetail;
use crate::web::error::AppError;
use crate::web::{AppState, render};

#[derive(Template)]
#[template(path = "cases/letter.html")]
struct LetterPage {
    d: CaseDetail,
    today: NaiveDate,
    payer: String,
    nik: String,
}

/// Who pays, as the letter names it. Kab/kota names are stored bare ("Sikka") except the city
/// ("Kota Kupang").
fn payer_name(payer: Option<&str>, domicile: &str) -> String {
    match payer {
        Some("pemkab_asal") if domicile.starts_with("Kota ") => format!("Pemerintah {domicile}"),
        Some("pemkab_asal") => format!("Pemerintah Kabupaten {domicile}"),
        _ => "Pemerintah Provinsi Nusa Tenggara Timur (APBD)".to_string(),
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let d = state.cases.detail(&user, id, "web").await?;
    let Some(g) = &d.view.guarantee else {
        return Err(AppError::Conflict(
            "Surat jaminan hanya tersedia untuk kasus yang jaminannya sudah disetujui.".into(),
        ));
    };
    let payer = payer_name(g.payer.as_deref(), &d.view.patient.domicile_kab_kota_name);
    let nik = d.view.patient.nik.clone().unwrap_or_else(|| "—".into());
    render(&LetterPage {
        today: state.clock.today(),
        payer,
        nik,
        d,
    })
}
