//! Personal data: what each role sees of one case on every surface (page, API, history, CSV
//! export), NIK/KK masked by default with a break-the-glass reveal, the access log of every
//! surface (role, kind, client address), refused cross-scope ids, and the auditor's pages.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// The fixture's KK number (of [`intake_woman`]).
const KK: &str = "5371021203150004";
const NIK_MASKED: &str = "5371********0001";
const KK_MASKED: &str = "5371********0004";
const REASON: &str = "Demam berdarah";
const ADDRESS: &str = "Jl. Timor Raya 12";
/// Registry data typed by Disdukcapil, with the full NIK in it (stored masked).
const REGISTRY: &str = "SIAK: Maria Goreti Bria, alamat Oebobo";

/// The case of [`intake_woman`] (NIK [`NIK_WOMAN`], KK [`KK`]) at the Dinkes desk, its NIK
/// verified with [`REGISTRY`] and the full NIK in the note.
async fn fixture(app: &TestApp, team: &Team) -> Uuid {
    let id = team.case_in(&intake_woman(), "nik_check").await;
    team.dukcapil_prov
        .step_with(
            id,
            "verify_nik",
            json!({"source_system": "siak", "registry_data": REGISTRY,
                   "note": format!("cocok dengan {NIK_WOMAN}")}),
        )
        .await
        .expect(StatusCode::OK);
    team.dinsos_prov.step(id, "record_desil").await;
    assert_eq!(app.case_state(id).await.0, "guarantee_review");
    id
}

/// What a role sees: (KK, address and birth place, phone, clinical reason, registry data,
/// documents).
fn expected(role: &str) -> (bool, bool, bool, bool, bool, bool) {
    match role {
        "rsud" | "dinkes_prov" | "dinkes_kab" => (true, true, true, true, true, true),
        "dukcapil_prov" | "dukcapil_kab" | "dinsos_prov" | "dinsos_kab" => {
            (true, true, true, false, true, true)
        }
        "bpjs" => (true, true, false, false, false, false),
        "tim" => (false, false, false, false, false, false),
        other => panic!("no expectation for {other}"),
    }
}

const CASE_ROLES: [(&str, Option<&str>); 9] = [
    ("rsud", Some("RSUD-WZJ")),
    ("dukcapil_prov", None),
    ("dukcapil_kab", Some("53.71")),
    ("dinsos_prov", None),
    ("dinsos_kab", Some("53.71")),
    ("dinkes_prov", None),
    ("dinkes_kab", Some("53.71")),
    ("bpjs", None),
    ("tim", None),
];

#[tokio::test]
async fn each_role_sees_the_fields_of_the_policy_on_every_surface() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = fixture(&app, &team).await;

    for (role, scope) in CASE_ROLES {
        let (kk, address, phone, clinical, registry, documents) = expected(role);
        let api = actor(&app, role, scope).await;
        let (web, _) = app.signed_in(role, scope).await;

        // Act
        let json = api.case(id).await;
        let page = app.get_html(&web, &format!("/kasus/{id}")).await;

        // Assert: the API case and its history
        json.expect(StatusCode::OK);
        let body = json.body.to_string();
        let p = &json.body["case"]["patient"];
        assert!(!body.contains(NIK_WOMAN), "{role}: full NIK in the API");
        assert!(!body.contains(KK), "{role}: full KK in the API");
        assert_eq!(p["nik"], NIK_MASKED, "{role}");
        assert_eq!(p["full_name"], "Maria Goreti Bria", "{role}");
        assert_eq!(p["kk_number"] == KK_MASKED, kk, "{role}: KK");
        assert_eq!(p["address"] == ADDRESS, address, "{role}: address");
        assert_eq!(p["birth_place"] == "Kupang", address, "{role}: birth place");
        assert_eq!(p["family_phone"].is_string(), phone, "{role}: phone");
        assert_eq!(
            json.body["case"]["episode"]["clinical_reason"] == REASON,
            clinical,
            "{role}: clinical reason"
        );
        assert_eq!(body.contains(REGISTRY), registry, "{role}: registry data");
        let verify = json.body["history"]
            .as_array()
            .expect("a history")
            .iter()
            .find(|s| s["action"] == "verify_nik")
            .expect("the verification step")
            .clone();
        assert_eq!(
            verify["evidence"]["note"],
            format!("cocok dengan {NIK_MASKED}"),
            "{role}: the note's NIK"
        );
        let docs = json.body["documents"].as_array().map_or(0, Vec::len);
        assert_eq!(docs > 0, documents, "{role}: documents");

        // Assert: the page
        assert!(!page.contains(NIK_WOMAN), "{role}: full NIK on the page");
        assert!(!page.contains(KK), "{role}: full KK on the page");
        assert_eq!(
            text(&page, "#patient-nik").as_deref().map(str::trim),
            Some(NIK_MASKED),
            "{role}"
        );
        assert_eq!(page.contains(KK_MASKED), kk, "{role}: KK on the page");
        assert_eq!(
            page.contains(ADDRESS),
            address,
            "{role}: address on the page"
        );
        assert_eq!(
            page.contains("Telepon keluarga"),
            phone,
            "{role}: phone on the page"
        );
        assert_eq!(
            page.contains(REASON),
            clinical,
            "{role}: reason on the page"
        );
        assert_eq!(
            page.contains(REGISTRY),
            registry,
            "{role}: registry on the page"
        );
        assert_eq!(
            page.contains("/dokumen/"),
            documents,
            "{role}: documents on the page"
        );
    }

    // Assert: the CSV exports of the lists the case is on (Dinkes's queue, the monitoring
    // list) hold the masked NIK only.
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (tim, _) = app.signed_in("tim", None).await;
    for (client, path) in [
        (&dinkes, "/antrean/unduh?format=csv"),
        (&tim, "/pemantauan/unduh?format=csv"),
    ] {
        let csv = app.get_html(client, path).await;
        assert!(csv.contains(NIK_MASKED), "{path}: {csv}");
        assert!(!csv.contains(NIK_WOMAN), "{path}");
        assert!(!csv.contains(REASON) && !csv.contains(ADDRESS), "{path}");
    }

    // Assert: no full number at rest in the history.
    let at_rest: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM case_history WHERE evidence::text LIKE '%' || $1 || '%'",
    )
    .bind(NIK_WOMAN)
    .fetch_one(&app.pool)
    .await
    .expect("the history");
    assert_eq!(at_rest, 0);
}

