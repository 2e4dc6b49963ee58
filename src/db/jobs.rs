//! The jobs table: work that runs after the transaction that caused it (e-mails, webhooks, the
//! overdue sweep, the daily digest). Rows are enqueued in the causing transaction (an outbox)
//! and claimed by any number of workers with `FOR UPDATE SKIP LOCKED`; a claim sets
//! `locked_until`, so a worker that dies mid-job releases it when the lease passes (the next
//! claim records that as the job's last error; a job whose last attempt was cut off so is given
//! up, never claimed forever). A failed attempt waits [`retry_delay`] (exponential, capped,
//! with jitter) before the next; after `max_attempts` the job is kept as failed. Every row
//! carries a `dedupe_key`: enqueueing the same delivery again is a no-op. All times come from
//! the caller (the application's clock).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::PgExecutor;

/// What a job does (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// One e-mail to one user.
    Email,
    /// One webhook delivery.
    Webhook,
    /// The day's search for desk stays past their due date.
    OverdueSweep,
    /// The day's digest: one e-mail job per user who asked for it.
    Digest,
    /// The day's purge of personal data past the retention period.
    RetentionSweep,
}

impl JobKind {
    /// The stored code.
    pub fn as_str(&self) -> &'static str {
        match self {
            JobKind::Email => "email",
            JobKind::Webhook => "webhook",
            JobKind::OverdueSweep => "overdue_sweep",
            JobKind::Digest => "digest",
            JobKind::RetentionSweep => "retention_sweep",
        }
    }

    /// The kind of a stored code.
    pub fn parse(code: &str) -> Option<JobKind> {
        [
            JobKind::Email,
            JobKind::Webhook,
            JobKind::OverdueSweep,
            JobKind::Digest,
            JobKind::RetentionSweep,
        ]
        .into_iter()
        .find(|k| k.as_str() == code)
    }

    /// What the administrator's page calls it.
    pub fn label(&self) -> &'static str {
        match self {
            JobKind::Email => "E-mail",
            JobKind::Webhook => "Webhook",
            JobKind::OverdueSweep => "Pemeriksaan kasus terlambat",
            JobKind::Digest => "Ringkasan harian",
            JobKind::RetentionSweep => "Penghapusan data pribadi (masa retensi)",
        }
    }
}

