//! Reliability of transitions (issue 13): every transition is one transaction guarded by the
//! case version, and a repeated request with the same key (the API's `Idempotency-Key`, a case
//! page form's nonce) gets the first's answer without a second effect. Races of many identical
//! requests on one case version, an approval racing a return to the hospital, keys reused for
//! another request or past their retention, and the server killed (SIGKILL) while transitions
//! are paused inside their transactions.

use std::process::Stdio;
use std::time::Duration as StdDuration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::helpers::*;

/// Identical requests sent at once in each round.
const CONCURRENT: usize = 50;
/// Rounds of a race, each on a fresh case.
const ROUNDS: u32 = 10;

/// What a transition writes for a case, read from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Written {
    state: String,
    version: i32,
    history: i64,
    /// `case.transition` rows of the audit log for the case.
    audited: i64,
    /// Webhook jobs of the outbox for the case (written only when the webhook is configured).
    webhook_jobs: i64,
}

async fn written(app: &TestApp, id: Uuid) -> Written {
    let (state, version) = app.case_state(id).await;
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM case_history WHERE case_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("counting history");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event = 'case.transition' AND target = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("counting audit rows");
    let webhook_jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE dedupe_key LIKE $1")
            .bind(format!("webhook:{id}:%"))
            .fetch_one(&app.pool)
            .await
            .expect("counting jobs");
    Written {
        state,
        version,
        history,
        audited,
        webhook_jobs,
    }
}

/// Asserts that exactly one transition to `state` was written since `before`.
#[track_caller]
fn assert_one_transition(before: &Written, after: &Written, state: &str, round: u32) {
    assert_eq!(after.state, state, "round {round}");
    assert_eq!(after.version, before.version + 1, "round {round}");
    assert_eq!(after.history, before.history + 1, "round {round}");
    assert_eq!(after.audited, before.audited + 1, "round {round}");
}

/// A draft of RSUD-WZJ with its KTP photo, ready to be submitted (patient `serial` + 1: a NIK's
/// serial is never 0).
async fn ready_draft(team: &Team, serial: u32) -> Uuid {
    let id = team.create(&intake_serial(serial + 1, "53.71")).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    id
}

/// An API answer with its headers.
struct Answer {
    status: StatusCode,
    replayed: Option<String>,
    body: Value,
}

/// POSTs `body` as JSON to `url` with `key` as `Idempotency-Key` (when given).
async fn post_json(http: reqwest::Client, url: String, key: Option<String>, body: Value) -> Answer {
    let mut request = http.post(url).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("POST");
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        replayed,
        body,
    }
}

