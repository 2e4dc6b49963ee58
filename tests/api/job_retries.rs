//! The job queue's guarantees against a real webhook receiver and the real database, with the
//! app's clock moved by the tests: a job whose worker died is run again after its lease; one
//! that keeps failing waits longer each time (exponential, with jitter, capped) and after its
//! last attempt is kept as failed and shown to the administrator, never deleted.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, Utc};
use merajut_sehat::db::jobs::{self, LEASE_EXPIRED, LEASE_EXPIRED_LAST};
use merajut_sehat::worker::LEASE;

use crate::helpers::*;
use crate::outbox::{Receiver, pass, ran, tuesday_early, with_webhook};

/// The webhook job of one transition, on an app whose webhook goes to `receiver`.
async fn one_webhook_job(receiver: &Receiver) -> TestApp {
    let app = spawn_app_with_at(tuesday_early(), with_webhook(receiver.url())).await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.drive(id, "draft", "nik_check").await;
    app
}

/// The webhook job as (attempts, run_after, last_error, done, failed).
async fn the_job(app: &TestApp) -> (i32, DateTime<Utc>, Option<String>, bool, bool) {
    sqlx::query_as(
        "SELECT attempts, run_after, last_error, done_at IS NOT NULL, failed_at IS NOT NULL \
         FROM jobs WHERE kind = 'webhook'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("reading the webhook job")
}

/// A worker that claims the due jobs and dies before finishing them.
async fn claim_and_die(app: &TestApp) -> usize {
    jobs::claim(&app.app_pool, app.clock.now(), LEASE, 10)
        .await
        .expect("claiming")
        .len()
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_once_its_lease_has_passed() {
    // Arrange: a worker claimed the job and died
    let receiver = Receiver::start().await;
    let app = one_webhook_job(&receiver).await;
    assert_eq!(claim_and_die(&app).await, 1);

    // Act: another worker while the lease holds, and just before it ends
    let during = pass(&app).await;
    app.clock.advance(LEASE - Duration::seconds(1));
    let just_before = pass(&app).await;

    // Assert: the job is left alone
    assert_eq!(during, ran(0, 0, 0));
    assert_eq!(just_before, ran(0, 0, 0));
    assert!(receiver.deliveries().is_empty());

    // Act: the lease passes
    app.clock.advance(Duration::seconds(1));
    let after = pass(&app).await;

    // Assert: run again, delivered once, the second attempt, and why it was needed kept
    assert_eq!(after, ran(1, 0, 0));
    assert_eq!(receiver.deliveries().len(), 1);
    let (attempts, _, error, done, failed) = the_job(&app).await;
    assert_eq!((attempts, done, failed), (2, true, false));
    assert_eq!(error.as_deref(), Some(LEASE_EXPIRED));
    app.clock.advance(LEASE * 2);
    pass(&app).await;
    assert_eq!(
        receiver.deliveries().len(),
        1,
        "done jobs are not run again"
    );
}

#[tokio::test]
async fn a_job_cut_off_on_its_last_attempt_is_kept_as_failed_and_shown() {
    // Arrange: two attempts allowed; a worker dies on each
    let receiver = Receiver::start().await;
    let app = one_webhook_job(&receiver).await;
    sqlx::query("UPDATE jobs SET max_attempts = 2")
        .execute(&app.pool)
        .await
        .expect("allowing two attempts");
    assert_eq!(claim_and_die(&app).await, 1);
    app.clock.advance(LEASE);
    assert_eq!(claim_and_die(&app).await, 1);

    // Act: the second lease passes
    app.clock.advance(LEASE);
    let after = pass(&app).await;

    // Assert: not claimed a third time, but given up and listed for the administrator
    assert_eq!(after, ran(0, 0, 0));
    assert!(receiver.deliveries().is_empty());
    let (attempts, _, error, done, failed) = the_job(&app).await;
    assert_eq!((attempts, done, failed), (2, false, true));
    assert_eq!(error.as_deref(), Some(LEASE_EXPIRED_LAST));
    let (admin, _) = app.signed_in("admin", None).await;
    let page = app.get_html(&admin, "/admin/tugas-latar").await;
    assert_eq!(text(&page, "#failed").as_deref(), Some("1"));
    let row = text(&page, "#failed-jobs tbody").expect("the failed jobs");
    assert!(row.contains("2 dari 2"), "{row}");
    assert!(row.contains("masa klaim habis"), "{row}");
}

#[tokio::test]
async fn a_failing_job_waits_longer_each_time_and_is_kept_as_failed_after_the_last_attempt() {
    // Arrange: a receiver that always answers 500
    let receiver = Receiver::start().await;
    receiver.status.store(500, Ordering::SeqCst);
    let app = one_webhook_job(&receiver).await;
    let max_attempts: i32 = sqlx::query_scalar("SELECT max_attempts FROM jobs")
        .fetch_one(&app.pool)
        .await
        .expect("the job's attempts");
    assert_eq!(max_attempts, 8);

    // Act: a pass whenever the job is due, until it is given up
    let mut waits = Vec::new();
    for attempt in 1..=max_attempts {
        let before = app.clock.now();
        let outcome = pass(&app).await;
        let (attempts, due, error, _, failed) = the_job(&app).await;
        assert_eq!(attempts, attempt);
        assert_eq!(
            error.as_deref(),
            Some("webhook: penerima menjawab HTTP 500")
        );
        // (The day's sweeps fall due at 07:00 along the way and are done by the same passes.)
        if attempt < max_attempts {
            assert_eq!(outcome.retrying, 1, "attempt {attempt}");
            assert!(!failed);
            // Nothing happens a second before it is due.
            app.clock.set(due - Duration::seconds(1));
            assert_eq!(pass(&app).await.retrying, 0, "attempt {attempt}");
            assert_eq!(the_job(&app).await.0, attempt);
            waits.push(due - before);
            app.clock.set(due);
        } else {
            assert_eq!((outcome.retrying, outcome.given_up), (0, 1));
            assert!(failed);
        }
    }

    // Assert: each wait within [¾, 1] of 1, 2, 4 … minutes, capped at an hour, each longer
    // than the one before until the cap; one delivery per attempt
    let bases = [1, 2, 4, 8, 16, 32, 60];
    assert_eq!(waits.len(), bases.len());
    for (wait, base) in waits.iter().zip(bases) {
        let base = Duration::minutes(base);
        assert!(*wait <= base && *wait >= base * 3 / 4, "{wait} for {base}");
    }
    for pair in waits.windows(2).take(5) {
        assert!(pair[1] > pair[0], "{waits:?}");
    }
    assert_eq!(receiver.deliveries().len(), max_attempts as usize);

    // Act: time passes (the day's purge of old jobs runs on working days)
    app.clock.advance(Duration::days(40));
    pass(&app).await;

    // Assert: still there, not run again, and on the administrator's page
    let (attempts, _, _, done, failed) = the_job(&app).await;
    assert_eq!((attempts, done, failed), (max_attempts, false, true));
    assert_eq!(receiver.deliveries().len(), max_attempts as usize);
    let (admin, _) = app.signed_in("admin", None).await;
    let page = app.get_html(&admin, "/admin/tugas-latar").await;
    assert_eq!(text(&page, "#failed").as_deref(), Some("1"));
    let row = text(&page, "#failed-jobs tbody").expect("the failed jobs");
    assert!(row.contains("8 dari 8"), "{row}");
    assert!(row.contains("HTTP 500"), "{row}");
}

#[tokio::test]
async fn jobs_handed_back_by_a_stopping_worker_are_due_at_once_without_an_attempt_counted() {
    // Arrange: a worker claimed the job, then was told to stop before starting it
    let receiver = Receiver::start().await;
    let app = one_webhook_job(&receiver).await;
    let claimed = jobs::claim(&app.app_pool, app.clock.now(), LEASE, 10)
        .await
        .expect("claiming");
    assert_eq!(claimed.len(), 1);
    assert_eq!(pass(&app).await, ran(0, 0, 0), "held by the claim");

    // Act
    let ids: Vec<i64> = claimed.iter().map(|j| j.id).collect();
    let released = jobs::release(&app.app_pool, &ids).await.expect("releasing");

    // Assert: another worker runs it at once (same clock), as its first attempt
    assert_eq!(released, 1);
    assert_eq!(pass(&app).await, ran(1, 0, 0));
    let (attempts, _, error, done, _) = the_job(&app).await;
    assert_eq!((attempts, error, done), (1, None, true));
    assert_eq!(receiver.deliveries().len(), 1);
    assert_eq!(
        jobs::release(&app.app_pool, &ids).await.expect("releasing"),
        0,
        "a finished job is not handed back"
    );
}
