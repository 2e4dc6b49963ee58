//! The kabupaten/kota of NTT (read only: they come with the migrations).

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::db::{self, reference::KabKota};
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, render};

#[derive(Template)]
#[template(path = "admin/kabkota.html")]
struct KabKotaPage {
    ctx: Ctx,
    kab_kota: Vec<KabKota>,
}

pub(super) async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let kab_kota = db::reference::list_kab_kota(&state.pool).await?;
    render(&KabKotaPage { ctx, kab_kota })
}
