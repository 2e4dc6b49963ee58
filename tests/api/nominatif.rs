//! The daftar nominatif (`/nominatif`, `/api/v1/nominatif`): which cases a batch takes, one
//! active batch per case (also when two builds or two additions race), the decree that closes
//! a batch and freezes its annex, the case page naming its batch, the XLSX annex read back by
//! an independent reader (calamine) with its cell types, the print page, every export logged,
//! each role's view, and hostile input.
//!
//! Fixture (clock 5 December 2026, period November 2026), hand-chosen:
//!
//! | case | domicile | what | jaminan Nov | PBPU Nov |
//! |---|---|---|---|---|
//! | A `Pasien 1` | 53.71 | guarantee from 03-11, Pemprov | yes | no |
//! | B `Pasien 2` | 53.10 Sikka | guarantee from 20-11, Pemkab asal | yes | no |
//! | C `Pasien 3` | 53.71 | guarantee from 15-10 | no (October) | no |
//! | D `Pasien 4` | 53.71 | still at guarantee review | no (no guarantee) | no |
//! | E `Pasien 5` | 53.71 | guarantee from 10-11, then withdrawn | no (withdrawn) | no |
//! | F `Pasien 6` | 53.71 | guarantee from 01-10, PBPU Pemda decided 05-11 | no | yes |

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const NOV_START: &str = "2026-11-01";
const NOV_END: &str = "2026-11-30";

/// The fixture's cases (see the module table).
struct Cases {
    a: Uuid,
    b: Uuid,
    c: Uuid,
    d: Uuid,
    e: Uuid,
    f: Uuid,
}

/// A date written `YYYY-MM-DD`.
fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// The app at 5 December 2026, 10:00 WITA.
async fn app() -> TestApp {
    spawn_app_at(Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).unwrap()).await
}

/// A case of `serial` living in `kab`, guaranteed from `start`, paid by `payer`.
async fn guaranteed(team: &Team, serial: u32, kab: &str, start: &str, payer: &str) -> Uuid {
    let id = team
        .case_in(&intake_serial(serial, kab), "guarantee_review")
        .await;
    let mut fields = valid_fields("approve_guarantee");
    fields["start_date"] = json!(start);
    fields["payer"] = json!(payer);
    team.dinkes_prov
        .step_with(id, "approve_guarantee", fields)
        .await;
    id
}

async fn fixture(team: &Team) -> Cases {
    let a = guaranteed(team, 1, "53.71", "2026-11-03", "pemprov").await;
    let b = guaranteed(team, 2, "53.10", "2026-11-20", "pemkab_asal").await;
    let c = guaranteed(team, 3, "53.71", "2026-10-15", "pemprov").await;
    let d = team
        .case_in(&intake_serial(4, "53.71"), "guarantee_review")
        .await;
    let e = guaranteed(team, 5, "53.71", "2026-11-10", "pemprov").await;
    team.rsud.step(e, "withdraw").await;
    let f = team
        .case_in(&intake_serial(6, "53.71"), "pbpu_review")
        .await;
    team.dinkes_prov
        .step_with(
            f,
            "enrol_pbpu_pemda",
            json!({"payer": "pemprov", "decided_on": "2026-11-05", "decision_reference": "ND/440/PBPU/2026/7"}),
        )
        .await;
    Cases { a, b, c, d, e, f }
}

/// Posts the build form as Dinkes would.
async fn build(
    app: &TestApp,
    client: &TestClient,
    basis: &str,
    payer: &str,
    start: &str,
    end: &str,
) -> reqwest::Response {
    app.post_form_from(
        client,
        "/nominatif",
        "/nominatif/baru",
        &[
            ("basis", basis),
            ("payer", payer),
            ("period_start", start),
            ("period_end", end),
        ],
    )
    .await
}

/// The id of the batch a build redirected to.
#[track_caller]
fn built(response: &reqwest::Response) -> Uuid {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the build was refused"
    );
    location(response)
        .and_then(|l| l.strip_prefix("/nominatif/").map(str::to_string))
        .and_then(|id| id.parse().ok())
        .expect("redirect to /nominatif/{id}")
}

/// The names on the batch page, in annex order.
async fn names(app: &TestApp, client: &TestClient, id: Uuid) -> Vec<String> {
    let page = app.get_html(client, &format!("/nominatif/{id}")).await;
    texts(&page, "#annex tbody td[data-label=Nama] a")
}

/// Posts a form of the batch page.
async fn post_batch(
    app: &TestApp,
    client: &TestClient,
    id: Uuid,
    what: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form_from(
        client,
        &format!("/nominatif/{id}"),
        &format!("/nominatif/{id}/{what}"),
        fields,
    )
    .await
}

async fn status_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM nominatif_batches WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("reading the batch")
}

/// The active batches holding `case`.
async fn active_holders(app: &TestApp, case: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM nominatif_entries WHERE case_id = $1 AND batch_status <> 'cancelled'",
    )
    .bind(case)
    .fetch_one(&app.pool)
    .await
    .expect("counting entries")
}

