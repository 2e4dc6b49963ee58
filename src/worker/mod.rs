//! The background worker: runs the jobs of the outbox (`db::jobs`) after the transactions
//! that wrote them, and schedules the day's periodic jobs. A third adapter beside `web` and
//! `api`: where those turn requests into case-service calls, this turns time and queued jobs
//! into them (and into e-mails and webhook deliveries).
//!
//! One pass ([`Worker::run_once`]) enqueues the day's overdue sweep and digest (on working days,
//! due at 07:00 WITA; their dedupe keys make that once per day whoever enqueues), then claims
//! due jobs in batches with `FOR UPDATE SKIP LOCKED` and runs each: a success marks it done, a
//! failure records the error and moves `run_after` on ([`db::jobs::retry_delay`]: exponential,
//! capped at an hour, with jitter) until the last attempt gives it up for the administrator
//! (`/admin/tugas-latar`, where it stays until tried again). Any number of instances may run
//! passes at once: a claim hides a job from the others for [`LEASE`]; a worker that died
//! mid-job leaves it to the first claim after the lease.
//!
//! Stopping ([`Worker::run_until`]): the job in hand is finished and recorded, the rest of its
//! batch handed back ([`db::jobs::release`]) for another instance or the next start.
//!
//! Delivery is at least once: a worker that dies after the SMTP server or the webhook receiver
//! accepted a delivery, but before it marked the job done, delivers it again once the lease has
//! passed. E-mails carry a `Message-ID` and webhooks a delivery id derived from the job, so a
//! receiver can recognise the repeat.

pub mod mail;
mod schedule;
pub mod webhook;

use std::time::Duration as StdDuration;

use anyhow::Context;
use chrono::Duration;
use tokio::sync::watch;

use crate::auth::CurrentUser;
use crate::cases::CaseService;
use crate::cases::notify::{DailyJob, EmailJob, WebhookEvent};
use crate::config::Settings;
use crate::db::jobs::{self, AfterFailure, Job, JobKind};
use crate::db::{preferences, users};
use mail::Mailer;
use webhook::Webhook;

/// How long a claimed job stays hidden from other workers: longer than the worst a batch can
/// take ([`BATCH`] jobs one after another, each cut off by the 20 s SMTP or 10 s webhook
/// timeout), so only a worker that died leaves a job to be taken over.
pub const LEASE: Duration = Duration::minutes(5);
/// Jobs claimed at once.
const BATCH: i64 = 10;
/// Batches in one pass at most, so a pass ends even if jobs keep coming.
const MAX_BATCHES: usize = 100;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Jobs finished (delivered, or nothing left to deliver).
    pub done: usize,
    /// Jobs that failed and will be tried again.
    pub retrying: usize,
    /// Jobs that failed their last attempt.
    pub given_up: usize,
}

/// The worker: the case service (database, clock, outbox channels) and the delivery channels
/// the settings configure.
pub struct Worker {
    cases: CaseService,
    mailer: Option<Mailer>,
    webhook: Option<Webhook>,
    poll: StdDuration,
}

/// What became of one job.
enum Outcome {
    /// Delivered or done.
    Done,
    /// Nothing to deliver any more (the user left, removed the address, switched the channel
    /// off; a digest whose day has passed): done, with the reason in the log.
    Skipped(&'static str),
}

impl Worker {
    /// A worker over `cases` with the channels of `settings` (checked at start, see
    /// [`Settings::check_notifications`]).
    pub fn new(cases: CaseService, settings: &Settings) -> anyhow::Result<Worker> {
        let mailer = match (
            &settings.smtp_url,
            &settings.smtp_from,
            &settings.public_url,
        ) {
            (Some(url), Some(from), Some(public_url)) => {
                Some(Mailer::new(url.expose(), from, public_url)?)
            }
            _ => None,
        };
        let webhook = match (&settings.webhook_url, &settings.webhook_secret) {
            (Some(url), Some(secret)) => Some(Webhook::new(url.expose(), secret.expose())?),
            _ => None,
        };
        Ok(Worker {
            cases,
            mailer,
            webhook,
            poll: StdDuration::from_millis(settings.worker_poll_ms),
        })
    }

    /// One pass: schedules the day's jobs, then runs every job due now (in batches) and
    /// returns what became of them.
    pub async fn run_once(&self) -> anyhow::Result<Pass> {
        let (_keep, never) = watch::channel(false);
        self.run_pass(&never).await
    }

    /// [`Worker::run_once`] that stops early once `stop` is true: after the job in hand, with
    /// the jobs of its batch not yet started handed back.
    async fn run_pass(&self, stop: &watch::Receiver<bool>) -> anyhow::Result<Pass> {
        schedule::daily(&self.cases)
            .await
            .context("scheduling the day's jobs")?;
        let mut pass = Pass::default();
        for _ in 0..MAX_BATCHES {
            if *stop.borrow() {
                break;
            }
            let now = self.cases.clock.now();
            let claimed = jobs::claim(&self.cases.pool, now, LEASE, BATCH).await?;
            if claimed.is_empty() {
                break;
            }
            for (i, job) in claimed.iter().enumerate() {
                if *stop.borrow() {
                    let rest: Vec<i64> = claimed[i..].iter().map(|j| j.id).collect();
                    let released = jobs::release(&self.cases.pool, &rest).await?;
                    tracing::info!(released, "stopping: unstarted jobs handed back");
                    return Ok(pass);
                }
                self.run_job(job, &mut pass).await?;
            }
        }
        Ok(pass)
    }

