//! Database trouble fails fast and safe: PostgreSQL stopped and started again under load (on a
//! cluster of the test's own, [`OwnCluster`]), and the service's pool exhausted. The pages
//! answer a 503 page in Bahasa Indonesia, the API 503 `database_unavailable`, both with
//! `Retry-After`; `/readyz` is red meanwhile and green again by itself; nothing answered 2xx is
//! lost or done twice.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The service's acquire timeout in these tests: a request waits this long for a connection.
const ACQUIRE_TIMEOUT_MS: u64 = 1000;
/// How long a client waits for an answer before calling the request hung: far beyond the
/// acquire timeout, so that only a request that never fails fast reaches it.
const HANG: Duration = Duration::from_secs(30);
/// Clients sending case actions at once.
const CLIENTS: usize = 6;
/// Draft cases the clients submit, one request each (enough to last the outage).
const CASES: u32 = 60;
/// Upper bound on waiting for a phase of the test (PostgreSQL stopping, starting …).
const PHASE: Duration = Duration::from_secs(90);

/// The text of the 503 page and of the API's message.
const UNAVAILABLE: &str = "Layanan sedang tidak dapat menjangkau basis data";

/// One case action sent by a client and what came back.
#[derive(Debug, Clone)]
struct Attempt {
    case: Uuid,
    sent: Instant,
    answered: Instant,
    /// The status, or what went wrong with the request itself (no answer within [`HANG`]).
    outcome: Result<StatusCode, String>,
}

/// A client whose every request gives up after [`HANG`].
fn impatient(headers: &[(&str, String)]) -> reqwest::Client {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            value.parse().expect("a header value"),
        );
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HANG)
        .default_headers(map)
        .build()
        .expect("building the HTTP client")
}

/// The status of `GET path`, panicking when no answer comes within [`HANG`].
async fn status_of(client: &reqwest::Client, app: &TestApp, path: &str) -> StatusCode {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path} had no answer (hung?): {e}"))
        .status()
}

/// Waits until `done` holds, checking every 50 ms; panics with `what` after [`PHASE`].
async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + PHASE;
    while !done().await {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts a 503 page of the pages: the message in Bahasa Indonesia and `Retry-After`.
async fn assert_unavailable_page(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(
        response
            .headers()
            .contains_key(reqwest::header::RETRY_AFTER),
        "{what}: no Retry-After"
    );
    let html = response.text().await.expect("reading the page");
    assert!(html.contains(UNAVAILABLE), "{what}: {html}");
}

/// Asserts the API's 503: `database_unavailable`, the message, `Retry-After`.
async fn assert_unavailable_json(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(
        response
            .headers()
            .contains_key(reqwest::header::RETRY_AFTER),
        "{what}: no Retry-After"
    );
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["error"], "database_unavailable", "{what}: {body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains(UNAVAILABLE)),
        "{what}: {body}"
    );
}