#[tokio::test]
async fn a_batch_takes_exactly_the_eligible_cases_of_its_basis_payer_and_period() {
    // Arrange
    let app = app().await;
    let team = Team::new(&app).await;
    let cases = fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;

    // Act: the Pemkab-paid guarantees of November first, then all of November's, then PBPU.
    let pemkab = built(
        &build(
            &app,
            &dinkes,
            "jaminan_sementara",
            "pemkab_asal",
            NOV_START,
            NOV_END,
        )
        .await,
    );
    let all = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let pbpu = built(&build(&app, &dinkes, "pbpu_pemda", "", NOV_START, NOV_END).await);

    // Assert: B (Pemkab asal) alone; then A only, since B is already in an active batch; F
    // alone by its PBPU decision. C (October), D (no guarantee), E (withdrawn) nowhere.
    assert_eq!(names(&app, &dinkes, pemkab).await, ["Pasien 2"]);
    assert_eq!(names(&app, &dinkes, all).await, ["Pasien 1"]);
    assert_eq!(names(&app, &dinkes, pbpu).await, ["Pasien 6"]);
    for (case, expected) in [
        (cases.a, 1),
        (cases.b, 1),
        (cases.c, 0),
        (cases.d, 0),
        (cases.e, 0),
        (cases.f, 1),
    ] {
        assert_eq!(active_holders(&app, case).await, expected, "{case}");
    }
    let page = app.get_html(&dinkes, &format!("/nominatif/{pemkab}")).await;
    assert_eq!(text(&page, "#batch-number").as_deref(), Some("DN-2026-001"));
    assert_eq!(text(&page, "#batch-status").as_deref(), Some("Draf"));
    assert_eq!(
        texts(&page, "#annex tbody td[data-label=Penanggung]"),
        ["Pemerintah Kabupaten Sikka"]
    );
    assert_eq!(
        texts(&page, "#annex tbody td[data-label='Masa jaminan']"),
        ["20-11-2026 s.d. terbit kepesertaan JKN"]
    );
    let list = app.get_html(&dinkes, "/nominatif").await;
    assert_eq!(
        texts(&list, "#batches td[data-label=Nomor]"),
        ["DN-2026-003", "DN-2026-002", "DN-2026-001"]
    );

    // Act: nothing eligible is left for November.
    let again = build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await;

    // Assert: refused on the period, the form keeps what was typed, and no number is used up.
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = again.text().await.expect("page");
    assert!(
        text(&page, "#period_start-error")
            .is_some_and(|m| m.contains("Tidak ada kasus yang memenuhi syarat")),
        "{page}"
    );
    assert_eq!(
        attr(&page, "#period_start", "value").as_deref(),
        Some(NOV_START)
    );
    let next = built(
        &build(
            &app,
            &dinkes,
            "jaminan_sementara",
            "",
            "2026-10-01",
            "2026-10-31",
        )
        .await,
    );
    let page = app.get_html(&dinkes, &format!("/nominatif/{next}")).await;
    assert_eq!(text(&page, "#batch-number").as_deref(), Some("DN-2026-004"));
    // October's guarantees: C and F (F's guarantee started 1 October; it is in the PBPU
    // batch already, so C alone).
    assert_eq!(names(&app, &dinkes, next).await, ["Pasien 3"]);
}

