//! The periodic jobs: every day the retention sweep, and on every working day (the holiday
//! table's calendar) the overdue sweep and — when e-mail is configured — the digest, all due at
//! 07:00 WITA. Every pass of every
//! worker enqueues them; the dedupe key (kind and date) makes each exist once. The first pass
//! that creates the day's sweep also deletes finished jobs older than [`KEEP_DONE`].

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::cases::CaseService;
use crate::cases::notify::DailyJob;
use crate::db::cases::holidays;
use crate::db::jobs::{self, JobKind, NewJob};
use crate::domain::sla;

/// When the day's jobs are due, WITA.
pub const DAILY_AT: NaiveTime = match NaiveTime::from_hms_opt(7, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};
/// How long finished jobs are kept (for the administrator's counts and for dedupe).
const KEEP_DONE: chrono::Duration = chrono::Duration::days(30);

/// `DAILY_AT` on `day`, WITA.
fn due_at(day: NaiveDate) -> DateTime<Utc> {
    sla::wita_instant(day, DAILY_AT)
}

/// Enqueues today's periodic jobs: the retention sweep every day, the others if today is a
/// working day.
pub async fn daily(cases: &CaseService) -> anyhow::Result<()> {
    let today = cases.today();
    let now = cases.clock.now();
    let payload = serde_json::to_value(DailyJob { date: today })?;
    let retention = NewJob {
        kind: JobKind::RetentionSweep,
        dedupe_key: format!("retention_sweep:{today}"),
        payload: payload.clone(),
        run_after: due_at(today),
    };
    jobs::enqueue(&cases.pool, &retention, now).await?;
    if !sla::is_working_day(today, &holidays(&cases.pool).await?) {
        return Ok(());
    }
    let sweep = NewJob {
        kind: JobKind::OverdueSweep,
        dedupe_key: format!("overdue_sweep:{today}"),
        payload: payload.clone(),
        run_after: due_at(today),
    };
    if jobs::enqueue(&cases.pool, &sweep, now).await? {
        let purged = jobs::purge_done(&cases.pool, now - KEEP_DONE).await?;
        tracing::info!(date = %today, purged, "day's jobs scheduled");
    }
    if cases.outbox.email {
        let digest = NewJob {
            kind: JobKind::Digest,
            dedupe_key: format!("digest:{today}"),
            payload,
            run_after: due_at(today),
        };
        jobs::enqueue(&cases.pool, &digest, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_seven_wita() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).expect("valid");
        assert_eq!(due_at(day).to_rfc3339(), "2026-12-03T23:00:00+00:00");
    }
}