/// A job to enqueue. The payload holds ids, case numbers and states only — never personal
/// data; the worker reads the rest when it runs.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: JobKind,
    /// The delivery's identity (at most 200 characters).
    pub dedupe_key: String,
    pub payload: Value,
    /// Not before this instant.
    pub run_after: DateTime<Utc>,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub payload: Value,
    /// Attempts so far, this one included (a claim counts as an attempt).
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Enqueues a job unless one with its dedupe key exists; true when it was written. Call it in
/// the transaction of the change that causes the job.
pub async fn enqueue(
    db: impl PgExecutor<'_>,
    job: &NewJob,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    // The NOT EXISTS spares the id sequence on the common repeat (the scheduler enqueues the
    // day's jobs on every pass); ON CONFLICT settles the race of two writers.
    let done = sqlx::query!(
        "INSERT INTO jobs (kind, dedupe_key, payload, created_at, run_after) \
         SELECT $1, $2, $3, $4, $5 \
         WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE dedupe_key = $2) \
         ON CONFLICT (dedupe_key) DO NOTHING",
        job.kind.as_str(),
        job.dedupe_key,
        job.payload,
        now as _,
        job.run_after as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The error a job gets when its lease passed without its worker marking it: the worker died
/// (or was stopped past the shutdown deadline) in the middle of it.
pub const LEASE_EXPIRED: &str =
    "pekerja berhenti sebelum tugas selesai (masa klaim habis); tugas diambil lagi";

/// The error of a job given up because its last attempt's lease passed.
pub const LEASE_EXPIRED_LAST: &str =
    "pekerja berhenti sebelum tugas selesai (masa klaim habis) pada percobaan terakhir";

/// Claims up to `limit` jobs due at `now` that no other worker holds, for `lease`: each one's
/// attempts go up by one and it stays invisible to other workers until `now + lease` (or until
/// it is marked done, failed or released). Oldest due first. A job claimed again after its
/// lease passed gets [`LEASE_EXPIRED`] as its last error; one whose lease passed on its last
/// attempt is given up ([`give_up_expired`]) instead of claimed.
pub async fn claim(
    db: &sqlx::PgPool,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> sqlx::Result<Vec<Job>> {
    give_up_expired(db, now).await?;
    let mut jobs = sqlx::query_as!(
        Job,
        r#"UPDATE jobs SET attempts = attempts + 1, locked_until = $2,
                  last_error = CASE WHEN locked_until IS NULL THEN last_error ELSE $4 END
           WHERE id IN (
               SELECT id FROM jobs
               WHERE done_at IS NULL AND failed_at IS NULL AND run_after <= $1
                 AND attempts < max_attempts
                 AND (locked_until IS NULL OR locked_until <= $1)
               ORDER BY run_after, id
               LIMIT $3
               FOR UPDATE SKIP LOCKED)
           RETURNING id, kind, dedupe_key, payload, attempts, max_attempts"#,
        now as _,
        (now + lease) as _,
        limit,
        LEASE_EXPIRED,
    )
    .fetch_all(db)
    .await?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Gives up the jobs whose lease passed on their last attempt (`failed_at`, with
/// [`LEASE_EXPIRED_LAST`]): a job that kills its worker every time ends on the
/// administrator's page instead of being claimed forever. Returns how many.
pub async fn give_up_expired(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE jobs SET failed_at = $1, locked_until = NULL, last_error = $2 \
         WHERE id IN ( \
             SELECT id FROM jobs \
             WHERE done_at IS NULL AND failed_at IS NULL AND attempts >= max_attempts \
               AND locked_until <= $1 \
             FOR UPDATE SKIP LOCKED)",
        now as _,
        LEASE_EXPIRED_LAST,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Hands claimed jobs back untouched (a worker stopping before it started them): they are due
/// again at once for any worker, and the claim does not count as an attempt.
pub async fn release(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE jobs SET attempts = attempts - 1, locked_until = NULL \
         WHERE id = ANY($1) AND done_at IS NULL AND failed_at IS NULL \
           AND locked_until IS NOT NULL AND attempts > 0",
        ids,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Marks a claimed job done.
pub async fn mark_done(db: impl PgExecutor<'_>, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE jobs SET done_at = $2, locked_until = NULL WHERE id = $1",
        id,
        now as _,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The base wait after a job's `attempts`-th failed attempt: one minute, doubling each time,
/// at most an hour (1, 2, 4 … 32, 60, 60 minutes).
pub fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(6);
    Duration::minutes(1 << doublings).min(Duration::hours(1))
}

/// The wait after the `attempts`-th failed attempt: [`backoff`] less up to a quarter of it,
/// by `jitter` (in `[0, 1)`, drawn at random), so jobs that failed together (a receiver that
/// was down) do not all come back in the same second. Each wait is still longer than the one
/// before until the cap (45–60 s, 90–120 s, … 45–60 min), and never over an hour.
pub fn retry_delay(attempts: i32, jitter: f64) -> Duration {
    let base = backoff(attempts);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // At most an hour in milliseconds: the product fits an i64 exactly enough.
    let off = (base.num_milliseconds() as f64 * jitter / 4.0) as i64;
    base - Duration::milliseconds(off)
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Tried again from this instant.
    RetryAt(DateTime<Utc>),
    /// That was the last attempt: the job is given up (`failed_at`) and shown to the
    /// administrator.
    GivenUp,
}

/// Records a failed attempt of a claimed job: `error` (shortened to 500 characters) as its
/// last error, then either a later `run_after` ([`retry_delay`], with a random jitter) or,
/// after `max_attempts`, `failed_at`. The row is kept either way.
pub async fn mark_failed(
    db: impl PgExecutor<'_>,
    job: &Job,
    now: DateTime<Utc>,
    error: &str,
) -> sqlx::Result<AfterFailure> {
    let error: String = error.chars().take(500).collect();
    let retry_at = now + retry_delay(job.attempts, rand::random::<f64>());
    let given_up = sqlx::query_scalar!(
        r#"UPDATE jobs SET last_error = $2, locked_until = NULL,
                  run_after = CASE WHEN attempts >= max_attempts THEN run_after ELSE $3::timestamptz END,
                  failed_at = CASE WHEN attempts >= max_attempts THEN $4::timestamptz END
           WHERE id = $1
           RETURNING failed_at IS NOT NULL AS "given_up!""#,
        job.id,
        error,
        retry_at as _,
        now as _,
    )
    .fetch_one(db)
    .await?;
    Ok(if given_up {
        AfterFailure::GivenUp
    } else {
        AfterFailure::RetryAt(retry_at)
    })
}

/// Puts a failed job back in the queue with a fresh set of attempts, due at `now` (the
/// administrator's "Coba lagi"); false when `id` is not a failed job.
pub async fn retry(db: impl PgExecutor<'_>, id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE jobs SET failed_at = NULL, attempts = 0, run_after = $2, locked_until = NULL \
         WHERE id = $1 AND failed_at IS NOT NULL",
        id,
        now as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes jobs finished before `before`; returns how many. Their dedupe keys name past
/// transitions, stays and days, which are never enqueued again.
pub async fn purge_done(db: impl PgExecutor<'_>, before: DateTime<Utc>) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < $1",
        before as _
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// How many jobs wait, have failed for good, and were done since an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Not finished: due, waiting for a retry or running.
    pub pending: i64,
    /// Of those, waiting after a failed attempt.
    pub retrying: i64,
    pub failed: i64,
    pub done_since: i64,
}

/// The administrator's counts; `done_since` counts jobs done from `since` on.
pub async fn counts(db: impl PgExecutor<'_>, since: DateTime<Utc>) -> sqlx::Result<Counts> {
    sqlx::query_as!(
        Counts,
        r#"SELECT
             (SELECT count(*) FROM jobs WHERE done_at IS NULL AND failed_at IS NULL)
               AS "pending!",
             (SELECT count(*) FROM jobs
               WHERE done_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL)
               AS "retrying!",
             (SELECT count(*) FROM jobs WHERE failed_at IS NOT NULL) AS "failed!",
             (SELECT count(*) FROM jobs WHERE done_at >= $1) AS "done_since!""#,
        since as _,
    )
    .fetch_one(db)
    .await
}

/// A job as the administrator's list shows it: what it is, how often it was tried and why it
/// failed, never its payload.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub created_at: DateTime<Utc>,
    pub run_after: DateTime<Utc>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The failed jobs, latest failure first (at most `limit`).
pub async fn list_failed(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<JobRow>> {
    sqlx::query_as!(
        JobRow,
        r#"SELECT id, kind, attempts, max_attempts,
                  created_at AS "created_at: DateTime<Utc>",
                  run_after AS "run_after: DateTime<Utc>",
                  failed_at AS "failed_at: DateTime<Utc>", last_error
           FROM jobs WHERE failed_at IS NOT NULL
           ORDER BY failed_at DESC, id DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(db)
    .await
}

/// The unfinished jobs that failed at least once and wait for their next attempt, soonest
/// first (at most `limit`).
pub async fn list_retrying(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<JobRow>> {
    sqlx::query_as!(
        JobRow,
        r#"SELECT id, kind, attempts, max_attempts,
                  created_at AS "created_at: DateTime<Utc>",
                  run_after AS "run_after: DateTime<Utc>",
                  failed_at AS "failed_at: DateTime<Utc>", last_error
           FROM jobs
           WHERE done_at IS NULL AND failed_at IS NULL AND last_error IS NOT NULL
           ORDER BY run_after, id
           LIMIT $1"#,
        limit
    )
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(0), Duration::minutes(1));
        assert_eq!(backoff(i32::MAX), Duration::hours(1));
    }

    #[test]
    fn retry_delays_grow_with_jitter_and_stay_under_the_cap() {
        for attempts in 1..=10 {
            let base = backoff(attempts);
            let shortest = retry_delay(attempts, 0.999_999);
            assert_eq!(retry_delay(attempts, 0.0), base);
            assert!(shortest <= base && shortest > base * 3 / 4 - Duration::seconds(1));
            assert!(retry_delay(attempts, 0.5) < base);
            if attempts > 1 && base > backoff(attempts - 1) {
                // The shortest wait after this failure is longer than the longest after the
                // previous one.
                assert!(shortest > backoff(attempts - 1), "attempt {attempts}");
            }
            assert!(base <= Duration::hours(1));
        }
        assert_eq!(retry_delay(3, f64::NAN), backoff(3));
        assert_eq!(retry_delay(3, 7.0), backoff(3) * 3 / 4);
    }

    #[test]
    fn kinds_read_back_what_they_store() {
        for kind in [
            JobKind::Email,
            JobKind::Webhook,
            JobKind::OverdueSweep,
            JobKind::Digest,
            JobKind::RetentionSweep,
        ] {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("purge"), None);
    }
}
