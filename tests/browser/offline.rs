//! Offline intake drafts on a phone (`static/offline.js`, `static/sw.js`): a PIC in a ward
//! without signal registers a patient with photos, the draft waits on the phone, survives a
//! reload, and is sent when the signal returns; signing out leaves nothing on the phone.
//!
//! The signal is cut with DevTools network emulation: `Network.emulateNetworkConditions` on
//! the page (through chromedriver's `goog/cdp/execute`) and on the service worker, whose own
//! fetches the page's emulation does not reach (attached with `Target.attachToTarget` and
//! driven with `Target.sendMessageToTarget`).

use serde_json::{Value, json};

use crate::common::spawn_app;
use crate::driver::{Browser, Chromedriver};
use crate::flows::{MARKUS, fill_intake, photo};

const WIDTH: u32 = 360;
const HEIGHT: u32 = 740;

/// `Network.emulateNetworkConditions` parameters: offline, or no limits.
fn conditions(offline: bool) -> Value {
    json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
}

/// The signal cut: the page's and the service workers' (their DevTools sessions, to restore).
struct Cut {
    workers: Vec<String>,
}

impl Cut {
    /// Cuts the page's network and, with `workers`, every service worker's.
    async fn start(browser: &Browser, workers: bool) -> Cut {
        browser
            .cdp("Network.emulateNetworkConditions", conditions(true))
            .await;
        let mut sessions = vec![];
        if workers {
            sessions = worker_sessions(browser).await;
            for session in &sessions {
                send_to_worker(
                    browser,
                    session,
                    "Network.emulateNetworkConditions",
                    conditions(true),
                )
                .await;
            }
        }
        Cut { workers: sessions }
    }

    /// Gives the signal back.
    async fn end(self, browser: &Browser) {
        for session in &self.workers {
            send_to_worker(
                browser,
                session,
                "Network.emulateNetworkConditions",
                conditions(false),
            )
            .await;
        }
        browser
            .cdp("Network.emulateNetworkConditions", conditions(false))
            .await;
    }
}