/// The access-log rows of `user`: (kind, what, via, role, client address, case id, case ids,
/// reason, summary).
type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Uuid>,
    Vec<Uuid>,
    Option<String>,
    Option<String>,
);

async fn rows_of(app: &TestApp, user: Uuid) -> Vec<Row> {
    sqlx::query_as(
        "SELECT kind, what, via, role::text, host(client_ip), case_id, case_ids, reason, summary
         FROM case_access_log WHERE user_id = $1 ORDER BY id",
    )
    .bind(user)
    .fetch_all(&app.pool)
    .await
    .expect("the access log")
}

#[tokio::test]
async fn a_reveal_needs_a_valid_reason_is_logged_and_shows_the_full_numbers_once() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let (web, user) = app.signed_in("dukcapil_prov", None).await;
    let page = format!("/kasus/{id}");
    let action = format!("/kasus/{id}/ungkap");
    let long = "x".repeat(100_000);

    // Act / Assert: refused reasons
    for (reason, message) in [
        ("", "Alasan wajib diisi"),
        ("   ", "Alasan wajib diisi"),
        ("singkat", "terlalu singkat"),
        ("cek SIAK\u{0}untuk verifikasi", "karakter kontrol"),
        (long.as_str(), "terlalu panjang"),
    ] {
        let r = app
            .post_form_from(&web, &page, &action, &[("alasan", reason)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{reason:.20}");
        let html = r.text().await.expect("the page");
        assert!(
            text(&html, "#reveal-error").is_some_and(|e| e.contains(message)),
            "{message}"
        );
        assert!(!html.contains(NIK_WOMAN));
    }
    assert!(rows_of(&app, user.id).await.iter().all(|r| r.0 != "reveal"));

    // Act: a valid reason
    let reason = "Verifikasi NIK di SIAK 😀";
    let r = app
        .post_form_from(&web, &page, &action, &[("alasan", reason)])
        .await;

    // Assert
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("the page");
    assert_eq!(
        text(&html, "#patient-nik").as_deref().map(str::trim),
        Some(NIK_WOMAN)
    );
    assert_eq!(
        text(&html, "#patient-kk").as_deref().map(str::trim),
        Some(KK)
    );
    let reveals: Vec<Row> = rows_of(&app, user.id)
        .await
        .into_iter()
        .filter(|r| r.0 == "reveal")
        .collect();
    assert_eq!(reveals.len(), 1);
    let row = &reveals[0];
    assert_eq!(
        (row.1.as_str(), row.2.as_str(), row.3.as_str()),
        ("case", "web", "dukcapil_prov")
    );
    assert_eq!(row.4.as_deref(), Some("127.0.0.1"));
    assert_eq!(row.5, Some(id));
    assert_eq!(row.7.as_deref(), Some(reason));
    // The next response is masked again.
    let again = app.get_html(&web, &page).await;
    assert_eq!(
        text(&again, "#patient-nik").as_deref().map(str::trim),
        Some(NIK_MASKED)
    );

    // The program team has no reveal: no form, and the POST is refused.
    let (tim, _) = app.signed_in("tim", None).await;
    let tim_page = app.get_html(&tim, &page).await;
    assert!(!tim_page.contains("reveal-form"));
    let r = app
        .post_form_from(&tim, &page, &action, &[("alasan", "ingin tahu saja ya")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_reveal_needs_a_reason_and_a_desk_that_needs_the_number() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let tim = actor(&app, "tim", None).await;
    let other = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let path = format!("/api/v1/cases/{id}/reveal");
    let good = json!({"reason": "Aktivasi kepesertaan PBI JKN"});

    // Act
    let empty = team.bpjs.post(&path, &json!({})).await;
    let wrong_type = team.bpjs.post(&path, &json!({"reason": 5})).await;
    let nul = team
        .bpjs
        .post(&path, &json!({"reason": "a\u{0}bcdefghijk"}))
        .await;
    let ok = team.bpjs.post(&path, &good).await;
    let by_tim = tim.post(&path, &good).await;
    let by_other = other.post(&path, &good).await;

    // Assert
    empty.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.field_message("reason").contains("wajib"));
    wrong_type.expect(StatusCode::UNPROCESSABLE_ENTITY);
    nul.expect(StatusCode::UNPROCESSABLE_ENTITY);
    ok.expect(StatusCode::OK);
    assert_eq!(ok.body["nik"], NIK_WOMAN);
    assert_eq!(ok.body["kk_number"], KK);
    by_tim.expect(StatusCode::FORBIDDEN);
    by_other.expect(StatusCode::NOT_FOUND);
    let rows = rows_of(&app, team.bpjs.user.id).await;
    let reveals: Vec<&Row> = rows.iter().filter(|r| r.0 == "reveal").collect();
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].2, "api");
    assert_eq!(
        reveals[0].7.as_deref(),
        Some("Aktivasi kepesertaan PBI JKN")
    );
    // The ordinary read stays masked.
    assert_eq!(
        team.bpjs.case(id).await.body["case"]["patient"]["nik"],
        NIK_MASKED
    );
}

