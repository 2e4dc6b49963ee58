//! The families' status codes (issue 12): the hospital's PIC issues a slip with a random code,
//! replaces or revokes it; anyone with the code sees on `/status` the current step, since when
//! and what comes next — nothing personal; unknown and revoked codes get one neutral answer;
//! lookups are throttled per address and counted per day and outcome; the code is never stored
//! in clear.

use chrono::{DateTime, Utc};
use merajut_sehat::domain::CaseState;
use merajut_sehat::domain::family_status::family_step;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;

/// 23 November 2026, 10:00 WITA.
fn a_november_morning() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().expect("a valid instant")
}

/// The hospital PIC's page client, the API team, and a case of theirs at `state`.
async fn arrange(app: &TestApp, state: &str) -> (TestClient, Team, Uuid) {
    let team = Team::new(app).await;
    let id = team.case_in(&intake_woman(), state).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    (pic, team, id)
}

/// The `kode_lama` field of the case page's issue form (the code in force, or empty).
async fn seen(app: &TestApp, pic: &TestClient, id: Uuid) -> String {
    let html = app.get_html(pic, &format!("/kasus/{id}")).await;
    attr(&html, "#status-code-issue input[name=kode_lama]", "value")
        .unwrap_or_else(|| panic!("no issue form on the case page:\n{html}"))
}

/// Issues a code from the case page; returns the slip.
async fn issue(app: &TestApp, pic: &TestClient, id: Uuid) -> String {
    let kode_lama = seen(app, pic, id).await;
    let page = format!("/kasus/{id}");
    let action = format!("/kasus/{id}/kode-status");
    let response = app
        .post_form_from(pic, &page, &action, &[("kode_lama", &kode_lama)])
        .await;
    assert_eq!(response.status(), StatusCode::OK, "issuing a code");
    response.text().await.expect("the slip")
}

/// The code printed on a slip.
fn code_on(slip: &str) -> String {
    text(slip, "#slip-code").unwrap_or_else(|| panic!("no code on the slip:\n{slip}"))
}

/// Looks `code` up on the public page from a fresh anonymous browser.
async fn look_up(app: &TestApp, code: &str) -> (StatusCode, String) {
    let family = app.client();
    let response = app.post_form(&family, "/status", &[("kode", code)]).await;
    let status = response.status();
    (status, response.text().await.expect("the page"))
}

/// Today's count of `outcome`.
async fn count(app: &TestApp, outcome: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT coalesce(sum(count), 0)::bigint FROM status_lookup_counts WHERE outcome = $1",
    )
    .bind(outcome)
    .fetch_one(&app.pool)
    .await
    .expect("counting")
}

const PERSONAL: &[&str] = &[
    "Maria",
    "Bria",
    NIK_WOMAN,
    "5371021203150004",
    "Demam",
    "Timor Raya",
    // The family phone as typed and as stored, not a prefix that random ids can hold.
    "0812-3456-7890",
    "81234567890",
    "kelas",
    "Kelas",
];

fn assert_nothing_personal(html: &str, what: &str) {
    for part in PERSONAL {
        assert!(!html.contains(part), "{what} shows {part:?}:\n{html}");
    }
}

