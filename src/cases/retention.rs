//! Retention (UU 27/2022): the administrator's period after a case closes, and the daily sweep
//! that then removes the patient's personal data and documents ([`db::retention::purge_case`])
//! while the figures stay. Each case is purged in its own transaction with an audit row (case
//! number and counts, nothing personal); its files are deleted after the commit.

use chrono::{DateTime, Months, Utc};

use super::CaseError;
use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db::{audit, retention};
use crate::domain::Role;
use crate::domain::action::FieldError;

/// Shortest and longest retention period, in months (one year; thirty years).
pub const MONTHS: std::ops::RangeInclusive<i32> = 12..=360;
/// Cases purged per query of the sweep.
const BATCH: i64 = 100;
/// Batches in one sweep at most.
const MAX_BATCHES: usize = 1_000;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub cases: usize,
    pub documents: usize,
}

/// The retention setting as the administrator's page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionStatus {
    pub months: i32,
    /// Cases whose personal data was removed so far.
    pub purged: i64,
    /// Closed cases past the period, purged by the next sweep.
    pub due: i64,
}

/// The period typed as years and months (`years` 0–30, `months` 0–11, together 12–360
/// months), or field errors naming the field.
pub fn parse_period(years: &str, months: &str) -> std::result::Result<i32, Vec<FieldError>> {
    let mut errors = vec![];
    let mut read =
        |field: &'static str, value: &str, label: &str, max: i32| match value.trim().parse::<i32>()
        {
            Ok(n) if (0..=max).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError {
                    field,
                    message: format!("{label}: isi bilangan bulat 0–{max}."),
                });
                None
            }
        };
    let years = read("years", years, "Tahun", MONTHS.end() / 12);
    let months = read("months", months, "Bulan", 11);
    match (years, months) {
        (Some(y), Some(m)) if MONTHS.contains(&(y * 12 + m)) => Ok(y * 12 + m),
        (Some(_), Some(_)) => Err(vec![FieldError {
            field: "years",
            message: format!(
                "Masa retensi: paling singkat {} tahun, paling lama {} tahun.",
                MONTHS.start() / 12,
                MONTHS.end() / 12
            ),
        }]),
        _ => Err(errors),
    }
}

/// The instant before which a case must have closed to be purged at `now`.
fn cutoff(now: DateTime<Utc>, months: i32) -> DateTime<Utc> {
    let months = Months::new(u32::try_from(months).unwrap_or(0));
    now.checked_sub_months(months)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl CaseService {
    /// The retention period and the counts of purged and due cases (administrator only).
    pub async fn retention_status(&self, user: &CurrentUser) -> Result<RetentionStatus> {
        if user.role != Role::Admin {
            return Err(CaseError::NotYourAction);
        }
        let months = retention::months(&self.pool).await?;
        let (purged, due) = retention::counts(&self.pool, cutoff(self.clock.now(), months)).await?;
        Ok(RetentionStatus {
            months,
            purged,
            due,
        })
    }

    /// Sets the retention period (administrator only; `months` within [`MONTHS`]).
    pub async fn set_retention(&self, user: &CurrentUser, months: i32) -> Result<()> {
        if user.role != Role::Admin {
            return Err(CaseError::NotYourAction);
        }
        if !MONTHS.contains(&months) {
            return Err(CaseError::field("years", "Masa retensi di luar batas."));
        }
        let mut tx = self.pool.begin().await?;
        retention::set_months(&mut *tx, months, user.id, self.clock.now()).await?;
        audit::record(
            &mut *tx,
            Some(user.id),
            "retention.save",
            None,
            serde_json::json!({"months": months}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The retention sweep (a daily job): purges every closed case past the period, each in
    /// its own transaction with its audit row, then deletes its files.
    pub async fn sweep_retention(&self) -> Result<Swept> {
        let now = self.clock.now();
        let cutoff = cutoff(now, retention::months(&self.pool).await?);
        let mut swept = Swept::default();
        // The files of intake forms never sent again go with the day's sweep too.
        self.purge_stale_pending_uploads().await?;
        // So do the idempotency keys past their 48 hours (their answers may show a case).
        self.prune_idempotency_keys().await?;
        // Bounded: a pass ends even if cases keep coming; the next day's sweep goes on.
        for _ in 0..MAX_BATCHES {
            let due = retention::due(&self.pool, cutoff, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for id in due {
                let mut tx = self.pool.begin().await?;
                let Some(purged) = retention::purge_case(&mut tx, id, cutoff, now).await? else {
                    continue;
                };
                audit::record(
                    &mut *tx,
                    None,
                    "case.retention_purge",
                    Some(&id.to_string()),
                    serde_json::json!({
                        "number": purged.number,
                        "documents": purged.documents.len(),
                        "nominatif_entries": purged.nominatif_entries,
                        "free_text": purged.free_text,
                    }),
                )
                .await?;
                tx.commit().await?;
                for doc in &purged.documents {
                    self.files.delete(*doc).await;
                }
                swept.cases += 1;
                swept.documents += purged.documents.len();
            }
        }
        Ok(swept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_read_from_years_and_months() {
        assert_eq!(parse_period("5", "0"), Ok(60));
        assert_eq!(parse_period(" 1 ", "6"), Ok(18));
        assert_eq!(parse_period("30", "0"), Ok(360));
        let fields = |r: std::result::Result<i32, Vec<FieldError>>| {
            r.expect_err("refused")
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(parse_period("0", "11")), ["years"]);
        assert_eq!(fields(parse_period("30", "1")), ["years"]);
        assert_eq!(fields(parse_period("-9999", "0")), ["years"]);
        assert_eq!(fields(parse_period("5", "12")), ["months"]);
        assert_eq!(fields(parse_period("lima\0", "💥")), ["years", "months"]);
        assert_eq!(
            fields(parse_period(&"9".repeat(100_000), "")),
            ["years", "months"]
        );
    }

    #[test]
    fn the_cutoff_counts_calendar_months_back() {
        let now: DateTime<Utc> = "2031-03-31T10:00:00Z".parse().expect("instant");
        assert_eq!(cutoff(now, 60).to_rfc3339(), "2026-03-31T10:00:00+00:00");
        assert_eq!(cutoff(now, 13).to_rfc3339(), "2030-02-28T10:00:00+00:00");
    }
}
