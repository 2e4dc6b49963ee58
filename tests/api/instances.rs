//! Two instances of the application on one database, as behind a load balancer: each has its
//! own listener, pool, memory and worker (`TestApp::spawn_second_instance`). What one does, the
//! other sees: a case's version, a session, the job queue.

use std::time::Duration as StdDuration;

use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::outbox::{Receiver, at, jobs_of, tuesday_early, with_webhook};

#[tokio::test]
async fn case_actions_alternated_between_two_instances_keep_the_version_guarantee() {
    // Arrange: a case waiting for Dukcapil; the same user (one token) on both instances
    let a = spawn_app().await;
    let b = a.spawn_second_instance(|_| {}).await;
    let team = Team::new(&a).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let version = team.dukcapil_prov.case(id).await.version();
    let (dukcapil_a, dukcapil_b) = (&team.dukcapil_prov, team.dukcapil_prov.on(&b));
    let (dinsos_a, dinsos_b) = (&team.dinsos_prov, team.dinsos_prov.on(&b));

    // Act: A acts on the version both read; then B with that same version
    let on_a = dukcapil_a
        .act(id, "verify_nik", version, valid_fields("verify_nik"))
        .await;
    let stale_on_b = dukcapil_b
        .act(id, "verify_nik", version, valid_fields("verify_nik"))
        .await;

    // Assert: the second is refused as stale, and B reads what A did
    on_a.expect(StatusCode::OK);
    stale_on_b.expect(StatusCode::CONFLICT);
    let read_on_b = dinsos_b.case(id).await;
    read_on_b.expect(StatusCode::OK);
    assert_eq!(read_on_b.state(), "desil_check");
    assert_eq!(read_on_b.version(), version + 1);

    // Act: now the other way round: B acts, then A with the version B started from
    let on_b = dinsos_b
        .act(
            id,
            "record_desil",
            version + 1,
            valid_fields("record_desil"),
        )
        .await;
    let stale_on_a = dinsos_a
        .act(
            id,
            "record_desil",
            version + 1,
            valid_fields("record_desil"),
        )
        .await;

    // Assert
    on_b.expect(StatusCode::OK);
    stale_on_a.expect(StatusCode::CONFLICT);
    assert_eq!(
        a.case_state(id).await,
        ("guarantee_review".to_string(), (version + 2) as i32)
    );
    let actions: Vec<(String, i32)> = sqlx::query_as(
        "SELECT action, from_version FROM case_history \
         WHERE case_id = $1 AND action IN ('verify_nik', 'record_desil') ORDER BY id",
    )
    .bind(id)
    .fetch_all(&a.pool)
    .await
    .expect("reading the history");
    let version = version as i32;
    assert_eq!(
        actions,
        vec![
            ("verify_nik".to_string(), version),
            ("record_desil".to_string(), version + 1)
        ],
        "one history row per accepted action, none for the refused ones"
    );
}

#[tokio::test]
async fn a_session_from_one_instance_works_on_the_other() {
    // Arrange: signed in on A
    let a = spawn_app().await;
    let b = a.spawn_second_instance(|_| {}).await;
    let (client, user) = a.signed_in("dinkes_prov", None).await;

    // Act: pages on B with A's session cookie; a form whose CSRF token A gave, sent to B
    let page_on_b = b.get(&client, "/akun").await;
    let status = page_on_b.status();
    let html = page_on_b.text().await.expect("the page");
    let token = a.csrf(&client, "/").await;
    let signed_out_on_b = b
        .post_raw(&client, "/keluar", &[("csrf_token", &token)])
        .await;

    // Assert: B knew the user and accepted the token; signing out there ended it on A too
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&user.username), "B shows the signed-in user");
    assert_redirect(&signed_out_on_b, "/masuk");
    let after = a.get(&client, "/akun").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&after).unwrap_or_default().starts_with("/masuk"),
        "{:?}",
        location(&after)
    );
}

