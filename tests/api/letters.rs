//! The guarantee letter (Surat Jaminan Sementara): its number from the yearly sequence (per
//! year of the approval date in WITA, concurrent approvals), what the letter shows, and its
//! public verification page (content, validity over time, nothing personal, hostile tokens).

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The public address the letters' QR codes point to in these tests.
const PUBLIC: &str = "https://merajut.example.go.id";

fn at(instant: &str) -> DateTime<Utc> {
    instant.parse().expect("a valid instant")
}

/// 23 November 2026, 10:00 WITA.
fn a_november_morning() -> DateTime<Utc> {
    at("2026-11-23T02:00:00Z")
}

/// The number on a case answer of the API.
fn number(reply: &Reply) -> String {
    reply.body["case"]["guarantee"]["letter_number"]
        .as_str()
        .unwrap_or_else(|| panic!("no letter number in {}", reply.body))
        .to_string()
}

/// The verification token stored with the letter of case `id`.
async fn token_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT token FROM guarantee_letters WHERE case_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the case has a letter")
}

/// The verification page of `token`, fetched without signing in.
async fn verification(app: &TestApp, token: &str) -> reqwest::Response {
    app.get(&app.client(), &format!("/verifikasi/surat/{token}"))
        .await
}

/// The validity code the verification page states (`active`, `cancelled`, `unknown` …).
fn status(html: &str) -> Option<String> {
    attr(html, "#verdict", "data-status")
}

/// Approves case `id` (at `guarantee_review`) as Dinkes with `fields`.
async fn approve(team: &Team, id: Uuid, fields: Value) -> Reply {
    team.dinkes_prov
        .step_with(id, "approve_guarantee", fields)
        .await
}

/// An application on 23 November 2026 that knows its public address, its team, and a patient
/// in class 1 whose case waits at Dinkes.
async fn class_one_patient_at_dinkes() -> (TestApp, Team, Uuid) {
    let app = spawn_app_with_at(a_november_morning(), |s| {
        s.public_url = Some(PUBLIC.into());
    })
    .await;
    let team = Team::new(&app).await;
    let mut intake = intake_woman();
    intake["ward_class"] = json!("kelas_1");
    let id = team.case_in(&intake, "guarantee_review").await;
    (app, team, id)
}

/// The approval of that patient: from 20 November, the city of origin pays, 25 million at most.
fn class_one_approval() -> Value {
    json!({"start_date": "2026-11-20", "payer": "pemkab_asal", "ceiling": "25.000.000"})
}

#[tokio::test]
async fn letters_are_numbered_from_a_yearly_sequence_at_approval() {
    // Arrange: 23 November 2026; three cases at Dinkes.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let mut ids = vec![];
    for serial in 1..=3 {
        let intake = intake_serial(serial, "53.71");
        ids.push(team.case_in(&intake, "guarantee_review").await);
    }

    // Act: one approval in November, one late on New Year's Eve, one just after midnight WITA
    // (16:30 UTC on 31 December: still 2026 in UTC, already 2027 in Kupang).
    let first = team.dinkes_prov.step(ids[0], "approve_guarantee").await;
    app.clock.set(at("2026-12-31T15:30:00Z"));
    let second = team.dinkes_prov.step(ids[1], "approve_guarantee").await;
    app.clock.set(at("2026-12-31T16:30:00Z"));
    let third = team.dinkes_prov.step(ids[2], "approve_guarantee").await;

    // Assert
    assert_eq!(number(&first), "001/SJS-MS/XI/2026");
    assert_eq!(number(&second), "002/SJS-MS/XII/2026");
    assert_eq!(number(&third), "001/SJS-MS/I/2027");
    let counters: Vec<(i32, i32)> =
        sqlx::query_as("SELECT year, last_number FROM guarantee_letter_counters ORDER BY year")
            .fetch_all(&app.pool)
            .await
            .expect("reading the counters");
    assert_eq!(counters, [(2026, 2), (2027, 1)]);
}

