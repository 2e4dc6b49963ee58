//! Telling people: the in-app notifications of a transition and the outbox rows written with
//! them, the overdue sweep and the daily digest's e-mails.
//!
//! Everything a transition causes is written in the transition's own transaction: an in-app
//! row per recipient who keeps that channel, an e-mail job per recipient who chose e-mail and
//! has an address (when the server can send e-mail), and one webhook job (when a webhook is
//! configured). A transaction that fails leaves none of them; a job is delivered by the worker
//! (`crate::worker`) after the commit. Jobs carry ids, case numbers and states only — the
//! worker reads the address when it sends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db::cases::CaseRow;
use crate::db::jobs::{self, JobKind, NewJob};
use crate::db::notifications::{self as db_notifications, Recipient};
use crate::db::{preferences, stays};
use crate::domain::{CaseState, NotificationKind, Role};

/// Which outbox channels the server delivers, decided once from the settings at start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outbox {
    /// E-mail is configured (SMTP server, sender and public address): e-mail jobs are written.
    pub email: bool,
    /// A webhook is configured: a webhook job is written for every transition.
    pub webhook: bool,
}

/// The payload of an `email` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "about", rename_all = "snake_case")]
pub enum EmailJob {
    /// A case arrived, returned or became overdue at the user's desk.
    Case {
        kind: NotificationKind,
        user_id: Uuid,
        case_id: Uuid,
        case_number: String,
        /// The state the case is in: the desk.
        state: CaseState,
    },
    /// The user's daily digest of `date` (WITA).
    Digest { user_id: Uuid, date: NaiveDate },
    /// A new one-time activation code, made by the worker when it sends the letter (so it is
    /// never stored in clear text), valid for `hours`.
    Activation { user_id: Uuid, hours: u32 },
}

impl EmailJob {
    /// The user it goes to.
    pub fn user_id(&self) -> Uuid {
        match self {
            EmailJob::Case { user_id, .. }
            | EmailJob::Digest { user_id, .. }
            | EmailJob::Activation { user_id, .. } => *user_id,
        }
    }

    /// The kind of notification, whose e-mail choice decides whether it is still sent; `None`
    /// for an account's activation code, which is always sent.
    pub fn kind(&self) -> Option<NotificationKind> {
        match self {
            EmailJob::Case { kind, .. } => Some(*kind),
            EmailJob::Digest { .. } => Some(NotificationKind::Digest),
            EmailJob::Activation { .. } => None,
        }
    }
}

/// The payload of a `webhook` job, which is also the body sent (field for field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// `case.transition`.
    pub event: String,
    pub case_id: Uuid,
    pub case_number: String,
    pub from_state: CaseState,
    pub to_state: CaseState,
    /// When the transition happened (RFC 3339, UTC).
    pub at: DateTime<Utc>,
    /// The same on every retry of this delivery: the receiver's idempotency key.
    pub delivery_id: Uuid,
}

/// The payload of the day's `overdue_sweep` and `digest` jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyJob {
    pub date: NaiveDate,
}

/// How many overdue stays one transaction of the sweep announces.
const SWEEP_BATCH: i64 = 200;

fn payload(value: &impl Serialize) -> Result<serde_json::Value> {
    Ok(serde_json::to_value(value).map_err(anyhow::Error::from)?)
}

/// What happened to a case at a desk: what the desk's users are told.
struct CaseEvent<'a> {
    kind: NotificationKind,
    case_id: Uuid,
    case_number: &'a str,
    /// The state the case is in; its desk is told.
    state: CaseState,
    /// Who caused it (never told of their own move); `None` for the overdue sweep.
    actor: Option<Uuid>,
    /// Unique per occasion (a transition's new version, an overdue stay): with the kind and
    /// the user, the e-mail's dedupe key.
    occasion: String,
}

/// Enqueues the e-mail of `event` to each recipient who wants it by e-mail.
async fn enqueue_case_emails(
    conn: &mut PgConnection,
    recipients: &[Recipient],
    event: &CaseEvent<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    for r in recipients.iter().filter(|r| r.by_email) {
        let job = EmailJob::Case {
            kind: event.kind,
            user_id: r.user_id,
            case_id: event.case_id,
            case_number: event.case_number.to_string(),
            state: event.state,
        };
        let new = NewJob {
            kind: JobKind::Email,
            dedupe_key: format!(
                "email:{}:{}:{}",
                event.kind.as_str(),
                event.occasion,
                r.user_id
            ),
            payload: payload(&job)?,
            run_after: now,
        };
        jobs::enqueue(&mut *conn, &new, now).await?;
    }
    Ok(())
}