/// `CONCURRENT` identical `submit`s of case `id` at `version`, all at once, by `actor`.
async fn submit_all_at_once(
    app: &TestApp,
    actor: &Actor,
    id: Uuid,
    version: i64,
    key: Option<&str>,
) -> Vec<Answer> {
    let mut set = JoinSet::new();
    for _ in 0..CONCURRENT {
        let url = app.url(&format!("/api/v1/cases/{id}/actions/submit"));
        let key = key.map(str::to_string);
        set.spawn(post_json(
            actor.http.clone(),
            url,
            key,
            json!({"version": version}),
        ));
    }
    set.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_identical_api_actions_without_a_key_apply_once_and_the_rest_are_conflicts() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    for round in 0..ROUNDS {
        let id = ready_draft(&team, round).await;
        let before = written(&app, id).await;

        // Act
        let answers =
            submit_all_at_once(&app, &team.rsud, id, i64::from(before.version), None).await;

        // Assert: one applied, 49 told someone else changed the case; one of everything.
        let ok = answers
            .iter()
            .filter(|a| a.status == StatusCode::OK)
            .count();
        let conflicts: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.status == StatusCode::CONFLICT)
            .collect();
        assert_eq!(ok, 1, "round {round}");
        assert_eq!(conflicts.len(), CONCURRENT - 1, "round {round}");
        for c in conflicts {
            assert_eq!(c.body["current_version"], json!(before.version + 1));
            assert!(
                c.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(STALE_PART))
            );
        }
        let after = written(&app, id).await;
        assert_one_transition(&before, &after, "nik_check", round);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_api_actions_with_one_idempotency_key_all_get_the_first_answer_and_apply_once() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    for round in 0..ROUNDS {
        let id = ready_draft(&team, round).await;
        let before = written(&app, id).await;
        let key = Uuid::new_v4().to_string();

        // Act
        let answers =
            submit_all_at_once(&app, &team.rsud, id, i64::from(before.version), Some(&key)).await;

        // Assert: every answer is the first's (200, the same body); all but one say they are
        // replayed; one transition written.
        assert!(
            answers.iter().all(|a| a.status == StatusCode::OK),
            "round {round}: {:?}",
            answers.iter().map(|a| a.status).collect::<Vec<_>>()
        );
        let first = &answers[0].body;
        assert_eq!(first["case"]["state"], "nik_check");
        assert_eq!(first["case"]["version"], json!(before.version + 1));
        assert!(answers.iter().all(|a| &a.body == first), "round {round}");
        let replayed = answers.iter().filter(|a| a.replayed.is_some()).count();
        assert_eq!(replayed, CONCURRENT - 1, "round {round}");
        assert!(
            answers
                .iter()
                .filter_map(|a| a.replayed.as_deref())
                .all(|r| r == "true")
        );
        let after = written(&app, id).await;
        assert_one_transition(&before, &after, "nik_check", round);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_page_submits_with_one_nonce_apply_once_and_all_redirect_alike() {
    // Arrange: the hospital's PIC signed in on the pages; cases made through the API.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (page, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    for round in 0..ROUNDS {
        let id = ready_draft(&team, round).await;
        let before = written(&app, id).await;
        let html = app.get_html(&page, &format!("/kasus/{id}")).await;
        let form = "#action-submit";
        let nonce = attr(&html, &format!("{form} input[name=nonce]"), "value")
            .expect("the submit form carries a nonce");
        let version = attr(&html, &format!("{form} input[name=version]"), "value")
            .expect("the submit form carries the version");
        let csrf = attr(&html, "input[name=csrf_token]", "value").expect("a CSRF token");
        assert!(nonce.parse::<Uuid>().is_ok(), "{nonce}");

        // Act
        let mut set = JoinSet::new();
        for _ in 0..CONCURRENT {
            let http = (*page).clone();
            let url = app.url(&format!("/kasus/{id}/tindakan/submit"));
            let fields = [
                ("csrf_token", csrf.clone()),
                ("nonce", nonce.clone()),
                ("version", version.clone()),
            ];
            set.spawn(async move {
                let response = http.post(url).form(&fields).send().await.expect("POST");
                (response.status(), location(&response))
            });
        }
        let answers = set.join_all().await;

        // Assert: the same 303 to the case for every submit; one transition written.
        let expected = (StatusCode::SEE_OTHER, Some(format!("/kasus/{id}")));
        assert!(
            answers.iter().all(|a| a == &expected),
            "round {round}: {answers:?}"
        );
        let after = written(&app, id).await;
        assert_one_transition(&before, &after, "nik_check", round);
    }
    // The flash of a repeat says the action was already recorded.
    let id = ready_draft(&team, 99).await;
    let html = app.get_html(&page, &format!("/kasus/{id}")).await;
    let fields: Vec<(String, String)> = ["csrf_token", "nonce", "version"]
        .iter()
        .map(|name| {
            let css = format!("#action-submit input[name={name}]");
            (name.to_string(), attr(&html, &css, "value").expect(name))
        })
        .collect();
    let path = format!("/kasus/{id}/tindakan/submit");
    let first = page
        .post(app.url(&path))
        .form(&fields)
        .send()
        .await
        .expect("POST");
    assert_redirect(&first, &format!("/kasus/{id}"));
    let shown = app.get_html(&page, &format!("/kasus/{id}")).await;
    assert!(
        !text(&shown, ".flash")
            .unwrap_or_default()
            .contains("sudah tercatat")
    );
    let again = page
        .post(app.url(&path))
        .form(&fields)
        .send()
        .await
        .expect("POST");
    assert_redirect(&again, &format!("/kasus/{id}"));
    let shown = app.get_html(&page, &format!("/kasus/{id}")).await;
    let flash = text(&shown, ".flash").unwrap_or_default();
    assert!(flash.contains("Tindakan ini sudah tercatat"), "{flash}");
}

