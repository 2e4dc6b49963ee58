//! E-mail and webhook notifications through the outbox, against real parts: a real SMTP
//! server (aiosmtpd, started by the test on 127.0.0.1), a real HTTP receiver (axum, in the
//! test) for the webhook, the real database. The worker's passes are run by the tests
//! (`Worker::run_once`) while the app's clock stands still or moves; one test lets the
//! application start its own worker.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use merajut_sehat::config::Settings;
use merajut_sehat::worker::{Pass, Worker};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

use crate::helpers::*;

/// The address links point to.
const PUBLIC_URL: &str = "https://merajut.example.go.id";
/// The webhook's signing key.
const SECRET: &str = "rahasia-webhook-uji-0123456789";

/// An instant given as RFC 3339.
pub(crate) fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// Tuesday 1 December 2026, 06:00 WITA: a working day, before the day's jobs (overdue
/// sweep, digest) are due at 07:00, so only what the tests cause is sent.
pub(crate) fn tuesday_early() -> DateTime<Utc> {
    at("2026-12-01T06:00:00+08:00")
}

// ---------------------------------------------------------------------------------------------
// A real SMTP server
// ---------------------------------------------------------------------------------------------

/// An SMTP server on aiosmtpd that parses each message it accepts (Python's `email` package)
/// and writes it as JSON to a directory: envelope, `To`, `Subject`, `Message-ID`, the decoded
/// plain-text body and the raw message.
const SMTP_SCRIPT: &str = r#"
import asyncio, email, email.policy, json, os, sys, uuid
from aiosmtpd.smtp import SMTP

port, folder = int(sys.argv[1]), sys.argv[2]

class Keep:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "to": str(msg["To"]),
            "from": str(msg["From"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "body": msg.get_body(preferencelist=("plain",)).get_content(),
            "raw": raw.decode("utf-8", "replace"),
        }
        name = uuid.uuid4().hex
        tmp = os.path.join(folder, "." + name)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(folder, name + ".json"))
        return "250 OK"

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Keep()), "127.0.0.1", port)
    print("ready", flush=True)
    await server.serve_forever()

asyncio.run(main())
"#;

/// A received message.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    rcpt_tos: Vec<String>,
    subject: String,
    message_id: String,
    body: String,
    raw: String,
}

/// The SMTP server of one test; stopped when dropped.
struct SmtpServer {
    port: u16,
    dir: PathBuf,
    child: Option<tokio::process::Child>,
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpServer {
    /// A server on a free port, not started yet.
    fn on_free_port() -> SmtpServer {
        let dir = test_root()
            .join("smtp")
            .join(Uuid::new_v4().simple().to_string());
        std::fs::create_dir_all(&dir).expect("creating the mail directory");
        SmtpServer {
            port: free_port(),
            dir,
            child: None,
        }
    }

    /// A server, started.
    async fn start() -> SmtpServer {
        let mut server = SmtpServer::on_free_port();
        server.up().await;
        server
    }

    /// Starts the server on its port and waits until it accepts connections.
    async fn up(&mut self) {
        let script = self.dir.join("smtp_server.py");
        std::fs::write(&script, SMTP_SCRIPT).expect("writing the SMTP script");
        let mut child = tokio::process::Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("starting aiosmtpd (install python3-aiosmtpd)");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(StdDuration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP server did not start in 20 s")
            .expect("reading the SMTP server's output");
        assert_eq!(ready.as_deref(), Some("ready"), "the SMTP server failed");
        self.child = Some(child);
    }

    /// `smtp://127.0.0.1:<port>`.
    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    fn messages(&self) -> Vec<Mail> {
        read_mails(&self.dir)
    }

    /// Waits up to 10 s until `n` messages have arrived, and returns them.
    async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..200 {
            let mails = self.messages();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        panic!("expected {n} messages, got {:?}", self.messages());
    }
}

fn read_mails(dir: &Path) -> Vec<Mail> {
    let mut mails = vec![];
    for entry in std::fs::read_dir(dir)
        .expect("reading the mail directory")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: Value = serde_json::from_slice(&std::fs::read(&path).expect("reading a message"))
            .expect("a message as JSON");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        mails.push(Mail {
            to: s("to"),
            rcpt_tos: v["rcpt_tos"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            subject: s("subject"),
            message_id: s("message_id"),
            body: s("body"),
            raw: s("raw"),
        });
    }
    mails.sort_by(|a, b| a.to.cmp(&b.to).then(a.subject.cmp(&b.subject)));
    mails
}

/// Settings that send e-mail through `smtp` with links to [`PUBLIC_URL`].
fn with_email(smtp_url: String) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.smtp_url = Some(smtp_url.as_str().into());
        s.smtp_from = Some("Merajut Sehat <noreply@merajut.example.go.id>".into());
        s.public_url = Some(PUBLIC_URL.into());
    }
}

/// A worker over the app's case service and settings, as the application builds it.
pub(crate) fn worker(app: &TestApp) -> Worker {
    Worker::new(app.cases.clone(), &app.settings).expect("building the worker")
}

/// One pass of a worker, which must not fail.
pub(crate) async fn pass(app: &TestApp) -> Pass {
    worker(app).run_once().await.expect("a worker pass")
}

/// What a pass should have done: jobs done, retrying, given up.
pub(crate) fn ran(done: usize, retrying: usize, given_up: usize) -> Pass {
    Pass {
        done,
        retrying,
        given_up,
    }
}

/// Gives `user` an e-mail address.
async fn set_email(app: &TestApp, user: Uuid, email: &str) {
    sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
        .bind(user)
        .bind(email)
        .execute(&app.pool)
        .await
        .expect("setting the e-mail address");
}

/// Sets `user`'s choice for `kind` through the API, as the user would.
async fn choose(user: &Actor, kind: &str, in_app: bool, email: bool) {
    user.put(
        "/api/v1/me/notification-preferences",
        &json!({"preferences": [{"kind": kind, "in_app": in_app, "email": email}]}),
    )
    .await
    .expect(StatusCode::OK);
}