#[tokio::test]
async fn a_case_in_an_active_batch_is_refused_by_another_until_that_one_is_cancelled() {
    // Arrange: batch 1 holds A and B; batch 2 (October) holds C.
    let app = app().await;
    let team = Team::new(&app).await;
    let cases = fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let first = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let second = built(
        &build(
            &app,
            &dinkes,
            "jaminan_sementara",
            "",
            "2026-10-01",
            "2026-11-30",
        )
        .await,
    );
    // C (15 October) and F (guarantee from 1 October, not in a PBPU batch here).
    assert_eq!(names(&app, &dinkes, second).await, ["Pasien 3", "Pasien 6"]);
    let a = cases.a.to_string();

    // Act: batch 2 (whose period covers A) asks for A.
    let refused = post_batch(&app, &dinkes, second, "tambah", &[("case_id", &a)]).await;

    // Assert: 409 naming the batch that holds A; nothing added.
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.expect("page");
    let problem = text(&page, "#batch-problem").unwrap_or_default();
    assert!(
        problem.contains("sudah ada di daftar nominatif DN-2026-001"),
        "{problem}"
    );
    assert_eq!(active_holders(&app, cases.a).await, 1);
    // The database refuses it too, whoever writes.
    let direct = sqlx::query(
        "INSERT INTO nominatif_entries (batch_id, batch_status, case_id, added_by, added_at)
         SELECT $1, 'draft', $2, created_by, now() FROM nominatif_batches WHERE id = $1",
    )
    .bind(second)
    .bind(cases.a)
    .execute(&app.pool)
    .await
    .expect_err("a second active entry");
    assert!(
        direct
            .to_string()
            .contains("nominatif_entries_active_case_key"),
        "{direct}"
    );

    // Act: batch 1 is cancelled with a reason; batch 2 asks again.
    let cancelled = post_batch(
        &app,
        &dinkes,
        first,
        "batal",
        &[("reason", "Periode salah ketik")],
    )
    .await;
    let added = post_batch(&app, &dinkes, second, "tambah", &[("case_id", &a)]).await;

    // Assert
    assert_redirect(&cancelled, &format!("/nominatif/{first}"));
    assert_eq!(status_of(&app, first).await, "cancelled");
    let page = app.get_html(&dinkes, &format!("/nominatif/{first}")).await;
    assert_eq!(
        text(&page, "#batch-cancel-reason").as_deref(),
        Some("Periode salah ketik")
    );
    assert!(
        text(&page, "#decree-form").is_none(),
        "a cancelled batch is read-only"
    );
    for export in ["xlsx", "cetak"] {
        let refused = app
            .get(&dinkes, &format!("/nominatif/{first}/{export}"))
            .await;
        assert_eq!(
            refused.status(),
            StatusCode::CONFLICT,
            "{export} of a cancelled batch"
        );
    }
    assert_redirect(&added, &format!("/nominatif/{second}"));
    assert_eq!(
        names(&app, &dinkes, second).await,
        ["Pasien 1", "Pasien 3", "Pasien 6"]
    );

    // Act: a case removed from a draft is free again.
    let removed = post_batch(&app, &dinkes, second, "keluarkan", &[("case_id", &a)]).await;

    // Assert
    assert_redirect(&removed, &format!("/nominatif/{second}"));
    assert_eq!(names(&app, &dinkes, second).await, ["Pasien 3", "Pasien 6"]);
    assert_eq!(active_holders(&app, cases.a).await, 0);
    // An ineligible case (D: no guarantee) is refused with the reason.
    let d = cases.d.to_string();
    let refused = post_batch(&app, &dinkes, second, "tambah", &[("case_id", &d)]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.expect("page");
    assert!(
        text(&page, "#batch-problem").is_some_and(|p| p.contains("tidak memenuhi syarat")),
        "{page}"
    );
}

#[tokio::test]
async fn two_builds_or_two_additions_racing_for_a_case_list_it_once() {
    // Arrange
    let app = app().await;
    let team = Team::new(&app).await;
    let dinkes_user = app.create_test_user("dinkes_prov", None).await;
    let dinkes = app.current_user(&dinkes_user).await;
    let request = merajut_sehat::domain::nominatif::BatchRequest {
        basis: merajut_sehat::domain::nominatif::Basis::JaminanSementara,
        payer: None,
        period_start: day("2026-11-01"),
        period_end: day("2026-11-30"),
    };
    for round in 0..3u32 {
        let case = guaranteed(&team, 10 + round, "53.71", "2026-11-03", "pemprov").await;

        // Act: two builds of the same period at once.
        let (one, two) = tokio::join!(
            app.cases.build_batch(&dinkes, &request),
            app.cases.build_batch(&dinkes, &request)
        );

        // Assert: one batch holds the case; the other build found nothing left.
        assert_eq!(one.is_ok() as u8 + two.is_ok() as u8, 1, "{one:?} {two:?}");
        let refused = one.err().or(two.err()).expect("one refusal");
        assert!(
            matches!(&refused, merajut_sehat::cases::CaseError::Invalid(e) if e[0].field == "period_start"),
            "{refused:?}"
        );
        assert_eq!(active_holders(&app, case).await, 1);
    }

    // Arrange: two drafts (each of one case), and a case neither holds yet.
    let mut drafts = vec![];
    for serial in [20, 21] {
        guaranteed(&team, serial, "53.71", "2026-11-04", "pemprov").await;
        drafts.push(
            app.cases
                .build_batch(&dinkes, &request)
                .await
                .expect("a draft"),
        );
    }
    for serial in 22..25u32 {
        let case = guaranteed(&team, serial, "53.71", "2026-11-05", "pemprov").await;

        // Act: both drafts ask for it at once (the unique index decides).
        let wanted = [case];
        let (one, two) = tokio::join!(
            app.cases.add_to_batch(&dinkes, drafts[0], &wanted),
            app.cases.add_to_batch(&dinkes, drafts[1], &wanted)
        );

        // Assert
        assert_eq!(one.is_ok() as u8 + two.is_ok() as u8, 1, "{one:?} {two:?}");
        let refused = one.err().or(two.err()).expect("one refusal");
        assert!(
            refused
                .to_string()
                .contains("sudah ada di daftar nominatif DN-2026-"),
            "{refused}"
        );
        assert_eq!(active_holders(&app, case).await, 1);
    }
}

#[tokio::test]
async fn recording_the_decree_closes_the_batch_and_the_case_page_shows_it() {
    // Arrange: A and B in a draft.
    let app = app().await;
    let team = Team::new(&app).await;
    let cases = fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let case_page = app.get_html(&dinkes, &format!("/kasus/{}", cases.a)).await;
    assert_eq!(
        text(&case_page, "#case-nominatif").as_deref(),
        Some("DN-2026-001; draf, belum ditetapkan")
    );

    // Act
    let recorded = post_batch(
        &app,
        &dinkes,
        id,
        "keputusan",
        &[
            ("decree_number", " 188.4/KEP/HK/2026 "),
            ("decree_date", "2026-12-02"),
        ],
    )
    .await;

    // Assert: closed with the decree; the forms are gone.
    assert_redirect(&recorded, &format!("/nominatif/{id}"));
    assert_eq!(status_of(&app, id).await, "closed");
    let page = app.get_html(&dinkes, &format!("/nominatif/{id}")).await;
    assert_eq!(text(&page, "#batch-status").as_deref(), Some("Ditetapkan"));
    assert_eq!(
        text(&page, "#batch-decree").as_deref(),
        Some("Nomor 188.4/KEP/HK/2026, tanggal 02-12-2026")
    );
    for form in [
        "#add-section",
        "#decree-form",
        "#cancel-form",
        "button.danger",
    ] {
        assert!(text(&page, form).is_none(), "{form} on a closed batch");
    }
    // Each case page names the batch and the decree, for every role that sees the case.
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    for client in [&dinkes, &rsud] {
        let case_page = app.get_html(client, &format!("/kasus/{}", cases.b)).await;
        assert_eq!(
            text(&case_page, "#case-nominatif").as_deref(),
            Some(
                "DN-2026-001; ditetapkan dengan Keputusan Gubernur Nomor 188.4/KEP/HK/2026 tanggal 02-12-2026"
            )
        );
    }
    let hospital_view = app.get_html(&rsud, &format!("/kasus/{}", cases.b)).await;
    assert!(
        attr(&hospital_view, "#case-nominatif a", "href").is_none(),
        "rsud has no link"
    );

    // Act: every change of a closed batch.
    let c = cases.c.to_string();
    let a = cases.a.to_string();
    let tries = [
        ("tambah", vec![("case_id", c.as_str())]),
        ("keluarkan", vec![("case_id", a.as_str())]),
        (
            "keputusan",
            vec![
                ("decree_number", "188.5/KEP/HK/2026"),
                ("decree_date", "2026-12-03"),
            ],
        ),
        ("batal", vec![("reason", "Terlanjur")]),
    ];
    for (what, fields) in &tries {
        let refused = post_batch(&app, &dinkes, id, what, fields).await;

        // Assert: 409, read-only.
        assert_eq!(refused.status(), StatusCode::CONFLICT, "{what}");
        let page = refused.text().await.expect("page");
        assert!(
            text(&page, "#batch-problem").is_some_and(|p| p.contains("sudah ditetapkan")),
            "{what}: {page}"
        );
    }
    assert_eq!(names(&app, &dinkes, id).await, ["Pasien 2", "Pasien 1"]);

    // Act: a case corrected after the decree.
    sqlx::query("UPDATE cases SET full_name = 'Nama Dikoreksi' WHERE id = $1")
        .bind(cases.a)
        .execute(&app.pool)
        .await
        .expect("correcting a name");

    // Assert: the annex is as decreed.
    assert_eq!(names(&app, &dinkes, id).await, ["Pasien 2", "Pasien 1"]);
}

#[tokio::test]
async fn a_decree_is_refused_while_the_draft_holds_a_withdrawn_case_or_a_decree_number_in_use() {
    // Arrange: A and B in a draft; A is withdrawn afterwards.
    let app = app().await;
    let team = Team::new(&app).await;
    let cases = fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    team.rsud.step(cases.a, "withdraw").await;
    let decree = [
        ("decree_number", "188.4/KEP/HK/2026"),
        ("decree_date", "2026-12-02"),
    ];

    // Act
    let refused = post_batch(&app, &dinkes, id, "keputusan", &decree).await;

    // Assert: the case is named; the page flags it.
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.expect("page");
    let number: String = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(cases.a)
        .fetch_one(&app.pool)
        .await
        .expect("case number");
    assert!(
        text(&page, "#batch-problem").is_some_and(|p| p.contains(&number) && p.contains("dicabut")),
        "{page}"
    );
    assert_eq!(
        attr(&page, "#decree_number", "value").as_deref(),
        Some("188.4/KEP/HK/2026"),
        "the form keeps what was typed"
    );
    assert_eq!(status_of(&app, id).await, "draft");

    // Act: remove A, record the decree; then a second batch tries the same decree number.
    let a = cases.a.to_string();
    post_batch(&app, &dinkes, id, "keluarkan", &[("case_id", &a)]).await;
    let recorded = post_batch(&app, &dinkes, id, "keputusan", &decree).await;
    let other = built(&build(&app, &dinkes, "pbpu_pemda", "", NOV_START, NOV_END).await);
    let twice = post_batch(&app, &dinkes, other, "keputusan", &decree).await;

    // Assert
    assert_redirect(&recorded, &format!("/nominatif/{id}"));
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = twice.text().await.expect("page");
    assert!(
        text(&page, "#decree_number-error").is_some_and(|m| m.contains("sudah dicatat")),
        "{page}"
    );
    assert_eq!(status_of(&app, other).await, "draft");
}

#[tokio::test]
async fn hostile_decree_numbers_dates_and_reasons_are_field_errors_and_change_nothing() {
    // Arrange
    let app = app().await;
    let team = Team::new(&app).await;
    fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let huge = "7".repeat(100 * 1024);
    let ok_date = "2026-12-02";

    for (number, date, field) in [
        ("188\0/KEP/2026", ok_date, "decree_number"),
        (huge.as_str(), ok_date, "decree_number"),
        ("🎉🎉🎉", ok_date, "decree_number"),
        ("", ok_date, "decree_number"),
        ("188/KEP/2026", "-9999-12-02", "decree_date"),
        ("188/KEP/2026", "2099-01-01", "decree_date"),
        ("188/KEP/2026", "2026-10-31", "decree_date"),
        ("188/KEP/2026", "\0", "decree_date"),
        ("188/KEP/2026", "", "decree_date"),
    ] {
        // Act
        let refused = post_batch(
            &app,
            &dinkes,
            id,
            "keputusan",
            &[("decree_number", number), ("decree_date", date)],
        )
        .await;

        // Assert: 422 naming the field, never a 500; the batch is still a draft.
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} {date:?}"
        );
        let page = refused.text().await.expect("page");
        assert!(
            text(&page, &format!("#{field}-error")).is_some_and(|m| !m.is_empty()),
            "{field}: {}",
            &page[..page.len().min(2000)]
        );
        assert_eq!(status_of(&app, id).await, "draft");
    }

    for (reason, part) in [
        ("salah\0ketik", "karakter kendali"),
        (huge.as_str(), "maksimal 500"),
        ("   ", "wajib diisi"),
    ] {
        // Act
        let refused = post_batch(&app, &dinkes, id, "batal", &[("reason", reason)]).await;

        // Assert
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.expect("page");
        assert!(
            text(&page, "#reason-error").is_some_and(|m| m.contains(part)),
            "{part}"
        );
        assert_eq!(status_of(&app, id).await, "draft");
    }

    for (fields, field) in [
        (
            [
                ("basis", "jaminan_sementara\0"),
                ("period_start", NOV_START),
                ("period_end", NOV_END),
            ],
            "basis",
        ),
        (
            [
                ("basis", "jaminan_sementara"),
                ("period_start", "-9999-11-01"),
                ("period_end", NOV_END),
            ],
            "period_start",
        ),
        (
            [
                ("basis", "jaminan_sementara"),
                ("period_start", NOV_START),
                ("period_end", huge.as_str()),
            ],
            "period_end",
        ),
    ] {
        // Act
        let refused = app
            .post_form_from(&dinkes, "/nominatif", "/nominatif/baru", &fields)
            .await;

        // Assert
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let page = refused.text().await.expect("page");
        assert!(text(&page, &format!("#{field}-error")).is_some(), "{field}");
    }

    // Act: an emoji in a decree number that has digits is text like any other.
    let number = "188.4/KEP/HK/2026 ✅";
    let recorded = post_batch(
        &app,
        &dinkes,
        id,
        "keputusan",
        &[("decree_number", number), ("decree_date", ok_date)],
    )
    .await;

    // Assert
    assert_redirect(&recorded, &format!("/nominatif/{id}"));
    let stored: String =
        sqlx::query_scalar("SELECT decree_number FROM nominatif_batches WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("decree number");
    assert_eq!(stored, number);
}