#[tokio::test]
async fn a_pic_issues_a_slip_and_the_family_sees_where_the_case_is() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let (pic, _team, id) = arrange(&app, "desil_check").await;
    let before = app.get_html(&pic, &format!("/kasus/{id}")).await;
    assert!(text(&before, "#status-code-none").is_some(), "{before}");

    // Act
    let slip = issue(&app, &pic, id).await;
    let code = code_on(&slip);
    let (status, page) = look_up(&app, &code.to_lowercase().replace('-', " ")).await;

    // Assert: the slip — the code grouped, the address, instructions, a share link with the
    // code and the address only, nothing about the patient.
    let shape = regex_lite_shape(&code);
    assert!(shape, "{code:?} is not like K7QX-M4PA-93TR");
    assert!(
        text(&slip, "#slip-address").is_some_and(|a| a.ends_with("/status")),
        "{slip}"
    );
    let share = attr(&slip, "#share-whatsapp", "href").expect("a share link");
    assert!(share.starts_with("https://wa.me/?text="), "{share}");
    assert!(share.contains(&code), "{share}");
    assert_nothing_personal(&slip, "the slip");
    assert_nothing_personal(&share, "the share link");
    // The family's page: the step, since when, what next; nothing personal.
    assert_eq!(status, StatusCode::OK, "{page}");
    let step = family_step(CaseState::DesilCheck);
    assert_eq!(text(&page, "#status-now").as_deref(), Some(step.now));
    assert_eq!(text(&page, "#status-next").as_deref(), Some(step.next));
    assert_eq!(
        text(&page, "#status-since").as_deref(),
        Some("23 November 2026")
    );
    assert_nothing_personal(&page, "the status page");
    assert!(
        !page.contains(WZJ_NAME),
        "the status page names the hospital"
    );
    assert!(!page.contains(&code), "the code is echoed back");
    // The case page now says a code is in force (not the code).
    let after = app.get_html(&pic, &format!("/kasus/{id}")).await;
    assert!(text(&after, "#status-code-active").is_some(), "{after}");
    assert!(!after.contains(&code));
    assert_eq!(count(&app, "found").await, 1);
}

/// `K7QX-M4PA-93TR`: three groups of four symbols of the code alphabet.
fn regex_lite_shape(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 3
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| merajut_sehat::domain::family_status::CODE_ALPHABET.contains(&b))
        })
}

#[tokio::test]
async fn the_code_is_stored_only_as_its_hash() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let (pic, _team, id) = arrange(&app, "nik_check").await;

    // Act
    let code = code_on(&issue(&app, &pic, id).await);

    // Assert: the SHA-256 of the twelve symbols is stored, and no row of any table — the
    // sessions, the audit and the access logs included — holds the code in any form.
    let bare = code.replace('-', "");
    let hash: Vec<u8> = sqlx::query_scalar("SELECT code_hash FROM case_status_codes")
        .fetch_one(&app.pool)
        .await
        .expect("one code");
    assert_eq!(hash, Sha256::digest(bare.as_bytes()).to_vec());
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text FROM information_schema.tables \
          WHERE table_schema IN ('public', 'tower_sessions') AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&app.pool)
    .await
    .expect("the tables");
    assert!(tables.len() > 20);
    for (schema, table) in tables {
        let sql = format!(
            "SELECT count(*) FROM \"{schema}\".\"{table}\" t \
              WHERE upper(t::text) LIKE '%' || $1 || '%' OR upper(t::text) LIKE '%' || $2 || '%'"
        );
        let found: i64 = sqlx::query_scalar(&sql)
            .bind(&code)
            .bind(&bare)
            .fetch_one(&app.pool)
            .await
            .expect("scanning a table");
        assert_eq!(found, 0, "{schema}.{table} holds the code");
    }
}

