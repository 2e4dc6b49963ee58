//! Reports (`/laporan`, `/api/v1/laporan`): figures counted by hand on a fixed clock
//! (beneficiaries per service type, paid claims per payer, working days per desk across a
//! weekend), due dates from the holiday calendar, freezing on finalisation, new versions with
//! a reason, who reads what, hostile narrative input, and the XLSX (read back with calamine) and
//! CSV downloads, each recorded in the export log.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// `YYYY-MM-DD` 09:00 WITA.
fn at(day: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{day}T09:00:00+08:00"))
        .expect("valid")
        .with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// The cases of November 2026 (see [`november`]).
struct November {
    team: Team,
    /// RSUD-WZJ, rawat inap: guaranteed Mon 9, handed over Thu 12 November.
    a: Uuid,
    /// RSUD-WZJ, IGD: guaranteed Tue 10, withdrawn Thu 12 November.
    b: Uuid,
    /// RSUD-TCH, rawat inap: guaranteed Mon 16 November (not in WZJ's recap).
    c: Uuid,
    /// RSUD-WZJ, rawat inap: guaranteed Tue 1 December (not in November).
    d: Uuid,
}

/// Arranges the cases of November 2026 on the app's clock, which must stand at
/// Monday 2 November, and leaves it at Tuesday 1 December 09:00 WITA.
///
/// Desk stays at RSUD-WZJ in November (working days: Mon–Fri, no holiday in November):
/// - draft: A 0, B 0 (submitted the day they were registered);
/// - nik_check: A 2 → Fri 6 = 4; B 2 → Tue 10 = 6;
/// - desil_check: A Fri 6 → Mon 9 = 1 (the weekend does not count); B 10 → 10 = 0;
/// - guarantee_review: A 0, B 0;
/// - guaranteed: A 9 → Wed 11 = 2; B 10 → Thu 12 = 2;
/// - pbi_proposed: A 11 → 12 = 1.
async fn november(app: &TestApp) -> November {
    let team = Team::new(app).await;
    let tch = Team::at(app, "RSUD-TCH", "53.10").await;
    let a = team.create(&intake_woman()).await;
    let b = team.create(&intake_man()).await;
    team.drive(a, "draft", "nik_check").await;
    team.drive(b, "draft", "nik_check").await;
    app.clock.set(at("2026-11-06"));
    team.dukcapil_prov.step(a, "verify_nik").await;
    app.clock.set(at("2026-11-09"));
    team.drive(a, "desil_check", "guaranteed").await;
    app.clock.set(at("2026-11-10"));
    team.drive(b, "nik_check", "guaranteed").await;
    app.clock.set(at("2026-11-11"));
    team.dinsos_prov.step(a, "propose_pbi").await;
    app.clock.set(at("2026-11-12"));
    team.bpjs.step(a, "record_pbi_active").await;
    team.rsud.step(b, "withdraw").await;
    app.clock.set(at("2026-11-16"));
    let c = tch.case_in(&intake_serial(5, "53.10"), "guaranteed").await;
    app.clock.set(at("2026-12-01"));
    let d = team.case_in(&intake_serial(6, "53.71"), "guaranteed").await;
    November { team, a, b, c, d }
}

/// A paid (or, with `paid_on` `None`, only accepted) claim of `case`, inserted with the claims
/// table's basic columns.
async fn claim(
    app: &TestApp,
    n: &November,
    case: Uuid,
    payer: &str,
    paid_on: Option<&str>,
    paid: i64,
) {
    let (hospital, kab): (Uuid, String) =
        sqlx::query_as("SELECT hospital_id, domicile_kab_kota_code FROM cases WHERE id = $1")
            .bind(case)
            .fetch_one(&app.pool)
            .await
            .expect("the case");
    let document: Uuid = sqlx::query_scalar("SELECT id FROM documents WHERE case_id = $1 LIMIT 1")
        .bind(case)
        .fetch_one(&app.pool)
        .await
        .expect("a document");
    let paid_on = paid_on.map(date);
    sqlx::query(
        "INSERT INTO claims (number, case_id, hospital_id, status, payer, kab_kota_code,
                             care_start, care_end, amount_claimed, document_id,
                             paid_on, amount_paid, paid_by, submitted_by, submitted_at,
                             verified_by, verified_at, paid_recorded_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4::claim_status, $5, $6, '2026-10-01', '2026-10-20', $7, $8,
                 $9, $10, $11, $12, now(), $11, now(), $13, now(), now())",
    )
    .bind(format!("KL-{}", Uuid::new_v4().simple()))
    .bind(case)
    .bind(hospital)
    .bind(if paid_on.is_some() {
        "paid"
    } else {
        "accepted"
    })
    .bind(payer)
    .bind(kab)
    .bind(paid + 1_000_000)
    .bind(document)
    .bind(paid_on)
    .bind(paid_on.map(|_| paid))
    .bind(n.team.dinkes_prov.user.id)
    .bind(n.team.rsud.user.id)
    .bind(paid_on.map(|_| at("2026-11-30")))
    .execute(&app.pool)
    .await
    .expect("inserting a claim");
}