/// Jobs of a kind as (dedupe key, attempts, done, failed), by id.
pub(crate) async fn jobs_of(app: &TestApp, kind: &str) -> Vec<(String, i32, bool, bool)> {
    sqlx::query_as(
        "SELECT dedupe_key, attempts, done_at IS NOT NULL, failed_at IS NOT NULL \
         FROM jobs WHERE kind = $1 ORDER BY id",
    )
    .bind(kind)
    .fetch_all(&app.pool)
    .await
    .expect("reading jobs")
}

/// Every job's payload as text.
async fn payloads(app: &TestApp) -> String {
    let all: Vec<String> = sqlx::query_scalar("SELECT payload::text FROM jobs ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .expect("reading payloads");
    all.join("\n")
}

/// A user's notifications as (kind, state).
async fn notes(app: &TestApp, user: Uuid) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, state::text FROM notifications WHERE user_id = $1 ORDER BY id")
        .bind(user)
        .fetch_all(&app.pool)
        .await
        .expect("reading notifications")
}

/// The case number of a case.
async fn case_number(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("reading the case number")
}

/// What no message or payload may contain: the personal data of [`intake_woman`].
const PERSONAL: &[&str] = &[
    NIK_WOMAN,
    "5371021203150004",
    "Maria",
    "Goreti",
    "Demam berdarah",
    // The family phone as typed and as stored (`+6281234567890`), not a prefix: four digits
    // alone also turn up in the random ids of the links.
    "0812-3456-7890",
    "81234567890",
    "Timor Raya",
];