#[tokio::test]
async fn approvals_at_the_same_moment_never_share_a_number() {
    // Arrange: six cases at Dinkes, and the version of each.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let mut cases = vec![];
    for serial in 1..=6 {
        let id = team
            .case_in(&intake_serial(serial, "53.71"), "guarantee_review")
            .await;
        cases.push((id, team.dinkes_prov.case(id).await.version()));
    }
    let act = |i: usize| {
        let (id, version) = cases[i];
        team.dinkes_prov.act(
            id,
            "approve_guarantee",
            version,
            valid_fields("approve_guarantee"),
        )
    };

    // Act: all six approvals sent at once.
    let (a, b, c, d, e, f) = tokio::join!(act(0), act(1), act(2), act(3), act(4), act(5));

    // Assert: six different numbers, 001 to 006, and the counter at 6.
    let mut numbers: Vec<String> = [a, b, c, d, e, f]
        .iter()
        .map(|r| number(r.expect(StatusCode::OK)))
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=6).map(|n| format!("00{n}/SJS-MS/XI/2026")).collect();
    assert_eq!(numbers, expected);
    let last: i32 =
        sqlx::query_scalar("SELECT last_number FROM guarantee_letter_counters WHERE year = 2026")
            .fetch_one(&app.pool)
            .await
            .expect("the 2026 counter");
    assert_eq!(last, 6);
}

#[tokio::test]
async fn the_yearly_counter_is_held_until_the_approving_transaction_ends() {
    use merajut_sehat::db::letters::next_sequence;

    // Arrange: one transaction has taken 2026's first number and not finished.
    let app = spawn_app().await;
    let mut first = app.pool.begin().await.expect("a transaction");
    assert_eq!(next_sequence(&mut *first, 2026).await.expect("a number"), 1);

    // Act: a second approval asks for a number meanwhile.
    let pool = app.pool.clone();
    let second = tokio::spawn(async move {
        let mut tx = pool.begin().await.expect("a transaction");
        let n = next_sequence(&mut *tx, 2026).await.expect("a number");
        tx.commit().await.expect("commit");
        n
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // Assert: it waits; when the first rolls back, its number is given to the second.
    assert!(
        !second.is_finished(),
        "the second did not wait for the first"
    );
    first.rollback().await.expect("rollback");
    assert_eq!(second.await.expect("the second finishes"), 1);
    let mut third = app.pool.begin().await.expect("a transaction");
    assert_eq!(next_sequence(&mut *third, 2026).await.expect("a number"), 2);
    // Another year has a sequence of its own.
    assert_eq!(next_sequence(&mut *third, 2027).await.expect("a number"), 1);
    third.commit().await.expect("commit");
}

#[tokio::test]
async fn the_approve_form_has_no_letter_number_and_an_old_client_sending_one_is_ignored() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;

    // Act
    let page = app.get_html(&dinkes, &format!("/kasus/{id}")).await;
    let approved = approve(
        &team,
        id,
        json!({"letter_number": "440/999/DINKES/2026", "start_date": PAST, "payer": "pemprov"}),
    )
    .await;

    // Assert
    assert_eq!(
        attr(&page, "#approve_guarantee-start_date", "name").as_deref(),
        Some("start_date")
    );
    assert!(
        !page.contains("approve_guarantee-letter_number"),
        "the form still asks for a number"
    );
    assert_eq!(number(&approved), "001/SJS-MS/XI/2026");
}

#[tokio::test]
async fn the_letter_shows_the_case_its_approval_date_and_a_coherent_period() {
    // Arrange: a patient in class 1, approved on 23 November 2026 from the 20th with a ceiling
    // of 25 million, payer the city of origin.
    let (app, team, id) = class_one_patient_at_dinkes().await;
    approve(&team, id, class_one_approval()).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let path = format!("/kasus/{id}/surat-jaminan");

    // Act: the hospital opens the letter twelve days later.
    app.clock.set(at("2026-12-05T01:00:00Z"));
    let response = app.get(&pic, &path).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "personal data"
    );
    let html = response.text().await.expect("the letter");
    assert_eq!(
        text(&html, "#letter-number").as_deref(),
        Some("001/SJS-MS/XI/2026")
    );
    assert_eq!(text(&html, "#letter-class").as_deref(), Some("Kelas 1"));
    assert_eq!(
        text(&html, "#letter-ceiling").as_deref(),
        Some("Rp25.000.000")
    );
    assert_eq!(
        text(&html, "#letter-date").as_deref(),
        Some("23 November 2026")
    );
    assert_eq!(
        text(&html, "#letter-payer").as_deref(),
        Some("Pemerintah Kota Kupang")
    );
    assert_eq!(
        text(&html, "#letter-period").as_deref(),
        Some("20-11-2026 s.d. sehari sebelum kepesertaan JKN berlaku")
    );
    assert!(text(&html, "#letter-status").is_none(), "a valid letter");
    // The QR code leads to the letter's own verification page.
    let link = format!("{PUBLIC}/verifikasi/surat/{}", token_of(&app, id).await);
    assert_eq!(
        attr(&html, "#letter-verify-link", "href").as_deref(),
        Some(link.as_str())
    );
    let svg = merajut_sehat::web::verification::qr_svg(&link).expect("a QR code");
    assert!(
        html.contains(&svg),
        "the QR code of {link} is not on the letter"
    );
    assert!(text(&html, "#qr-missing").is_none());
    // The print button waits for the script that makes it work.
    assert!(attr(&html, "button#print-letter[data-print]", "hidden").is_some());

    // Act: PBI JKN takes effect on 1 December.
    team.dinsos_prov.step(id, "propose_pbi").await;
    team.bpjs
        .step_with(
            id,
            "record_pbi_active",
            json!({"bpjs_card_number": "0001234567890", "effective_date": "2026-12-01"}),
        )
        .await;
    let html = app.get_html(&pic, &path).await;

    // Assert: the period closes the day before; the date is still the approval's.
    assert_eq!(
        text(&html, "#letter-period").as_deref(),
        Some("20-11-2026 s.d. 30-11-2026")
    );
    assert_eq!(
        text(&html, "#letter-date").as_deref(),
        Some("23 November 2026")
    );
    assert_eq!(
        attr(&html, "#letter-status", "data-status").as_deref(),
        Some("ended")
    );
}