/// The claims of the fixture: WZJ pays Rp12.500.000 (Pemprov, A, 20 Nov) and Rp7.250.000
/// (Pemkab asal, B, 30 Nov) in November; A's second claim is paid on 1 December, B's third only
/// accepted; TCH's claim (Pemprov, 15 Nov) is another hospital's.
async fn claims(app: &TestApp, n: &November) {
    claim(app, n, n.a, "pemprov", Some("2026-11-20"), 12_500_000).await;
    claim(app, n, n.b, "pemkab_asal", Some("2026-11-30"), 7_250_000).await;
    claim(app, n, n.a, "pemprov", Some("2026-12-01"), 4_000_000).await;
    claim(app, n, n.b, "pemkab_asal", None, 9_000_000).await;
    claim(app, n, n.c, "pemprov", Some("2026-11-15"), 3_000_000).await;
}

/// Opens a report through the list's form; its id.
async fn open_report(app: &TestApp, client: &TestClient, year: &str, part: &str) -> Uuid {
    let r = app
        .post_form(client, "/laporan", &[("year", year), ("part", part)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "opening a report");
    location(&r)
        .and_then(|l| l.strip_prefix("/laporan/").map(str::to_string))
        .and_then(|id| id.parse().ok())
        .expect("a report id in the redirect")
}

/// Finalises a report through its form (the revision read from the page).
async fn finalise(app: &TestApp, client: &TestClient, id: Uuid) -> reqwest::Response {
    let page = app.get_html(client, &format!("/laporan/{id}")).await;
    let revision = attr(&page, "#finalise-form input[name=revision]", "value")
        .unwrap_or_else(|| panic!("no finalise form:\n{page}"));
    app.post_form_from(
        client,
        &format!("/laporan/{id}"),
        &format!("/laporan/{id}/final"),
        &[("revision", &revision)],
    )
    .await
}

/// The cells of the rows of table `key` on a report page.
fn table(html: &str, key: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let row = scraper::Selector::parse(&format!("#table-{key} tbody tr, #table-{key} tfoot tr"))
        .expect("selector");
    let cell = scraper::Selector::parse("td").expect("selector");
    doc.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn monthly_recap_counts_beneficiaries_claims_and_desk_days_by_hand() {
    // Arrange
    let app = spawn_app_at(at("2026-11-02")).await;
    let n = november(&app).await;
    claims(&app, &n).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    // Act
    let id = open_report(&app, &pic, "2026", "11").await;
    let html = app.get_html(&pic, &format!("/laporan/{id}")).await;

    // Assert: A (rawat inap) and B (IGD) were guaranteed in November, A handed over; C is
    // another hospital's, D was guaranteed in December.
    assert_eq!(
        table(&html, "layanan"),
        [
            ["IGD", "1", "0"],
            ["Rawat inap", "1", "1"],
            ["Rawat jalan", "0", "0"],
            ["Jumlah", "2", "1"]
        ]
    );
    assert_eq!(
        text(&html, "#report-beneficiary-total").as_deref(),
        Some("2")
    );
    assert!(
        text(&html, "#report-definition")
            .expect("the definition")
            .contains("jaminan sementaranya disetujui")
    );
    assert_eq!(
        table(&html, "asal"),
        [
            ["53.71", "Kota Kupang", "2", "1"],
            ["Jumlah", "—", "2", "1"]
        ]
    );
    // Paid in November at WZJ: 12.500.000 (Pemprov) + 7.250.000 (Pemkab asal).
    assert_eq!(
        table(&html, "penanggung"),
        [
            ["Pemerintah Provinsi NTT (APBD)", "1", "Rp12.500.000"],
            ["Pemerintah Kabupaten/Kota asal", "1", "Rp7.250.000"],
            ["Jumlah", "2", "Rp19.750.000"]
        ]
    );
    assert_eq!(text(&html, "#report-paid").as_deref(), Some("Rp19.750.000"));
    assert_eq!(table(&html, "pembiayaan").len(), 3);
    // Working days per desk: see `november`.
    let desks = table(&html, "meja");
    let desk = |name: &str| {
        desks
            .iter()
            .find(|r| r[0].starts_with(name))
            .unwrap_or_else(|| panic!("no {name}: {desks:?}"))[1..]
            .to_vec()
    };
    assert_eq!(desk("Draf"), ["2", "0,0", "0,0"]);
    // [4, 6]: median 5; p90 4 + 0,9 × 2 = 5,8.
    assert_eq!(desk("Verifikasi NIK"), ["2", "5,0", "5,8"]);
    // [0, 1]: A's Friday → Monday counts one day, not three.
    assert_eq!(desk("Cek desil"), ["2", "0,5", "0,9"]);
    assert_eq!(desk("Telaah jaminan"), ["2", "0,0", "0,0"]);
    assert_eq!(desk("Dijamin sementara"), ["2", "2,0", "2,0"]);
    assert_eq!(desk("Diusulkan PBI"), ["1", "1,0", "1,0"]);
    assert_eq!(desks.len(), 6, "{desks:?}");
    assert_eq!(app.case_state(n.d).await.0, "guaranteed");
}

#[tokio::test]
async fn quarterly_report_covers_every_hospital_and_claims_of_the_quarter() {
    // Arrange
    let app = spawn_app_at(at("2026-11-02")).await;
    let n = november(&app).await;
    claims(&app, &n).await;
    app.clock.set(at("2027-01-04"));
    let tim = actor(&app, "tim", None).await;
    let (team_client, _) = app.signed_in("tim", None).await;

    // Act
    let id = open_report(&app, &team_client, "2026", "4").await;
    let reply = tim.get(&format!("/api/v1/laporan/{id}")).await;

    // Assert: A, B, C in November and D in December; paid in Q4: Pemprov 12.5 + 4 + 3 million,
    // Pemkab asal 7.25 million.
    reply.expect(StatusCode::OK);
    let f = &reply.body["figures"];
    assert_eq!(f["beneficiaries"], 4, "{f}");
    assert_eq!(f["handed_over"], 1);
    let per_type: Vec<(String, i64)> = f["service_types"]
        .as_array()
        .expect("service types")
        .iter()
        .map(|l| {
            (
                l["code"].as_str().expect("code").to_string(),
                l["guaranteed"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        per_type,
        [
            ("igd".to_string(), 1),
            ("rawat_inap".to_string(), 3),
            ("rawat_jalan".to_string(), 0)
        ]
    );
    let payers = &f["financing"]["per_payer"];
    assert_eq!(payers[0]["payer"], "pemprov");
    assert_eq!(payers[0]["claims"], 3);
    assert_eq!(payers[0]["amount_paid"], 19_500_000);
    assert_eq!(payers[1]["payer"], "pemkab_asal");
    assert_eq!(payers[1]["amount_paid"], 7_250_000);
    assert_eq!(f["financing"]["amount_paid"], 26_750_000);
    let origins: Vec<&str> = f["origins"]
        .as_array()
        .expect("origins")
        .iter()
        .map(|o| o["kab_kota_code"].as_str().expect("code"))
        .collect();
    assert_eq!(origins, ["53.10", "53.71"]);
    assert_eq!(reply.body["report"]["kind"], "triwulan");
    assert_eq!(reply.body["report"]["frozen"], false);
    // 31 December is a Thursday, 1 January 2027 a holiday: 4–8, 11–15, 18–21 January.
    assert_eq!(reply.body["report"]["due_date"], "2027-01-21");
}

#[tokio::test]
async fn due_date_is_fourteen_working_days_after_the_period_and_follows_the_calendar() {
    // Arrange: the November 2026 recap, still a draft on Saturday 19 December.
    let app = spawn_app_at(at("2026-12-02")).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = open_report(&app, &pic, "2026", "11").await;
    app.clock.set(at("2026-12-19"));

    // Act
    let before = app.get_html(&pic, "/laporan").await;
    // A regional holiday on Thursday 10 December is entered afterwards.
    sqlx::query("INSERT INTO holidays (day, name) VALUES ('2026-12-10', 'Libur daerah')")
        .execute(&app.pool)
        .await
        .expect("a holiday");
    let after = app.get_html(&pic, "/laporan").await;
    let page = app.get_html(&pic, &format!("/laporan/{id}")).await;

    // Assert: 30 November is a Monday; 1–4, 7–11, 14–18 December → 18-12-2026, overdue on the
    // 19th; with the 10th off the 14th working day is Monday 21st, not overdue yet.
    let row = format!("tr[data-id='{id}']");
    assert!(
        text(&before, &row)
            .expect("the report's row")
            .contains("18-12-2026 "),
        "{:?}",
        text(&before, &row)
    );
    assert!(text(&before, &row).expect("row").contains("Terlambat"));
    assert!(text(&after, &row).expect("row").contains("21-12-2026"));
    assert!(!text(&after, &row).expect("row").contains("Terlambat"));
    assert!(
        text(&page, "#report-due")
            .expect("due")
            .starts_with("21-12-2026")
    );
}

#[tokio::test]
async fn a_final_report_keeps_its_figures_when_a_case_changes_later() {
    // Arrange: November's recap finalised on 1 December with A and B as beneficiaries.
    let app = spawn_app_at(at("2026-11-02")).await;
    let n = november(&app).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = open_report(&app, &pic, "2026", "11").await;
    let early = {
        app.clock.set(at("2026-11-30"));
        let page = app.get_html(&pic, &format!("/laporan/{id}")).await;
        app.clock.set(at("2026-12-01"));
        page
    };
    let saved = app
        .post_form(
            &pic,
            &format!("/laporan/{id}"),
            &[
                ("problems", "SKTM terlambat"),
                ("follow_up", ""),
                ("recommendations", ""),
                ("revision", "1"),
            ],
        )
        .await;
    assert_redirect(&saved, &format!("/laporan/{id}"));
    let done = finalise(&app, &pic, id).await;
    assert_redirect(&done, &format!("/laporan/{id}"));

    // Act: a case's service type is corrected and another case is guaranteed, both dated in
    // November, after the report was signed.
    sqlx::query("UPDATE cases SET service_type = 'rawat_jalan' WHERE id = $1")
        .bind(n.a)
        .execute(&app.pool)
        .await
        .expect("correcting a case");
    app.clock.set(at("2026-11-27"));
    let e = n
        .team
        .case_in(&intake_serial(7, "53.71"), "guaranteed")
        .await;
    app.clock.set(at("2026-12-02"));
    let page = app.get_html(&pic, &format!("/laporan/{id}")).await;
    let edit = app
        .post_form_from(
            &pic,
            &format!("/laporan/{id}"),
            &format!("/laporan/{id}"),
            &[
                ("problems", "diubah sesudah final"),
                ("follow_up", ""),
                ("recommendations", ""),
                ("revision", "3"),
            ],
        )
        .await;
    let by_hand = sqlx::query("UPDATE reports SET problems = 'x' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await;

    // Assert: the final still says 1 IGD + 1 rawat inap, no form, who finalised and when.
    assert!(
        early.contains("finalise-later"),
        "a November draft cannot be finalised in November"
    );
    assert_eq!(
        table(&page, "layanan")[..3],
        [
            ["IGD", "1", "0"],
            ["Rawat inap", "1", "1"],
            ["Rawat jalan", "0", "0"]
        ]
    );
    assert_eq!(
        attr(&page, "#report-status", "data-status").as_deref(),
        Some("final")
    );
    let status = text(&page, "#report-status").expect("status");
    assert!(
        status.contains("01-12-2026 09:00 WITA") && status.contains("Pengguna rsud_"),
        "{status}"
    );
    assert!(
        text(&page, "#report-computed")
            .expect("computed")
            .starts_with("tersimpan")
    );
    assert!(attr(&page, "#narrative-form", "id").is_none());
    assert_eq!(
        text(&page, "#narrative-problems").as_deref(),
        Some("SKTM terlambat")
    );
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    assert!(edit.text().await.expect("page").contains("sudah final"));
    assert!(by_hand.is_err(), "the database lets a final report change");
    let stored: String = sqlx::query_scalar("SELECT problems FROM reports WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the report");
    assert_eq!(stored, "SKTM terlambat");
    assert_eq!(app.case_state(e).await.0, "guaranteed");
}

#[tokio::test]
async fn a_new_version_needs_a_reason_and_the_old_final_stays_readable() {
    // Arrange: a final November recap.
    let app = spawn_app_at(at("2026-11-02")).await;
    let n = november(&app).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = open_report(&app, &pic, "2026", "11").await;
    assert_redirect(&finalise(&app, &pic, id).await, &format!("/laporan/{id}"));
    let path = format!("/laporan/{id}");
    let reopen = format!("/laporan/{id}/versi-baru");

    // Act: without a reason, then with one; then a claim is paid in November.
    let refused = app
        .post_form_from(&pic, &path, &reopen, &[("reason", "   ")])
        .await;
    let opened = app
        .post_form_from(
            &pic,
            &path,
            &reopen,
            &[("reason", "Klaim B dibayar setelah laporan difinalkan")],
        )
        .await;
    claims(&app, &n).await;
    let again = app
        .post_form_from(&pic, &path, &reopen, &[("reason", "Sekali lagi")])
        .await;

    // Assert
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.expect("page");
    assert!(
        text(&refused, "#reopen-reason-error")
            .expect("the reason's error")
            .starts_with("Alasan versi baru wajib diisi")
    );
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let v2 = location(&opened).expect("the new version");
    assert_ne!(v2, path);
    let draft = app.get_html(&pic, &v2).await;
    assert_eq!(
        text(&draft, "#report-version").as_deref(),
        Some("2 — alasan: Klaim B dibayar setelah laporan difinalkan")
    );
    assert_eq!(
        attr(&draft, "#report-status", "data-status").as_deref(),
        Some("draft")
    );
    assert_eq!(
        text(&draft, "#report-paid").as_deref(),
        Some("Rp19.750.000")
    );
    let old = app.get_html(&pic, &path).await;
    assert_eq!(
        attr(&old, "#report-status", "data-status").as_deref(),
        Some("final")
    );
    assert_eq!(text(&old, "#report-paid").as_deref(), Some("Rp0"));
    assert!(
        attr(&old, "#reopen-form", "id").is_none(),
        "only the latest version reopens"
    );
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let list = app.get_html(&pic, "/laporan").await;
    let statuses: Vec<String> = texts(&list, "#reports tbody tr td:nth-child(4)");
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses[0].starts_with('2') && statuses[0].contains("Klaim B dibayar"));
    assert!(statuses[1].starts_with('1'));
}

#[tokio::test]
async fn each_role_reads_only_the_reports_it_may_and_writes_only_its_own() {
    // Arrange: WZJ's November recap and the team's fourth-quarter report.
    let app = spawn_app_at(at("2026-12-02")).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let monthly = open_report(&app, &pic, "2026", "11").await;
    let (team, _) = app.signed_in("tim", None).await;
    let quarterly = open_report(&app, &team, "2026", "4").await;
    let (other, _) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (kab, _) = app.signed_in("dinkes_kab", Some("53.71")).await;
    let (admin, _) = app.signed_in("admin", None).await;
    let bpjs = actor(&app, "bpjs", None).await;
    let other_api = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let m = format!("/laporan/{monthly}");
    let q = format!("/laporan/{quarterly}");

    // Act / Assert: another hospital sees neither the page, the downloads nor the API answer.
    for path in [
        m.clone(),
        format!("{m}/cetak"),
        format!("{m}/xlsx"),
        format!("{m}/csv?tabel=layanan"),
    ] {
        assert_eq!(
            app.get(&other, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    other_api
        .get(&format!("/api/v1/laporan/{monthly}"))
        .await
        .expect(StatusCode::NOT_FOUND);
    let listed = other_api.get("/api/v1/laporan").await;
    let ids: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [quarterly.to_string()]);
    // Dinkes reads every recap but writes none; BPJS and the kab/kota Dinkes read the
    // provincial report only; the administrator no report at all.
    assert_eq!(app.get(&dinkes, &m).await.status(), StatusCode::OK);
    let save = app
        .post_form_from(&dinkes, &m, &m, &[("problems", "x"), ("revision", "1")])
        .await;
    assert_eq!(save.status(), StatusCode::FORBIDDEN);
    let create = app
        .post_form(&dinkes, "/laporan", &[("year", "2026"), ("part", "11")])
        .await;
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    assert!(
        attr(
            &app.get_html(&dinkes, "/laporan").await,
            "#report-new",
            "id"
        )
        .is_none()
    );
    bpjs.get(&format!("/api/v1/laporan/{monthly}"))
        .await
        .expect(StatusCode::NOT_FOUND);
    bpjs.get(&format!("/api/v1/laporan/{quarterly}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.get(&kab, &m).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&kab, &q).await.status(), StatusCode::OK);
    assert_eq!(
        app.get(&admin, "/laporan").await.status(),
        StatusCode::FORBIDDEN
    );
    // The hospital reads the provincial report but does not write it.
    let page = app.get_html(&pic, &q).await;
    assert!(attr(&page, "#narrative-form", "id").is_none());
    let save = app
        .post_form_from(&pic, &q, &q, &[("problems", "x"), ("revision", "1")])
        .await;
    assert_eq!(save.status(), StatusCode::FORBIDDEN);
    // Menus: the link is there for case roles.
    assert!(texts(&app.get_html(&kab, "/").await, "nav.menu a").contains(&"Laporan".to_string()));
    assert!(
        !texts(&app.get_html(&admin, "/").await, "nav.menu a").contains(&"Laporan".to_string())
    );
}

#[tokio::test]
async fn hostile_narrative_and_period_input_is_refused_with_field_messages() {
    // Arrange
    let app = spawn_app_at(at("2026-12-02")).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = open_report(&app, &pic, "2026", "11").await;
    let path = format!("/laporan/{id}");
    let long = "a".repeat(100 * 1024);

    // Act
    let nul = app
        .post_form(
            &pic,
            &path,
            &[
                ("problems", "SKTM\0terlambat"),
                ("follow_up", "Tetap"),
                ("recommendations", ""),
                ("revision", "1"),
            ],
        )
        .await;
    let huge = app
        .post_form(
            &pic,
            &path,
            &[
                ("problems", ""),
                ("follow_up", &long),
                ("recommendations", ""),
                ("revision", "1"),
            ],
        )
        .await;
    let script = "<script>alert('x')</script> 🙏 Percepat SKTM\r\nBaris dua";
    let fine = app
        .post_form(
            &pic,
            &path,
            &[
                ("problems", script),
                ("follow_up", ""),
                ("recommendations", "—"),
                ("revision", "1"),
            ],
        )
        .await;
    let stale = app
        .post_form(
            &pic,
            &path,
            &[
                ("problems", "versi lama"),
                ("follow_up", ""),
                ("recommendations", ""),
                ("revision", "1"),
            ],
        )
        .await;
    let bad_year = app
        .post_form(&pic, "/laporan", &[("year", "-9999"), ("part", "11")])
        .await;
    let future = app
        .post_form(&pic, "/laporan", &[("year", "2027"), ("part", "3")])
        .await;
    let twice = app
        .post_form(&pic, "/laporan", &[("year", "2026"), ("part", "11")])
        .await;

    // Assert: each refusal names its field and keeps what was typed; nothing is stored.
    assert_eq!(nul.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let nul = nul.text().await.expect("page");
    assert!(
        text(&nul, "#narrative-problems-error")
            .expect("error")
            .starts_with("Permasalahan yang ditemukan berisi karakter kendali")
    );
    assert_eq!(text(&nul, "#narrative-follow_up").as_deref(), Some("Tetap"));
    assert_eq!(huge.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let huge = huge.text().await.expect("page");
    assert_eq!(
        text(&huge, "#narrative-follow_up-error").as_deref(),
        Some("Tindak lanjut maksimal 20000 karakter; yang diisi 102400 karakter.")
    );
    assert_redirect(&fine, &path);
    let page = app.get_html(&pic, &path).await;
    assert_eq!(
        text(&page, "#narrative-problems").as_deref(),
        Some("<script>alert('x')</script> 🙏 Percepat SKTM Baris dua")
    );
    assert!(!page.contains("<script>alert"), "escaped");
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let stale = stale.text().await.expect("page");
    assert!(
        text(&stale, "#report-conflict")
            .expect("conflict")
            .contains("sudah diubah oleh orang lain")
    );
    assert_eq!(
        text(&stale, "#narrative-problems").as_deref(),
        Some("versi lama")
    );
    assert_eq!(bad_year.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_year = bad_year.text().await.expect("page");
    assert!(
        text(&bad_year, "#report-new-error")
            .expect("error")
            .starts_with("Tahun harus")
    );
    assert_eq!(
        attr(&bad_year, "#report-year", "value").as_deref(),
        Some("-9999")
    );
    assert_eq!(future.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.text().await.expect("page").contains("belum dimulai"));
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().await.expect("page").contains("sudah ada"));
    let stored: (String, String, i32) =
        sqlx::query_as("SELECT problems, follow_up, revision FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("the report");
    assert_eq!(stored, (script.to_string(), String::new(), 2));
}

#[tokio::test]
async fn xlsx_holds_numbers_and_dates_and_every_download_is_logged() {
    // Arrange: November's recap with its claims, finalised on 1 December.
    let app = spawn_app_at(at("2026-11-02")).await;
    let n = november(&app).await;
    claims(&app, &n).await;
    let (pic, user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let id = open_report(&app, &pic, "2026", "11").await;
    assert_redirect(&finalise(&app, &pic, id).await, &format!("/laporan/{id}"));

    // Act
    let response = app.get(&pic, &format!("/laporan/{id}/xlsx")).await;
    let csv = app
        .get(&pic, &format!("/laporan/{id}/csv?tabel=penanggung"))
        .await;
    let unknown = app
        .get(&pic, &format!("/laporan/{id}/csv?tabel=pasien"))
        .await;
    let print = app.get(&pic, &format!("/laporan/{id}/cetak")).await;

    // Assert: the workbook, read by an independent reader.
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .contains("laporan-bulanan-RSUD-WZJ-2026-11-v1.xlsx")
    );
    let bytes = response.bytes().await.expect("the workbook");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    assert_eq!(
        book.sheet_names(),
        [
            "Ringkasan",
            "Jenis layanan",
            "Kab-Kota asal",
            "Per penanggung",
            "Pembiayaan rinci",
            "Waktu per meja"
        ]
    );
    let summary = book.worksheet_range("Ringkasan").expect("the summary");
    let value = |label: &str| {
        summary
            .rows()
            .find(|r| r[0] == Data::String(label.into()))
            .unwrap_or_else(|| panic!("no {label}"))[1]
            .clone()
    };
    let start = value("Periode mulai");
    assert!(matches!(start, Data::DateTime(_)), "{start:?}");
    assert_eq!(start.as_date(), Some(date("2026-11-01")));
    assert_eq!(
        value("Batas penyampaian").as_date(),
        Some(date("2026-12-18"))
    );
    let finalised = value("Difinalkan pada");
    assert_eq!(
        finalised.as_datetime().map(|t| t.to_string()).as_deref(),
        Some("2026-12-01 09:00:00")
    );
    assert_eq!(value("Versi"), Data::Float(1.0));
    assert_eq!(
        value("Realisasi pembiayaan (Rp)"),
        Data::Float(19_750_000.0)
    );
    let services = book
        .worksheet_range("Jenis layanan")
        .expect("service types");
    let rows: Vec<Vec<Data>> = services.rows().skip(3).map(|r| r.to_vec()).collect();
    assert_eq!(
        rows,
        [
            vec![
                Data::String("IGD".into()),
                Data::Float(1.0),
                Data::Float(0.0)
            ],
            vec![
                Data::String("Rawat inap".into()),
                Data::Float(1.0),
                Data::Float(1.0)
            ],
            vec![
                Data::String("Rawat jalan".into()),
                Data::Float(0.0),
                Data::Float(0.0)
            ],
            vec![
                Data::String("Jumlah".into()),
                Data::Float(2.0),
                Data::Float(1.0)
            ],
        ]
    );
    let payers = book.worksheet_range("Per penanggung").expect("payers");
    assert_eq!(payers.get_value((3, 2)), Some(&Data::Float(12_500_000.0)));
    assert_eq!(payers.get_value((4, 2)), Some(&Data::Float(7_250_000.0)));
    let desks = book.worksheet_range("Waktu per meja").expect("desks");
    let nik = desks
        .rows()
        .find(|r| r[0].to_string().starts_with("Verifikasi NIK"))
        .expect("the NIK desk");
    assert_eq!(
        nik[1..],
        [Data::Float(2.0), Data::Float(5.0), Data::Float(5.8)]
    );
    // The CSV of one table.
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.text().await.expect("CSV"),
        "\u{feff}Penanggung biaya,Klaim dibayar,Jumlah dibayar (Rp)\r\n\
         Pemerintah Provinsi NTT (APBD),1,12500000\r\n\
         Pemerintah Kabupaten/Kota asal,1,7250000\r\n\
         Jumlah,2,19750000\r\n"
    );
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(print.status(), StatusCode::OK);
    // The export log: who, what, which format, how many rows.
    let log: Vec<(Uuid, String, String, i64, serde_json::Value)> = sqlx::query_as(
        "SELECT user_id, what, format, row_count, detail FROM export_log ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("the log");
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log.iter().all(|l| l.0 == user.id && l.1 == "report"));
    // 22 summary lines + 4 + 2 + 3 + 3 + 6 table rows.
    assert_eq!((log[0].2.as_str(), log[0].3), ("xlsx", 40));
    assert_eq!((log[1].2.as_str(), log[1].3), ("csv", 3));
    assert_eq!(
        log[1].4,
        json!({"report_id": id, "version": 1, "kind": "bulanan", "period": "2026-11", "table": "penanggung"})
    );
    assert_eq!((log[2].2.as_str(), log[2].3), ("print", 18));
}

#[tokio::test]
async fn reports_as_json_match_the_openapi_document() {
    // Arrange
    let app = spawn_app_at(at("2026-12-02")).await;
    let (team, _) = app.signed_in("tim", None).await;
    let id = open_report(&app, &team, "2026", "4").await;
    let dinkes = actor(&app, "dinkes_prov", None).await;
    let doc: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("the document")
        .json()
        .await
        .expect("JSON");

    // Act
    let list = dinkes.get("/api/v1/laporan").await;
    let one = dinkes.get(&format!("/api/v1/laporan/{id}")).await;
    let bad = dinkes.get("/api/v1/laporan/bukan-id").await;

    // Assert
    list.expect(StatusCode::OK);
    one.expect(StatusCode::OK);
    assert_eq!(list.body["items"][0]["id"], id.to_string());
    assert_eq!(list.body["items"][0]["due_date"], "2027-01-21");
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    let schema = |name: &str| doc["components"]["schemas"][name]["properties"].clone();
    assert_eq!(keys(&one.body["report"]), keys(&schema("Report")));
    assert_eq!(keys(&one.body["figures"]), keys(&schema("ReportFigures")));
    assert_eq!(keys(&list.body["items"][0]), keys(&schema("ReportSummary")));
    assert_eq!(
        keys(&one.body["figures"]["financing"]),
        keys(&schema("ReportFigures")["financing"]["properties"])
    );
    assert!(bad.status.is_client_error());
}

#[tokio::test]
async fn demo_seeds_a_final_monthly_recap_and_a_draft_quarterly_report() {
    // Arrange
    let app = spawn_app().await;

    // Act
    merajut_sehat::demo::seed(&app.pool, &app.settings.files_dir())
        .await
        .expect("seeding the demo data");

    // Assert
    let reports: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT r.kind, r.status, h.code FROM reports r LEFT JOIN hospitals h ON h.id = r.hospital_id ORDER BY r.kind",
    )
    .fetch_all(&app.pool)
    .await
    .expect("the reports");
    assert_eq!(
        reports,
        [
            (
                "bulanan".to_string(),
                "final".to_string(),
                Some("RSUD-WZJ".to_string())
            ),
            ("triwulan".to_string(), "draft".to_string(), None)
        ]
    );
}

#[tokio::test]
async fn the_list_of_reports_exports_with_due_dates_and_overdue_flags() {
    use crate::exports::{at as cell_at, csv_table, datetime, export_log, xlsx_sheet};

    // Arrange: on Wednesday 2 December WZJ opens its October recap (due Thursday 19 November:
    // 14 working days from Monday 2 November, overdue) and its November recap, finalised the
    // same day (due Friday 18 December); the team opens the fourth-quarter report.
    let app = spawn_app_at(at("2026-12-02")).await;
    let (pic, pic_user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    open_report(&app, &pic, "2026", "10").await;
    let november = open_report(&app, &pic, "2026", "11").await;
    assert_eq!(
        finalise(&app, &pic, november).await.status(),
        StatusCode::SEE_OTHER
    );
    let (team, _) = app.signed_in("tim", None).await;
    open_report(&app, &team, "2026", "4").await;
    let (admin, _) = app.signed_in("admin", None).await;
    let pic_name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(pic_user.id)
        .fetch_one(&app.pool)
        .await
        .expect("the name");

    // Act
    let r = app.get(&pic, "/laporan/unduh?format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = xlsx_sheet(&r.bytes().await.expect("the file"), "Laporan");
    let csv = app.get(&pic, "/laporan/unduh?format=csv").await;
    let csv = csv.bytes().await.expect("the file");
    let refused = app.get(&admin, "/laporan/unduh?format=csv").await;

    // Assert: the three reports WZJ reads.
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 1 + 3);
    let row = |period: &str| {
        *rows
            .iter()
            .find(|r| r[3] == Data::String(period.into()))
            .unwrap_or_else(|| panic!("the report of {period}"))
    };
    let oct = row("Oktober 2026");
    assert_eq!(oct[0], Data::String("Rekap bulanan rumah sakit".into()));
    assert_eq!(oct[1], Data::String(WZJ_NAME.into()));
    assert_eq!(oct[2], Data::String("RSUD-WZJ".into()));
    assert_eq!(datetime(&oct[4]), cell_at(2026, 10, 1, 0));
    assert_eq!(datetime(&oct[5]), cell_at(2026, 10, 31, 0));
    assert_eq!(oct[6], Data::Float(1.0));
    assert_eq!(oct[7], Data::String("Draf".into()));
    assert_eq!(datetime(&oct[8]), cell_at(2026, 11, 19, 0));
    assert_eq!(oct[9], Data::Bool(true));
    assert_eq!(oct[10], Data::Empty);
    assert_eq!(oct[11], Data::Empty);
    let nov = row("November 2026");
    assert_eq!(nov[7], Data::String("Final".into()));
    assert_eq!(datetime(&nov[8]), cell_at(2026, 12, 18, 0));
    assert_eq!(nov[9], Data::Bool(false));
    assert_eq!(nov[10], Data::String(pic_name.clone()));
    assert_eq!(datetime(&nov[11]), cell_at(2026, 12, 2, 9));
    let q4 = rows
        .iter()
        .find(|r| r[0] == Data::String("Laporan triwulan provinsi".into()))
        .expect("the quarterly report");
    assert_eq!(q4[2], Data::Empty);
    assert_eq!(datetime(&q4[4]), cell_at(2026, 10, 1, 0));
    assert_eq!(datetime(&q4[5]), cell_at(2026, 12, 31, 0));
    let headers: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let records = csv_table(&csv, &headers);
    let oct = records
        .iter()
        .find(|r| &r[3] == "Oktober 2026")
        .expect("October");
    assert_eq!((&oct[8], &oct[9]), ("2026-11-19", "Ya"));
    // Admin has no report list: refused, nothing logged for it.
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let log: Vec<(String, String, i64, bool)> = export_log(&app)
        .await
        .into_iter()
        .map(|l| (l.what, l.format, l.row_count, l.completed))
        .collect();
    assert_eq!(
        log,
        [
            ("reports".to_string(), "xlsx".to_string(), 3, true),
            ("reports".to_string(), "csv".to_string(), 3, true)
        ]
    );
}