/// DevTools sessions attached to every service worker of the browser.
async fn worker_sessions(browser: &Browser) -> Vec<String> {
    let targets = browser.cdp("Target.getTargets", json!({})).await;
    let infos = targets["targetInfos"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut sessions = vec![];
    for info in infos.iter().filter(|t| t["type"] == "service_worker") {
        let attached = browser
            .cdp(
                "Target.attachToTarget",
                json!({"targetId": info["targetId"], "flatten": false}),
            )
            .await;
        sessions.push(
            attached["sessionId"]
                .as_str()
                .expect("a session")
                .to_string(),
        );
    }
    assert!(!sessions.is_empty(), "no service worker: {targets}");
    sessions
}

async fn send_to_worker(browser: &Browser, session: &str, method: &str, params: Value) {
    let message = json!({"id": 1, "method": method, "params": params});
    browser
        .cdp(
            "Target.sendMessageToTarget",
            json!({"sessionId": session, "message": message.to_string()}),
        )
        .await;
}

/// Makes the intake address unreachable for the service workers only (or reachable again):
/// the phone shows signal, but a send through the worker fails as on a connection that drops.
async fn block_intake_in_workers(browser: &Browser, sessions: &[String], blocked: bool) {
    let urls = if blocked {
        json!(["*/kasus/baru"])
    } else {
        json!([])
    };
    for session in sessions {
        send_to_worker(browser, session, "Network.enable", json!({})).await;
        send_to_worker(
            browser,
            session,
            "Network.setBlockedURLs",
            json!({"urls": urls}),
        )
        .await;
    }
}

/// The number of drafts in the phone's IndexedDB (0 when the database is gone).
async fn drafts_on_phone(browser: &Browser) -> u64 {
    let count = browser
        .js_async(
            "const done = arguments[arguments.length - 1];
             indexedDB.databases().then(dbs => {
               if (!dbs.some(d => d.name === 'merajut-offline')) { return done(0); }
               const open = indexedDB.open('merajut-offline', 1);
               open.onupgradeneeded = () => {
                 open.result.createObjectStore('drafts', {keyPath: 'id', autoIncrement: true});
                 open.result.createObjectStore('meta');
               };
               open.onsuccess = () => {
                 const db = open.result;
                 const req = db.transaction('drafts').objectStore('drafts').count();
                 req.onsuccess = () => { db.close(); done(req.result); };
               };
             });",
        )
        .await;
    count.as_u64().expect("a count of drafts")
}

/// What the phone keeps besides drafts: cache names and service-worker registrations.
async fn caches_and_workers(browser: &Browser) -> (u64, u64) {
    let found = browser
        .js_async(
            "const done = arguments[arguments.length - 1];
             Promise.all([caches.keys(), navigator.serviceWorker.getRegistrations()])
               .then(([keys, regs]) => done([keys.length, regs.length]));",
        )
        .await;
    (
        found[0].as_u64().expect("caches"),
        found[1].as_u64().expect("registrations"),
    )
}

/// Signs in and opens the intake form once the service worker controls the page, so the
/// form is kept for offline use.
async fn open_intake_with_worker(browser: &Browser, app: &crate::common::TestApp) {
    browser
        .wait_until(
            "the service worker to control the page",
            "return !!navigator.serviceWorker.controller",
        )
        .await;
    browser
        .click_and_wait("nav.menu a[href='/kasus/baru']")
        .await;
    assert_eq!(browser.path().await, "/kasus/baru", "{}", app.address);
}

const STATUS_WAITING_ONE: &str = "const s = document.getElementById('offline-status'); \
     return !!s && s.dataset.waiting === '1' && !s.textContent.includes('Sedang dikirim');";

#[tokio::test]
async fn an_intake_typed_without_signal_waits_on_the_phone_and_is_sent_when_the_signal_returns() {
    // Arrange: a hospital PIC on a phone, on the intake form, KTP and KK photos chosen.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    browser.sign_in(&app, &pic).await;
    open_intake_with_worker(&browser, &app).await;
    fill_intake(&browser, &MARKUS).await;
    browser.attach("#ktp_file", &photo("ktp.png")).await;
    browser.attach("#kk_file", &photo("kk.png")).await;

    // Act: the signal goes, the PIC sends.
    let cut = Cut::start(&browser, true).await;
    browser
        .find("#submit-case")
        .await
        .click()
        .await
        .expect("clicking Simpan & kirim");

    // Assert: kept on the phone, nothing on the server, the form empty for the next patient.
    browser
        .wait_until("the draft kept on the phone", STATUS_WAITING_ONE)
        .await;
    let status = browser.text("#offline-status").await;
    assert!(
        status.contains("Tersimpan di ponsel ini, belum terkirim: 1 draf"),
        "{status}"
    );
    assert_eq!(browser.value("#intake-full_name").await, "");
    assert_eq!(drafts_on_phone(&browser).await, 1);
    let cases: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&app.pool)
        .await
        .expect("counting cases");
    assert_eq!(cases, 0);

    // Act: the page is reloaded while still without signal.
    browser.client.refresh().await.expect("reloading");

    // Assert: the form comes from the phone, the draft still waits.
    assert_eq!(browser.text("h1").await, "Daftarkan pasien");
    browser
        .wait_until("the draft still shown after the reload", STATUS_WAITING_ONE)
        .await;
    assert!(
        browser
            .text("#offline-status")
            .await
            .contains("belum terkirim")
    );
    // The copy keeps the page's CSP: an inline script does not run.
    let inline_blocked = browser
        .js(
            "const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1'; \
             document.head.appendChild(s); return window.inlineRan === undefined;",
        )
        .await;
    assert_eq!(inline_blocked, json!(true));

    // Act: the signal returns.
    cut.end(&browser).await;

    // Assert: sent, gone from the phone, the case registered with its photos.
    browser
        .wait_until(
            "the draft sent",
            "const s = document.getElementById('offline-status'); \
             return !!s && s.dataset.sent === '1' && s.dataset.waiting === '0';",
        )
        .await;
    assert!(browser.text("#offline-status").await.contains("Terkirim"));
    assert_eq!(drafts_on_phone(&browser).await, 0);
    browser.click_and_wait("#offline-status a").await;
    assert_eq!(browser.case_state().await, "nik_check");
    let documents = browser.text("ul.documents").await;
    assert!(
        documents.contains("KTP") && documents.contains("KK"),
        "{documents}"
    );
    browser
        .click_and_wait("nav.menu a[href='/kasus-saya']")
        .await;
    assert!(browser.text("table.cases").await.contains(MARKUS.name));
    // The case page and the list were opened through the service worker: neither was kept.
    let cached = browser
        .js_async(
            "const done = arguments[arguments.length - 1];
             caches.keys()
               .then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.keys()))))
               .then(lists => done(lists.flat().map(r => new URL(r.url).pathname)));",
        )
        .await;
    let cached: Vec<String> = serde_json::from_value(cached).expect("cached paths");
    assert!(cached.contains(&"/kasus/baru".to_string()), "{cached:?}");
    assert!(
        cached
            .iter()
            .all(|p| p == "/kasus/baru" || p.starts_with("/static/")),
        "{cached:?}"
    );
    browser.close().await;
}

