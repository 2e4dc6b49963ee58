//! The case pages, by family: intake and edit ([`intake`]), the case page with its actions
//! ([`page`]), documents ([`documents`]), the families' status codes ([`status_code`]), the guarantee letter ([`letter`]) and the lists
//! ([`lists`]). Handlers parse the form once into a typed value, call the case service, then
//! render or redirect; a refused submit re-renders the form with what was typed.

mod documents;
mod intake;
mod letter;
mod lists;
mod page;
mod status_code;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::{AppState, access};

/// The case routes: hospital-only ones, and those of every case role.
pub fn router(state: &AppState) -> Router<AppState> {
    let max = state.settings.max_upload_mb * 1024 * 1024;
    let rsud = access::require(
        Router::new()
            .route(
                "/kasus/baru",
                get(intake::new_page)
                    .post(intake::create)
                    .layer(DefaultBodyLimit::max(super::middleware::max_form_bytes(
                        &state.settings,
                    )))
                    .layer(axum::middleware::from_fn(super::offline::draft_reply)),
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
                "/kasus/{id}/dokumen/{document_id}/ganti",
                post(documents::replace).layer(DefaultBodyLimit::max(2 * max + 64 * 1024)),
            )
            .route(
                "/kasus/{id}/dokumen/{document_id}/hapus",
                post(documents::remove),
            )
            .route(
                "/kasus-saya",
                get(lists::my_cases).post(lists::my_cases_search),
            )
            .route("/kasus-saya/unduh", get(lists::my_cases_download))
            .route("/kasus/{id}/kode-status", post(status_code::issue))
            .route("/kasus/{id}/kode-status/cabut", post(status_code::revoke)),
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
            .route(
                "/kasus/{id}/tindakan/{action}",
                post(page::act).layer(DefaultBodyLimit::max(2 * max + 64 * 1024)),
            )
            .route(
                "/kasus/{id}/dokumen/{document_id}",
                get(documents::download),
            )
            .route("/kasus/{id}/surat-jaminan", get(letter::show)),
        access::CASE_ROLES,
    );
    rsud.merge(monitors).merge(queues).merge(all)
}

/// The `version` field of a form (the version of the case the user saw); 0 when missing, which
/// no case has, so a missing version is answered as "changed by someone else".
pub(crate) fn version_field(values: &std::collections::HashMap<String, String>) -> i32 {
    values
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