#[tokio::test]
async fn a_page_submit_without_a_nonce_keeps_the_version_guard() {
    // Arrange: an old page's form, without a nonce.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (page, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = ready_draft(&team, 1).await;
    let (_, version) = app.case_state(id).await;
    let version = version.to_string();
    let path = format!("/kasus/{id}/tindakan/submit");

    // Act
    let first = app
        .post_form_from(
            &page,
            &format!("/kasus/{id}"),
            &path,
            &[("version", &version)],
        )
        .await;
    let second = app
        .post_form_from(
            &page,
            &format!("/kasus/{id}"),
            &path,
            &[("version", &version)],
        )
        .await;

    // Assert: the first applied, the second is the 409 page of a stale version.
    assert_redirect(&first, &format!("/kasus/{id}"));
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let html = second.text().await.expect("the page");
    assert!(html.contains(STALE_PART));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_racing_a_return_to_the_hospital_has_one_winner() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let mut winners = vec![];
    for round in 0..ROUNDS {
        let id = team
            .case_in(&intake_serial(round + 1, "53.71"), "guarantee_review")
            .await;
        let before = written(&app, id).await;
        let version = i64::from(before.version);

        // Act: Dinkes approves and returns the case at once, on the version both saw.
        let mut set = JoinSet::new();
        for action in ["approve_guarantee", "return_to_rsud"] {
            let mut body = valid_fields(action);
            body["version"] = json!(version);
            let url = app.url(&format!("/api/v1/cases/{id}/actions/{action}"));
            let http = team.dinkes_prov.http.clone();
            set.spawn(async move { (action, post_json(http, url, None, body).await) });
        }
        let answers = set.join_all().await;

        // Assert: one 200, one 409; the case, its one new history row and its quota charge
        // agree with the winner.
        let won: Vec<&str> = answers
            .iter()
            .filter(|(_, a)| a.status == StatusCode::OK)
            .map(|(action, _)| *action)
            .collect();
        let lost = answers
            .iter()
            .filter(|(_, a)| a.status == StatusCode::CONFLICT)
            .count();
        assert_eq!((won.len(), lost), (1, 1), "round {round}");
        let winner = won[0];
        let state = if winner == "approve_guarantee" {
            "guaranteed"
        } else {
            "returned"
        };
        let after = written(&app, id).await;
        assert_one_transition(&before, &after, state, round);
        let last: String = sqlx::query_scalar(
            "SELECT action FROM case_history WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the last history row");
        assert_eq!(last, winner, "round {round}");
        let charges: i64 =
            sqlx::query_scalar("SELECT count(*) FROM quota_charges WHERE case_id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .expect("counting quota charges");
        assert_eq!(
            charges,
            i64::from(winner == "approve_guarantee"),
            "round {round}"
        );
        winners.push(winner);
    }
    // Both outcomes are possible; neither is a given (not asserted: it depends on scheduling).
    assert_eq!(winners.len(), ROUNDS as usize);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused_and_an_expired_key_is_new() {
    // Arrange
    let app = spawn_app_at(at("2026-12-01T02:00:00Z")).await;
    let team = Team::new(&app).await;
    let first = ready_draft(&team, 1).await;
    let other = ready_draft(&team, 2).await;
    let key = "simrs-2026-12-01-0001".to_string();
    let submit = |id: Uuid| app.url(&format!("/api/v1/cases/{id}/actions/submit"));
    let version = |w: &Written| json!({"version": w.version});
    let http = team.rsud.http.clone();
    let before = written(&app, first).await;
    let applied = post_json(
        http.clone(),
        submit(first),
        Some(key.clone()),
        version(&before),
    )
    .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let other_before = written(&app, other).await;

    // Act 1: the same key for another case, and for the same case with another body.
    let elsewhere = post_json(
        http.clone(),
        submit(other),
        Some(key.clone()),
        version(&other_before),
    )
    .await;
    let changed = post_json(
        http.clone(),
        submit(first),
        Some(key.clone()),
        json!({"version": before.version, "catatan": "lain"}),
    )
    .await;

    // Assert 1: both refused with 422 naming the header; nothing written.
    for refused in [&elsewhere, &changed] {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.body["error"], "idempotency_key_reused");
        let message = refused.body["message"].as_str().unwrap_or_default();
        assert!(message.contains("Idempotency-Key"), "{message}");
    }
    assert_eq!(written(&app, other).await, other_before);

    // Act 2: the same request again within 48 hours, then after.
    app.clock.advance(chrono::Duration::hours(47));
    let replay = post_json(
        http.clone(),
        submit(first),
        Some(key.clone()),
        version(&before),
    )
    .await;
    app.clock.advance(chrono::Duration::hours(2));
    let late = post_json(
        http.clone(),
        submit(first),
        Some(key.clone()),
        version(&before),
    )
    .await;
    let reused = post_json(
        http.clone(),
        submit(other),
        Some(key.clone()),
        version(&other_before),
    )
    .await;

    // Assert 2: replayed within the retention; after it the key is new — the repeat meets the
    // version guard (409, not replayed), and another request may use the key.
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.replayed.as_deref(), Some("true"));
    assert_eq!(replay.body, applied.body);
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert_eq!(late.replayed, None);
    assert_eq!(reused.status, StatusCode::OK, "{}", reused.body);
    assert_eq!(reused.replayed, None);
    let after = written(&app, first).await;
    assert_one_transition(&before, &after, "nik_check", 0);
    let other_after = written(&app, other).await;
    assert_one_transition(&other_before, &other_after, "nik_check", 0);

    // And the daily sweep prunes keys past the retention.
    app.clock.advance(chrono::Duration::hours(49));
    let pruned = app.cases.prune_idempotency_keys().await.expect("pruning");
    assert_eq!(pruned, 1);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&app.pool)
        .await
        .expect("counting keys");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_refused_naming_the_header() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = ready_draft(&team, 1).await;
    let before = written(&app, id).await;
    let url = app.url(&format!("/api/v1/cases/{id}/actions/submit"));

    for key in ["", "dengan spasi", &"x".repeat(65), "kunci\u{e9}"] {
        // Act
        let mut request = team
            .rsud
            .http
            .post(&url)
            .json(&json!({"version": before.version}));
        request = match reqwest::header::HeaderValue::from_bytes(key.as_bytes()) {
            Ok(value) => request.header("Idempotency-Key", value),
            Err(_) => panic!("{key:?} is no header value"),
        };
        let answer = reply(request.send().await.expect("POST")).await;

        // Assert
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{key:?}: {}",
            answer.body
        );
        assert_eq!(answer.body["error"], "bad_idempotency_key");
        assert!(answer.message().contains("Idempotency-Key"));
    }
    assert_eq!(written(&app, id).await, before);
}

