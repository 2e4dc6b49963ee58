//! The working-day calendar: national holidays, and the SLA of each desk in working days.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tower_sessions::Session;

use super::FieldErrors;
use crate::auth::CurrentUser;
use crate::db::reference::Holiday;
use crate::db::{self, audit};
use crate::domain::CaseState;
use crate::domain::text::{control_char_problem, length_problem};
use crate::web::error::AppError;
use crate::web::{AppState, Ctx, flash, render, render_status};

/// Longest holiday name.
const HOLIDAY_NAME_MAX: usize = 100;
/// Years a holiday may fall in: anything outside is a typing slip, not a holiday.
const HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

#[derive(Template)]
#[template(path = "admin/holidays.html")]
struct HolidaysPage {
    ctx: Ctx,
    holidays: Vec<Holiday>,
    form: HolidayForm,
    errors: FieldErrors,
}

/// The holiday form as typed (adding, or the hidden date of a delete button).
#[derive(Default, Deserialize)]
pub(super) struct HolidayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    name: String,
}

/// A day in `yyyy-mm-dd` within [`HOLIDAY_YEARS`].
fn parse_day(day: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| HOLIDAY_YEARS.contains(&d.year()))
}

impl HolidayForm {
    /// The day and name of a new holiday, or a message for every field at fault.
    fn parse(&self) -> Result<(NaiveDate, String), FieldErrors> {
        let mut errors = FieldErrors::default();
        let day = parse_day(&self.day);
        if day.is_none() {
            errors.push(
                "day",
                format!(
                    "Tanggal wajib diisi dengan format TTTT-BB-HH, tahun {}–{}.",
                    HOLIDAY_YEARS.start(),
                    HOLIDAY_YEARS.end()
                ),
            );
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.push("name", "Nama hari libur wajib diisi.");
        }
        errors.check(
            "name",
            length_problem("Nama hari libur", &name, HOLIDAY_NAME_MAX)
                .or_else(|| control_char_problem("Nama hari libur", &name)),
        );
        match day {
            Some(day) if errors.is_empty() => Ok((day, name)),
            _ => Err(errors),
        }
    }
}

/// The holidays of the past year and ahead, with the add form as typed (422 with errors).
async fn holidays_page(
    state: &AppState,
    ctx: Ctx,
    form: HolidayForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let from = state.clock.today() - chrono::Duration::days(366);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let holidays = db::reference::list_holidays(&state.pool, from).await?;
    let page = HolidaysPage {
        ctx,
        holidays,
        form,
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn holidays(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    holidays_page(&state, ctx, HolidayForm::default(), FieldErrors::default()).await
}

pub(super) async fn add_holiday(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(form): Form<HolidayForm>,
) -> Result<Response, AppError> {
    let (day, name) = match form.parse() {
        Ok(holiday) => holiday,
        Err(errors) => return holidays_page(&state, ctx, form, errors).await,
    };
    db::reference::upsert_holiday(&state.pool, day, &name).await?;
    let detail = serde_json::json!({"name": name});
    let target = day.to_string();
    audit::record(
        &state.pool,
        Some(me.id),
        "holiday.save",
        Some(&target),
        detail,
    )
    .await?;
    let saved = format!("Hari libur {} disimpan.", day.format("%d-%m-%Y"));
    flash(&session, saved).await?;
    Ok(Redirect::to("/admin/hari-libur").into_response())
}

pub(super) async fn delete_holiday(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<HolidayForm>,
) -> Result<Response, AppError> {
    let day =
        parse_day(&form.day).ok_or_else(|| AppError::BadRequest("Tanggal tidak valid.".into()))?;
    if !db::reference::delete_holiday(&state.pool, day).await? {
        return Err(AppError::NotFound);
    }
    let target = day.to_string();
    let detail = serde_json::json!({});
    audit::record(
        &state.pool,
        Some(me.id),
        "holiday.delete",
        Some(&target),
        detail,
    )
    .await?;
    let deleted = format!("Hari libur {} dihapus.", day.format("%d-%m-%Y"));
    flash(&session, deleted).await?;
    Ok(Redirect::to("/admin/hari-libur").into_response())
}

/// Shortest and longest SLA, in working days (the database's CHECK too).
const SLA_DAYS: std::ops::RangeInclusive<i32> = 1..=365;

/// One desk's SLA row on the settings page, as stored or as typed.
struct SlaRow {
    state: CaseState,
    days: String,
    error: Option<String>,
}

impl SlaRow {
    fn label(&self) -> &'static str {
        self.state.label()
    }
}

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct SlaPage {
    ctx: Ctx,
    rows: Vec<SlaRow>,
}

/// The desks that have an SLA, in workflow order, with their stored days.
async fn sla_rows(state: &AppState) -> Result<Vec<SlaRow>, AppError> {
    let days = db::cases::sla_days(&state.pool).await?;
    Ok(CaseState::ALL
        .iter()
        .filter_map(|s| {
            days.get(s).map(|d| SlaRow {
                state: *s,
                days: d.to_string(),
                error: None,
            })
        })
        .collect())
}

/// The days submitted for each desk (fields named by state code), or the rows with the typed
/// values and a message on each one at fault. Desks not submitted keep their days.
fn parse_sla(
    mut rows: Vec<SlaRow>,
    submitted: &HashMap<String, String>,
) -> Result<Vec<(CaseState, i32)>, Vec<SlaRow>> {
    let mut days = vec![];
    for row in &mut rows {
        let Some(value) = submitted.get(row.state.as_str()) else {
            continue;
        };
        row.days = value.trim().to_string();
        match row.days.parse::<i32>() {
            Ok(d) if SLA_DAYS.contains(&d) => days.push((row.state, d)),
            _ => {
                row.error = Some(format!(
                    "{}: isi jumlah hari kerja {}–{}.",
                    row.label(),
                    SLA_DAYS.start(),
                    SLA_DAYS.end()
                ))
            }
        }
    }
    if rows.iter().any(|r| r.error.is_some()) {
        Err(rows)
    } else {
        Ok(days)
    }
}

pub(super) async fn sla_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let rows = sla_rows(&state).await?;
    render(&SlaPage { ctx, rows })
}