#[tokio::test]
async fn every_surface_writes_an_access_row_with_role_and_address() {
    // Arrange: a case at the Disdukcapil desk; its PIC and the Disdukcapil desk signed in.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let doc = team.rsud.case(id).await.body["documents"][0]["id"]
        .as_str()
        .expect("a document")
        .to_string();
    let (web, user) = app.signed_in("dukcapil_prov", None).await;
    let api = &team.dukcapil_prov;
    let (pic, pic_user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;

    // Act: each surface once
    app.get_html(&web, &format!("/kasus/{id}")).await;
    app.get_html(&web, "/antrean").await;
    let search = app.post_form(&web, "/antrean", &[("q", NIK_WOMAN)]).await;
    let to = location(&search).expect("a redirect to the kept search");
    assert!(!to.contains(NIK_WOMAN));
    app.get_html(&web, &to).await;
    app.get_html(&web, "/antrean/unduh?format=csv").await;
    let download = app.get(&web, &format!("/kasus/{id}/dokumen/{doc}")).await;
    assert_eq!(download.status(), StatusCode::OK);
    api.case(id).await.expect(StatusCode::OK);
    api.queue(None, None).await.expect(StatusCode::OK);
    app.get_html(&pic, &format!("/kasus/{id}/ubah")).await;

    // Assert
    let rows = rows_of(&app, user.id).await;
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("read", "case", "web"),
            ("list", "queue", "web"),
            // The test reads the form's CSRF token from the list page first.
            ("list", "queue", "web"),
            ("search", "queue", "web"),
            ("export", "queue", "web"),
            ("download", "document", "web"),
        ]
    );
    for r in &rows {
        assert_eq!(r.3, "dukcapil_prov");
        assert_eq!(r.4.as_deref(), Some("127.0.0.1"));
    }
    assert_eq!(rows[0].5, Some(id));
    assert_eq!(rows[1].6, vec![id], "the queue lists the case");
    assert_eq!(rows[3].6, vec![id], "the search finds it");
    let kept = rows[3].8.clone().unwrap_or_default();
    assert_eq!(kept, "cari: NIK (16 digit)");
    assert!(rows[4].8.as_deref().is_some_and(|s| s.starts_with("csv")));
    assert_eq!(rows[5].5, Some(id));
    let api_rows = rows_of(&app, api.user.id).await;
    let api_summary: Vec<(&str, &str, &str)> = api_rows
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()))
        .collect();
    assert!(
        api_summary.contains(&("read", "case", "api")),
        "{api_summary:?}"
    );
    assert!(
        api_summary.contains(&("list", "queue", "api")),
        "{api_summary:?}"
    );
    let pic_rows = rows_of(&app, pic_user.id).await;
    assert!(
        pic_rows
            .iter()
            .any(|r| r.0 == "edit" && r.5 == Some(id) && r.3 == "rsud")
    );
    // No row anywhere holds the searched NIK.
    let leaked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM case_access_log WHERE coalesce(summary, '') LIKE '%' || $1 || '%'",
    )
    .bind(NIK_WOMAN)
    .fetch_one(&app.pool)
    .await
    .expect("the log");
    assert_eq!(leaked, 0);
}