#[track_caller]
fn assert_no_personal_data(text: &str) {
    for p in PERSONAL {
        assert!(!text.contains(p), "{p:?} leaked into:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_case_arriving_at_a_desk_is_emailed_with_its_number_desk_and_link_only() {
    // Arrange
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    set_email(&app, team.dukcapil_prov.user.id, "dukcapil.prov@ntt.go.id").await;
    choose(&team.dukcapil_prov, "arrived", true, true).await;
    let id = team.case_in(&intake_woman(), "draft").await;

    // Act: the hospital submits; the desk is Dukcapil provinsi
    team.drive(id, "draft", "nik_check").await;
    let done = pass(&app).await;

    // Assert: one e-mail, to the desk's user, naming the case, the desk and the case page
    assert_eq!(done, ran(1, 0, 0));
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    let number = case_number(&app, id).await;
    assert_eq!(mail.to, "dukcapil.prov@ntt.go.id");
    assert_eq!(mail.rcpt_tos, vec!["dukcapil.prov@ntt.go.id".to_string()]);
    assert_eq!(
        mail.subject,
        format!("[Merajut Sehat] Kasus {number} masuk ke meja Anda")
    );
    assert!(
        mail.body.starts_with(&format!(
            "Kasus {number} masuk ke meja Anda: Verifikasi NIK"
        )),
        "{}",
        mail.body
    );
    let link = format!("{PUBLIC_URL}/kasus/{id}");
    assert!(mail.body.contains(&link), "{}", mail.body);
    assert_no_personal_data(&mail.raw);
    assert_no_personal_data(&payloads(&app).await);
    // Dated by the application's clock, like everything else.
    assert!(
        mail.raw.contains("Date: Mon, 30 Nov 2026 22:00:00 +0000"),
        "{}",
        mail.raw
    );
    // The link is the case page the desk opens.
    let (desk, _) = app.signed_in("dukcapil_prov", None).await;
    let page = app.get(&desk, &format!("/kasus/{id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    // And the in-app notification is there too.
    assert_eq!(
        notes(&app, team.dukcapil_prov.user.id).await,
        vec![("arrived".to_string(), "nik_check".to_string())]
    );

    // Act: another pass
    let again = pass(&app).await;

    // Assert: nothing is sent twice
    assert_eq!(again, Pass::default());
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn without_smtp_or_public_url_no_email_job_is_written_and_in_app_still_happens() {
    for configure in [
        // No SMTP server at all.
        Box::new(|_: &mut Settings| {}) as Box<dyn FnOnce(&mut Settings)>,
        // SMTP but no public address for the links.
        Box::new(|s: &mut Settings| {
            s.smtp_url = Some("smtp://127.0.0.1:9".into());
            s.smtp_from = Some("noreply@merajut.example.go.id".into());
        }),
    ] {
        // Arrange
        let app = spawn_app_with_at(tuesday_early(), configure).await;
        let team = Team::new(&app).await;
        set_email(&app, team.rsud.user.id, "rsud@ntt.go.id").await;
        let id = team.case_in(&intake_woman(), "nik_check").await;

        // Act: sent back to the hospital (e-mail on by default for returns)
        team.dukcapil_prov.step(id, "return_to_rsud").await;

        // Assert
        assert!(jobs_of(&app, "email").await.is_empty());
        assert_eq!(
            notes(&app, team.rsud.user.id).await,
            vec![("returned".to_string(), "returned".to_string())]
        );
    }
}

#[tokio::test]
async fn a_transition_that_fails_enqueues_nothing() {
    // Arrange
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    set_email(&app, team.rsud.user.id, "rsud@ntt.go.id").await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let version = team.dukcapil_prov.case(id).await.version();
    let jobs_before = jobs_of(&app, "email").await;

    // Act: a stale version is refused
    let stale = team
        .dukcapil_prov
        .act(
            id,
            "return_to_rsud",
            version - 1,
            valid_fields("return_to_rsud"),
        )
        .await;

    // Assert
    stale.expect(StatusCode::CONFLICT);
    assert_eq!(jobs_of(&app, "email").await, jobs_before);
    assert!(notes(&app, team.rsud.user.id).await.is_empty());

    // Arrange: the transaction fails after the outbox rows were written (its audit row is
    // refused by a trigger), so only the transaction can have removed them
    sqlx::query(
        "CREATE FUNCTION refuse_transition() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN IF NEW.event = 'case.transition' THEN RAISE EXCEPTION 'uji: gagal'; END IF; \
         RETURN NEW; END $$",
    )
    .execute(&app.pool)
    .await
    .expect("creating the function");
    sqlx::query(
        "CREATE TRIGGER refuse_transition BEFORE INSERT ON audit_log \
         FOR EACH ROW EXECUTE FUNCTION refuse_transition()",
    )
    .execute(&app.pool)
    .await
    .expect("creating the trigger");

    // Act
    let failed = team
        .dukcapil_prov
        .act(
            id,
            "return_to_rsud",
            version,
            valid_fields("return_to_rsud"),
        )
        .await;

    // Assert: no state change, no notification, no job, nothing sent
    failed.expect(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        app.case_state(id).await,
        ("nik_check".to_string(), version as i32)
    );
    assert_eq!(jobs_of(&app, "email").await, jobs_before);
    assert!(notes(&app, team.rsud.user.id).await.is_empty());
    pass(&app).await;
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn an_smtp_server_that_is_down_is_retried_with_backoff_and_mailed_once_when_back() {
    // Arrange: the server's port is known but nothing listens yet
    let mut smtp = SmtpServer::on_free_port();
    let start = tuesday_early();
    let app = spawn_app_with_at(start, with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    set_email(&app, team.rsud.user.id, "rsud@ntt.go.id").await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    team.dukcapil_prov.step(id, "return_to_rsud").await;
    let run_after = || async {
        sqlx::query_as::<_, (i32, DateTime<Utc>, Option<String>, bool)>(
            "SELECT attempts, run_after, last_error, failed_at IS NOT NULL \
             FROM jobs WHERE kind = 'email'",
        )
        .fetch_one(&app.pool)
        .await
        .expect("reading the job")
    };

    // Act: first attempt
    let first = pass(&app).await;

    // Assert: failed, due again within a minute (less up to a quarter: the jitter), error kept
    // without the address
    assert_eq!(first, ran(0, 1, 0));
    let (attempts, due, error, failed) = run_after().await;
    assert_eq!((attempts, failed), (1, false));
    let wait = due - start;
    assert!(
        wait > Duration::seconds(45) && wait <= Duration::minutes(1),
        "{wait}"
    );
    let error = error.expect("the error is kept");
    assert!(error.starts_with("SMTP"), "{error}");
    assert!(!error.contains("rsud@ntt.go.id"), "{error}");

    // Act: a pass a second before it is due does nothing
    app.clock.set(due - Duration::seconds(1));
    assert_eq!(pass(&app).await, Pass::default());
    assert_eq!(run_after().await.0, 1);

    // Act: when due, the second attempt fails too and waits longer: 90 s to two minutes
    app.clock.set(due);
    assert_eq!(pass(&app).await.retrying, 1);
    let (attempts, second_due, _, _) = run_after().await;
    assert_eq!(attempts, 2);
    let second_wait = second_due - due;
    assert!(
        second_wait > Duration::seconds(90) && second_wait <= Duration::minutes(2),
        "{second_wait}"
    );

    // Act: the server comes back, and the wait passes
    smtp.up().await;
    app.clock.set(second_due);
    let third = pass(&app).await;

    // Assert: delivered once
    assert_eq!(third, ran(1, 0, 0));
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let number = case_number(&app, id).await;
    assert_eq!(mails[0].to, "rsud@ntt.go.id");
    assert_eq!(
        mails[0].subject,
        format!("[Merajut Sehat] Kasus {number} dikembalikan ke rumah sakit Anda")
    );
    assert_eq!(jobs_of(&app, "email").await[0].1, 3);
    app.clock.advance(Duration::minutes(30));
    pass(&app).await;
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn two_workers_at_once_send_each_email_exactly_once() {
    // Arrange: three hospital users with addresses; six cases returned to the hospital
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    let colleagues = [
        app.create_test_user("rsud", Some("RSUD-WZJ")).await,
        app.create_test_user("rsud", Some("RSUD-WZJ")).await,
        app.create_test_user("rsud", Some("RSUD-WZJ")).await,
    ];
    for (n, c) in colleagues.iter().enumerate() {
        set_email(&app, c.id, &format!("rsud{n}@ntt.go.id")).await;
    }
    for serial in 1..=6 {
        let id = team
            .case_in(&intake_serial(serial, "53.71"), "nik_check")
            .await;
        team.dukcapil_prov.step(id, "return_to_rsud").await;
    }
    assert_eq!(jobs_of(&app, "email").await.len(), 18);

    // Act
    let (one, two) = (worker(&app), worker(&app));
    let (a, b) = tokio::join!(one.run_once(), two.run_once());

    // Assert: 18 e-mails, each once
    let (a, b) = (a.expect("first worker"), b.expect("second worker"));
    assert_eq!(a.done + b.done, 18, "{a:?} {b:?}");
    let mails = smtp.wait_for(18).await;
    assert_eq!(mails.len(), 18);
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 18, "every message once");
    for n in 0..3 {
        let to = format!("rsud{n}@ntt.go.id");
        assert_eq!(mails.iter().filter(|m| m.to == to).count(), 6, "{to}");
    }
    assert!(jobs_of(&app, "email").await.iter().all(|j| j.1 == 1 && j.2));
}

#[tokio::test]
async fn each_user_gets_only_the_channels_they_chose() {
    // Arrange: four hospital users
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    let email_only = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let in_app_only = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let neither = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let no_address = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    for (user, mail) in [
        (&email_only, "email.only@ntt.go.id"),
        (&in_app_only, "in.app.only@ntt.go.id"),
        (&neither, "neither@ntt.go.id"),
    ] {
        set_email(&app, user.user.id, mail).await;
    }
    choose(&email_only, "returned", false, true).await;
    choose(&in_app_only, "returned", true, false).await;
    choose(&neither, "returned", false, false).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    team.dukcapil_prov.step(id, "return_to_rsud").await;
    pass(&app).await;

    // Assert
    let returned = vec![("returned".to_string(), "returned".to_string())];
    assert!(notes(&app, email_only.user.id).await.is_empty());
    assert_eq!(notes(&app, in_app_only.user.id).await, returned);
    assert!(notes(&app, neither.user.id).await.is_empty());
    assert_eq!(notes(&app, no_address.user.id).await, returned);
    let to: Vec<String> = smtp.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(to, vec!["email.only@ntt.go.id".to_string()]);
}

#[tokio::test]
async fn an_address_removed_before_sending_is_not_mailed() {
    // Arrange
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    set_email(&app, team.rsud.user.id, "rsud@ntt.go.id").await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    team.dukcapil_prov.step(id, "return_to_rsud").await;

    // Act: the address goes before the worker runs
    sqlx::query("UPDATE users SET email = NULL WHERE id = $1")
        .bind(team.rsud.user.id)
        .execute(&app.pool)
        .await
        .expect("removing the address");
    let done = pass(&app).await;

    // Assert: the job is finished without sending
    assert_eq!(done.done, 1);
    assert!(smtp.messages().is_empty());
}

#[tokio::test]
async fn the_application_runs_its_own_worker_when_switched_on() {
    // Arrange: the worker polls every 50 ms
    let smtp = SmtpServer::start().await;
    let email = with_email(smtp.url());
    let app = spawn_app_with_at(tuesday_early(), |s| {
        email(s);
        s.worker = true;
        s.worker_poll_ms = 50;
    })
    .await;
    let team = Team::new(&app).await;
    set_email(&app, team.rsud.user.id, "rsud@ntt.go.id").await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    team.dukcapil_prov.step(id, "return_to_rsud").await;

    // Assert: delivered without anyone running a pass
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, "rsud@ntt.go.id");
}

// ---------------------------------------------------------------------------------------------
// Webhook
// ---------------------------------------------------------------------------------------------

/// A delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    signature: String,
    pub(crate) delivery_id: String,
    event: String,
    content_type: String,
    body: Vec<u8>,
}

/// An HTTP receiver on 127.0.0.1 that records every POST to `/hook` and answers with the
/// status it is told.
#[derive(Clone)]
pub(crate) struct Receiver {
    port: u16,
    seen: Arc<Mutex<Vec<Delivery>>>,
    pub(crate) status: Arc<AtomicU16>,
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        use axum::extract::State;
        use axum::http::HeaderMap;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the receiver");
        let port = listener.local_addr().expect("an address").port();
        let receiver = Receiver {
            port,
            seen: Arc::default(),
            status: Arc::new(AtomicU16::new(200)),
        };
        let hook = |State(r): State<Receiver>, headers: HeaderMap, body: axum::body::Bytes| async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            r.seen.lock().expect("the lock").push(Delivery {
                signature: header("x-merajut-signature"),
                delivery_id: header("x-merajut-delivery"),
                event: header("x-merajut-event"),
                content_type: header("content-type"),
                body: body.to_vec(),
            });
            axum::http::StatusCode::from_u16(r.status.load(Ordering::SeqCst)).expect("a status")
        };
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        receiver
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.seen.lock().expect("the lock").clone()
    }
}

/// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with [`SECRET`],
/// checked the way a receiver would (constant-time comparison by the `hmac` crate).
fn signature_valid(signature: &str, body: &[u8]) -> bool {
    let Some(hex_mac) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_mac) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

pub(crate) fn with_webhook(url: String) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.webhook_url = Some(url.as_str().into());
        s.webhook_secret = Some(SECRET.into());
    }
}

#[tokio::test]
async fn every_transition_is_posted_once_signed_and_without_personal_data() {
    // Arrange
    let receiver = Receiver::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_webhook(receiver.url())).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "draft").await;

    // Act: two transitions, then two passes
    team.drive(id, "draft", "desil_check").await;
    pass(&app).await;
    pass(&app).await;

    // Assert: one delivery each, in order, signed, with the documented body
    let seen = receiver.deliveries();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let number = case_number(&app, id).await;
    let mut ids = vec![];
    for (d, (from, to)) in seen
        .iter()
        .zip([("draft", "nik_check"), ("nik_check", "desil_check")])
    {
        assert!(signature_valid(&d.signature, &d.body), "{d:?}");
        assert!(!signature_valid(&d.signature, b"{}"));
        assert_eq!(d.event, "case.transition");
        assert_eq!(d.content_type, "application/json");
        let body: Value = serde_json::from_slice(&d.body).expect("a JSON body");
        assert_eq!(body["event"], "case.transition");
        assert_eq!(body["case_id"], id.to_string());
        assert_eq!(body["case_number"], number);
        assert_eq!(body["from_state"], from);
        assert_eq!(body["to_state"], to);
        assert_eq!(body["at"], "2026-11-30T22:00:00Z");
        assert_eq!(body["delivery_id"], d.delivery_id);
        let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
        assert_eq!(keys.len(), 7, "{keys:?}");
        assert_no_personal_data(&String::from_utf8_lossy(&d.body));
        ids.push(d.delivery_id.clone());
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn a_webhook_answered_with_500_is_retried_with_the_same_delivery() {
    // Arrange: the receiver fails at first
    let receiver = Receiver::start().await;
    receiver.status.store(500, Ordering::SeqCst);
    let app = spawn_app_with_at(tuesday_early(), with_webhook(receiver.url())).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "draft").await;
    team.drive(id, "draft", "nik_check").await;

    // Act
    let first = pass(&app).await;

    // Assert: failed and waiting a minute
    assert_eq!(first, ran(0, 1, 0));
    let (key, attempts, done, failed) = jobs_of(&app, "webhook").await.remove(0);
    assert_eq!((attempts, done, failed), (1, false, false), "{key}");
    let error: String = sqlx::query_scalar("SELECT last_error FROM jobs WHERE kind = 'webhook'")
        .fetch_one(&app.pool)
        .await
        .expect("reading the error");
    assert_eq!(error, "webhook: penerima menjawab HTTP 500");

    // Act: the receiver recovers, a minute passes
    receiver.status.store(200, Ordering::SeqCst);
    app.clock.advance(Duration::minutes(1));
    let second = pass(&app).await;
    pass(&app).await;

    // Assert: delivered; both attempts carried the same delivery, body and signature
    assert_eq!(second.done, 1);
    let seen = receiver.deliveries();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].delivery_id, seen[1].delivery_id);
    assert_eq!(seen[0].body, seen[1].body);
    assert!(signature_valid(&seen[1].signature, &seen[1].body));
    assert!(jobs_of(&app, "webhook").await[0].2, "done");
}

