//! Background work (`/admin/tugas-latar`): how many jobs wait, have failed for good and were
//! done in the last week, the failed ones with their last error, and "Coba lagi" to put a
//! failed job back in the queue. No payload is shown: kinds, counts, times and errors only
//! (the worker strips addresses from errors before it stores them).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::jobs::{self, Counts, JobKind, JobRow};
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, filters, flash, render};

/// How many failed (and retrying) jobs the page lists.
const LISTED: i64 = 100;
/// The period of the "done" count.
const DONE_DAYS: i64 = 7;

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    ctx: Ctx,
    counts: Counts,
    done_days: i64,
    failed: Vec<JobRow>,
    retrying: Vec<JobRow>,
}

impl JobsPage {
    /// A job kind's name on the page.
    fn kind_label(&self, code: &str) -> &'static str {
        JobKind::parse(code).map_or("Lainnya", |k| k.label())
    }
}

pub(super) async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let since = state.clock.now() - chrono::Duration::days(DONE_DAYS);
    let page = JobsPage {
        ctx,
        counts: jobs::counts(&state.pool, since).await?,
        done_days: DONE_DAYS,
        failed: jobs::list_failed(&state.pool, LISTED).await?,
        retrying: jobs::list_retrying(&state.pool, LISTED).await?,
    };
    render(&page)
}

pub(super) async fn retry(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let mut tx = state.pool.begin().await?;
    let message = if jobs::retry(&mut *tx, id, state.clock.now()).await? {
        audit::record(
            &mut *tx,
            Some(me.id),
            "job.retry",
            Some(&id.to_string()),
            serde_json::json!({}),
        )
        .await?;
        format!("Tugas #{id} dijadwalkan ulang dan akan segera dicoba lagi.")
    } else {
        format!("Tugas #{id} tidak ada di daftar gagal (mungkin sudah dicoba lagi).")
    };
    tx.commit().await?;
    flash(&session, message).await?;
    Ok(Redirect::to("/admin/tugas-latar").into_response())
}