#[tokio::test]
async fn a_replaced_or_revoked_code_is_no_longer_valid() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let (pic, _team, id) = arrange(&app, "guarantee_review").await;
    let first = code_on(&issue(&app, &pic, id).await);

    // Act: reprint (a new code), then revoke it.
    let second = code_on(&issue(&app, &pic, id).await);
    let (old_status, old_page) = look_up(&app, &first).await;
    let (new_status, _) = look_up(&app, &second).await;
    let kode_lama = seen(&app, &pic, id).await;
    let revoked = app
        .post_form_from(
            &pic,
            &format!("/kasus/{id}"),
            &format!("/kasus/{id}/kode-status/cabut"),
            &[("kode_lama", &kode_lama)],
        )
        .await;
    let (after_status, after_page) = look_up(&app, &second).await;
    let (unknown_status, unknown_page) = look_up(&app, "K7QX-M4PA-93TR").await;

    // Assert: one neutral answer for replaced, revoked and unknown codes.
    assert_ne!(first, second);
    assert_eq!(old_status, StatusCode::NOT_FOUND);
    assert_eq!(new_status, StatusCode::OK);
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(after_status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_status, StatusCode::NOT_FOUND);
    let neutral = text(&old_page, "#status-not-valid").expect("the neutral message");
    assert!(neutral.contains("tidak berlaku"), "{neutral}");
    assert_eq!(
        text(&after_page, "#status-not-valid"),
        Some(neutral.clone())
    );
    assert_eq!(text(&unknown_page, "#status-not-valid"), Some(neutral));
    assert!(text(&after_page, "#status-now").is_none());
    let case_page = app.get_html(&pic, &format!("/kasus/{id}")).await;
    assert!(
        text(&case_page, "#status-code-none").is_some(),
        "{case_page}"
    );
    // Counted per outcome, nothing else kept.
    assert_eq!(count(&app, "found").await, 1);
    assert_eq!(count(&app, "revoked").await, 2);
    assert_eq!(count(&app, "unknown").await, 1);
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT event FROM audit_log WHERE event LIKE 'case.status_code%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit rows");
    assert_eq!(
        events,
        [
            "case.status_code_issued",
            "case.status_code_issued",
            "case.status_code_revoked"
        ]
    );
}

#[tokio::test]
async fn a_reloaded_slip_does_not_replace_the_code_just_given() {
    // Arrange: a code issued from a page that showed no code.
    let app = spawn_app_at(a_november_morning()).await;
    let (pic, _team, id) = arrange(&app, "nik_check").await;
    let code = code_on(&issue(&app, &pic, id).await);

    // Act: the same form again (a reload of the slip, or a second tab).
    let response = app
        .post_form_from(
            &pic,
            &format!("/kasus/{id}"),
            &format!("/kasus/{id}/kode-status"),
            &[("kode_lama", "")],
        )
        .await;

    // Assert: refused with a message on the case page; the code given still works.
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app.get_html(&pic, &format!("/kasus/{id}")).await;
    assert!(
        text(&page, ".flash").is_some_and(|f| f.contains("sudah diganti")),
        "{page}"
    );
    assert_eq!(look_up(&app, &code).await.0, StatusCode::OK);
    let codes: i64 = sqlx::query_scalar("SELECT count(*) FROM case_status_codes")
        .fetch_one(&app.pool)
        .await
        .expect("codes");
    assert_eq!(codes, 1);
}

/// Asserts what the family reads for `code` while its case is in `state`.
async fn assert_reads(app: &TestApp, code: &str, state: CaseState) {
    let (status, page) = look_up(app, code).await;
    assert_eq!(status, StatusCode::OK, "{state:?}");
    let step = family_step(state);
    assert_eq!(
        text(&page, "#status-now").as_deref(),
        Some(step.now),
        "{state:?}"
    );
    assert_eq!(text(&page, "#status-next").as_deref(), Some(step.next));
    assert_eq!(
        text(&page, "#status-since").as_deref(),
        Some("23 November 2026")
    );
    assert_nothing_personal(&page, state.as_str());
    for reason in [
        "buram",
        "SIAK",
        "perekaman di tempat",
        "syarat program",
        "IGD",
    ] {
        assert!(!page.contains(reason), "{state:?} shows {reason:?}");
    }
}