#[tokio::test]
async fn case_create_and_document_upload_replay_with_the_same_key() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let key = Uuid::new_v4().to_string();
    let create = || {
        post_json(
            team.rsud.http.clone(),
            app.url("/api/v1/cases"),
            Some(key.clone()),
            intake_serial(7, "53.71"),
        )
    };

    // Act
    let first = create().await;
    let second = create().await;

    // Assert: one case, the same 201 twice.
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.replayed.as_deref(), Some("true"));
    assert_eq!(second.body, first.body);
    assert_eq!(case_count(&app).await, 1);

    // Arrange: an upload with its key.
    let id: Uuid = first.body["case"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the case id");
    let upload_key = Uuid::new_v4().to_string();
    let upload = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("kind", "ktp").part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("ktp.png"),
        );
        team.rsud
            .http
            .post(app.url(&format!("/api/v1/cases/{id}/documents")))
            .header("Idempotency-Key", upload_key.clone())
            .multipart(form)
            .send()
    };

    // Act
    let one = upload(PNG.to_vec()).await.expect("upload");
    let one_replayed = one.headers().get("idempotent-replayed").is_some();
    let one = reply(one).await;
    let two = upload(PNG.to_vec()).await.expect("upload");
    let two_replayed = two.headers().get("idempotent-replayed").cloned();
    let two = reply(two).await;
    let other = reply(upload(test_jpeg()).await.expect("upload")).await;

    // Assert: one document; the repeat replayed; another file under the key refused.
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.body);
    assert!(!one_replayed);
    assert_eq!(two.status, StatusCode::CREATED);
    assert_eq!(
        two_replayed.as_ref().and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(two.body, one.body);
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.body
    );
    assert_eq!(snapshot(&app, id).await.documents, 1);
}

fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    rfc3339.parse().expect("an RFC 3339 instant")
}

// ---------------------------------------------------------------------------------------------
// The server killed mid-transaction
// ---------------------------------------------------------------------------------------------

/// The application as its own process (the `merajut-sehat` binary) on `app`'s database.
struct Server {
    child: tokio::process::Child,
    address: String,
}