/// How many times case `id` was submitted, by its history.
async fn submissions(app: &TestApp, id: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM case_history WHERE case_id = $1 AND action = 'submit'")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("reading the case's history")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_load_gives_fast_503s_and_loses_nothing() {
    // Arrange: the service on a cluster of the test's own, a short acquire timeout; drafts
    // ready to submit, each with its KTP photo.
    let mut cluster = OwnCluster::start(5432, &[]).await;
    let app = spawn_app_on_cluster(&cluster, |s| {
        s.db_acquire_timeout_ms = ACQUIRE_TIMEOUT_MS;
        s.db_max_connections = 4;
    })
    .await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let (browser, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let browser_cookie = format!(
        "{SESSION_COOKIE}={}",
        browser.cookie(SESSION_COOKIE).expect("a session cookie")
    );
    let mut drafts = VecDeque::new();
    for serial in 1..=CASES {
        let created = rsud.create_case(&intake_serial(serial, "53.71")).await;
        created.expect(StatusCode::CREATED);
        let id = created.case_id();
        rsud.upload(id, "ktp", PNG, "ktp.png")
            .await
            .expect(StatusCode::CREATED);
        let (_, version) = app.case_state(id).await;
        drafts.push_back((id, version));
    }
    let versions: Vec<(Uuid, i32)> = drafts.iter().copied().collect();
    let token = app.api_token(rsud.user.id).await;
    let api = impatient(&[("authorization", format!("Bearer {token}"))]);
    let page = impatient(&[("cookie", browser_cookie)]);
    let queue = Arc::new(Mutex::new(drafts));
    let attempts: Arc<Mutex<Vec<Attempt>>> = Arc::default();

    // Act: clients submit the drafts, one request per case, while PostgreSQL is stopped and
    // started again.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (queue, attempts, api) = (queue.clone(), attempts.clone(), api.clone());
            let base = app.address.clone();
            tokio::spawn(async move {
                loop {
                    let Some((id, version)) = queue.lock().expect("the queue").pop_front() else {
                        break;
                    };
                    let sent = Instant::now();
                    let outcome = api
                        .post(format!("{base}/api/v1/cases/{id}/actions/submit"))
                        .json(&json!({"version": version}))
                        .send()
                        .await
                        .map(|r| r.status())
                        .map_err(|e| e.to_string());
                    let answered = Instant::now();
                    attempts.lock().expect("the attempts").push(Attempt {
                        case: id,
                        sent,
                        answered,
                        outcome,
                    });
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    let done = |pred: fn(&Attempt) -> bool| {
        let attempts = attempts.clone();
        move || {
            attempts
                .lock()
                .expect("the attempts")
                .iter()
                .filter(|a| pred(a))
                .count()
        }
    };
    let successes = done(|a| a.outcome.as_ref().is_ok_and(|s| s.is_success()));
    wait_for("the first submissions", async || successes() >= 4).await;

    cluster.stop();
    let stopped = Instant::now();
    let ready_while_down = status_of(&api, &app, "/readyz").await;
    let page_while_down = page
        .get(app.url("/"))
        .send()
        .await
        .expect("the page answers while the database is down");
    let api_while_down = api
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("the API answers while the database is down");
    let during_outage = {
        let attempts = attempts.clone();
        move || {
            attempts
                .lock()
                .expect("the attempts")
                .iter()
                .filter(|a| a.sent >= stopped)
                .count()
        }
    };
    wait_for("case actions answered during the outage", async || {
        during_outage() >= CLIENTS
    })
    .await;

    let restarting = Instant::now();
    cluster.start_again().await;
    wait_for(
        "/readyz green again without a restart of the service",
        async || status_of(&api, &app, "/readyz").await == StatusCode::OK,
    )
    .await;
    for client in clients {
        client.await.expect("a client task");
    }
    let page_after = page.get(app.url("/")).send().await.expect("the page");

    // Assert: every request answered, 2xx or 503, never anything else, and only 503 while
    // the database was down.
    assert_eq!(ready_while_down, StatusCode::SERVICE_UNAVAILABLE);
    assert_unavailable_page(page_while_down, "GET / while the database is down").await;
    assert_unavailable_json(api_while_down, "GET /api/v1/me while the database is down").await;
    assert_eq!(
        page_after.status(),
        StatusCode::OK,
        "GET / after the restart"
    );
    let attempts = attempts.lock().expect("the attempts").clone();
    assert_eq!(attempts.len(), CASES as usize, "one request per case");
    let odd: Vec<_> = attempts
        .iter()
        .filter(|a| {
            !a.outcome
                .as_ref()
                .is_ok_and(|s| s.is_success() || *s == StatusCode::SERVICE_UNAVAILABLE)
        })
        .collect();
    assert!(odd.is_empty(), "answers other than 2xx and 503: {odd:#?}");
    let in_outage: Vec<_> = attempts
        .iter()
        .filter(|a| a.sent >= stopped && a.answered <= restarting)
        .collect();
    assert!(
        !in_outage.is_empty(),
        "no case action was sent and answered while the database was down"
    );
    assert!(
        in_outage
            .iter()
            .all(|a| a.outcome.as_ref().ok() == Some(&StatusCode::SERVICE_UNAVAILABLE)),
        "while the database was down every case action is answered 503: {in_outage:#?}"
    );
    assert!(
        attempts
            .iter()
            .any(|a| a.sent > restarting && a.outcome.as_ref().is_ok_and(|s| s.is_success())),
        "case actions succeed again after the restart"
    );
    // Every action answered 2xx is in the history exactly once.
    for attempt in attempts
        .iter()
        .filter(|a| a.outcome.as_ref().is_ok_and(|s| s.is_success()))
    {
        assert_eq!(
            submissions(&app, attempt.case).await,
            1,
            "case {} was answered 2xx",
            attempt.case
        );
    }
    // Sent again now, an action answered 503 is either done now or refused as done already
    // (when its commit went through just before the connection was lost): once either way.
    for (id, version) in &versions {
        let answered_ok = attempts
            .iter()
            .any(|a| a.case == *id && a.outcome.as_ref().is_ok_and(|s| s.is_success()));
        if answered_ok {
            continue;
        }
        let again = rsud
            .act(*id, "submit", i64::from(*version), json!({}))
            .await;
        assert!(
            again.status == StatusCode::OK || again.status == StatusCode::CONFLICT,
            "submitting {id} again: {} {}",
            again.status,
            again.body
        );
    }
    for (id, _) in &versions {
        assert_eq!(submissions(&app, *id).await, 1, "case {id} submitted once");
        assert_eq!(app.case_state(*id).await.0, "nik_check", "case {id}");
    }
}

#[tokio::test]
async fn an_exhausted_pool_gives_503_without_a_hang_and_recovers() {
    // Arrange: a pool of two connections, both held by someone else.
    let app = spawn_app_with(|s| {
        s.db_max_connections = 2;
        s.db_acquire_timeout_ms = 500;
    })
    .await;
    let (browser, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    rsud.get("/api/v1/me").await.expect(StatusCode::OK);
    let held = [
        app.app_pool.acquire().await.expect("a connection"),
        app.app_pool.acquire().await.expect("a connection"),
    ];

    // Act
    let page = app.get(&browser, "/").await;
    let api = rsud.get_raw("/api/v1/me").await;
    let ready = app.get(&app.client(), "/readyz").await;

    // Assert
    assert_unavailable_page(page, "GET / with the pool exhausted").await;
    assert_unavailable_json(api, "GET /api/v1/me with the pool exhausted").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Act: the connections are given back.
    drop(held);

    // Assert: everything works again.
    assert_eq!(app.get(&browser, "/").await.status(), StatusCode::OK);
    rsud.get("/api/v1/me").await.expect(StatusCode::OK);
    assert_eq!(
        app.get(&app.client(), "/readyz").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_connection_of_the_service_carries_its_time_limits_and_no_jit() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.db_statement_timeout_ms = 1234;
        s.db_idle_in_transaction_timeout_ms = 5678;
    })
    .await;

    // Act
    let mut conn = app.app_pool.acquire().await.expect("a connection");
    let statement: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(&mut *conn)
        .await
        .expect("the statement timeout");
    let idle: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout")
        .fetch_one(&mut *conn)
        .await
        .expect("the idle-in-transaction timeout");
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(&mut *conn)
        .await
        .expect("the JIT setting");
    let slow = sqlx::query("SELECT pg_sleep(5)")
        .execute(&mut *conn)
        .await
        .expect_err("a statement over the limit is cancelled");

    // Assert
    assert_eq!(statement, "1234ms");
    assert_eq!(idle, "5678ms");
    assert_eq!(
        jit, "off",
        "no statement waits for a compilation to machine code"
    );
    assert!(
        merajut_sehat::db::is_unavailable(&slow),
        "a cancelled statement is database trouble (503), not a bug: {slow}"
    );
}

#[tokio::test]
async fn a_connection_lost_while_idle_is_replaced_before_a_request_uses_it() {
    // Arrange: the service's pool holds idle connections, and PostgreSQL ends them all (as a
    // restart or a network cut would) while they wait in the pool, longer than the pool trusts
    // a connection without a ping.
    let app = spawn_app().await;
    let (browser, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    assert_eq!(app.get(&browser, "/").await.status(), StatusCode::OK);
    rsud.get("/api/v1/me").await.expect(StatusCode::OK);
    // Two connections at once, so that the pool keeps at least one idle besides the one that
    // ends the others (as the service's own role: it may end its own sessions).
    let mut ender = app.app_pool.acquire().await.expect("a connection");
    drop(app.app_pool.acquire().await.expect("a second connection"));
    // A connection goes back to the pool after its release ping, in a task of its own.
    for _ in 0..100 {
        if app.app_pool.num_idle() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let idle = app.app_pool.num_idle();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND usename = current_user \
           AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut *ender)
    .await
    .expect("ending the service's other connections");
    ender
        .close()
        .await
        .expect("closing the last live connection");
    tokio::time::sleep(merajut_sehat::db::PING_AFTER_IDLE + Duration::from_millis(200)).await;

    // Act
    let page = app.get(&browser, "/").await;
    let api = rsud.get_raw("/api/v1/me").await;

    // Assert: the lost connections were found by their ping and replaced, not used.
    assert!(idle > 0, "the pool held no idle connection to lose");
    assert!(
        !ended.is_empty() && ended.iter().all(|e| *e),
        "the service's connections were ended: {ended:?}"
    );
    assert_eq!(page.status(), StatusCode::OK, "GET / after the loss");
    assert_eq!(
        api.status(),
        StatusCode::OK,
        "GET /api/v1/me after the loss"
    );
}