#[tokio::test]
async fn without_a_public_address_the_letter_has_no_qr_code_and_says_why() {
    // Arrange: no MERAJUT_PUBLIC_URL.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guaranteed").await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    // Act
    let html = app
        .get_html(&pic, &format!("/kasus/{id}/surat-jaminan"))
        .await;

    // Assert
    assert!(text(&html, "#letter-number").is_some());
    assert!(
        !html.contains("<svg"),
        "no QR code without a public address"
    );
    let note = text(&html, "#qr-missing").expect("a note for the administrator");
    assert!(note.contains("MERAJUT_PUBLIC_URL"), "{note}");
}

#[tokio::test]
async fn the_verification_page_shows_number_validity_and_period_and_nothing_personal() {
    // Arrange: approved on 23 November 2026, starting on the 25th.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guarantee_review").await;
    approve(
        &team,
        id,
        json!({"start_date": "2026-11-25", "payer": "pemprov", "ceiling": 15_000_000}),
    )
    .await;
    let token = token_of(&app, id).await;
    let case = team.rsud.case(id).await;
    let case_number = case.body["case"]["number"].as_str().expect("a number");

    // Act
    let response = verification(&app, &token).await;

    // Assert: no sign-in, no cookie, not cached, not indexed.
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(headers.get("set-cookie").is_none(), "{headers:?}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    let html = response.text().await.expect("the page");
    assert_eq!(
        attr(&html, "meta[name=robots]", "content").as_deref(),
        Some("noindex, nofollow")
    );
    assert_eq!(status(&html).as_deref(), Some("not_yet_started"));
    assert_eq!(
        text(&html, "#verify-number").as_deref(),
        Some("001/SJS-MS/XI/2026")
    );
    assert_eq!(text(&html, "#verify-date").as_deref(), Some("23-11-2026"));
    assert_eq!(text(&html, "#verify-hospital").as_deref(), Some(WZJ_NAME));
    assert_eq!(
        text(&html, "#verify-period").as_deref(),
        Some("25-11-2026 s.d. sehari sebelum kepesertaan JKN berlaku")
    );
    for personal in [
        "Maria",
        "Bria",
        NIK_WOMAN,
        "5371********0001",
        "5371021203150004",
        "12-05-1990",
        "1990",
        "Timor Raya",
        "Oebobo",
        // The family phone as typed and as stored, not a prefix that random ids can hold.
        "0812-3456-7890",
        "81234567890",
        "Demam",
        "Kota Kupang",
        "15.000.000",
        case_number,
        &id.to_string(),
    ] {
        assert!(!html.contains(personal), "{personal:?} on the public page");
    }

    // Act / Assert: valid from the start date on, and while PBI JKN is pursued.
    app.clock.set(at("2026-11-25T01:00:00Z"));
    let html = verification(&app, &token).await.text().await.expect("page");
    assert_eq!(status(&html).as_deref(), Some("active"));
    assert_eq!(
        text(&html, "#verdict").as_deref(),
        Some("SAH — jaminan berlaku")
    );

    // Act / Assert: handed over with PBI JKN from 1 December: valid through 30 November.
    team.dinsos_prov.step(id, "propose_pbi").await;
    team.bpjs.step(id, "record_pbi_active").await;
    app.clock.set(at("2026-11-30T15:00:00Z"));
    let html = verification(&app, &token).await.text().await.expect("page");
    assert_eq!(status(&html).as_deref(), Some("active"));
    assert_eq!(
        text(&html, "#verify-period").as_deref(),
        Some("25-11-2026 s.d. 30-11-2026")
    );
    app.clock.set(at("2026-11-30T16:00:00Z"));
    let html = verification(&app, &token).await.text().await.expect("page");
    assert_eq!(status(&html).as_deref(), Some("ended"));
}

#[tokio::test]
async fn a_case_withdrawn_after_approval_cancels_its_letter() {
    // Arrange: guaranteed on 23 November 2026.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guaranteed").await;
    let token = token_of(&app, id).await;

    // Act: the patient dies on the 24th; the hospital withdraws the case.
    app.clock.set(at("2026-11-24T03:00:00Z"));
    team.rsud.step(id, "withdraw").await;
    let html = verification(&app, &token).await.text().await.expect("page");

    // Assert: the letter no longer holds, and the page says since when, not why.
    assert_eq!(status(&html).as_deref(), Some("cancelled"));
    assert_eq!(
        text(&html, "#verdict").as_deref(),
        Some("TIDAK BERLAKU — jaminan dibatalkan")
    );
    assert_eq!(
        text(&html, "#verify-cancelled").as_deref(),
        Some("24-11-2026")
    );
    assert!(!html.contains("eninggal"), "the reason is personal");
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let letter = app
        .get_html(&pic, &format!("/kasus/{id}/surat-jaminan"))
        .await;
    assert_eq!(
        attr(&letter, "#letter-status", "data-status").as_deref(),
        Some("cancelled")
    );
}

#[tokio::test]
async fn hostile_or_unknown_tokens_get_the_not_found_page_never_an_error() {
    // Arrange: one real letter.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guaranteed").await;
    let token = token_of(&app, id).await;
    let mut changed = token.clone().into_bytes();
    changed[0] = if changed[0] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).expect("ASCII");
    let case = team.rsud.case(id).await;
    let letter_number = number(&case).replace('/', "%2F");
    let case_number = case.body["case"]["number"]
        .as_str()
        .expect("a number")
        .to_string();

    for hostile in [
        "%00".to_string(),
        format!("{token}%00"),
        "%F0%9F%98%80".to_string(),
        "😀".to_string(),
        "%FF%FE".to_string(),
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        "'%20OR%201=1--".to_string(),
        "A".repeat(60_000),
        changed,
        format!("{token}x"),
        token.to_uppercase(),
        letter_number,
        case_number,
        id.to_string(),
    ] {
        // Act
        let response = verification(&app, &hostile).await;

        // Assert
        let shown: String = hostile.chars().take(40).collect();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{shown}");
        let html = response.text().await.expect("page");
        assert_eq!(
            text(&html, "h1").as_deref(),
            Some("Surat tidak ditemukan"),
            "{shown}"
        );
        assert_eq!(status(&html).as_deref(), Some("unknown"));
    }
    // 100 KB does not reach the application: the HTTP server refuses a URI that long (over
    // 64 KB) before routing, with 414 or by closing the connection — never an error page.
    let long = format!("/verifikasi/surat/{}", "B".repeat(100_000));
    match app.client().get(app.url(&long)).send().await {
        Ok(response) => assert!(
            matches!(
                response.status(),
                StatusCode::URI_TOO_LONG | StatusCode::NOT_FOUND
            ),
            "100 KB token: {}",
            response.status()
        ),
        Err(e) => assert!(!e.is_timeout(), "100 KB token: the server hung"),
    }
    // Nothing changed: the real letter still verifies.
    assert_eq!(verification(&app, &token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_public_pages_open_without_signing_in() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "guaranteed").await;
    let token = token_of(&app, id).await;

    for page in merajut_sehat::access::PUBLIC_PAGES {
        // Act
        let client = app.client();
        let response = app.get(&client, &page.replace("{token}", &token)).await;

        // Assert: no sign-in, no session.
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert!(client.cookie("merajut_sid").is_none(), "{page}");
    }
}

#[tokio::test]
async fn letters_approved_before_the_sequence_keep_their_numbers() {
    use std::borrow::Cow;

    use sqlx::migrate::Migrator;

    // Arrange: a database before the letters migration, with two guaranteed cases whose
    // numbers were typed — one of them in the new format.
    let database = TestDatabase::create_empty().await;
    let pool = database.pool().await;
    let before = Migrator {
        migrations: Cow::Owned(
            merajut_sehat::MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version < 20261206100000)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    before.run(&pool).await.expect("the earlier migrations");
    let actor: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, password_hash) \
         VALUES ('dinkes', 'Dinkes', 'dinkes_prov', 'x') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("a user");
    let mut ids = vec![];
    for (case_number, nik, letter) in [
        ("MS-1", "5371025205900001", "440/123/DINKES/2026"),
        ("MS-2", "5371025205900002", "005/SJS-MS/XI/2026"),
    ] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, \
             birth_date, has_identity_document, nik, domicile_kab_kota_code, admission_date, \
             service_type, ward_class, jkn_status, guarantee_letter_number, guarantee_start, \
             payer) \
             SELECT $1, 'guaranteed', h.id, $3, 'Maria', 'P', '1990-05-12', true, $2, '53.71', \
             '2026-10-01', 'igd', 'kelas_3', 'tidak_ada', $4, '2026-10-02', 'pemprov' \
             FROM hospitals h WHERE h.code = 'RSUD-WZJ' RETURNING id",
        )
        .bind(case_number)
        .bind(nik)
        .bind(actor)
        .bind(letter)
        .fetch_one(&pool)
        .await
        .expect("a case");
        sqlx::query(
            "INSERT INTO case_history (case_id, action, from_state, to_state, actor_id, \
             actor_role, at) VALUES ($1, 'approve_guarantee', 'guarantee_review', 'guaranteed', \
             $2, 'dinkes_prov', '2026-10-02T01:00:00Z')",
        )
        .bind(id)
        .bind(actor)
        .execute(&pool)
        .await
        .expect("a history row");
        ids.push(id);
    }

    // Act
    merajut_sehat::MIGRATOR
        .run(&pool)
        .await
        .expect("the remaining migrations");

    // Assert: each has a letter dated with its approval and a token of its own; the typed
    // numbers are kept, and the sequence continues after the typed 005.
    type Letter = (Uuid, DateTime<Utc>, String, Vec<u8>, Option<i32>);
    let letters: Vec<Letter> = sqlx::query_as(
        "SELECT l.case_id, l.approved_at, l.token, l.token_hash, l.sequence \
         FROM guarantee_letters l JOIN cases c ON c.id = l.case_id ORDER BY c.number",
    )
    .fetch_all(&pool)
    .await
    .expect("the letters");
    assert_eq!(letters.len(), 2);
    for (i, (case_id, approved_at, token, hash, sequence)) in letters.iter().enumerate() {
        assert_eq!(*case_id, ids[i]);
        assert_eq!(*approved_at, at("2026-10-02T01:00:00Z"));
        assert_eq!(token.len(), 43, "{token}");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token}"
        );
        assert_eq!(*hash, merajut_sehat::auth::token_hash(token));
        assert_eq!(*sequence, None);
    }
    assert_ne!(letters[0].2, letters[1].2);
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT guarantee_letter_number FROM cases ORDER BY number")
            .fetch_all(&pool)
            .await
            .expect("the numbers");
    assert_eq!(numbers, ["440/123/DINKES/2026", "005/SJS-MS/XI/2026"]);
    let mut tx = pool.begin().await.expect("a transaction");
    assert_eq!(
        merajut_sehat::db::letters::next_sequence(&mut *tx, 2026)
            .await
            .expect("a number"),
        6
    );
    tx.rollback().await.expect("rollback");
    pool.close().await;
    database.remove();
}