#[tokio::test]
async fn every_state_reads_as_its_own_sentence_for_the_family() {
    use CaseState::*;
    // Arrange: three cases of the hospital, each with a code from its draft.
    let app = spawn_app_at(a_november_morning()).await;
    let team = Team::new(&app).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let mut seen = std::collections::HashSet::new();

    // Act / Assert: the main path to a handover.
    let a = team.create(&intake_woman()).await;
    let code_a = code_on(&issue(&app, &pic, a).await);
    assert_reads(&app, &code_a, Draft).await;
    seen.insert(Draft);
    let path = [
        ("draft", "nik_check", NikCheck),
        ("nik_check", "desil_check", DesilCheck),
        ("desil_check", "guarantee_review", GuaranteeReview),
        ("guarantee_review", "guaranteed", Guaranteed),
        ("guaranteed", "pbi_proposed", PbiProposed),
        ("pbi_proposed", "pbpu_review", PbpuReview),
        ("pbpu_review", "pbpu_proposed", PbpuProposed),
    ];
    for (from, to, state) in path {
        team.drive(a, from, to).await;
        assert_reads(&app, &code_a, state).await;
        seen.insert(state);
    }
    team.bpjs.step(a, "record_pbpu_active").await;
    assert_reads(&app, &code_a, HandedOver).await;
    seen.insert(HandedOver);

    // Sent back, traced by the kab/kota, recorded, an SKTM asked for, withdrawn.
    let b = team.create(&intake_serial(1, "53.71")).await;
    let code_b = code_on(&issue(&app, &pic, b).await);
    team.drive(b, "draft", "nik_check").await;
    let desil_seven = serde_json::json!({
        "source_system": "siks_ng",
        "desil": "7",
        "registry_data": "Desil 7",
    });
    let steps = [
        (&team.dukcapil_prov, "return_to_rsud", None, Returned),
        (&team.rsud, "resubmit", None, NikCheck),
        (&team.dukcapil_prov, "refer_to_kab", None, NikReferral),
        (
            &team.dukcapil_kab,
            "require_recording",
            None,
            IdentityRecording,
        ),
        (&team.dukcapil_kab, "record_identity", None, DesilCheck),
        (
            &team.dinsos_prov,
            "record_desil",
            Some(desil_seven),
            SktmRequired,
        ),
        (&team.rsud, "withdraw", None, Withdrawn),
    ];
    for (actor, action, fields, state) in steps {
        match fields {
            Some(f) => actor.step_with(b, action, f).await,
            None => actor.step(b, action).await,
        };
        assert_reads(&app, &code_b, state).await;
        seen.insert(state);
    }

    // A guarantee refused.
    let c = team.create(&intake_serial(2, "53.71")).await;
    let code_c = code_on(&issue(&app, &pic, c).await);
    team.drive(c, "draft", "guarantee_review").await;
    team.dinkes_prov.step(c, "reject_guarantee").await;
    assert_reads(&app, &code_c, Rejected).await;
    seen.insert(Rejected);

    assert_eq!(seen.len(), CaseState::ALL.len(), "a state was not visited");
}