/// The cell at (`row`, `col`).
fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

#[track_caller]
fn date_cell(data: &Data) -> NaiveDate {
    match data {
        Data::DateTime(d) => d.as_datetime().expect("a date").date(),
        other => panic!("expected a date cell, got {other:?}"),
    }
}

#[tokio::test]
async fn the_xlsx_annex_reads_back_with_its_values_and_cell_types_and_is_logged() {
    // Arrange: A (53.71) and B (53.10) in a decreed batch.
    let app = app().await;
    let team = Team::new(&app).await;
    fixture(&team).await;
    let (dinkes, dinkes_user) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    post_batch(
        &app,
        &dinkes,
        id,
        "keputusan",
        &[
            ("decree_number", "188.4/KEP/HK/2026"),
            ("decree_date", "2026-12-02"),
        ],
    )
    .await;

    // Act
    let response = app.get(&dinkes, &format!("/nominatif/{id}/xlsx")).await;

    // Assert: a download named after the batch (no personal data in the name).
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"daftar-nominatif-DN-2026-001.xlsx\""
    );
    let bytes = response.bytes().await.expect("the file");
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let sheet = book.worksheet_range("Daftar nominatif").expect("the sheet");
    let header: Vec<Data> = (0..12).map(|c| cell(&sheet, 4, c)).collect();
    let expected_header = [
        "No.",
        "Nama",
        "NIK",
        "No. KK",
        "Jenis kelamin",
        "Tanggal lahir",
        "Alamat",
        "Kabupaten/Kota",
        "Rumah sakit",
        "Masa jaminan mulai",
        "Masa jaminan selesai",
        "Penanggung biaya",
    ];
    assert_eq!(
        header,
        expected_header.map(|h| Data::String(h.into())).to_vec()
    );
    assert!(
        matches!(cell(&sheet, 2, 0), Data::String(s) if s.contains("Nomor 188.4/KEP/HK/2026 tanggal 02-12-2026"))
    );
    // Row 1: B, Sikka (53.10 sorts before 53.71).
    assert_eq!(cell(&sheet, 5, 0), Data::Float(1.0), "No. is a number");
    assert_eq!(cell(&sheet, 5, 1), Data::String("Pasien 2".into()));
    assert_eq!(
        cell(&sheet, 5, 2),
        Data::String("5310025205900002".into()),
        "NIK is text, all 16 digits"
    );
    assert_eq!(cell(&sheet, 5, 3), Data::Empty, "no KK");
    assert_eq!(cell(&sheet, 5, 4), Data::String("Perempuan".into()));
    assert_eq!(date_cell(&cell(&sheet, 5, 5)), day("1990-05-12"));
    assert_eq!(
        cell(&sheet, 5, 6),
        Data::String("Jl. Timor Raya 12, Oebobo, Kec. Oebobo".into())
    );
    assert_eq!(cell(&sheet, 5, 7), Data::String("Sikka".into()));
    assert_eq!(cell(&sheet, 5, 8), Data::String(WZJ_NAME.into()));
    assert_eq!(date_cell(&cell(&sheet, 5, 9)), day("2026-11-20"));
    assert_eq!(cell(&sheet, 5, 10), Data::Empty, "the guarantee runs on");
    assert_eq!(
        cell(&sheet, 5, 11),
        Data::String("Pemerintah Kabupaten Sikka".into())
    );
    // Row 2: A, Kota Kupang, Pemprov.
    assert_eq!(cell(&sheet, 6, 0), Data::Float(2.0));
    assert_eq!(cell(&sheet, 6, 2), Data::String("5371025205900001".into()));
    assert_eq!(date_cell(&cell(&sheet, 6, 9)), day("2026-11-03"));
    assert_eq!(
        cell(&sheet, 6, 11),
        Data::String("Pemerintah Provinsi NTT (APBD)".into())
    );
    assert_eq!(
        cell(&sheet, 7, 0),
        Data::Empty,
        "two beneficiaries, two rows"
    );

    // The export log: who, what, format, rows, the batch id — nothing personal.
    let (user, what, format, rows, detail): (Uuid, String, String, i64, Value) = sqlx::query_as(
        "SELECT user_id, what, format, row_count, detail FROM export_log ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("the export log");
    assert_eq!(
        (user, what.as_str(), format.as_str(), rows),
        (dinkes_user.id, "nominatif", "xlsx", 2)
    );
    assert_eq!(detail, json!({"batch_id": id}));
}