pub(super) async fn save_sla(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    me: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted: HashMap<String, String> = pairs.into_iter().collect();
    let days = match parse_sla(sla_rows(&state).await?, &submitted) {
        Ok(days) => days,
        Err(rows) => {
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &SlaPage { ctx, rows });
        }
    };
    let mut tx = state.pool.begin().await?;
    for (desk, d) in &days {
        db::reference::set_sla_days(&mut *tx, *desk, *d).await?;
    }
    // What was stored, not what was sent: the form may carry anything (a NUL byte, which
    // jsonb refuses, or fields that are no desk).
    let detail: BTreeMap<&str, i32> = days.iter().map(|(s, d)| (s.as_str(), *d)).collect();
    audit::record(
        &mut *tx,
        Some(me.id),
        "sla.save",
        None,
        serde_json::json!(detail),
    )
    .await?;
    tx.commit().await?;
    flash(
        &session,
        "Batas waktu layanan disimpan. Berlaku untuk kasus yang tiba di meja setelah ini.",
    )
    .await?;
    Ok(Redirect::to("/admin/sla").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_fall_between_2000_and_2100() {
        let form = |day: &str| HolidayForm {
            day: day.into(),
            name: "Nyepi".into(),
        };
        assert!(form("2027-03-08").parse().is_ok());
        assert!(form("2000-01-01").parse().is_ok());
        assert!(form("2100-12-31").parse().is_ok());
        for day in [
            "-9999-01-01",
            "1999-12-31",
            "2101-01-01",
            "99999-01-01",
            "2027-02-30",
            "",
        ] {
            let errors = form(day).parse().expect_err(day);
            assert!(
                errors.get("day").is_some_and(|m| m.contains("2000–2100")),
                "{day}"
            );
        }
    }

    #[test]
    fn sla_rows_not_submitted_keep_their_days() {
        let rows = || {
            vec![
                SlaRow {
                    state: CaseState::NikCheck,
                    days: "1".into(),
                    error: None,
                },
                SlaRow {
                    state: CaseState::DesilCheck,
                    days: "1".into(),
                    error: None,
                },
            ]
        };
        let submitted = HashMap::from([("nik_check".to_string(), " 3 ".to_string())]);
        assert_eq!(
            parse_sla(rows(), &submitted).ok(),
            Some(vec![(CaseState::NikCheck, 3)])
        );
        let submitted = HashMap::from([("desil_check".to_string(), "0\0".to_string())]);
        let refused = parse_sla(rows(), &submitted).expect_err("refused");
        assert_eq!(refused[1].days, "0\0");
        assert!(refused[1].error.is_some());
        assert!(refused[0].error.is_none());
    }
}