#[tokio::test]
async fn another_hospitals_case_is_not_found_and_logged_as_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let (web, user) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let api = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let unknown = Uuid::new_v4();

    // Act
    let page = app.get(&web, &format!("/kasus/{id}")).await;
    let json = api.case(id).await;
    let none = app.get(&web, &format!("/kasus/{unknown}")).await;

    // Assert
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    json.expect(StatusCode::NOT_FOUND);
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
    let rows = rows_of(&app, user.id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].5, rows[0].3.as_str()),
        ("refused", Some(id), "rsud")
    );
    assert_eq!((rows[1].0.as_str(), rows[1].5), ("refused", None));
    assert_eq!(rows[1].6, vec![unknown]);
    let api_rows = rows_of(&app, api.user.id).await;
    assert_eq!(api_rows.len(), 1);
    assert_eq!(
        (api_rows[0].0.as_str(), api_rows[0].2.as_str()),
        ("refused", "api")
    );
}

#[tokio::test]
async fn the_auditor_filters_the_log_and_reads_a_patients_access_history() {
    // Arrange: a case read by Disdukcapil (page and reveal), refused to another hospital; a
    // second patient's case read by Dinkes.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let other_case = team.case_in(&intake_man(), "nik_check").await;
    let (dukcapil, dukcapil_user) = app.signed_in("dukcapil_prov", None).await;
    let (tch, tch_user) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let page = format!("/kasus/{id}");
    app.get_html(&dukcapil, &page).await;
    let reason = "Verifikasi NIK di SIAK pusat";
    let r = app
        .post_form_from(
            &dukcapil,
            &page,
            &format!("/kasus/{id}/ungkap"),
            &[("alasan", reason)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.get(&tch, &page).await.status(), StatusCode::NOT_FOUND);
    app.get_html(&dinkes, &format!("/kasus/{other_case}")).await;
    let number: String = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the case number");
    let (auditor, auditor_user) = app.signed_in("auditor", None).await;

    // Act: the log filtered by user
    let r = app
        .post_form(
            &auditor,
            "/audit/akses",
            &[
                ("pengguna", dukcapil_user.username.as_str()),
                ("jenis", "reveal"),
            ],
        )
        .await;
    let to = location(&r).expect("a kept filter");
    let by_user = app.get_html(&auditor, &to).await;

    // Assert: one reveal, with its reason and address
    assert_eq!(
        texts(&by_user, "#access-log tbody tr[data-kind=reveal]").len(),
        1
    );
    assert_eq!(texts(&by_user, "#access-log tbody tr").len(), 1);
    assert!(by_user.contains(reason));
    assert!(by_user.contains("127.0.0.1"));
    assert!(by_user.contains(&number));

    // Act: the patient by NIK (never in the address)
    let r = app
        .post_form(&auditor, "/audit/pasien", &[("pasien", NIK_WOMAN)])
        .await;
    let to = location(&r).expect("a kept filter");
    assert!(!to.contains(NIK_WOMAN) && to.starts_with("/audit/pasien?cari="));
    let history = app.get_html(&auditor, &to).await;

    // Assert: every access to this patient's case, none to the other; NIK masked
    assert!(!history.contains(NIK_WOMAN));
    assert_eq!(text(&history, "#history-nik").as_deref(), Some(NIK_MASKED));
    assert_eq!(
        text(&history, "#history-cases").as_deref(),
        Some(number.as_str())
    );
    let kinds = |kind: &str| {
        let css = format!("#patient-access tbody tr[data-kind={kind}]");
        texts(&history, &css).len()
    };
    assert_eq!(kinds("reveal"), 1);
    assert_eq!(kinds("refused"), 1);
    assert!(kinds("read") >= 2, "the Disdukcapil page twice");
    assert!(history.contains(&tch_user.username));
    let other_number: String = sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(other_case)
        .fetch_one(&app.pool)
        .await
        .expect("the other number");
    assert!(!history.contains(&other_number));

    // Act: the same by case number, then the CSV
    let r = app
        .post_form(&auditor, "/audit/pasien", &[("pasien", number.as_str())])
        .await;
    let cari = location(&r)
        .expect("a kept filter")
        .trim_start_matches("/audit/pasien?cari=")
        .to_string();
    let csv = app
        .get(
            &auditor,
            &format!("/audit/pasien/unduh?format=csv&cari={cari}"),
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.expect("the CSV");

    // Assert
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().map(|l| l.trim_start_matches('\u{feff}')),
        Some(
            "Waktu,Nama pengguna,Nama,Peran,Instansi,Kegiatan,Bagian,Nomor kasus,Saluran,Alamat IP,Alasan"
        )
    );
    assert!(csv.contains(reason) && csv.contains("Membuka NIK/KK lengkap"));
    assert!(csv.contains("Ditolak (di luar cakupan)"));
    assert!(!csv.contains(NIK_WOMAN));
    let exported: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM export_log WHERE user_id = $1 AND what = 'access_history' AND format = 'csv'",
    )
    .bind(auditor_user.id)
    .fetch_one(&app.pool)
    .await
    .expect("the export log");
    assert_eq!(exported, 1);

    // Assert: the auditor's own reads are logged, with the patient's case ids and no NIK.
    let own = rows_of(&app, auditor_user.id).await;
    let whats: Vec<&str> = own.iter().map(|r| r.1.as_str()).collect();
    assert!(whats.contains(&"audit_log") && whats.contains(&"audit_patient"));
    assert!(whats.contains(&"access_history"), "{whats:?}");
    assert!(
        own.iter()
            .any(|r| r.1 == "audit_patient" && r.6 == vec![id])
    );
    assert!(
        own.iter()
            .all(|r| !r.8.clone().unwrap_or_default().contains(NIK_WOMAN))
    );

    // The auditor reads no case; the other roles have no audit page.
    assert_eq!(
        app.get(&auditor, &page).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&dinkes, "/audit/akses").await.status(),
        StatusCode::FORBIDDEN
    );
    let events = app.get_html(&auditor, "/audit/peristiwa").await;
    assert!(events.contains("audit-events"));
}