#[tokio::test]
async fn signing_out_with_a_draft_waiting_clears_the_phone() {
    // Arrange: a draft typed without signal; the signal is back but the intake address is
    // unreachable, so the draft keeps waiting.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    browser.sign_in(&app, &pic).await;
    open_intake_with_worker(&browser, &app).await;
    fill_intake(&browser, &MARKUS).await;
    browser.attach("#ktp_file", &photo("ktp.png")).await;
    let cut = Cut::start(&browser, false).await;
    browser
        .find("#submit-case")
        .await
        .click()
        .await
        .expect("clicking Simpan & kirim");
    browser
        .wait_until("the draft kept on the phone", STATUS_WAITING_ONE)
        .await;
    browser.cdp("Network.enable", json!({})).await;
    browser
        .cdp("Network.setBlockedURLs", json!({"urls": ["*/kasus/baru"]}))
        .await;
    cut.end(&browser).await;
    browser
        .wait_until("the draft still waiting", STATUS_WAITING_ONE)
        .await;
    assert_eq!(drafts_on_phone(&browser).await, 1);
    assert_ne!(caches_and_workers(&browser).await, (0, 0));

    // Act: the PIC signs out and confirms the warning about the draft.
    browser
        .find("form[action='/keluar'] button")
        .await
        .click()
        .await
        .expect("clicking Keluar");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let warning = loop {
        if let Ok(text) = browser.client.get_alert_text().await {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no warning before signing out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    browser.client.accept_alert().await.expect("confirming");
    browser
        .wait_until(
            "the sign-in page",
            "return location.pathname === '/masuk' && document.readyState === 'complete'",
        )
        .await;

    // Assert: warned, and nothing left on the phone.
    assert!(warning.contains("1 draf"), "{warning}");
    assert_eq!(drafts_on_phone(&browser).await, 0);
    assert_eq!(caches_and_workers(&browser).await, (0, 0));
    browser.close().await;
}

#[tokio::test]
async fn a_send_that_fails_on_the_way_is_kept_and_a_refused_draft_comes_back_to_the_form() {
    // Arrange: the intake form with a birth date that disagrees with the NIK and a KTP photo;
    // the phone shows signal, but the connection drops under the send.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(WIDTH, HEIGHT).await;
    browser.sign_in(&app, &pic).await;
    open_intake_with_worker(&browser, &app).await;
    fill_intake(&browser, &MARKUS).await;
    browser.set_date("#intake-birth_date", "1975-11-03").await;
    browser.attach("#ktp_file", &photo("ktp.png")).await;
    let workers = worker_sessions(&browser).await;
    block_intake_in_workers(&browser, &workers, true).await;

    // Act: the PIC sends; the service worker keeps the form.
    browser.click_and_wait("#submit-case").await;

    // Assert: back on the intake form (the copy on the phone), the draft kept there; the page
    // sends it at once (its own requests reach the server), the server refuses it, and it is
    // back on the form, photo included, with the server's message under the NIK.
    assert_eq!(browser.path().await, "/kasus/baru");
    assert_eq!(drafts_on_phone(&browser).await, 1);
    block_intake_in_workers(&browser, &workers, false).await;
    browser
        .wait_until(
            "the refused draft back on the form",
            "return !!document.getElementById('offline-draft-errors');",
        )
        .await;
    assert_eq!(browser.value("#intake-full_name").await, MARKUS.name);
    assert_eq!(browser.value("#intake-birth_date").await, "1975-11-03");
    let nik_error = browser.text("#intake-nik-wrap .field-error").await;
    assert!(nik_error.contains("Tanggal lahir pada NIK"), "{nik_error}");
    let photos = browser
        .js("return document.getElementById('ktp_file').files.length")
        .await;
    assert_eq!(photos.as_u64(), Some(1));
    assert!(
        browser
            .text("#offline-status")
            .await
            .contains("1 draf ditolak server")
    );

    // Act: the PIC corrects the birth date and sends again.
    browser
        .set_date("#intake-birth_date", MARKUS.birth_date)
        .await;
    browser.click_and_wait("#submit-case").await;

    // Assert: the case with its photo, nothing left on the phone.
    assert!(browser.path().await.starts_with("/kasus/"));
    assert_eq!(browser.case_state().await, "nik_check");
    assert!(browser.text("ul.documents").await.contains("KTP"));
    assert_eq!(drafts_on_phone(&browser).await, 0);
    browser.close().await;
}
