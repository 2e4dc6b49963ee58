//! No personal data in the logs or in URLs: the application runs as its own process (the
//! `merajut-sehat` binary, as in production, its logs in a file), the flows that handle
//! personal data run against it — intake on the page and in the API, edits, searches by NIK
//! and by name, a duplicate NIK, concurrent intakes of one patient, steps along the workflow,
//! downloads, a sign-in typed with a NIK — and then everything it wrote is read: no NIK, KK,
//! patient name or clinical reason may be in it, and none in any address it redirected to.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::*;

/// The application as a child process: its address, and where its logs go.
struct Process {
    child: tokio::process::Child,
    address: String,
    log: std::path::PathBuf,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
}

/// Starts `merajut-sehat` on `app`'s database and data directory, its log (JSON lines, the
/// application's own events at `debug`) in `app.data_dir/app.log`, and waits until it serves.
async fn start_process(app: &TestApp) -> Process {
    std::fs::create_dir_all(&app.data_dir).expect("creating the data directory");
    let log = app.data_dir.join("app.log");
    let file = std::fs::File::create(&log).expect("creating the log file");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"))
        .env("DATABASE_URL", &app.database_url)
        .env("MERAJUT_DATA_DIR", &app.data_dir)
        .env("MERAJUT_BIND", "127.0.0.1:0")
        .env("MERAJUT_LOG_FORMAT", "json")
        .env("MERAJUT_WORKER", "true")
        .env("MERAJUT_WORKER_POLL_MS", "50")
        .env(
            "RUST_LOG",
            "info,merajut_sehat=debug,tower_http=debug,tower_sessions=info,sqlx=info",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(file))
        .kill_on_drop(true)
        .spawn()
        .expect("starting merajut-sehat");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let stdout = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("reading stdout") {
            stdout
                .lock()
                .expect("stdout")
                .push_str(&format!("{line}\n"));
            if let Some(at) = line.split("serving on ").nth(1) {
                return at.trim().to_string();
            }
        }
        panic!(
            "merajut-sehat ended before serving; its log: {}",
            log.display()
        );
    })
    .await
    .expect("merajut-sehat did not start within 60 s");
    // Keep draining stdout (and keep it for the scan).
    let kept = stdout.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            kept.lock().expect("stdout").push_str(&format!("{line}\n"));
        }
    });
    Process {
        child,
        address,
        log,
        stdout,
    }
}

/// The Location headers seen during the flows.
#[derive(Default)]
struct Redirects(Vec<String>);

impl Redirects {
    fn note(&mut self, response: &reqwest::Response) {
        if let Some(l) = location(response) {
            self.0.push(l);
        }
    }
}

/// A woman born 4 July 1988 in Kota Kupang, registered on the intake page.
const NIK_PAGE: &str = "5371024407880003";
const NAME_PAGE: &str = "Yuliana Sabu";
const CLINICAL_PAGE: &str = "Gagal ginjal kronis, perlu cuci darah";
/// The KK of `intake_woman`.
const KK_WOMAN: &str = "5371021203150004";