impl CaseService {
    /// Tells the users of `desk` in the case's scope of `event`: in the application and, when
    /// the server sends e-mail, by e-mail, as each chose.
    async fn tell_desk(
        &self,
        conn: &mut PgConnection,
        desk: Role,
        event: &CaseEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let recipients = db_notifications::fan_out(
            &mut *conn,
            event.case_id,
            desk,
            event.state,
            event.kind.as_str(),
            event.actor,
            now,
        )
        .await?;
        if self.outbox.email {
            enqueue_case_emails(conn, &recipients, event, now).await?;
        }
        Ok(())
    }

    /// Tells of a transition of `case` (as it was before) to `next`, its version becoming
    /// `new_version`, in the transition's transaction: the users of the desk `next` belongs
    /// to, in scope, in the application and by e-mail as each chose (kind `returned` for a
    /// case sent back to the hospital; never the actor; a case staying in its state tells no
    /// one), and the webhook.
    pub(super) async fn announce_transition(
        &self,
        conn: &mut PgConnection,
        case: &CaseRow,
        next: CaseState,
        new_version: i32,
        actor: &CurrentUser,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let from = case.state.0;
        if next == from {
            return Ok(());
        }
        let occasion = format!("{}:v{new_version}", case.id);
        if let Some(desk) = next.desk() {
            let kind = match next {
                CaseState::Returned => NotificationKind::Returned,
                _ => NotificationKind::Arrived,
            };
            let event = CaseEvent {
                kind,
                case_id: case.id,
                case_number: &case.number,
                state: next,
                actor: Some(actor.id),
                occasion: occasion.clone(),
            };
            self.tell_desk(&mut *conn, desk, &event, now).await?;
        }
        if self.outbox.webhook {
            let body = WebhookEvent {
                event: "case.transition".into(),
                case_id: case.id,
                case_number: case.number.clone(),
                from_state: from,
                to_state: next,
                at: now,
                delivery_id: Uuid::new_v4(),
            };
            let job = NewJob {
                kind: JobKind::Webhook,
                dedupe_key: format!("webhook:{occasion}"),
                payload: payload(&body)?,
                run_after: now,
            };
            jobs::enqueue(&mut *conn, &job, now).await?;
        }
        Ok(())
    }

    /// Announces every open desk stay whose due date has passed (the clock's today, WITA, is
    /// after it) and that was not announced yet: an `overdue` notification to the desk's users
    /// in scope, as each chose (in the application, by e-mail), and the stay marked, so each
    /// stay is announced once. Safe to run from several workers at once: each batch locks its
    /// stays and skips those another holds. Returns how many stays were announced.
    pub async fn sweep_overdue(&self) -> Result<usize> {
        let (today, now) = (self.today(), self.clock.now());
        let mut announced = 0;
        loop {
            let mut tx = self.pool.begin().await?;
            let batch = stays::lock_overdue_unannounced(&mut *tx, today, SWEEP_BATCH).await?;
            for stay in &batch {
                stays::mark_overdue_announced(&mut *tx, stay.id, now).await?;
                let state: CaseState = stay
                    .state
                    .parse()
                    .map_err(|()| anyhow::anyhow!("unknown state {:?}", stay.state))?;
                let Some(desk) = state.desk() else { continue };
                let event = CaseEvent {
                    kind: NotificationKind::Overdue,
                    case_id: stay.case_id,
                    case_number: &stay.case_number,
                    state,
                    actor: None,
                    occasion: format!("stay{}", stay.id),
                };
                self.tell_desk(&mut tx, desk, &event, now).await?;
            }
            tx.commit().await?;
            announced += batch.len();
            if (batch.len() as i64) < SWEEP_BATCH {
                return Ok(announced);
            }
        }
    }

    /// Enqueues the digest e-mail of `date` for every user who chose it and has an address
    /// (one per user and date, whoever enqueues it); returns how many were new. Nothing when
    /// the server sends no e-mail.
    pub async fn enqueue_digest_emails(&self, date: NaiveDate) -> Result<usize> {
        if !self.outbox.email {
            return Ok(0);
        }
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let mut written = 0;
        for user_id in preferences::digest_email_recipients(&mut *tx).await? {
            let job = NewJob {
                kind: JobKind::Email,
                dedupe_key: format!("email:digest:{date}:{user_id}"),
                payload: payload(&EmailJob::Digest { user_id, date })?,
                run_after: now,
            };
            written += usize::from(jobs::enqueue(&mut *tx, &job, now).await?);
        }
        tx.commit().await?;
        Ok(written)
    }
}