/// Starts the binary on `app`'s database with `env`, and waits until it serves.
async fn start_server(app: &TestApp, env: &[(&str, &str)]) -> Server {
    std::fs::create_dir_all(&app.data_dir).expect("creating the data directory");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"))
        .envs(env.iter().copied())
        .env("DATABASE_URL", &app.database_url)
        .env("MERAJUT_DATA_DIR", &app.data_dir)
        .env("MERAJUT_BIND", "127.0.0.1:0")
        .env("MERAJUT_WORKER", "false")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting merajut-sehat");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let address = tokio::time::timeout(StdDuration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("reading stdout") {
            if let Some(at) = line.split("serving on ").nth(1) {
                return at.trim().to_string();
            }
        }
        panic!("merajut-sehat ended before serving");
    })
    .await
    .expect("merajut-sehat did not start within 60 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server { child, address }
}

/// Backends of the test database in state `idle in transaction`.
async fn idle_in_transaction(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'",
    )
    .bind(&app.db_name)
    .fetch_one(&app.pool)
    .await
    .expect("reading pg_stat_activity")
}

/// Backends of the test database inside a transaction (other than the one asking): paused
/// before their commit (`idle in transaction`) or waiting for a lock one of those holds (the
/// audit chains serialise transitions whose audit rows go to the same chain).
async fn in_transaction(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
           AND xact_start IS NOT NULL AND state IN ('idle in transaction', 'active')",
    )
    .bind(&app.db_name)
    .fetch_one(&app.pool)
    .await
    .expect("reading pg_stat_activity")
}