/// Waits (at most a minute) until no job of `kind` (any kind: `None`) is waiting or running.
async fn jobs_finished(app: &TestApp, kind: Option<&str>) {
    for _ in 0..600 {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
             AND ($1::text IS NULL OR kind = $1)",
        )
        .bind(kind)
        .fetch_one(&app.pool)
        .await
        .expect("counting open jobs");
        if open == 0 {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

/// Waits (up to 60 s) until no job is left unfinished, and returns the jobs as (kind,
/// attempts, done).
async fn all_jobs_finished(app: &TestApp) -> Vec<(String, i32, bool)> {
    let query = "SELECT kind, attempts, done_at IS NOT NULL FROM jobs ORDER BY id";
    jobs_finished(app, None).await;
    sqlx::query_as(query)
        .fetch_all(&app.pool)
        .await
        .expect("reading the jobs")
}

#[tokio::test]
async fn with_both_instances_working_each_job_runs_once() {
    // Arrange: a webhook receiver; both instances run their worker every 10 ms; 06:00, before
    // the day's jobs
    let receiver = Receiver::start().await;
    let webhook = with_webhook(receiver.url());
    let a = spawn_app_with_at(tuesday_early(), |s| {
        webhook(s);
        s.worker = true;
        s.worker_poll_ms = 10;
    })
    .await;
    let b = a.spawn_second_instance(|_| {}).await;
    assert!(b.settings.worker);
    let team = Team::new(&a).await;
    let team_b = Team {
        rsud: team.rsud.on(&b),
        dukcapil_prov: team.dukcapil_prov.on(&b),
        dukcapil_kab: team.dukcapil_kab.on(&b),
        dinsos_prov: team.dinsos_prov.on(&b),
        dinsos_kab: team.dinsos_kab.on(&b),
        dinkes_prov: team.dinkes_prov.on(&b),
        bpjs: team.bpjs.on(&b),
    };

    // Act: cases moved through both instances (each transition a webhook job), then the clock
    // passes 07:00, when the day's overdue and retention sweeps fall due
    let mut cases = Vec::new();
    for serial in 1..=4 {
        let (here, there) = if serial % 2 == 0 {
            (&team, &team_b)
        } else {
            (&team_b, &team)
        };
        let id = here
            .case_in(&intake_serial(serial, "53.71"), "nik_check")
            .await;
        there.drive(id, "nik_check", "desil_check").await;
        cases.push(id);
    }
    // The webhooks delivered before the clock jumps an hour: a jump while one is being
    // delivered passes its lease, and the other instance rightly takes it again (a second
    // attempt that made this test fail now and then, not the double run it looks for).
    jobs_finished(&a, Some("webhook")).await;
    a.clock.set(at("2026-12-01T07:00:00+08:00"));
    let jobs = all_jobs_finished(&a).await;

    // Assert: every job done after one attempt; each transition delivered exactly once
    let webhooks = jobs_of(&a, "webhook").await;
    assert!(webhooks.len() >= cases.len() * 2, "{jobs:?}");
    for (kind, attempts, done) in &jobs {
        assert!(done, "{kind} not done: {jobs:?}");
        assert_eq!(*attempts, 1, "{kind} ran more than once: {jobs:?}");
    }
    for sweep in ["overdue_sweep", "retention_sweep"] {
        assert_eq!(
            jobs.iter().filter(|(kind, ..)| kind == sweep).count(),
            1,
            "{sweep}: {jobs:?}"
        );
    }
    // A last look a moment later: nothing is delivered a second time.
    a.clock.advance(Duration::minutes(10));
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let seen = receiver.deliveries();
    let mut ids: Vec<&str> = seen.iter().map(|d| d.delivery_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(seen.len(), webhooks.len(), "one delivery per job");
    assert_eq!(ids.len(), webhooks.len(), "no delivery twice");
}

#[tokio::test]
async fn a_change_to_the_reference_tables_reaches_the_other_instance_on_its_next_view() {
    // Arrange: a case at Dukcapil's desk, read on B (which keeps the reference tables)
    let a = spawn_app().await;
    let b = a.spawn_second_instance(|_| {}).await;
    let team = Team::new(&a).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let dukcapil_b = team.dukcapil_prov.on(&b);
    let before = dukcapil_b.case(id).await;
    before.expect(StatusCode::OK);
    let sla = before.body["case"]["desk"]["sla_days"]
        .as_i64()
        .unwrap_or_else(|| panic!("no desk SLA in {}", before.body));
    let kept = b.cases.reference().await.expect("reference");
    let again = b.cases.reference().await.expect("reference");
    assert!(
        std::sync::Arc::ptr_eq(&kept, &again),
        "unchanged tables are not read again"
    );

    // Act: Dukcapil's SLA changed through A's database, as the admin page or psql would
    sqlx::query(
        "UPDATE sla_settings SET working_days = working_days + 5 WHERE state = 'nik_check'",
    )
    .execute(&a.pool)
    .await
    .expect("changing the SLA");

    // Assert: B's next view counts with the new SLA, read once more
    let after = dukcapil_b.case(id).await;
    after.expect(StatusCode::OK);
    assert_eq!(after.body["case"]["desk"]["sla_days"], sla + 5);
    let reread = b.cases.reference().await.expect("reference");
    assert!(reread.epoch > kept.epoch);
    assert!(!std::sync::Arc::ptr_eq(&kept, &reread));
}
