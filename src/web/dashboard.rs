//! The dashboard (`/dasbor`): the figures of [`crate::cases::dashboard`] for the caller's scope,
//! each as an SVG chart and a table of the same numbers.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use super::{AppState, Ctx, access, charts, render};
use crate::auth::CurrentUser;
use crate::cases::dashboard::Dashboard;
use crate::db::figures::Count;
use crate::domain::locale;
use crate::web::error::AppError;

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new().route("/dasbor", get(dashboard)),
        access::CASE_ROLES,
    )
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    d: Dashboard,
}

impl DashboardPage {
    fn rows(counts: &[Count]) -> Vec<(String, i64)> {
        counts.iter().map(|c| (c.label.clone(), c.count)).collect()
    }
    fn per_state_chart(&self) -> String {
        charts::bars(
            "per-state",
            "Kasus per status",
            &Self::rows(&self.d.per_state),
        )
    }
    fn weekly_chart(&self) -> String {
        let rows: Vec<(String, i64, i64)> = self
            .d
            .weekly
            .iter()
            .map(|w| {
                (
                    w.week_start.format("%d-%m").to_string(),
                    w.registered,
                    w.closed,
                )
            })
            .collect();
        charts::column_pairs(
            "weekly",
            "Kasus terdaftar dan selesai per minggu",
            ["Terdaftar", "Selesai"],
            &rows,
        )
    }
    fn outcomes_chart(&self) -> String {
        charts::bars(
            "outcomes",
            "Hasil akhir kasus",
            &Self::rows(&self.d.outcomes),
        )
    }
    fn desk_chart(&self) -> String {
        let rows: Vec<(String, i64)> = self
            .d
            .time_per_desk
            .iter()
            .map(|t| (t.desk.clone(), t.median_days.round() as i64))
            .collect();
        charts::bars("per-desk", "Median hari kerja di setiap meja", &rows)
    }
    fn days(&self, value: &f64) -> String {
        locale::decimal(*value)
    }
    fn kab_chart(&self) -> String {
        let rows = Self::rows(&self.d.beneficiaries_per_kab_kota);
        charts::bars("per-kab", "Penerima manfaat per kabupaten/kota", &rows)
    }
    fn hospital_chart(&self) -> String {
        let rows = Self::rows(&self.d.beneficiaries_per_hospital);
        charts::bars("per-hospital", "Penerima manfaat per rumah sakit", &rows)
    }
    fn date(&self, d: &chrono::NaiveDate) -> String {
        locale::date(*d)
    }
}

async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let d = state.cases.dashboard(&user).await?;
    render(&DashboardPage { ctx, d })
}