    /// Runs passes every poll interval until `stop` turns true (or its sender goes); the job in
    /// hand is finished first.
    pub async fn run_until(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(
            email = self.mailer.is_some(),
            webhook = self.webhook.is_some(),
            poll_ms = self.poll.as_millis() as u64,
            "worker started"
        );
        loop {
            if *stop.borrow() {
                break;
            }
            if let Err(e) = self.run_pass(&stop).await {
                tracing::warn!(error = %format!("{e:#}"), "worker pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
        tracing::info!("worker stopped");
    }

    /// Runs one claimed job and records the outcome.
    async fn run_job(&self, job: &Job, pass: &mut Pass) -> anyhow::Result<()> {
        let pool = &self.cases.pool;
        let result = self.perform(job).await;
        let now = self.cases.clock.now();
        match result {
            Ok(outcome) => {
                if let Outcome::Skipped(why) = outcome {
                    tracing::info!(job_id = job.id, kind = %job.kind, why, "job skipped");
                }
                jobs::mark_done(pool, job.id, now).await?;
                pass.done += 1;
            }
            Err(e) => {
                let error = without_addresses(&format!("{e:#}"));
                match jobs::mark_failed(pool, job, now, &error).await? {
                    AfterFailure::RetryAt(at) => {
                        tracing::warn!(job_id = job.id, kind = %job.kind, attempts = job.attempts,
                            retry_at = %at, error, "job failed, will retry");
                        pass.retrying += 1;
                    }
                    AfterFailure::GivenUp => {
                        tracing::error!(job_id = job.id, kind = %job.kind, attempts = job.attempts,
                            error, "job failed its last attempt");
                        pass.given_up += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// Does what a job says.
    async fn perform(&self, job: &Job) -> anyhow::Result<Outcome> {
        let kind = JobKind::parse(&job.kind)
            .with_context(|| format!("unknown job kind {:?}", job.kind))?;
        match kind {
            JobKind::Email => {
                let email: EmailJob = serde_json::from_value(job.payload.clone())
                    .context("reading the e-mail job")?;
                self.send_email(&email, &job.dedupe_key).await
            }
            JobKind::Webhook => {
                let event: WebhookEvent = serde_json::from_value(job.payload.clone())
                    .context("reading the webhook job")?;
                let webhook = self
                    .webhook
                    .as_ref()
                    .context("webhook tidak dikonfigurasi (MERAJUT_WEBHOOK_URL)")?;
                webhook.deliver(&event).await?;
                Ok(Outcome::Done)
            }
            JobKind::RetentionSweep => {
                let swept = self.cases.sweep_retention().await?;
                tracing::info!(
                    cases = swept.cases,
                    documents = swept.documents,
                    "personal data past the retention period removed"
                );
                Ok(Outcome::Done)
            }
            JobKind::OverdueSweep => {
                let n = self.cases.sweep_overdue().await?;
                tracing::info!(stays = n, "overdue stays announced");
                Ok(Outcome::Done)
            }
            JobKind::Digest => {
                let day: DailyJob = serde_json::from_value(job.payload.clone())
                    .context("reading the digest job")?;
                let n = self.cases.enqueue_digest_emails(day.date).await?;
                tracing::info!(emails = n, date = %day.date, "digest e-mails enqueued");
                Ok(Outcome::Done)
            }
        }
    }

    /// Sends one e-mail to its user as things are now: not to a deactivated user, one without
    /// an address, or one who switched the channel off since; a digest only on its day.
    async fn send_email(&self, email: &EmailJob, key: &str) -> anyhow::Result<Outcome> {
        let mailer = self.mailer.as_ref().context(
            "e-mail tidak dikonfigurasi (MERAJUT_SMTP_URL, MERAJUT_SMTP_FROM, MERAJUT_PUBLIC_URL)",
        )?;
        let pool = &self.cases.pool;
        let Some(user) = users::by_id(pool, email.user_id()).await? else {
            return Ok(Outcome::Skipped("no such user"));
        };
        if !user.active {
            return Ok(Outcome::Skipped("user deactivated"));
        }
        let Some(address) = user.email.clone() else {
            return Ok(Outcome::Skipped("user has no e-mail address"));
        };
        if let Some(kind) = email.kind()
            && !preferences::wants_email(pool, user.id, kind).await?
        {
            return Ok(Outcome::Skipped("user switched e-mail off"));
        }
        let letter = match email {
            EmailJob::Case {
                kind,
                case_id,
                case_number,
                state,
                ..
            } => mailer.case_letter(*kind, *case_id, case_number, *state),
            EmailJob::Digest { date, .. } => {
                if *date != self.cases.today() {
                    return Ok(Outcome::Skipped("the digest's day has passed"));
                }
                let digest = self.cases.digest(&CurrentUser::from(user)).await?;
                mailer.digest_letter(&digest)
            }
            EmailJob::Activation { hours, .. } => {
                // Made now, stored hashed, sent once: a retry makes a new code that replaces
                // this one.
                let code = crate::auth::totp::new_one_time_code();
                let hash = crate::auth::totp::one_time_code_hash(&code);
                let now = self.cases.clock.now();
                let expires = now + chrono::Duration::hours(i64::from(*hours));
                crate::db::two_factor::issue_activation(pool, user.id, &hash, now, expires).await?;
                mailer.activation_letter(&user.username, &code, *hours)
            }
        };
        mailer
            .send(&address, &letter, key, self.cases.clock.now())
            .await?;
        Ok(Outcome::Done)
    }
}

/// `text` with every word that holds an `@` replaced: an SMTP server's refusal may quote the
/// recipient's address, and the error is kept and shown to the administrator.
pub fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| if word.contains('@') { "<alamat>" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_lose_the_addresses_they_quote() {
        assert_eq!(
            without_addresses("permanent error (550): 5.1.1 <ana@rsud.go.id>: unknown"),
            "permanent error (550): 5.1.1 <alamat> unknown"
        );
        assert_eq!(
            without_addresses("connection refused"),
            "connection refused"
        );
    }
}