/// Polls (every 100 ms, for at most `limit`) until `check` holds; false if it never did.
async fn eventually(limit: StdDuration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let until = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < until {
        if check().await {
            return true;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    check().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_transaction_leaves_every_case_wholly_before_or_after() {
    // Arrange: drafts ready to submit, made on the harness's server; then the binary with the
    // webhook on (each transition also writes an outbox job) and the debug-only pause of
    // 3 s before every transition's commit.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let mut finished = vec![];
    let mut in_flight = vec![];
    for serial in 0..3 {
        finished.push(ready_draft(&team, serial).await);
    }
    for serial in 3..8 {
        in_flight.push(ready_draft(&team, serial).await);
    }
    let mut before = vec![];
    for &id in finished.iter().chain(&in_flight) {
        before.push((id, written(&app, id).await));
    }
    let env = [
        ("MERAJUT_TEST_PAUSE_BEFORE_COMMIT_MS", "3000"),
        ("MERAJUT_WEBHOOK_URL", "http://127.0.0.1:9/webhook"),
        (
            "MERAJUT_WEBHOOK_SECRET",
            "rahasia-webhook-uji-yang-cukup-panjang-0123456789",
        ),
    ];
    let mut server = start_server(&app, &env).await;
    let submit = |server: &Server, id: Uuid, version: i32| {
        let url = format!("{}/api/v1/cases/{id}/actions/submit", server.address);
        post_json(
            team.rsud.http.clone(),
            url,
            None,
            json!({"version": version}),
        )
    };

    // Act 1: three transitions that finish (after their pause).
    let mut done = JoinSet::new();
    for (id, w) in before.iter().filter(|(id, _)| finished.contains(id)) {
        done.spawn(submit(&server, *id, w.version));
    }
    for answer in done.join_all().await {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }

    // Act 2: five more, held at the pause inside their transactions; then SIGKILL.
    let mut held = JoinSet::new();
    for (id, w) in before.iter().filter(|(id, _)| in_flight.contains(id)) {
        held.spawn(submit(&server, *id, w.version));
    }
    let all_held = eventually(StdDuration::from_secs(20), async || {
        in_transaction(&app).await >= 5
    })
    .await;
    assert!(
        all_held,
        "the five transitions never waited inside their transactions"
    );
    server.child.start_kill().expect("SIGKILL");
    server.child.wait().await.expect("the server ends");
    held.abort_all();

    // Assert: no backend left idle in a transaction (each ends when its client is gone).
    let none_left = eventually(StdDuration::from_secs(30), async || {
        idle_in_transaction(&app).await == 0
    })
    .await;
    assert!(none_left, "a connection is still idle in transaction");

    // Act 3: the server again (no pause).
    let restarted = start_server(&app, &env[1..]).await;

    // Assert: the finished ones wholly after (state, version, history, audit and outbox job
    // agree), the killed ones wholly before; the restarted server shows the same.
    for (id, w) in &before {
        let now = written(&app, *id).await;
        if finished.contains(id) {
            assert_eq!(now.state, "nik_check");
            assert_eq!(now.version, w.version + 1);
            assert_eq!(now.history, w.history + 1);
            assert_eq!(now.audited, w.audited + 1);
            assert_eq!(now.webhook_jobs, w.webhook_jobs + 1);
        } else {
            assert_eq!(&now, w, "a killed transition left part of itself");
        }
        let url = format!("{}/api/v1/cases/{id}", restarted.address);
        let read = reply(team.rsud.http.get(url).send().await.expect("GET")).await;
        read.expect(StatusCode::OK);
        assert_eq!(read.state(), now.state);
        assert_eq!(read.version(), i64::from(now.version));
    }
    // The killed transitions can be done now, once.
    let id = in_flight[0];
    let w = written(&app, id).await;
    let url = format!("{}/api/v1/cases/{id}/actions/submit", restarted.address);
    let again = post_json(
        team.rsud.http.clone(),
        url,
        None,
        json!({"version": w.version}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_one_transition(&w, &written(&app, id).await, "nik_check", 0);
}

/// POSTs the case page's form at `form` (a CSS selector) as it was rendered in `html` — its
/// hidden fields (CSRF token, nonce) and, for a multipart form, `file` as its file part.
async fn send_form(
    app: &TestApp,
    page: &TestClient,
    html: &str,
    form: &str,
    file: Option<Vec<u8>>,
) -> reqwest::Response {
    let action = attr(html, form, "action").unwrap_or_else(|| panic!("no form {form}"));
    let hidden = |name: &str| {
        attr(html, &format!("{form} input[name={name}]"), "value")
            .unwrap_or_else(|| panic!("{form} has no {name}"))
    };
    let (csrf, nonce) = (hidden("csrf_token"), hidden("nonce"));
    let request = page.post(app.url(&action));
    let request = match file {
        Some(bytes) => {
            let mut parts = reqwest::multipart::Form::new()
                .text("csrf_token", csrf)
                .text("nonce", nonce)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name("dokumen.png"),
                );
            if let Some(kind) = attr(
                html,
                &format!("{form} select[name=kind] option[selected]"),
                "value",
            ) {
                parts = parts.text("kind", kind);
            }
            request.multipart(parts)
        }
        None => request.form(&[("csrf_token", csrf), ("nonce", nonce)]),
    };
    request.send().await.expect("POST")
}

#[tokio::test]
async fn document_forms_sent_twice_with_their_nonce_change_the_documents_once() {
    // Arrange: a draft with its KTP, the hospital's PIC on its page.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let (page, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = ready_draft(&team, 1).await;
    let case_page = format!("/kasus/{id}");
    let events = async |event: &str| -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = $1 AND target = $2")
            .bind(event)
            .bind(id.to_string())
            .fetch_one(&app.pool)
            .await
            .expect("counting audit rows")
    };

    // Act 1: the upload form sent twice.
    let html = app.get_html(&page, &case_page).await;
    let upload = "form.upload";
    let first = send_form(&app, &page, &html, upload, Some(PNG.to_vec())).await;
    let second = send_form(&app, &page, &html, upload, Some(PNG.to_vec())).await;

    // Assert 1: one more document, the same redirect, the repeat told so.
    assert_redirect(&first, &case_page);
    assert_redirect(&second, &case_page);
    assert_eq!(snapshot(&app, id).await.documents, 2);
    assert_eq!(events("case.document_upload").await, 2);
    let shown = app.get_html(&page, &case_page).await;
    let flash = text(&shown, ".flash").unwrap_or_default();
    assert!(flash.contains("Tindakan ini sudah tercatat"), "{flash}");

    // Act 2: a replacement sent twice.
    let replace = "form.replace-document";
    let first = send_form(&app, &page, &shown, replace, Some(PNG.to_vec())).await;
    let second = send_form(&app, &page, &shown, replace, Some(PNG.to_vec())).await;

    // Assert 2: replaced once; both answered with the case.
    assert_redirect(&first, &case_page);
    assert_redirect(&second, &case_page);
    assert_eq!(events("case.document_replace").await, 1);
    assert_eq!(snapshot(&app, id).await.documents, 3);

    // Act 3: a removal sent twice.
    let html = app.get_html(&page, &case_page).await;
    let remove = "form.remove-document";
    let first = send_form(&app, &page, &html, remove, None).await;
    let second = send_form(&app, &page, &html, remove, None).await;

    // Assert 3: removed once; both answered with the case.
    assert_redirect(&first, &case_page);
    assert_redirect(&second, &case_page);
    assert_eq!(events("case.document_remove").await, 1);
}