#[tokio::test]
async fn no_nik_kk_name_or_clinical_reason_is_logged_or_put_in_a_redirect() {
    // Arrange: the service as its own process on the test database.
    let mut app = spawn_app().await;
    let mut process = start_process(&app).await;
    app.address = process.address.clone();
    let mut redirects = Redirects::default();
    let team = Team::new(&app).await;

    // Act 1: the API intake, its workflow to the guarantee, a duplicate, reads and searches.
    let woman = team.case_in(&intake_woman(), "guaranteed").await;
    let duplicate = team.rsud.create_case(&intake_woman()).await;
    assert!(duplicate.status.is_client_error(), "{}", duplicate.body);
    for who in [
        &team.rsud,
        &team.dukcapil_prov,
        &team.dinkes_prov,
        &team.bpjs,
    ] {
        who.case(woman).await.expect(StatusCode::OK);
        let found = who.get(&format!("/api/v1/queue?q={NIK_WOMAN}")).await;
        assert!(!found.status.is_server_error(), "{}", found.body);
        let found = who.get("/api/v1/queue?q=Maria%20Goreti").await;
        assert!(!found.status.is_server_error(), "{}", found.body);
    }
    // Four intakes of one patient at once: one case, the others refused (a unique violation
    // in the database must not carry the NIK into the log).
    let man = intake_man();
    let (a, b, c, d) = tokio::join!(
        team.rsud.create_case(&man),
        team.rsud.create_case(&man),
        team.rsud.create_case(&man),
        team.rsud.create_case(&man),
    );
    let answers = [a, b, c, d];
    let created = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in &answers {
        assert!(!r.status.is_server_error(), "{}", r.body);
    }
    // A field error carrying personal data back to the user (not to the log).
    let mut wrong = intake_woman();
    wrong["nik"] = json!("5371025205900009");
    wrong["birth_date"] = json!("1991-05-12");
    let refused = team.rsud.create_case(&wrong).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    // Downloads of lists with the case in them.
    for path in [
        "/api/v1/queue/export?format=csv",
        "/api/v1/klaim/export?format=csv",
    ] {
        let r = team.dinkes_prov.get_raw(path).await;
        assert!(!r.status().is_server_error(), "{path}");
    }

    // Act 2: the pages: sign in, register a patient, edit, search by NIK and by name.
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let mut fields = intake_fields(NAME_PAGE, "P", "1988-07-04", NIK_PAGE, "53.71");
    for (k, v) in &mut fields {
        if k == "clinical_reason" {
            *v = CLINICAL_PAGE.to_string();
        }
        if k == "kk_number" {
            *v = KK_WOMAN.replace("0004", "0005");
        }
    }
    let response = app
        .post_multipart(
            &pic,
            "/kasus/baru",
            "/kasus/baru",
            &fields,
            &[("ktp", "ktp.png", TEST_PNG.to_vec())],
        )
        .await;
    redirects.note(&response);
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the intake page refused"
    );
    let case_page = location(&response).expect("a Location");
    let case_id = case_page
        .trim_start_matches("/kasus/")
        .split(['/', '?'])
        .next()
        .expect("an id")
        .to_string();
    let edit = format!("/kasus/{case_id}/ubah");
    let edit_page = app.get(&pic, &edit).await;
    redirects.note(&edit_page);
    let mut edited = fields.clone();
    for (k, v) in &mut edited {
        if k == "address" {
            *v = "Jl. Frans Seda No. 3".to_string();
        }
    }
    let version = app.case_state(case_id.parse().expect("a uuid")).await.1;
    edited.push(("version".to_string(), version.to_string()));
    let response = app.post_multipart(&pic, &edit, &edit, &edited, &[]).await;
    redirects.note(&response);
    assert!(
        !response.status().is_server_error(),
        "edit: {}",
        response.status()
    );
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    for (client, list) in [
        (&pic, "/kasus-saya"),
        (&pic, "/antrean"),
        (&dinkes, "/antrean"),
    ] {
        for term in [NIK_PAGE, NAME_PAGE, NIK_WOMAN, "Maria Goreti Bria"] {
            let response = app.post_form(client, list, &[("q", term)]).await;
            redirects.note(&response);
            assert!(!response.status().is_server_error(), "{list} {term}");
            let page = app.get(client, &case_page).await;
            redirects.note(&page);
        }
    }
    let download = app.get(&dinkes, "/antrean/unduh?format=csv").await;
    assert_eq!(download.status(), StatusCode::OK);
    // A sign-in typed with a NIK and a name as the user name, and a NIK as the password.
    let stranger = app.client();
    for (user, password) in [(NIK_WOMAN, "salah-sekali-2026"), (NAME_PAGE, NIK_PAGE)] {
        let response = app.login(&stranger, user, password).await;
        redirects.note(&response);
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Let the worker pass over the notifications these steps raised.
    tokio::time::sleep(Duration::from_millis(500)).await;
    process.child.kill().await.expect("stopping merajut-sehat");
    let _ = process.child.wait().await;

    // Assert
    let log = std::fs::read_to_string(&process.log).expect("reading the log");
    let printed = process.stdout.lock().expect("stdout").clone();
    assert!(
        log.lines().count() > 50 && log.contains("\"request\""),
        "the log holds too little to judge ({} lines)",
        log.lines().count()
    );
    let personal = [
        NIK_WOMAN,
        NIK_MAN,
        NIK_PAGE,
        KK_WOMAN,
        "5371025205900009",
        "Maria Goreti Bria",
        "Yohanes Nenobais",
        NAME_PAGE,
        "Demam berdarah",
        CLINICAL_PAGE,
        "Jl. Timor Raya",
        "0812-3456-7890",
    ];
    for (what, text) in [("the log", &log), ("standard output", &printed)] {
        let found: Vec<String> = personal
            .iter()
            .filter(|p| text.contains(*p))
            .map(|p| {
                let line = text.lines().find(|l| l.contains(*p)).unwrap_or_default();
                format!("{p} in: {line:.400}")
            })
            .collect();
        assert!(
            found.is_empty(),
            "personal data in {what}:\n{}",
            found.join("\n")
        );
    }
    assert!(
        redirects.0.len() >= 10,
        "too few redirects seen: {:?}",
        redirects.0
    );
    for to in &redirects.0 {
        let decoded = to.replace('+', " ").replace("%20", " ");
        for p in personal
            .iter()
            .chain(["Maria", "Yuliana", "Yohanes"].iter())
        {
            assert!(!decoded.contains(p), "{p} in a redirect: {to}");
        }
    }
}
