//! Retention: after the administrator's period since a case closed, the daily sweep removes
//! the patient's personal data and documents while every figure stays; a case closed recently
//! and an open case are untouched. The clock is the application's, moved by the test.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::claims::{accept_and_pay, claim, guaranteed};
use crate::helpers::*;

/// 2026-11-20 10:00 WITA.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
        .single()
        .expect("a time")
}

async fn sweep(app: &TestApp) {
    merajut_sehat::worker::Worker::new(app.cases.clone(), &app.settings)
        .expect("a worker")
        .run_once()
        .await
        .expect("a worker pass");
}

/// The personal columns of a case, and when it was purged.
async fn personal(app: &TestApp, id: Uuid) -> Value {
    let row: (Value,) = sqlx::query_as(
        "SELECT jsonb_build_object('full_name', full_name, 'nik', nik, 'kk', kk_number, \
           'birth_place', birth_place, 'birth_date', birth_date::text, 'address', address, \
           'phone', family_phone, 'clinical', clinical_reason, 'bpjs', bpjs_card_number, \
           'verified_nik', verified_nik, 'sex', sex, 'kab', domicile_kab_kota_code, \
           'state', state::text, 'payer', payer, 'ceiling', guarantee_ceiling, \
           'purged', purged_at IS NOT NULL) FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .expect("the case");
    row.0
}

/// The documents of a case: (id, purged, original name kept).
async fn documents(app: &TestApp, id: Uuid) -> Vec<(Uuid, bool, bool)> {
    sqlx::query_as(
        "SELECT id, purged_at IS NOT NULL, original_name IS NOT NULL FROM documents \
         WHERE case_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .expect("documents")
}

fn on_disk(app: &TestApp, doc: Uuid) -> bool {
    let name = doc.simple().to_string();
    app.settings
        .files_dir()
        .join(&name[..2])
        .join(name)
        .exists()
}

/// Every figure a province system reads: the dashboard, the bottlenecks, realised financing.
async fn figures(tim: &Actor, dinkes: &Actor) -> Vec<Value> {
    let mut out = vec![];
    for (actor, path) in [
        (tim, "/api/v1/dasbor"),
        (tim, "/api/v1/hambatan?dari=2026-11-01&sampai=2026-11-30"),
        (
            tim,
            "/api/v1/hambatan?dari=2026-11-01&sampai=2026-11-30&kelompok=rs",
        ),
        (
            dinkes,
            "/api/v1/klaim/realisasi?from=2026-11-01&to=2026-11-30",
        ),
    ] {
        let r = actor.get(path).await;
        r.expect(StatusCode::OK);
        out.push(r.body);
    }
    out
}

#[tokio::test]
async fn personal_data_is_purged_after_the_period_and_the_figures_stay() {
    // Arrange: B guaranteed, its claim paid, handed over as PBI today; a week later C is
    // registered and withdrawn; A stays open. Default period: five years.
    let app = spawn_app_at(start()).await;
    let team = Team::new(&app).await;
    let tim = actor(&app, "tim", None).await;
    let b = guaranteed(&team, &intake_woman(), "pemprov", 15_000_000).await;
    let b_claim = claim(&app, &team.rsud, b, "2026-10-05", "2026-10-09", "9500000").await;
    accept_and_pay(&team.dinkes_prov, b_claim, "2026-11-20", "9000000").await;
    team.dinsos_prov.step(b, "propose_pbi").await;
    team.bpjs.step(b, "record_pbi_active").await;
    app.clock.advance(Duration::days(7));
    let c = team.create(&intake_man()).await;
    team.rsud
        .upload(c, "kk", PNG, "kk.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(c, "withdraw").await;
    let a = team.case_in(&intake_serial(7, "53.71"), "nik_check").await;
    let b_docs = documents(&app, b).await;
    assert_eq!(b_docs.len(), 2, "the KTP and the claim's document");
    let c_before = personal(&app, c).await;
    let a_before = personal(&app, a).await;
    // 5 years and 3 days after B closed; 4 days short of 5 years after C closed.
    app.clock.advance(Duration::days(1822));
    let before = figures(&tim, &team.dinkes_prov).await;

    // Act
    sweep(&app).await;

    // Assert: B keeps what the figures count, and nothing that identifies the patient.
    let b_after = personal(&app, b).await;
    assert_eq!(
        b_after,
        serde_json::json!({
            "full_name": "Data pribadi dihapus", "nik": null, "kk": null, "birth_place": null,
            "birth_date": "1990-01-01", "address": null, "phone": null, "clinical": null,
            "bpjs": null, "verified_nik": null, "sex": "P", "kab": "53.71",
            "state": "handed_over", "payer": "pemprov", "ceiling": 15_000_000, "purged": true
        })
    );
    let b_docs_after = documents(&app, b).await;
    assert_eq!(
        b_docs_after,
        b_docs
            .iter()
            .map(|(id, _, _)| (*id, true, false))
            .collect::<Vec<_>>()
    );
    for (doc, _, _) in &b_docs {
        assert!(!on_disk(&app, *doc), "document {doc} is still on disk");
    }
    let paid: (String, i64) =
        sqlx::query_as("SELECT status::text, amount_paid FROM claims WHERE id = $1")
            .bind(b_claim)
            .fetch_one(&app.pool)
            .await
            .expect("the claim");
    assert_eq!(paid, ("paid".to_string(), 9_000_000));
    // The figures are the same, and are what was counted by hand.
    let after = figures(&tim, &team.dinkes_prov).await;
    assert_eq!(after, before);
    assert_eq!(after[3]["total_paid"], 9_000_000);
    assert_eq!(after[3]["total_claims"], 1);
    // C (closed less than five years ago) and A (open) are untouched.
    assert_eq!(personal(&app, c).await, c_before);
    assert_eq!(c_before["full_name"], "Yohanes Nenobais");
    assert_eq!(personal(&app, a).await, a_before);
    assert!(
        documents(&app, c)
            .await
            .iter()
            .all(|(d, purged, _)| !purged && on_disk(&app, *d))
    );
    // The purge is audited with the case number and counts, nothing personal.
    let audit: Vec<(String, Value)> =
        sqlx::query_as("SELECT target, detail FROM audit_log WHERE event = 'case.retention_purge'")
            .fetch_all(&app.pool)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, b.to_string());
    assert_eq!(audit[0].1["documents"], 2);
    let detail = audit[0].1.to_string();
    assert!(
        !detail.contains(NIK_WOMAN) && !detail.contains("Maria"),
        "{detail}"
    );
    // The case page says so; the document is gone for the API too.
    let (client, _) = app.signed_in("dinkes_prov", None).await;
    let html = app.get_html(&client, &format!("/kasus/{b}")).await;
    assert_eq!(
        text(&html, "#purged-note strong").as_deref(),
        Some("Data pribadi telah dihapus sesuai masa retensi")
    );
    assert!(!html.contains("Maria Goreti") && !html.contains("Timor Raya"));
    let ktp = team
        .dukcapil_prov
        .get_raw(&format!("/api/v1/cases/{b}/documents/{}", b_docs[0].0))
        .await;
    assert_eq!(ktp.status(), StatusCode::NOT_FOUND);

    // Act again: a week later C's period has passed too; A is still open.
    app.clock.advance(Duration::days(7));
    sweep(&app).await;

    // Assert
    assert_eq!(personal(&app, c).await["full_name"], "Data pribadi dihapus");
    assert_eq!(personal(&app, a).await, a_before);
    assert_eq!(figures(&tim, &team.dinkes_prov).await[3], before[3]);
}

#[tokio::test]
async fn the_administrator_sets_the_period_with_checks() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;

    // Act: hostile values, then a valid period.
    let mut refused = vec![];
    for (years, months) in [
        ("0", "6"),
        ("31", "0"),
        ("-9999", "0"),
        ("5", "12"),
        ("lima\u{0}", "💥"),
        (&"9".repeat(100_000)[..], "0"),
    ] {
        let r = app
            .post_form(
                &admin,
                "/admin/retensi",
                &[("years", years), ("months", months)],
            )
            .await;
        let status = r.status();
        let html = r.text().await.expect("page");
        refused.push((status, texts(&html, ".field-error")));
    }
    let saved = app
        .post_form(&admin, "/admin/retensi", &[("years", "2"), ("months", "6")])
        .await;

    // Assert
    for (status, errors) in &refused {
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{errors:?}");
        assert!(!errors.is_empty());
    }
    assert_eq!(
        refused[0].1,
        ["Masa retensi: paling singkat 1 tahun, paling lama 30 tahun."]
    );
    assert_eq!(refused[3].1, ["Bulan: isi bilangan bulat 0–11."]);
    assert_redirect(&saved, "/admin/retensi");
    let months: i32 = sqlx::query_scalar("SELECT months FROM retention_settings")
        .fetch_one(&app.pool)
        .await
        .expect("the setting");
    assert_eq!(months, 30);
    let html = app.get_html(&admin, "/admin/retensi").await;
    assert_eq!(
        text(&html, "#retention-months").as_deref(),
        Some("2 tahun 6 bulan")
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'retention.save'")
            .fetch_one(&app.pool)
            .await
            .expect("audit");
    assert_eq!(audited, 1);
}

/// Every text of the free-text places of case `id`: its history's reasons and evidence, its
/// claims' step reasons, its over-quota reason.
async fn free_text(app: &TestApp, id: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT coalesce(reason, '') || ' ' || evidence::text FROM case_history WHERE case_id = $1 \
         UNION ALL SELECT h.reason FROM claim_history h JOIN claims c ON c.id = h.claim_id \
           WHERE c.case_id = $1 AND h.reason IS NOT NULL \
         UNION ALL SELECT over_quota_reason FROM quota_charges \
           WHERE case_id = $1 AND over_quota_reason IS NOT NULL",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .expect("the free text")
}

#[tokio::test]
async fn the_purge_replaces_the_free_text_about_the_case_and_keeps_its_codes() {
    // Arrange: B sent back by Dukcapil ("Foto KTP buram"), resubmitted with a note, guaranteed
    // beyond the quota with a reason, a claim returned once and paid, handed over; C withdrawn
    // ("Meninggal di IGD"). Both closed today.
    let app = spawn_app_at(start()).await;
    let team = Team::new(&app).await;
    let tim = actor(&app, "tim", None).await;
    let b = team.case_in(&intake_woman(), "nik_check").await;
    team.dukcapil_prov.step(b, "return_to_rsud").await;
    team.rsud.step(b, "resubmit").await;
    team.dukcapil_prov.step(b, "verify_nik").await;
    team.dinsos_prov.step(b, "record_desil").await;
    let mut approval = valid_fields("approve_guarantee");
    approval["payer"] = serde_json::json!("pemprov");
    team.dinkes_prov
        .step_with(b, "approve_guarantee", approval)
        .await;
    let b_claim = claim(&app, &team.rsud, b, "2026-10-05", "2026-10-09", "9500000").await;
    accept_and_pay(&team.dinkes_prov, b_claim, "2026-11-20", "9000000").await;
    team.dinsos_prov.step(b, "propose_pbi").await;
    team.bpjs.step(b, "record_pbi_active").await;
    // A return of the claim and an approval beyond the quota, as earlier rounds left them.
    sqlx::query(
        "INSERT INTO claim_history (claim_id, action, from_status, to_status, from_version, \
           actor_id, actor_role, at, reason) \
         SELECT id, 'return', 'submitted'::claim_status, 'returned'::claim_status, 1, \
           submitted_by, 'dinkes_prov'::user_role, \
           submitted_at, 'Kuitansi atas nama Maria tidak terbaca' FROM claims WHERE id = $1",
    )
    .bind(b_claim)
    .execute(&app.pool)
    .await
    .expect("a claim return");
    sqlx::query(
        "UPDATE quota_charges SET over_quota = true, \
           over_quota_reason = 'Maria kritis, kuota habis' WHERE case_id = $1",
    )
    .bind(b)
    .execute(&app.pool)
    .await
    .expect("an over-quota reason");
    let c = team.create(&intake_man()).await;
    team.rsud.step(c, "withdraw").await;
    let written = [free_text(&app, b).await, free_text(&app, c).await].concat();
    for typed in [
        "Foto KTP buram",
        "Sudah diperbaiki",
        "Meninggal di IGD",
        "Maria",
    ] {
        assert!(
            written.iter().any(|t| t.contains(typed)),
            "{typed} in {written:?}"
        );
    }
    app.clock.advance(Duration::days(1830));
    let before = figures(&tim, &team.dinkes_prov).await;

    // Act: the sweep as the service runs it, with the restricted database role.
    let service = merajut_sehat::cases::CaseService {
        pool: app.app_pool.clone(),
        ..app.cases.clone()
    };
    merajut_sehat::worker::Worker::new(service, &app.settings)
        .expect("a worker")
        .run_once()
        .await
        .expect("a worker pass");

    // Assert: no typed text is left, only the marker; the codes the figures read stay.
    for id in [b, c] {
        assert_eq!(personal(&app, id).await["purged"], true);
        let left = free_text(&app, id).await;
        for typed in ["buram", "diperbaiki", "IGD", "Maria", "kritis"] {
            assert!(
                !left.iter().any(|t| t.contains(typed)),
                "{typed} in {left:?}"
            );
        }
    }
    let reasons: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT reason FROM case_history WHERE case_id = $1 AND action = 'return_to_rsud'",
    )
    .bind(b)
    .fetch_all(&app.pool)
    .await
    .expect("the history");
    assert_eq!(
        reasons,
        [Some("[dihapus: masa retensi berakhir]".to_string())]
    );
    let codes: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT evidence->>'reason_code' FROM case_history \
         WHERE case_id = ANY($1) AND action IN ('return_to_rsud', 'withdraw') ORDER BY id",
    )
    .bind(vec![b, c])
    .fetch_all(&app.pool)
    .await
    .expect("the history");
    assert_eq!(
        codes,
        [
            Some("foto_tidak_terbaca".to_string()),
            Some("meninggal".to_string())
        ]
    );
    assert_eq!(figures(&tim, &team.dinkes_prov).await, before);
    let audit: Vec<Value> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE event = 'case.retention_purge' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit");
    assert_eq!(audit.len(), 2);
    assert!(
        audit.iter().all(|d| d["free_text"].as_i64() > Some(0)),
        "{audit:?}"
    );
}