#[tokio::test]
async fn the_api_gives_hospital_systems_the_letter_they_print() {
    // Arrange: a class-1 patient at Dinkes; the service knows its public address.
    let (app, team, id) = class_one_patient_at_dinkes().await;
    let path = format!("/api/v1/cases/{id}/letter");
    let other_hospital = actor(&app, "rsud", Some("RSUD-TCH")).await;

    // Act / Assert: nothing to print before the approval.
    team.rsud.get(&path).await.expect(StatusCode::CONFLICT);

    // Act
    approve(&team, id, class_one_approval()).await;
    let letter = team.rsud.get(&path).await;

    // Assert
    letter.expect(StatusCode::OK);
    let token = token_of(&app, id).await;
    assert_eq!(
        letter.body,
        json!({
            "letter_number": "001/SJS-MS/XI/2026",
            "approved_at": "2026-11-23T02:00:00Z",
            "letter_date": "2026-11-23",
            "status": "active",
            "valid": true,
            "start_date": "2026-11-20",
            "end_date": null,
            "ward_class": "kelas_1",
            "payer": "pemkab_asal",
            "ceiling": 25_000_000,
            "verification_url": format!("{PUBLIC}/verifikasi/surat/{token}"),
        })
    );
    other_hospital
        .get(&path)
        .await
        .expect(StatusCode::NOT_FOUND);
}