#[tokio::test]
async fn the_auditors_filters_refuse_bad_input_by_field() {
    // Arrange
    let app = spawn_app().await;
    let (auditor, _) = app.signed_in("auditor", None).await;
    let huge = "a".repeat(100_000);

    // Act / Assert
    for (fields, field, message) in [
        (vec![("pasien", "Maria")], "pasien", "nomor kasus"),
        (
            vec![("pasien", "5371025205900009")],
            "pasien",
            "Tidak ada kasus",
        ),
        (
            vec![("pengguna", "tidak_ada")],
            "pengguna",
            "tidak ditemukan",
        ),
        (
            vec![("pengguna", "a\u{0}b")],
            "pengguna",
            "karakter kontrol",
        ),
        (
            vec![("pengguna", huge.as_str())],
            "pengguna",
            "terlalu panjang",
        ),
        (vec![("peran", "raja")], "peran", "pilih dari daftar"),
        (vec![("jenis", "😀")], "jenis", "pilih dari daftar"),
        (vec![("dari", "-9999-01-01")], "dari", "Tanggal dari"),
        (
            vec![("dari", "2026-12-05"), ("sampai", "2026-12-01")],
            "sampai",
            "sebelum",
        ),
    ] {
        let r = app.post_form(&auditor, "/audit/akses", &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let html = r.text().await.expect("the page");
        let error = text(&html, &format!("#{field}-error")).unwrap_or_default();
        assert!(error.contains(message), "{field}: {error}");
    }
    let r = app
        .post_form(&auditor, "/audit/pasien", &[("pasien", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An unknown kept filter is an empty page with a notice; a download of it leads back to
    // choosing a patient.
    let stale = app.get_html(&auditor, "/audit/akses?cari=bukan").await;
    assert!(stale.contains("kedaluwarsa"));
    let r = app
        .get(&auditor, "/audit/pasien/unduh?format=csv&cari=bukan")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/audit/pasien")
    );
    let r = app.get(&auditor, "/audit/peristiwa?dari=-9999-01-01").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