#[tokio::test]
async fn each_role_reads_exports_and_prints_what_it_may() {
    // Arrange: A (53.71) and B (53.10) in a draft.
    let app = app().await;
    let team = Team::new(&app).await;
    fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let (kupang, _) = app.signed_in("dinkes_kab", Some("53.71")).await;
    let (tim, _) = app.signed_in("tim", None).await;
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let batch = format!("/nominatif/{id}");

    // Assert: the menu leads there for the readers only.
    for (client, shown) in [
        (&dinkes, true),
        (&kupang, true),
        (&tim, true),
        (&rsud, false),
    ] {
        let menu = texts(&app.get_html(client, "/").await, "nav.menu a");
        assert_eq!(
            menu.contains(&"Daftar nominatif".to_string()),
            shown,
            "{menu:?}"
        );
    }
    assert_eq!(
        app.get(&rsud, "/nominatif").await.status(),
        StatusCode::FORBIDDEN
    );
    let anonymous = app.client();
    assert_redirect(&app.get(&anonymous, "/nominatif").await, "/masuk");
    assert_redirect(&app.get(&anonymous, &batch).await, "/masuk");
    assert_eq!(app.get(&rsud, &batch).await.status(), StatusCode::FORBIDDEN);

    // The kab/kota Dinkes: only its own kab/kota's beneficiary, masked on the page, export
    // allowed.
    let page = app.get_html(&kupang, &batch).await;
    assert_eq!(
        texts(&page, "#annex tbody td[data-label=Nama] a"),
        ["Pasien 1"]
    );
    assert_eq!(
        texts(&page, "#annex tbody td[data-label=NIK]"),
        ["5371********0001"]
    );
    assert!(text(&page, "#batch-scope").is_some_and(|s| s.contains("Kota Kupang")));
    assert!(
        text(&page, "#decree-form").is_none(),
        "dinkes_kab only reads"
    );
    let list = app.get_html(&kupang, "/nominatif").await;
    assert_eq!(texts(&list, "#batches td[data-label=Jumlah]"), ["1"]);
    let xlsx = app.get(&kupang, &format!("{batch}/xlsx")).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.expect("file");
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("Daftar nominatif").expect("sheet");
    assert_eq!(cell(&sheet, 5, 1), Data::String("Pasien 1".into()));
    assert_eq!(cell(&sheet, 6, 0), Data::Empty);
    let refused = post_batch(&app, &kupang, id, "batal", &[("reason", "coba")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // The team: NIK masked, no KK or address, no export or print.
    let page = app.get_html(&tim, &batch).await;
    assert_eq!(
        texts(&page, "#annex tbody td[data-label=NIK]"),
        ["5310********0002", "5371********0001"]
    );
    assert!(
        texts(&page, "#annex thead th")
            .iter()
            .all(|h| h != "No. KK" && h != "Alamat")
    );
    assert!(text(&page, "#download-xlsx").is_none());
    for path in [format!("{batch}/xlsx"), format!("{batch}/cetak")] {
        assert_eq!(
            app.get(&tim, &path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    // The print page: the annex, for Dinkes prov, logged as a print with its rows.
    let print = app.get_html(&dinkes, &format!("{batch}/cetak")).await;
    assert_eq!(
        text(&print, "#annex-number").as_deref(),
        Some("DN-2026-001")
    );
    assert_eq!(texts(&print, "#annex tbody tr").len(), 2);
    assert!(
        print.contains("5310025205900002"),
        "the annex carries the full NIK"
    );
    let logged: Vec<(String, i64)> = sqlx::query_as(
        "SELECT format, row_count FROM export_log WHERE what = 'nominatif' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("export log");
    assert_eq!(logged, [("xlsx".to_string(), 1), ("print".to_string(), 2)]);
    // Every read of the batch's cases is in the access log.
    let reads: i64 =
        sqlx::query_scalar("SELECT count(*) FROM case_access_log WHERE what = 'nominatif'")
            .fetch_one(&app.pool)
            .await
            .expect("access log");
    assert!(reads >= 5, "{reads}");
}

#[tokio::test]
async fn the_api_lists_batches_gives_one_with_its_beneficiaries_and_its_xlsx() {
    // Arrange
    let app = app().await;
    let team = Team::new(&app).await;
    fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let tim = actor(&app, "tim", None).await;
    let bpjs = &team.bpjs;

    // Act
    let list = team.dinkes_prov.get("/api/v1/nominatif").await;
    let one = team
        .dinkes_prov
        .get(&format!("/api/v1/nominatif/{id}"))
        .await;
    let masked = tim.get(&format!("/api/v1/nominatif/{id}")).await;
    let xlsx = team
        .dinkes_prov
        .get_raw(&format!("/api/v1/nominatif/{id}/xlsx"))
        .await;

    // Assert
    list.expect(StatusCode::OK);
    assert_eq!(list.body["items"][0]["number"], "DN-2026-001");
    assert_eq!(list.body["items"][0]["status"], "draft");
    assert_eq!(list.body["items"][0]["rows"], 2);
    one.expect(StatusCode::OK);
    let lines = one.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["no"], 1);
    assert_eq!(
        lines[0]["nik"], "5310********0002",
        "masked like every other screen; the XLSX annex has it in full"
    );
    assert_eq!(lines[0]["payer_name"], "Pemerintah Kabupaten Sikka");
    assert_eq!(lines[0]["guarantee_start"], "2026-11-20");
    masked.expect(StatusCode::OK);
    assert_eq!(masked.body["lines"][0]["nik"], "5310********0002");
    assert_eq!(masked.body["lines"][0]["kk_number"], Value::Null);
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        tim.get_raw(&format!("/api/v1/nominatif/{id}/xlsx"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    bpjs.get("/api/v1/nominatif")
        .await
        .expect(StatusCode::FORBIDDEN);
    team.dinkes_prov
        .get(&format!("/api/v1/nominatif/{}", Uuid::new_v4()))
        .await
        .expect(StatusCode::NOT_FOUND);
    let formats: Vec<String> =
        sqlx::query_scalar("SELECT format FROM export_log WHERE what = 'nominatif' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .expect("export log");
    assert_eq!(formats, ["json", "json", "xlsx"]);
}

#[tokio::test]
async fn the_demo_has_a_decreed_batch_and_a_draft() {
    // Arrange
    let app = spawn_app().await;

    // Act
    merajut_sehat::demo::seed(&app.pool, &app.settings.files_dir())
        .await
        .expect("seeding the demo data");

    // Assert
    let batches: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT b.basis, b.status, b.decree_number,
                (SELECT count(*) FROM nominatif_entries e WHERE e.batch_id = b.id)
         FROM nominatif_batches b ORDER BY b.number",
    )
    .fetch_all(&app.pool)
    .await
    .expect("batches");
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_eq!(
        (batches[0].0.as_str(), batches[0].1.as_str(), batches[0].3),
        ("pbpu_pemda", "closed", 1)
    );
    assert!(
        batches[0]
            .2
            .as_deref()
            .is_some_and(|n| n.starts_with("188.4/KEP/HK/"))
    );
    assert_eq!(
        (batches[1].0.as_str(), batches[1].1.as_str()),
        ("jaminan_sementara", "draft")
    );
    assert!(batches[1].3 >= 1, "{batches:?}");
}

#[tokio::test]
async fn the_list_of_batches_exports_with_each_readers_counts() {
    use crate::exports::{at, csv_table, datetime, export_log, xlsx_sheet};

    // Arrange: November's Pemkab-paid batch (B, from Sikka) and the batch of every payer (A,
    // from Kota Kupang), built on 5 December 10:00 WITA.
    let app = app().await;
    let team = Team::new(&app).await;
    fixture(&team).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let pemkab = built(
        &build(
            &app,
            &dinkes,
            "jaminan_sementara",
            "pemkab_asal",
            NOV_START,
            NOV_END,
        )
        .await,
    );
    let all = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let number = |id: Uuid| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT number FROM nominatif_batches WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .expect("the batch number")
        }
    };
    let (pemkab_no, all_no) = (number(pemkab).await, number(all).await);
    let (sikka, _) = app.signed_in("dinkes_kab", Some("53.10")).await;
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let tim_api = actor(&app, "tim", None).await;

    // Act
    let r = app.get(&dinkes, "/nominatif/unduh?format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = xlsx_sheet(&r.bytes().await.expect("the file"), "Daftar nominatif");
    let r = app.get(&sikka, "/nominatif/unduh?format=csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let sikka_csv = r.bytes().await.expect("the file");
    let api = tim_api.get_raw("/api/v1/nominatif/export?format=csv").await;
    assert_eq!(api.status(), StatusCode::OK);
    let refused = app.get(&rsud, "/nominatif/unduh?format=csv").await;

    // Assert: both batches, one beneficiary each, dates as dates.
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let headers: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    assert_eq!(rows.len(), 1 + 2);
    let row = |no: &str| {
        *rows
            .iter()
            .find(|r| r[0] == Data::String(no.into()))
            .unwrap_or_else(|| panic!("batch {no}"))
    };
    let p = row(&pemkab_no);
    assert_eq!(p[1], Data::String("Draf".into()));
    assert_eq!(datetime(&p[3]), at(2026, 11, 1, 0));
    assert_eq!(datetime(&p[4]), at(2026, 11, 30, 0));
    assert_eq!(p[6], Data::Float(1.0));
    assert_eq!(p[7], Data::Empty);
    assert_eq!(datetime(&p[10]), at(2026, 12, 5, 10));
    assert_eq!(row(&all_no)[6], Data::Float(1.0));
    // Dinkes Sikka counts only its own beneficiaries: B in the Pemkab batch, none in the other.
    let counts: Vec<(String, String)> = csv_table(&sikka_csv, &headers)
        .iter()
        .map(|r| (r[0].to_string(), r[6].to_string()))
        .collect();
    assert!(
        counts.contains(&(pemkab_no.clone(), "1".into())),
        "{counts:?}"
    );
    assert!(counts.contains(&(all_no.clone(), "0".into())), "{counts:?}");
    assert_eq!(
        csv_table(&api.bytes().await.expect("file"), &headers).len(),
        2
    );
    // A hospital has no batch list: refused, and not logged.
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let log: Vec<(String, String, i64)> = export_log(&app)
        .await
        .into_iter()
        .map(|l| (l.what, l.format, l.row_count))
        .collect();
    assert_eq!(
        log,
        [
            ("nominatif_batches".into(), "xlsx".into(), 2),
            ("nominatif_batches".into(), "csv".into(), 2),
            ("nominatif_batches".into(), "csv".into(), 2)
        ]
    );
}

#[tokio::test]
async fn the_batch_page_masks_nik_and_kk_and_only_the_logged_annex_has_them_in_full() {
    // Arrange: A (53.71, with a KK number) and B (53.10) in a draft of Dinkes prov.
    let app = app().await;
    let team = Team::new(&app).await;
    let cases = fixture(&team).await;
    sqlx::query("UPDATE cases SET kk_number = '5371010101260009' WHERE id = $1")
        .bind(cases.a)
        .execute(&app.pool)
        .await
        .expect("a KK number for A");
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let id = built(&build(&app, &dinkes, "jaminan_sementara", "", NOV_START, NOV_END).await);
    let batch = format!("/nominatif/{id}");
    let exports_of = |case: Uuid| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM case_access_log \
                 WHERE what = 'nominatif' AND kind = 'export' AND case_id = $1",
            )
            .bind(case)
            .fetch_one(&pool)
            .await
            .expect("the access log")
        }
    };

    // Act
    let page = app.get_html(&dinkes, &batch).await;
    let print = app.get_html(&dinkes, &format!("{batch}/cetak")).await;
    let xlsx = app.get(&dinkes, &format!("{batch}/xlsx")).await;

    // Assert: the page shows NIK and KK masked, and no full number anywhere in its HTML.
    assert_eq!(
        texts(&page, "#annex tbody td[data-label=NIK]"),
        ["5310********0002", "5371********0001"]
    );
    assert_eq!(
        texts(&page, "#annex tbody td[data-label='No. KK']"),
        ["—", "5371********0009"]
    );
    for full in ["5310025205900002", "5371025205900001", "5371010101260009"] {
        assert!(!page.contains(full), "{full} on the batch page");
    }
    assert!(text(&page, "#masked-notice").is_some_and(|t| t.contains("tersamar")));
    // The annex itself: in full, as the decree needs them.
    assert!(print.contains("5371025205900001") && print.contains("5371010101260009"));
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.expect("the file");
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let sheet = book.worksheet_range("Daftar nominatif").expect("the sheet");
    assert_eq!(cell(&sheet, 6, 2), Data::String("5371025205900001".into()));
    assert_eq!(cell(&sheet, 6, 3), Data::String("5371010101260009".into()));
    // Each full read is an export of each case in the access log: the print and the XLSX.
    assert_eq!(exports_of(cases.a).await, 2);
    assert_eq!(exports_of(cases.b).await, 2);
    assert_eq!(exports_of(cases.c).await, 0, "not in the batch");
}
