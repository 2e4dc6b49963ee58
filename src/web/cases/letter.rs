//! The printable temporary guarantee letter (Surat Jaminan Sementara) of a guaranteed case:
//! its values from the case (class of care, payer, period, ceiling in rupiah), dated with the
//! approval, one page on A4 and on US Letter (`@page surat` in `static/app.css`), a print
//! button where scripts run, and — when the service knows its public address — a QR code that
//! opens the letter's public verification page ([`crate::web::verification`]).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::letter::Letter;
use crate::domain::money::format_rupiah;
use crate::domain::{WardClass, locale};
use crate::http::letter_verification_link;
use crate::web::error::AppError;
use crate::web::verification;
use crate::web::{AppState, render};

#[derive(Template)]
#[template(path = "cases/letter.html")]
struct LetterPage {
    l: Letter,
    payer: String,
    nik: String,
    ward_class: String,
    ceiling: Option<String>,
    /// The approval date in words: `4 Desember 2026`.
    letter_date: String,
    /// The QR code (inline SVG) and the address it carries; `None` without a public address.
    qr: Option<(String, String)>,
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
    let l = state.cases.letter(&user, id, "web").await?;
    let v = &l.detail.view;
    let payer = payer_name(
        l.detail.case.payer.as_deref(),
        &v.patient.domicile_kab_kota_name,
    );
    let nik = v.patient.nik.clone().unwrap_or_else(|| "—".into());
    let ward_class = v
        .episode
        .ward_class
        .parse::<WardClass>()
        .map_or_else(|_| v.episode.ward_class.clone(), |w| w.label().to_string());
    let ceiling = l.detail.case.guarantee_ceiling.map(format_rupiah);
    let qr = state.settings.public_url.as_deref().and_then(|public| {
        let url = letter_verification_link(public, &l.token);
        verification::qr_svg(&url).map(|svg| (svg, url))
    });
    render(&LetterPage {
        letter_date: locale::long_date(l.approved_on),
        payer,
        nik,
        ward_class,
        ceiling,
        qr,
        l,
    })
}