#[tokio::test]
async fn lookups_from_one_address_are_throttled_and_counted() {
    // Arrange: two lookups a burst, one more an hour.
    let app = spawn_app_with(|s| {
        s.status_lookup_burst = 2;
        s.status_lookup_refill_seconds = 3600;
    })
    .await;

    // Act
    let first = look_up(&app, "K7QX-M4PA-93TR").await;
    let second = look_up(&app, "K7QX-M4PA-93TS").await;
    let family = app.client();
    let third = app
        .post_form(&family, "/status", &[("kode", "K7QX-M4PA-93TU")])
        .await;

    // Assert
    assert_eq!(first.0, StatusCode::NOT_FOUND);
    assert_eq!(second.0, StatusCode::NOT_FOUND);
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = third
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header");
    assert!(retry >= 1);
    let body = third.text().await.expect("the page");
    assert!(
        body.contains("Terlalu banyak pemeriksaan kode status"),
        "{body}"
    );
    assert_eq!(count(&app, "unknown").await, 2);
    assert_eq!(count(&app, "throttled").await, 1);
    // The form itself still opens.
    assert_eq!(app.get(&family, "/status").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn hostile_codes_are_field_messages_with_the_form_kept() {
    // Arrange
    let app = spawn_app().await;
    let long = "A".repeat(100 * 1024);
    let cases: &[(&str, &str)] = &[
        ("", "wajib diisi"),
        ("   ", "wajib diisi"),
        ("K7QX-M4PA-93T\0", "12 huruf dan angka"),
        ("😀😀😀", "12 huruf dan angka"),
        ("-9999", "12 huruf dan angka"),
        (NIK_WOMAN, "12 huruf dan angka"),
        (&long, "12 huruf dan angka"),
    ];

    for (typed, message) in cases {
        // Act
        let (status, page) = look_up(&app, typed).await;

        // Assert: 422, the error summary linking to the field, the message by the field.
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{typed:.20}");
        assert!(text(&page, "#error-summary").is_some(), "{page}");
        assert_eq!(
            attr(&page, "#error-summary a", "href").as_deref(),
            Some("#status-code")
        );
        let field = text(&page, "#status-code-error").expect("a field message");
        assert!(field.contains(message), "{typed:.20}: {field}");
        assert_eq!(
            attr(&page, "#status-code", "aria-invalid").as_deref(),
            Some("true")
        );
    }
    let (_, page) = look_up(&app, "-9999").await;
    assert_eq!(
        attr(&page, "#status-code", "value").as_deref(),
        Some("-9999")
    );
}

#[tokio::test]
async fn only_the_cases_hospital_issues_and_revokes_codes() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let (_pic, _team, id) = arrange(&app, "nik_check").await;
    let (other_pic, _) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (tim, _) = app.signed_in("tim", None).await;

    // Act
    let path = format!("/kasus/{id}/kode-status");
    let from_other = app
        .post_form_from(&other_pic, "/", &path, &[("kode_lama", "")])
        .await;
    let from_dinkes = app
        .post_form_from(&dinkes, "/", &path, &[("kode_lama", "")])
        .await;
    let tim_page = app.get_html(&tim, &format!("/kasus/{id}")).await;

    // Assert
    assert_eq!(from_other.status(), StatusCode::NOT_FOUND);
    assert_eq!(from_dinkes.status(), StatusCode::FORBIDDEN);
    assert!(text(&tim_page, "#status-code").is_none());
    let codes: i64 = sqlx::query_scalar("SELECT count(*) FROM case_status_codes")
        .fetch_one(&app.pool)
        .await
        .expect("codes");
    assert_eq!(codes, 0);
}

#[tokio::test]
async fn a_closed_case_gets_no_new_code_but_its_code_shows_the_outcome() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    let (pic, team, id) = arrange(&app, "nik_check").await;
    let code = code_on(&issue(&app, &pic, id).await);
    team.rsud.step(id, "withdraw").await.expect(StatusCode::OK);

    // Act
    let page = app.get_html(&pic, &format!("/kasus/{id}")).await;
    let (status, family) = look_up(&app, &code).await;

    // Assert
    assert!(text(&page, "#status-code-closed").is_some(), "{page}");
    assert!(text(&page, "#status-code-issue").is_none());
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text(&family, "#status-now").as_deref(),
        Some(family_step(CaseState::Withdrawn).now)
    );
    assert!(!family.contains("Meninggal"));
    assert!(!family.contains("meninggal"));
}

#[tokio::test]
async fn the_program_team_sees_the_daily_counts() {
    // Arrange
    let app = spawn_app_at(a_november_morning()).await;
    look_up(&app, "K7QX-M4PA-93TR").await;
    look_up(&app, "").await;
    let (tim, _) = app.signed_in("tim", None).await;
    let (admin, _) = app.signed_in("admin", None).await;
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    // Act
    let page = app.get_html(&tim, "/kode-status").await;
    let admin_status = app.get(&admin, "/kode-status").await.status();
    let rsud_status = app.get(&rsud, "/kode-status").await.status();

    // Assert
    let row = "#status-counts tr[data-day=\"2026-11-23\"]";
    assert_eq!(
        text(&page, &format!("{row} td[data-outcome=unknown]")).as_deref(),
        Some("2"),
        "{page}"
    );
    assert_eq!(
        text(&page, &format!("{row} td[data-outcome=found]")).as_deref(),
        Some("0")
    );
    assert_eq!(
        text(&page, "#status-counts-total td[data-outcome=unknown]").as_deref(),
        Some("2")
    );
    assert_eq!(admin_status, StatusCode::OK);
    assert_eq!(rsud_status, StatusCode::FORBIDDEN);
}