// ---------------------------------------------------------------------------------------------
// Overdue sweep and daily digest
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_overdue_case_is_announced_once_on_the_first_working_day_past_its_due_date() {
    // Arrange: Wednesday 23 December 2026. Verifikasi NIK has one working day: Thursday 24 and
    // Friday 25 are holidays (cuti bersama, Natal), then the weekend, so the case is due on
    // Monday 28 and overdue from Tuesday 29.
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(at("2026-12-23T10:00:00+08:00"), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    let colleague = app.create_test_user("dukcapil_prov", None).await;
    set_email(&app, team.dukcapil_prov.user.id, "dukcapil.prov@ntt.go.id").await;
    // Only the overdue notice by e-mail, not the daily digest.
    choose(&team.dukcapil_prov, "digest", false, false).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let due: chrono::NaiveDate = sqlx::query_scalar(
        "SELECT sla_due_date FROM desk_stays WHERE case_id = $1 AND left_at IS NULL",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .expect("reading the due date");
    assert_eq!(due.to_string(), "2026-12-28");
    let overdue_notes = |user: Uuid| {
        let app = &app;
        async move {
            notes(app, user)
                .await
                .into_iter()
                .filter(|(kind, _)| kind == "overdue")
                .count()
        }
    };

    // Act: every morning from Thursday to Monday, and Tuesday just before 07:00
    for morning in [
        "2026-12-24T07:30:00+08:00",
        "2026-12-25T07:30:00+08:00",
        "2026-12-26T07:30:00+08:00",
        "2026-12-27T07:30:00+08:00",
        "2026-12-28T07:30:00+08:00",
        "2026-12-29T06:59:00+08:00",
    ] {
        app.clock.set(at(morning));
        pass(&app).await;

        // Assert: not yet
        assert_eq!(
            overdue_notes(team.dukcapil_prov.user.id).await,
            0,
            "{morning}"
        );
    }
    // Only Monday was a working day to sweep on.
    let sweeps: Vec<String> = jobs_of(&app, "overdue_sweep")
        .await
        .into_iter()
        .map(|j| j.0)
        .collect();
    assert_eq!(
        sweeps,
        vec!["overdue_sweep:2026-12-28", "overdue_sweep:2026-12-29"]
    );

    // Act: Tuesday 07:00, two workers at once
    app.clock.set(at("2026-12-29T07:00:00+08:00"));
    let (one, two) = (worker(&app), worker(&app));
    let (a, b) = tokio::join!(one.run_once(), two.run_once());
    a.expect("first worker");
    b.expect("second worker");

    // Assert: each desk user told once, in the application; by e-mail who has an address
    assert_eq!(overdue_notes(team.dukcapil_prov.user.id).await, 1);
    assert_eq!(overdue_notes(colleague.id).await, 1);
    assert_eq!(
        overdue_notes(team.rsud.user.id).await,
        0,
        "not the hospital's desk"
    );
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    let number = case_number(&app, id).await;
    assert_eq!(mails[0].to, "dukcapil.prov@ntt.go.id");
    assert_eq!(
        mails[0].subject,
        format!("[Merajut Sehat] Kasus {number} terlambat di meja Anda")
    );
    assert!(mails[0].body.contains(&format!("{PUBLIC_URL}/kasus/{id}")));
    assert_no_personal_data(&mails[0].raw);
    let desk = app.client();
    app.login(&desk, &team.dukcapil_prov.user.username, PASSWORD)
        .await;
    let list = app.get_html(&desk, "/notifikasi").await;
    assert!(
        list.contains("Kasus melewati batas waktu di meja Anda: Verifikasi NIK"),
        "{list}"
    );
    assert!(list.contains(&number));

    // Act: later that day and the next morning
    app.clock.set(at("2026-12-29T15:00:00+08:00"));
    pass(&app).await;
    app.clock.set(at("2026-12-30T07:00:00+08:00"));
    pass(&app).await;

    // Assert: still once
    assert_eq!(overdue_notes(team.dukcapil_prov.user.id).await, 1);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn the_digest_is_mailed_at_seven_on_working_days_only() {
    // Arrange: Thursday 3 December 2026, two cases reach Verifikasi NIK
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(at("2026-12-03T10:00:00+08:00"), with_email(smtp.url())).await;
    let team = Team::new(&app).await;
    let tim = actor(&app, "tim", None).await;
    set_email(&app, team.dukcapil_prov.user.id, "dukcapil.prov@ntt.go.id").await;
    set_email(&app, tim.user.id, "tim@ntt.go.id").await;
    team.case_in(&intake_serial(1, "53.71"), "nik_check").await;
    team.case_in(&intake_serial(2, "53.71"), "nik_check").await;

    // Act: Friday 06:59
    app.clock.set(at("2026-12-04T06:59:00+08:00"));
    pass(&app).await;

    // Assert: not yet
    assert!(smtp.messages().is_empty());

    // Act: Friday 07:00, twice
    app.clock.set(at("2026-12-04T07:00:00+08:00"));
    pass(&app).await;
    pass(&app).await;

    // Assert: one digest per user who has an address, counts only
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let desk = &mails[0];
    assert_eq!(desk.to, "dukcapil.prov@ntt.go.id");
    assert_eq!(desk.subject, "[Merajut Sehat] Ringkasan harian 04-12-2026");
    // Arrived Thursday with one working day: due Friday, none overdue.
    for line in [
        "- Kasus di meja Anda: 2",
        "- Terlambat: 0",
        "- Jatuh tempo hari ini: 2",
        "- Masuk sejak 03-12-2026: 2",
        &format!("Lihat rinciannya: {PUBLIC_URL}/notifikasi/ringkasan"),
    ] {
        assert!(desk.body.contains(line), "{line:?} not in\n{}", desk.body);
    }
    let team_mail = &mails[1];
    assert_eq!(team_mail.to, "tim@ntt.go.id");
    for line in [
        "Cakupan Anda sejak 03-12-2026:",
        "- Terdaftar: 2",
        "- Diserahkan: 0",
        "- Kasus terbuka: 2, terlambat: 0",
    ] {
        assert!(
            team_mail.body.contains(line),
            "{line:?} not in\n{}",
            team_mail.body
        );
    }
    for mail in &mails {
        assert_no_personal_data(&mail.raw);
        assert!(
            !mail.raw.contains("MS-2026"),
            "counts only, no case numbers"
        );
    }

    // Act: Saturday 07:00
    app.clock.set(at("2026-12-05T07:00:00+08:00"));
    pass(&app).await;

    // Assert: no digest on a Saturday
    assert_eq!(smtp.messages().len(), 2);
    assert_eq!(jobs_of(&app, "digest").await.len(), 1);

    // Act: Monday 07:00
    app.clock.set(at("2026-12-07T07:00:00+08:00"));
    pass(&app).await;

    // Assert: the next working day's digest
    let mails = smtp.wait_for(4).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.ends_with("07-12-2026"))
            .count(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// The administrator's page
// ---------------------------------------------------------------------------------------------

/// Presses "Coba lagi" on job `id` of the administrator's page.
pub(crate) async fn try_again(
    app: &TestApp,
    admin: &reqwest::Client,
    id: &str,
) -> reqwest::Response {
    app.post_form_from(
        admin,
        "/admin/tugas-latar",
        &format!("/admin/tugas-latar/{id}/coba-lagi"),
        &[],
    )
    .await
}

#[tokio::test]
async fn the_administrator_sees_failed_jobs_and_tries_one_again() {
    // Arrange: a webhook nobody answers, one attempt allowed; 09:00, after the day's sweep
    let receiver_port = free_port();
    let app = spawn_app_with_at(
        at("2026-12-01T09:00:00+08:00"),
        with_webhook(format!("http://127.0.0.1:{receiver_port}/hook")),
    )
    .await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "draft").await;
    team.drive(id, "draft", "nik_check").await;
    sqlx::query("UPDATE jobs SET max_attempts = 1")
        .execute(&app.pool)
        .await
        .expect("allowing one attempt");
    assert_eq!(pass(&app).await.given_up, 1);
    let job_id: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE kind = 'webhook'")
        .fetch_one(&app.pool)
        .await
        .expect("the job");
    let (admin, _) = app.signed_in("admin", None).await;

    // Act
    let page = app.get_html(&admin, "/admin/tugas-latar").await;

    // Assert: counted and listed with its error, no personal data, in the admin menu
    assert_eq!(text(&page, "#failed").as_deref(), Some("1"));
    assert_eq!(text(&page, "#pending").as_deref(), Some("0"));
    let row = text(&page, &format!("#failed-jobs #job-{job_id}")).expect("the failed job");
    assert!(row.contains("Webhook"), "{row}");
    assert!(row.contains("1 dari 1"), "{row}");
    assert!(row.contains("webhook:"), "{row}");
    assert_no_personal_data(&page);
    assert!(texts(&page, "nav.menu a").contains(&"Tugas latar".to_string()));

    // Act: try it again
    let response = try_again(&app, &admin, &job_id.to_string()).await;

    // Assert: back in the queue with fresh attempts, and said so
    assert_redirect(&response, "/admin/tugas-latar");
    let page = app.get_html(&admin, "/admin/tugas-latar").await;
    assert!(
        text(&page, ".flash")
            .unwrap_or_default()
            .contains(&format!("Tugas #{job_id} dijadwalkan ulang"))
    );
    assert_eq!(text(&page, "#failed").as_deref(), Some("0"));
    assert_eq!(text(&page, "#pending").as_deref(), Some("1"));
    let version = app.case_state(id).await.1;
    assert_eq!(
        jobs_of(&app, "webhook").await[0],
        (format!("webhook:{id}:v{version}"), 0, false, false)
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event = 'job.retry' AND target = $1",
    )
    .bind(job_id.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("reading the audit log");
    assert_eq!(audited, 1);

    // Act: the same button again (the job is no longer failed), and hostile ids
    let again = try_again(&app, &admin, &job_id.to_string()).await;
    assert_redirect(&again, "/admin/tugas-latar");
    let page = app.get_html(&admin, "/admin/tugas-latar").await;
    assert!(
        text(&page, ".flash")
            .unwrap_or_default()
            .contains("tidak ada di daftar gagal")
    );
    for bad in ["abc", "99999999999999999999999", "1%00", "-1"] {
        let response = try_again(&app, &admin, bad).await;
        assert!(
            // A malformed id is "not found", as everywhere; a number that names no failed job
            // is said so on the page.
            matches!(
                response.status(),
                StatusCode::NOT_FOUND | StatusCode::SEE_OTHER
            ),
            "{bad}: {}",
            response.status()
        );
    }
    assert_eq!(jobs_of(&app, "webhook").await.len(), 1);
}

#[tokio::test]
async fn only_the_administrator_opens_the_background_work_page() {
    // Arrange
    let app = spawn_app().await;
    let anonymous = app.client();
    let (admin, _) = app.signed_in("admin", None).await;

    // Act / Assert: anonymous visitors sign in first
    assert_redirect(&app.get(&anonymous, "/admin/tugas-latar").await, "/masuk");

    for (role, scope) in [
        ("rsud", Some("RSUD-WZJ")),
        ("dukcapil_prov", None),
        ("dinkes_kab", Some("53.71")),
        ("tim", None),
    ] {
        let (client, _) = app.signed_in(role, scope).await;

        // Act
        let page = app.get(&client, "/admin/tugas-latar").await;
        let token = app.csrf(&client, "/").await;
        let retry = app
            .post_raw(
                &client,
                "/admin/tugas-latar/1/coba-lagi",
                &[("csrf_token", token.as_str())],
            )
            .await;

        // Assert
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{role}");
        assert_eq!(retry.status(), StatusCode::FORBIDDEN, "{role}");
        let menu = texts(&app.get_html(&client, "/").await, "nav.menu a");
        assert!(
            !menu.contains(&"Tugas latar".to_string()),
            "{role}: {menu:?}"
        );
    }

    // Without the CSRF token even the administrator is refused (the form is "expired").
    let forged = app
        .post_raw(&admin, "/admin/tugas-latar/1/coba-lagi", &[])
        .await;
    assert_eq!(forged.status(), StatusCode::CONFLICT);
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// Runs the binary with `args` and `env` against the app's database; ends it after 30 s.
async fn run_binary(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"))
        .args(args)
        .envs(env.iter().copied())
        .env("DATABASE_URL", &app.database_url)
        .env("MERAJUT_DATA_DIR", &app.data_dir)
        .env("MERAJUT_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starting merajut-sehat");
    let output = tokio::time::timeout(StdDuration::from_secs(30), child.wait_with_output())
        .await
        .expect("the command should end by itself")
        .expect("waiting for merajut-sehat");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn wrong_notification_settings_stop_the_start_with_a_message_that_keeps_secrets() {
    // Arrange
    let app = spawn_app().await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[(
                "MERAJUT_WEBHOOK_URL",
                "https://hooks.example.go.id/t/token-penerima",
            )],
            "without MERAJUT_WEBHOOK_SECRET",
        ),
        (
            &[
                (
                    "MERAJUT_WEBHOOK_URL",
                    "http://hooks.example.go.id/t/token-penerima",
                ),
                ("MERAJUT_WEBHOOK_SECRET", "rahasia-yang-cukup-panjang"),
            ],
            "must start with https://",
        ),
        (
            &[
                (
                    "MERAJUT_WEBHOOK_URL",
                    "https://hooks.example.go.id/t/token-penerima",
                ),
                ("MERAJUT_WEBHOOK_SECRET", "pendek"),
            ],
            "at least 16 characters",
        ),
        (
            &[
                (
                    "MERAJUT_SMTP_URL",
                    "smtp://pengirim:sandi-smtp@mail.example.go.id",
                ),
                ("MERAJUT_SMTP_FROM", "noreply@example.go.id"),
            ],
            "unencrypted",
        ),
        (
            &[(
                "MERAJUT_SMTP_URL",
                "smtps://pengirim:sandi-smtp@mail.example.go.id",
            )],
            "MERAJUT_SMTP_FROM is not",
        ),
    ];
    for (env, expected) in cases {
        // Act
        let (ok, output) = run_binary(&app, &[], env).await;

        // Assert
        assert!(!ok, "{env:?} should be refused:\n{output}");
        assert!(output.contains(expected), "{env:?}: {output}");
        for secret in ["token-penerima", "sandi-smtp", "pendek"] {
            assert!(!output.contains(secret), "{secret} shown:\n{output}");
        }
    }

    // Act: the help text names the variables, not their values
    let (ok, help) = run_binary(
        &app,
        &["--help"],
        &[
            (
                "MERAJUT_WEBHOOK_URL",
                "https://hooks.example.go.id/t/token-penerima",
            ),
            ("MERAJUT_WEBHOOK_SECRET", "rahasia-yang-cukup-panjang"),
            (
                "MERAJUT_SMTP_URL",
                "smtps://pengirim:sandi-smtp@mail.example.go.id",
            ),
        ],
    )
    .await;

    // Assert
    assert!(ok, "{help}");
    for name in [
        "MERAJUT_SMTP_URL",
        "MERAJUT_SMTP_FROM",
        "MERAJUT_WEBHOOK_URL",
        "MERAJUT_WEBHOOK_SECRET",
        "MERAJUT_WORKER",
    ] {
        assert!(help.contains(name), "{name} missing from --help");
    }
    for secret in ["token-penerima", "rahasia-yang", "sandi-smtp"] {
        assert!(!help.contains(secret), "{secret} shown in --help");
    }
}

// ---------------------------------------------------------------------------------------------
// Activation codes: to the user by e-mail, never to the administrator
// ---------------------------------------------------------------------------------------------

/// The activation code in a letter: the line that is one 16-character code.
fn code_in(body: &str) -> String {
    body.lines()
        .map(str::trim)
        .find(|l| merajut_sehat::auth::totp::looks_like_one_time_code(l) && l.contains('-'))
        .unwrap_or_else(|| panic!("no activation code in:\n{body}"))
        .to_string()
}

/// Every page an administrator sees about users, as text.
async fn admin_pages(app: &TestApp, admin: &TestClient, user: Uuid) -> String {
    let mut all = String::new();
    for path in [
        "/admin/pengguna".to_string(),
        format!("/admin/pengguna/{user}"),
        "/admin/tugas-latar".to_string(),
    ] {
        all.push_str(&app.get_html(admin, &path).await);
    }
    all
}

#[tokio::test]
async fn a_reset_mails_the_code_to_the_user_it_works_once_and_expires_after_24_hours() {
    // Arrange
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let (admin, _) = app.signed_in("admin", None).await;
    let user = app.create_test_user("dinkes_prov", None).await;
    set_email(&app, user.id, "maria@dinkes.nttprov.go.id").await;
    let reset = format!("/admin/pengguna/{}/reset-sandi", user.id);

    // Act: the administrator resets the account; the worker sends the letter.
    let response = app
        .post_form_from(&admin, "/admin/pengguna", &reset, &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let issued = response.text().await.expect("page");
    assert_eq!(pass(&app).await, ran(1, 0, 0));

    // Assert: the administrator saw where it went (masked), the user got the code and the page.
    let delivery = text(&issued, "#activation-delivery").expect("delivery");
    assert!(delivery.contains("m***@dinkes…"), "{delivery}");
    assert!(!issued.contains("maria@dinkes.nttprov.go.id"));
    let mails = smtp.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, "maria@dinkes.nttprov.go.id");
    assert_eq!(mail.subject, "[Merajut Sehat] Kode aktivasi akun Anda");
    assert!(
        mail.body.contains(&format!("{PUBLIC_URL}/aktivasi")),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("selama 24 jam"), "{}", mail.body);
    let code = code_in(&mail.body);
    assert!(
        !mail.body.contains("/aktivasi?") && !mail.body.contains("#"),
        "the code is not in the link"
    );
    // Nowhere for the administrator, not in the job, not in the audit log.
    assert!(!issued.contains(&code));
    assert!(!admin_pages(&app, &admin, user.id).await.contains(&code));
    assert!(!payloads(&app).await.contains(&code));
    let audit: Vec<String> = sqlx::query_scalar("SELECT detail::text FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .expect("audit");
    assert!(audit.iter().all(|d| !d.contains(&code)));

    // Act + Assert: a second past 24 hours the code no longer works.
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    let client = app.client();
    let late = app
        .activate(&client, &user.username, &code, "sandi-baru-dinkes-24")
        .await;
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = late.text().await.expect("page");
    assert!(text(&page, "#code + .field-error").is_some_and(|e| e.contains("kedaluwarsa")));
    assert_eq!(
        attr(&page, "input#username", "value").as_deref(),
        Some(user.username.as_str()),
        "what was typed is kept"
    );

    // Act: a new reset; the new code, used 23 hours later, works once.
    app.post_form_from(&admin, "/admin/pengguna", &reset, &[])
        .await;
    // (A day later, the day's own jobs are due too: only the letters with a code matter.)
    assert!(pass(&app).await.done >= 1);
    let mails = smtp.wait_for(2).await;
    let fresh = mails
        .iter()
        .filter(|m| m.subject.contains("Kode aktivasi"))
        .map(|m| code_in(&m.body))
        .find(|c| *c != code)
        .expect("a second code");
    app.clock.advance(Duration::hours(23));
    assert_redirect(
        &app.activate(&client, &user.username, &fresh, "sandi-baru-dinkes-24")
            .await,
        "/masuk",
    );
    let twice = app
        .activate(&client, &user.username, &fresh, "sandi-lain-dinkes-25")
        .await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Assert: the first sign-in forces the enrolment and says who reset the account, when.
    let signed_in = app
        .login_password(&client, &user.username, "sandi-baru-dinkes-24")
        .await;
    assert_redirect(&signed_in, "/akun/dua-langkah");
    let page = app.get_html(&client, "/akun/dua-langkah").await;
    let notice = text(&page, ".flash").expect("notice");
    assert!(
        notice.contains("direset oleh seorang administrator pada 01-12-2026 06:00 WITA")
            && notice.contains("pada 02-12-2026 06:00 WITA"),
        "{notice}"
    );
}

#[tokio::test]
async fn a_new_user_gets_the_code_by_email_but_an_address_the_admin_changed_gets_none() {
    // Arrange
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_at(tuesday_early(), with_email(smtp.url())).await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act: a new tim user with an address.
    let created = app
        .post_form(
            &admin,
            "/admin/pengguna/baru",
            &[
                ("username", "yohana.tim"),
                ("display_name", "Yohana Tim"),
                ("role", "tim"),
                ("hospital_id", ""),
                ("kab_kota_code", ""),
                ("email", "yohana@tim.nttprov.go.id"),
            ],
        )
        .await;

    // Assert: the code goes to that address; the administrator sees it masked only.
    let page = created.text().await.expect("page");
    let delivery = text(&page, "#activation-delivery").expect("delivery");
    assert!(delivery.contains("y***@tim…"), "{delivery}");
    assert_eq!(pass(&app).await, ran(1, 0, 0));
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, "yohana@tim.nttprov.go.id");
    let code = code_in(&mails[0].body);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE username = 'yohana.tim'")
        .fetch_one(&app.pool)
        .await
        .expect("the new user");
    assert!(!admin_pages(&app, &admin, id).await.contains(&code));

    // Act: the administrator changes the address, then resets the account.
    let edit = format!("/admin/pengguna/{id}");
    app.post_form(&admin, &edit, &[("email", "admin.sendiri@contoh.go.id")])
        .await;
    let reset = app
        .post_form_from(
            &admin,
            "/admin/pengguna",
            &format!("/admin/pengguna/{id}/reset-sandi"),
            &[],
        )
        .await;

    // Assert: no letter to the new address; the operator's command line instead.
    let page = reset.text().await.expect("page");
    let delivery = text(&page, "#activation-delivery").expect("delivery");
    assert!(
        delivery.contains("baru diubah oleh administrator")
            && delivery.contains("merajut-sehat user activation-code yohana.tim"),
        "{delivery}"
    );
    assert_eq!(pass(&app).await, Pass::default(), "no job was written");
    assert_eq!(smtp.messages().len(), 1);

    // Act: the user activates with the operator's code and signs in.
    let operator_code = app.activation_code_cli("yohana.tim").await;
    let client = app.client();
    assert_redirect(
        &app.activate(&client, "yohana.tim", &operator_code, "sandi-yohana-baru-9")
            .await,
        "/masuk",
    );
    app.login_password(&client, "yohana.tim", "sandi-yohana-baru-9")
        .await;

    // Assert: both notices, the address change and the reset.
    let page = app.get_html(&client, "/akun/dua-langkah").await;
    let notice = text(&page, ".flash").expect("notice");
    assert!(notice.contains("alamat email akun Anda diubah"), "{notice}");
    assert!(notice.contains("akun Anda direset"), "{notice}");
}
