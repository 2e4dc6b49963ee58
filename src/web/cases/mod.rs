//! The case pages, by family: intake and edit ([`intake`]), the case page with its actions
//! ([`page`]), documents ([`documents`]), the guarantee letter ([`letter`]) and the lists
//! ([`lists`]). Handlers parse the form once into a typed value, call the case service, then
//! render or redirect; a refused submit re-renders the form with what was typed.

mod documents;
mod intake;
mod letter;
mod lists;
mod page;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_sessions::Session;

use super::error::AppError;
use super::middleware::{CSRF_FIELD, csrf_matches};
use super::{AppState, access};
use crate::http::multipart::MultipartForm;

/// The case routes: hospital-only ones, and those of every case role.
pub fn router(state: &AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let rsud = access::require(
        Router::new()
            .route(
                "/kasus/baru",
                get(intake::new_page)
                    .post(intake::create)
                    .layer(DefaultBodyLimit::max(4 * max + 256 * 1024)),
            )
            .route(
                "/kasus/{id}/ubah",
                get(intake::edit_page).post(intake::update),
            )
            .route(
                "/kasus/{id}/dokumen",
                post(documents::upload).layer(DefaultBodyLimit::max(2 * max + 64 * 1024)),
            )
            .route(
                "/kasus-saya",
                get(lists::my_cases).post(lists::my_cases_search),
            )
            .route("/kasus-saya/unduh", get(lists::my_cases_download)),
        access::RSUD,
    );
    let monitors = access::require(
        Router::new()
            .route(
                "/pemantauan",
                get(lists::monitoring).post(lists::monitoring_search),
            )
            .route("/pemantauan/unduh", get(lists::monitoring_download)),
        access::MONITORS,
    );
    let queues = access::require(
        Router::new().route("/antrean/unduh", get(lists::queue_download)),
        access::QUEUE_ROLES,
    );
    let all = access::require(
        Router::new()
            .route("/antrean", get(lists::queue).post(lists::queue_search))
            .route("/kasus/{id}", get(page::show))
            .route("/kasus/{id}/ungkap", post(page::reveal))
            .route("/kasus/{id}/tindakan/{action}", post(page::act))
            .route(
                "/kasus/{id}/dokumen/{document_id}",
                get(documents::download),
            )
            .route("/kasus/{id}/surat-jaminan", get(letter::show)),
        access::CASE_ROLES,
    );
    rsud.merge(monitors).merge(queues).merge(all)
}

/// The CSRF check of a multipart form (URL-encoded forms are checked by the CSRF layer, which
/// cannot read a multipart body without buffering it).
pub(crate) async fn check_csrf(session: &Session, form: &MultipartForm) -> Result<(), AppError> {
    let given = form.values.get(CSRF_FIELD).map_or("", String::as_str);
    if csrf_matches(session, given).await {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.".into(),
        ))
    }
}

/// The `version` field of a form (the version of the case the user saw); 0 when missing, which
/// no case has, so a missing version is answered as "changed by someone else".
pub(crate) fn version_field(values: &std::collections::HashMap<String, String>) -> i32 {
    values
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
