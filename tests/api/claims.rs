//! Claims (`/api/v1/klaim`, `/klaim`): the hospital records a claim for a guaranteed case,
//! Dinkes prov verifies it and records the payment; the paid sums are the realised financing.
//! Every figure below is computed by hand from the fixture claims.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// A PDF that parses.
const PDF: &[u8] = TEST_PDF;

/// 2026-11-20 10:00 WITA: after the guarantees of the fixture start (2026-10-01).
fn november_20() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
        .single()
        .expect("a time")
}

/// A guaranteed case from `intake` at `team`'s hospital: guarantee from 2026-10-01 (open
/// ended), `payer`, ceiling `ceiling`.
pub(crate) async fn guaranteed(team: &Team, intake: &Value, payer: &str, ceiling: i64) -> Uuid {
    let id = team.case_in(intake, "guarantee_review").await;
    team.dinkes_prov
        .step_with(
            id,
            "approve_guarantee",
            json!({"letter_number": "440/77/DINKES/2026", "start_date": PAST, "payer": payer, "ceiling": ceiling}),
        )
        .await;
    id
}

/// `POST /api/v1/klaim` as `actor`: `fields` as text parts, `file` as the claim document.
async fn submit(
    app: &TestApp,
    actor: &Actor,
    case_id: Uuid,
    fields: &[(&str, &str)],
    file: Option<&[u8]>,
) -> Reply {
    let mut form = reqwest::multipart::Form::new().text("case_id", case_id.to_string());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(bytes) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("klaim.pdf"),
        );
    }
    let response = actor
        .http
        .post(app.url("/api/v1/klaim"))
        .multipart(form)
        .send()
        .await
        .expect("POST /api/v1/klaim");
    reply(response).await
}

/// Submits a valid claim for `[start, end]` of `amount`; returns its id.
pub(crate) async fn claim(
    app: &TestApp,
    rsud: &Actor,
    case_id: Uuid,
    start: &str,
    end: &str,
    amount: &str,
) -> Uuid {
    let r = submit(
        app,
        rsud,
        case_id,
        &[
            ("care_start", start),
            ("care_end", end),
            ("amount_claimed", amount),
        ],
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::CREATED);
    claim_id(&r)
}

#[track_caller]
fn claim_id(r: &Reply) -> Uuid {
    r.body["claim"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no claim id in {}", r.body))
}

fn version(r: &Reply) -> i64 {
    r.body["claim"]["version"].as_i64().unwrap_or(-1)
}

/// A step of Dinkes prov on the claim's current version.
pub(crate) async fn step(actor: &Actor, id: Uuid, action: &str, fields: Value) -> Reply {
    let current = actor.get(&format!("/api/v1/klaim/{id}")).await;
    current.expect(StatusCode::OK);
    let mut body = fields;
    body["version"] = json!(version(&current));
    actor
        .post(&format!("/api/v1/klaim/{id}/actions/{action}"), &body)
        .await
}

/// Accepts and pays a claim.
pub(crate) async fn accept_and_pay(dinkes: &Actor, id: Uuid, paid_on: &str, amount: &str) {
    step(dinkes, id, "accept", json!({}))
        .await
        .expect(StatusCode::OK);
    step(
        dinkes,
        id,
        "pay",
        json!({"paid_on": paid_on, "amount_paid": amount}),
    )
    .await
    .expect(StatusCode::OK);
}

async fn claim_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM claims")
        .fetch_one(&app.pool)
        .await
        .expect("counting claims")
}

/// The rows of a realised answer as (payer, kab/kota, hospital name, claims, amount).
fn realised_rows(r: &Reply) -> Vec<(String, String, String, i64, i64)> {
    r.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|l| {
            (
                l["payer"].as_str().unwrap_or_default().to_string(),
                l["kab_kota_code"].as_str().unwrap_or_default().to_string(),
                l["hospital_name"].as_str().unwrap_or_default().to_string(),
                l["claims"].as_i64().unwrap_or(-1),
                l["amount_paid"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

const TCH_NAME: &str = "RSUD dr. T.C. Hillers Maumere";

/// The fixture of the realised figures: four paid claims, two on 2026-11-30 and two on
/// 2026-12-01, plus an accepted and a returned claim that were never paid.
///
/// | claim | hospital | origin | payer       | claimed    | paid       | paid on    |
/// |-------|----------|--------|-------------|------------|------------|------------|
/// | A1    | WZJ      | 53.71  | pemprov     | 12.500.000 | 12.000.000 | 2026-11-30 |
/// | A2    | WZJ      | 53.71  | pemprov     |  7.250.000 |  7.250.000 | 2026-12-01 |
/// | B1    | WZJ      | 53.10  | pemkab_asal |  9.000.000 |  8.500.000 | 2026-11-30 |
/// | C1    | TCH      | 53.71  | pemprov     |  4.000.000 |  4.000.000 | 2026-12-01 |
/// | C2    | TCH      | 53.71  | pemprov     |  3.000.000 | (accepted, unpaid)      |
/// | A3    | WZJ      | 53.71  | pemprov     |  1.000.000 | (returned)              |
struct Fixture {
    app: TestApp,
    wzj: Team,
    tch: Team,
}

async fn fixture() -> Fixture {
    let app = spawn_app_at(november_20()).await;
    let wzj = Team::new(&app).await;
    let tch = Team::at(&app, "RSUD-TCH", "53.10").await;
    let case_a = guaranteed(&wzj, &intake_serial(1, "53.71"), "pemprov", 50_000_000).await;
    let case_b = guaranteed(&wzj, &intake_serial(2, "53.10"), "pemkab_asal", 50_000_000).await;
    let case_c = guaranteed(&tch, &intake_serial(3, "53.71"), "pemprov", 50_000_000).await;
    let a1 = claim(
        &app,
        &wzj.rsud,
        case_a,
        "2026-10-01",
        "2026-10-15",
        "12.500.000",
    )
    .await;
    let a2 = claim(
        &app,
        &wzj.rsud,
        case_a,
        "2026-10-16",
        "2026-10-31",
        "Rp7.250.000",
    )
    .await;
    let a3 = claim(
        &app,
        &wzj.rsud,
        case_a,
        "2026-11-01",
        "2026-11-02",
        "1000000",
    )
    .await;
    let b1 = claim(
        &app,
        &wzj.rsud,
        case_b,
        "2026-10-05",
        "2026-10-20",
        "9.000.000",
    )
    .await;
    let c1 = claim(
        &app,
        &tch.rsud,
        case_c,
        "2026-10-02",
        "2026-10-10",
        "4.000.000",
    )
    .await;
    let c2 = claim(
        &app,
        &tch.rsud,
        case_c,
        "2026-10-11",
        "2026-10-12",
        "3.000.000",
    )
    .await;
    // Payments are recorded on 2 December.
    app.clock.advance(Duration::days(12));
    let dinkes = &wzj.dinkes_prov;
    accept_and_pay(dinkes, a1, "2026-11-30", "12.000.000").await;
    accept_and_pay(dinkes, a2, "2026-12-01", "7.250.000").await;
    accept_and_pay(dinkes, b1, "2026-11-30", "8.500.000").await;
    accept_and_pay(dinkes, c1, "2026-12-01", "4.000.000").await;
    step(dinkes, c2, "accept", json!({}))
        .await
        .expect(StatusCode::OK);
    step(
        dinkes,
        a3,
        "return",
        json!({"reason": "Berkas tidak terbaca"}),
    )
    .await
    .expect(StatusCode::OK);
    Fixture { app, wzj, tch }
}

#[tokio::test]
async fn realised_financing_sums_paid_claims_per_payer_kab_and_hospital_across_a_month_boundary() {
    // Arrange
    let Fixture { app, wzj, tch } = fixture().await;
    let prov = &wzj.dinkes_prov;

    // Act: November, December, and the two days around the boundary.
    let november = prov
        .get("/api/v1/klaim/realisasi?from=2026-11-01&to=2026-11-30")
        .await;
    let december = prov
        .get("/api/v1/klaim/realisasi?from=2026-12-01&to=2026-12-31")
        .await;
    let boundary = prov
        .get("/api/v1/klaim/realisasi?from=2026-11-30&to=2026-12-01")
        .await;

    // Assert: November holds A1 and B1 (paid on its last day), not A2 or C1 (paid on the
    // first of December).
    november.expect(StatusCode::OK);
    assert_eq!(
        realised_rows(&november),
        vec![
            (
                "pemkab_asal".into(),
                "53.10".into(),
                WZJ_NAME.into(),
                1,
                8_500_000
            ),
            (
                "pemprov".into(),
                "53.71".into(),
                WZJ_NAME.into(),
                1,
                12_000_000
            ),
        ]
    );
    assert_eq!(november.body["total_paid"], 20_500_000);
    assert_eq!(november.body["total_paid_text"], "Rp20.500.000");
    assert_eq!(november.body["total_claims"], 2);
    december.expect(StatusCode::OK);
    let mut dec = realised_rows(&december);
    dec.sort();
    assert_eq!(
        dec,
        vec![
            (
                "pemprov".into(),
                "53.71".into(),
                WZJ_NAME.into(),
                1,
                7_250_000
            ),
            (
                "pemprov".into(),
                "53.71".into(),
                TCH_NAME.into(),
                1,
                4_000_000
            ),
        ]
    );
    assert_eq!(december.body["total_paid"], 11_250_000);
    // Both days: A1 + A2 = 19.250.000 for Pemprov at WZJ; the accepted C2 and the returned A3
    // are not realised.
    boundary.expect(StatusCode::OK);
    assert_eq!(boundary.body["total_paid"], 31_750_000);
    assert_eq!(boundary.body["total_claims"], 4);
    let per_payer: Vec<(String, i64, i64)> = boundary.body["per_payer"]
        .as_array()
        .expect("per payer")
        .iter()
        .map(|p| {
            (
                p["payer"].as_str().unwrap_or_default().to_string(),
                p["claims"].as_i64().unwrap_or(-1),
                p["amount_paid"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        per_payer,
        vec![
            ("pemprov".into(), 3, 23_250_000),
            ("pemkab_asal".into(), 1, 8_500_000)
        ]
    );

    // Filters: one hospital (A1 + A2 + B1), one kab/kota of origin (A1 + A2 + C1).
    let wzj_id: String =
        sqlx::query_scalar("SELECT id::text FROM hospitals WHERE code = 'RSUD-WZJ'")
            .fetch_one(&app.pool)
            .await
            .expect("hospital");
    let by_hospital = prov
        .get(&format!(
            "/api/v1/klaim/realisasi?from=2026-11-01&to=2026-12-31&hospital_id={wzj_id}"
        ))
        .await;
    assert_eq!(by_hospital.body["total_paid"], 27_750_000);
    let by_kab = prov
        .get("/api/v1/klaim/realisasi?from=2026-11-01&to=2026-12-31&kab_kota_code=53.71")
        .await;
    assert_eq!(by_kab.body["total_paid"], 23_250_000);

    // Scope: Dinkes Sikka sees only B1, whatever it asks; RSUD-TCH only C1.
    let sikka = actor(&app, "dinkes_kab", Some("53.10")).await;
    let r = sikka
        .get("/api/v1/klaim/realisasi?from=2026-11-01&to=2026-12-31&kab_kota_code=53.71")
        .await;
    assert_eq!(
        realised_rows(&r),
        vec![(
            "pemkab_asal".into(),
            "53.10".into(),
            WZJ_NAME.into(),
            1,
            8_500_000
        )]
    );
    let r = tch
        .rsud
        .get("/api/v1/klaim/realisasi?from=2026-11-01&to=2026-12-31")
        .await;
    assert_eq!(r.body["total_paid"], 4_000_000);

    // The same figures from the database function the reports read.
    let filter = merajut_sehat::db::claims::RealisedFilter {
        from: "2026-11-30".parse().expect("a date"),
        to: "2026-11-30".parse().expect("a date"),
        hospital_id: None,
        kab_kota_code: None,
    };
    let rows = merajut_sehat::db::claims::realised(&app.pool, &filter)
        .await
        .expect("realised");
    let total: i64 = rows.iter().map(|r| r.amount_paid.0).sum();
    assert_eq!(total, 20_500_000);

    // Every realised read is in the export log.
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM export_log WHERE what = 'realisasi' AND format = 'json'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("export log");
    assert_eq!(logged, 7);

    // A reversed period is a field error.
    let reversed = prov
        .get("/api/v1/klaim/realisasi?from=2026-12-01&to=2026-11-01")
        .await;
    reversed.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reversed.error_fields(), vec!["to"]);
    let ancient = prov.get("/api/v1/klaim/realisasi?from=-9999-01-01").await;
    ancient.expect(StatusCode::UNPROCESSABLE_ENTITY);

    // The daily counts the figures are summed from stay equal to the claims whatever writes
    // them: several paid claims changed by one statement, a payment moved to another day, one
    // taken back, one deleted.
    paid_daily_is_true(&app, "after the payments").await;
    for (when, statement) in [
        (
            "amounts changed",
            "UPDATE claims SET amount_paid = amount_paid - 1000 WHERE status = 'paid'",
        ),
        (
            "a day moved",
            "UPDATE claims SET paid_on = paid_on + 1 \
             WHERE id = (SELECT id FROM claims WHERE status = 'paid' ORDER BY number LIMIT 1)",
        ),
        (
            "a payment taken back",
            "UPDATE claims SET status = 'accepted', paid_on = NULL, amount_paid = NULL, \
                 payment_reference = NULL, paid_by = NULL, paid_recorded_at = NULL \
             WHERE id = (SELECT id FROM claims WHERE status = 'paid' ORDER BY number DESC LIMIT 1)",
        ),
        (
            "a claim deleted",
            "WITH c AS (SELECT id FROM claims WHERE status = 'paid' ORDER BY number LIMIT 1), \
                  h AS (DELETE FROM claim_history WHERE claim_id IN (SELECT id FROM c)) \
             DELETE FROM claims WHERE id IN (SELECT id FROM c)",
        ),
    ] {
        sqlx::query(statement)
            .execute(&app.pool)
            .await
            .unwrap_or_else(|e| panic!("{when}: {e}"));
        paid_daily_is_true(&app, when).await;
    }
}

/// The daily counts of paid claims (`claims_paid_daily`) equal a count of the claims.
async fn paid_daily_is_true(app: &TestApp, when: &str) {
    let differences: i64 = sqlx::query_scalar(
        "WITH daily AS (SELECT paid_on, payer, kab_kota_code, hospital_id, claims, amount_paid \
                        FROM claims_paid_daily WHERE claims <> 0 OR amount_paid <> 0), \
              direct AS (SELECT paid_on, payer, kab_kota_code, hospital_id, count(*) AS claims, \
                                sum(amount_paid)::bigint AS amount_paid \
                         FROM claims WHERE status = 'paid' GROUP BY 1, 2, 3, 4) \
         SELECT count(*) FROM ((TABLE daily EXCEPT TABLE direct) \
                               UNION ALL (TABLE direct EXCEPT TABLE daily)) x",
    )
    .fetch_one(&app.pool)
    .await
    .expect("the differences");
    let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM claims WHERE status = 'paid'")
        .fetch_one(&app.pool)
        .await
        .expect("the paid claims");
    assert_eq!(differences, 0, "{when}");
    assert!(paid > 0, "{when}: nothing paid left to compare");
}

#[tokio::test]
async fn a_claim_is_sent_back_resubmitted_accepted_and_paid_with_its_history() {
    // Arrange
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 20_000_000).await;

    // Act: submit, send back, resubmit with a corrected amount, accept, pay.
    let submitted = submit(
        &app,
        &team.rsud,
        case,
        &[
            ("care_start", "2026-10-01"),
            ("care_end", "2026-10-10"),
            ("amount_claimed", "Rp12.500.000"),
            ("ina_cbg_code", "a-4-10-i"),
        ],
        Some(PDF),
    )
    .await;
    submitted.expect(StatusCode::CREATED);
    let id = claim_id(&submitted);
    let c = &submitted.body["claim"];
    assert_eq!(c["status"], "submitted");
    assert_eq!(c["amount_claimed"], 12_500_000);
    assert_eq!(c["amount_claimed_text"], "Rp12.500.000");
    assert_eq!(c["ina_cbg_code"], "A-4-10-I");
    assert_eq!(c["care_days"], 10);
    assert_eq!(c["patient_nik"], "5371********0001");
    assert!(
        c["number"]
            .as_str()
            .is_some_and(|n| n.starts_with("KLM-2026-"))
    );
    // The hospital cannot accept its own claim.
    let own = team
        .rsud
        .post(
            &format!("/api/v1/klaim/{id}/actions/accept"),
            &json!({"version": 1}),
        )
        .await;
    own.expect(StatusCode::FORBIDDEN);

    let returned = step(
        &team.dinkes_prov,
        id,
        "return",
        json!({"reason": "Nilai tidak sesuai rincian"}),
    )
    .await;
    returned.expect(StatusCode::OK);
    assert_eq!(returned.body["claim"]["status"], "returned");
    assert_eq!(
        returned.body["claim"]["return_reason"],
        "Nilai tidak sesuai rincian"
    );
    // Dinkes cannot accept a claim that is back at the hospital.
    let early = step(&team.dinkes_prov, id, "accept", json!({})).await;
    early.expect(StatusCode::CONFLICT);

    let form = reqwest::multipart::Form::new()
        .text("version", "2")
        .text("care_start", "2026-10-01")
        .text("care_end", "2026-10-10")
        .text("amount_claimed", "11.800.000")
        .text("ina_cbg_code", "A-4-10-I");
    let resubmitted = reply(
        team.rsud
            .http
            .post(app.url(&format!("/api/v1/klaim/{id}/resubmit")))
            .multipart(form)
            .send()
            .await
            .expect("resubmit"),
    )
    .await;
    resubmitted.expect(StatusCode::OK);
    assert_eq!(resubmitted.body["claim"]["status"], "submitted");
    assert_eq!(resubmitted.body["claim"]["amount_claimed"], 11_800_000);
    assert_eq!(resubmitted.body["claim"]["return_reason"], Value::Null);

    step(&team.dinkes_prov, id, "accept", json!({}))
        .await
        .expect(StatusCode::OK);
    // More than claimed (one rupiah over) and sen are refused, naming the field.
    let over = step(
        &team.dinkes_prov,
        id,
        "pay",
        json!({"paid_on": "2026-11-20", "amount_paid": "11.800.001"}),
    )
    .await;
    over.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        over.field_message("amount_paid"),
        "Nilai dibayar (Rp11.800.001) melebihi nilai klaim (Rp11.800.000)."
    );
    let sen = step(
        &team.dinkes_prov,
        id,
        "pay",
        json!({"paid_on": "2026-11-20", "amount_paid": 11_000_000.5}),
    )
    .await;
    sen.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(sen.error_fields(), vec!["amount_paid"]);
    // A payment dated before the claim was submitted.
    let before = step(
        &team.dinkes_prov,
        id,
        "pay",
        json!({"paid_on": "2026-11-19", "amount_paid": "11.800.000"}),
    )
    .await;
    before.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(before.error_fields(), vec!["paid_on"]);

    let paid = step(&team.dinkes_prov, id, "pay", json!({"paid_on": "2026-11-20", "amount_paid": 11_500_000, "payment_reference": "SP2D-0091/2026"})).await;

    // Assert
    paid.expect(StatusCode::OK);
    let c = &paid.body["claim"];
    assert_eq!(c["status"], "paid");
    assert_eq!(c["amount_paid"], 11_500_000);
    assert_eq!(c["amount_paid_text"], "Rp11.500.000");
    assert_eq!(c["paid_on"], "2026-11-20");
    assert_eq!(c["version"], 5);
    assert_eq!(c["available_actions"], json!([]));
    let history: Vec<(String, String, String, Option<i64>)> = paid.body["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap_or_default().to_string(),
                s["to_status"].as_str().unwrap_or_default().to_string(),
                s["actor_role"].as_str().unwrap_or_default().to_string(),
                s["from_version"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            ("submit".into(), "submitted".into(), "rsud".into(), None),
            (
                "return".into(),
                "returned".into(),
                "dinkes_prov".into(),
                Some(1)
            ),
            (
                "resubmit".into(),
                "submitted".into(),
                "rsud".into(),
                Some(2)
            ),
            (
                "accept".into(),
                "accepted".into(),
                "dinkes_prov".into(),
                Some(3)
            ),
            ("pay".into(), "paid".into(), "dinkes_prov".into(), Some(4)),
        ]
    );
    assert_eq!(
        paid.body["history"][1]["reason"],
        "Nilai tidak sesuai rincian"
    );
    assert_eq!(paid.body["history"][4]["detail"]["amount_paid"], 11_500_000);
    // Nothing more can be done to a paid claim.
    let again = step(
        &team.dinkes_prov,
        id,
        "pay",
        json!({"paid_on": "2026-11-20", "amount_paid": 1}),
    )
    .await;
    again.expect(StatusCode::CONFLICT);
    // The case page lists the claim.
    let case_claims: i64 = sqlx::query_scalar("SELECT count(*) FROM claim_history h JOIN claims c ON c.id = h.claim_id WHERE c.case_id = $1")
        .bind(case)
        .fetch_one(&app.pool)
        .await
        .expect("history rows");
    assert_eq!(case_claims, 5);
}

#[tokio::test]
async fn a_stale_version_is_refused_and_changes_nothing() {
    // Arrange
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 20_000_000).await;
    let id = claim(
        &app,
        &team.rsud,
        case,
        "2026-10-01",
        "2026-10-05",
        "5.000.000",
    )
    .await;
    step(&team.dinkes_prov, id, "accept", json!({}))
        .await
        .expect(StatusCode::OK);

    // Act: a second Dinkes user acting on version 1, which the first one already moved on.
    let other = actor(&app, "dinkes_prov", None).await;
    let stale = other
        .post(
            &format!("/api/v1/klaim/{id}/actions/return"),
            &json!({"version": 1, "reason": "Terlambat"}),
        )
        .await;

    // Assert
    stale.expect(StatusCode::CONFLICT);
    assert!(stale.message().contains(STALE_PART), "{}", stale.message());
    assert!(stale.message().starts_with("Klaim ini"));
    assert_eq!(stale.body["current_version"], 2);
    let (status, version): (String, i32) =
        sqlx::query_as("SELECT status::text, version FROM claims WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("claim");
    assert_eq!((status.as_str(), version), ("accepted", 2));
}

#[tokio::test]
async fn claims_must_fit_a_guarantee_that_exists() {
    // Arrange
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let not_guaranteed = team.case_in(&intake_man(), "desil_check").await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 10_000_000).await;
    let valid = |start: &'static str, end: &'static str, amount: &'static str| {
        [
            ("care_start", start),
            ("care_end", end),
            ("amount_claimed", amount),
        ]
    };

    // Act / Assert: a case without a guarantee letter.
    let r = submit(
        &app,
        &team.rsud,
        not_guaranteed,
        &valid("2026-10-01", "2026-10-05", "1.000.000"),
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::CONFLICT);
    assert!(r.message().contains("belum dijamin"), "{}", r.message());

    // Care starting the day before the guarantee (2026-10-01).
    let r = submit(
        &app,
        &team.rsud,
        case,
        &valid("2026-09-30", "2026-10-05", "1.000.000"),
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), vec!["care_start"]);
    assert!(
        r.field_message("care_start")
            .contains("di luar masa jaminan (mulai 01-10-2026)")
    );

    // Above the ceiling of 10.000.000, then the whole ceiling.
    let r = submit(
        &app,
        &team.rsud,
        case,
        &valid("2026-10-01", "2026-10-05", "10.000.001"),
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), vec!["amount_claimed"]);
    claim(
        &app,
        &team.rsud,
        case,
        "2026-10-01",
        "2026-10-05",
        "6.000.000",
    )
    .await;
    let r = submit(
        &app,
        &team.rsud,
        case,
        &valid("2026-10-06", "2026-10-07", "4.000.001"),
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.field_message("amount_claimed")
            .contains("sisa Rp4.000.000")
    );

    // A period sharing its first day with the first claim's last day.
    let r = submit(
        &app,
        &team.rsud,
        case,
        &valid("2026-10-05", "2026-10-07", "1.000.000"),
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.field_message("care_start").contains("bertumpuk"));
    // The next day is fine: a case may have several claims, one per period.
    claim(
        &app,
        &team.rsud,
        case,
        "2026-10-06",
        "2026-10-07",
        "4.000.000",
    )
    .await;

    // No document.
    let r = submit(
        &app,
        &team.rsud,
        case,
        &valid("2026-10-08", "2026-10-09", "1"),
        None,
    )
    .await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), vec!["file"]);
    assert_eq!(claim_count(&app).await, 2);
}

/// Fields that replace the valid ones, the file sent, and the one field refused.
type HostileCase<'a> = (Vec<(&'a str, &'a str)>, Option<&'a [u8]>, &'a str);

#[tokio::test]
async fn hostile_claim_inputs_are_field_errors_and_store_nothing() {
    // Arrange
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 20_000_000).await;
    let long_code = "A".repeat(100 * 1024);
    let cases: Vec<HostileCase> = vec![
        (vec![("amount_claimed", "-1")], Some(PDF), "amount_claimed"),
        (vec![("amount_claimed", "1e9")], Some(PDF), "amount_claimed"),
        (
            vec![("amount_claimed", "Rp 1.000.000,50")],
            Some(PDF),
            "amount_claimed",
        ),
        (
            vec![("amount_claimed", "100000000000000000000")],
            Some(PDF),
            "amount_claimed",
        ),
        (
            vec![("amount_claimed", "1\u{0}000")],
            Some(PDF),
            "amount_claimed",
        ),
        (vec![("amount_claimed", "💸")], Some(PDF), "amount_claimed"),
        (
            vec![("ina_cbg_code", "A-4-10-I\u{0}")],
            Some(PDF),
            "ina_cbg_code",
        ),
        (
            vec![("ina_cbg_code", long_code.as_str())],
            Some(PDF),
            "ina_cbg_code",
        ),
        (vec![("ina_cbg_code", "🏥")], Some(PDF), "ina_cbg_code"),
        (vec![("care_start", "-9999-01-01")], Some(PDF), "care_start"),
        (vec![("care_end", "2026-02-30")], Some(PDF), "care_end"),
        (vec![], Some(&b""[..]), "file"),
        (vec![], Some(&b"MZ not a document"[..]), "file"),
    ];
    for (overrides, file, field) in cases {
        let mut fields = vec![
            ("care_start", "2026-10-01"),
            ("care_end", "2026-10-05"),
            ("amount_claimed", "1.000.000"),
        ];
        for (k, v) in overrides.iter().copied() {
            fields.retain(|(name, _)| *name != k);
            fields.push((k, v));
        }

        // Act
        let r = submit(&app, &team.rsud, case, &fields, file).await;

        // Assert
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{overrides:?}: {}",
            r.body
        );
        assert_eq!(r.error_fields(), vec![field.to_string()], "{overrides:?}");
    }
    // Not multipart at all.
    let r = team
        .rsud
        .post("/api/v1/klaim", &json!({"case_id": case}))
        .await;
    r.expect(StatusCode::BAD_REQUEST);
    assert_eq!(claim_count(&app).await, 0);
    let docs: i64 = sqlx::query_scalar("SELECT count(*) FROM documents WHERE kind = 'klaim'")
        .fetch_one(&app.pool)
        .await
        .expect("documents");
    assert_eq!(docs, 0);
}

#[tokio::test]
async fn claims_are_seen_only_within_the_role_scope() {
    // Arrange: a claim of RSUD-WZJ for a patient from Kota Kupang.
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 20_000_000).await;
    let id = claim(
        &app,
        &team.rsud,
        case,
        "2026-10-01",
        "2026-10-05",
        "5.000.000",
    )
    .await;
    let other_hospital = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let kupang = actor(&app, "dinkes_kab", Some("53.71")).await;
    let sikka = actor(&app, "dinkes_kab", Some("53.10")).await;
    let tim = actor(&app, "tim", None).await;
    let dinsos = actor(&app, "dinsos_prov", None).await;
    let path = format!("/api/v1/klaim/{id}");

    // Act / Assert: another hospital, and another kab/kota's Dinkes, cannot tell it exists.
    for outsider in [&other_hospital, &sikka] {
        outsider.get(&path).await.expect(StatusCode::NOT_FOUND);
        let doc = outsider.get_raw(&format!("{path}/document")).await;
        assert_eq!(doc.status(), StatusCode::NOT_FOUND);
        let list = outsider.get("/api/v1/klaim").await;
        assert_eq!(list.body["items"], json!([]));
    }
    let r = other_hospital
        .post(&format!("{path}/actions/accept"), &json!({"version": 1}))
        .await;
    r.expect(StatusCode::FORBIDDEN);
    // Another hospital cannot claim for the case either.
    let r = submit(
        &app,
        &other_hospital,
        case,
        &[
            ("care_start", "2026-10-06"),
            ("care_end", "2026-10-07"),
            ("amount_claimed", "1"),
        ],
        Some(PDF),
    )
    .await;
    r.expect(StatusCode::NOT_FOUND);

    // Dinkes Kota Kupang reads it and its document, but takes no step.
    let r = kupang.get(&path).await;
    r.expect(StatusCode::OK);
    assert_eq!(r.body["claim"]["available_actions"], json!([]));
    let doc = kupang.get_raw(&format!("{path}/document")).await;
    assert_eq!(doc.status(), StatusCode::OK);
    assert_eq!(doc.bytes().await.expect("bytes").as_ref(), PDF);
    let list = kupang.get("/api/v1/klaim").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    let r = kupang
        .post(&format!("{path}/actions/accept"), &json!({"version": 1}))
        .await;
    r.expect(StatusCode::FORBIDDEN);

    // The program team reads the claim but not its document.
    tim.get(&path).await.expect(StatusCode::OK);
    assert_eq!(tim.get(&path).await.body["claim"]["document"], Value::Null);
    let doc = tim.get_raw(&format!("{path}/document")).await;
    assert_eq!(doc.status(), StatusCode::FORBIDDEN);
    // Other roles do not see claims at all.
    dinsos
        .get("/api/v1/klaim")
        .await
        .expect(StatusCode::FORBIDDEN);
    dinsos.get(&path).await.expect(StatusCode::FORBIDDEN);

    // Reads and downloads are in the case's access log; nothing personal is in the paths.
    let logged: Vec<String> = sqlx::query_scalar(
        "SELECT what FROM case_access_log WHERE case_id = $1 AND what LIKE 'claim%' ORDER BY id",
    )
    .bind(case)
    .fetch_all(&app.pool)
    .await
    .expect("access log");
    assert!(logged.contains(&"claim_document".to_string()), "{logged:?}");
    assert!(logged.contains(&"claim".to_string()), "{logged:?}");
    // The claim document is not among the case's own documents.
    let docs = team.rsud.case(case).await;
    let kinds: Vec<&str> = docs.body["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert!(!kinds.contains(&"klaim"), "{kinds:?}");
}

#[tokio::test]
async fn the_claim_list_filters_and_pages() {
    // Arrange: three claims of one case, the middle one paid.
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 50_000_000).await;
    let first = claim(
        &app,
        &team.rsud,
        case,
        "2026-10-01",
        "2026-10-05",
        "1.000.000",
    )
    .await;
    app.clock.advance(Duration::minutes(1));
    let second = claim(
        &app,
        &team.rsud,
        case,
        "2026-10-06",
        "2026-10-10",
        "2.000.000",
    )
    .await;
    app.clock.advance(Duration::minutes(1));
    let third = claim(
        &app,
        &team.rsud,
        case,
        "2026-10-11",
        "2026-10-15",
        "3.000.000",
    )
    .await;
    accept_and_pay(&team.dinkes_prov, second, "2026-11-20", "2.000.000").await;
    let ids = |r: &Reply| -> Vec<Uuid> {
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["id"].as_str().and_then(|s| s.parse().ok()))
            .collect()
    };
    let prov = &team.dinkes_prov;

    // Act / Assert: newest first, two per page.
    let page1 = prov.get("/api/v1/klaim?limit=2").await;
    assert_eq!(ids(&page1), vec![third, second]);
    let cursor = page1.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let page2 = prov
        .get(&format!("/api/v1/klaim?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(ids(&page2), vec![first]);
    assert_eq!(page2.body["next_cursor"], Value::Null);
    assert_eq!(
        ids(&prov.get("/api/v1/klaim?status=paid").await),
        vec![second]
    );
    // Periods of care overlapping 2026-10-05 … 2026-10-06: the first and the second.
    assert_eq!(
        ids(&prov
            .get("/api/v1/klaim?from=2026-10-05&to=2026-10-06")
            .await),
        vec![second, first]
    );
    assert_eq!(
        ids(&prov.get("/api/v1/klaim?kab_kota_code=53.10").await),
        Vec::<Uuid>::new()
    );
    let bad = prov.get("/api/v1/klaim?status=lunas").await;
    bad.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), vec!["status"]);
    let bad = prov.get("/api/v1/klaim?cursor=%00").await;
    bad.expect(StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_claim_pages_take_a_claim_from_the_case_to_payment() {
    // Arrange
    let app = spawn_app_at(november_20()).await;
    let team = Team::new(&app).await;
    let case = guaranteed(&team, &intake_woman(), "pemprov", 20_000_000).await;
    let (pic, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (dinsos, _) = app.signed_in("dinsos_prov", None).await;

    // Act / Assert: the case page offers the claim form, whose address holds only the case id.
    let page = app.get_html(&pic, &format!("/kasus/{case}")).await;
    let link = attr(&page, "#claim-link", "href").expect("a claim link");
    assert_eq!(link, format!("/klaim/baru?kasus={case}"));
    let form_page = app.get_html(&pic, &link).await;
    assert!(text(&form_page, "#guarantee-period").is_some_and(|t| t.contains("01-10-2026")));
    assert!(texts(&page, "nav a").iter().any(|t| t == "Klaim"));

    // A refused amount keeps what was typed, and names the field.
    let typed = |amount: &str| -> Vec<(String, String)> {
        [
            ("kasus", case.to_string()),
            ("care_start", "2026-10-01".into()),
            ("care_end", "2026-10-09".into()),
            ("amount_claimed", amount.into()),
            ("ina_cbg_code", "J-1-20-II".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    };
    let refused = app
        .post_multipart(
            &pic,
            &link,
            "/klaim/baru",
            &typed("Rp 1.000.000,50"),
            &[("file", "klaim.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    assert!(
        text(&html, "#claim-amount_claimed-error").is_some_and(|t| t.starts_with("Nilai klaim"))
    );
    assert_eq!(
        attr(&html, "#claim-amount_claimed", "value").as_deref(),
        Some("Rp 1.000.000,50")
    );
    assert_eq!(
        attr(&html, "#claim-ina_cbg_code", "value").as_deref(),
        Some("J-1-20-II")
    );

    let created = app
        .post_multipart(
            &pic,
            &link,
            "/klaim/baru",
            &typed("Rp9.750.000"),
            &[("file", "klaim.pdf", PDF.to_vec())],
        )
        .await;
    let to = location(&created).expect("a redirect");
    assert!(to.starts_with("/klaim/"), "{to}");
    let claim_path = to.clone();
    let html = app.get_html(&pic, &claim_path).await;
    assert_eq!(text(&html, "#claim-amount").as_deref(), Some("Rp9.750.000"));
    assert_eq!(
        attr(&html, "#claim-status", "data-status").as_deref(),
        Some("submitted")
    );

    // Dinkes prov finds it in the list (NIK masked) and sends it back with a reason.
    let list = app.get_html(&dinkes, "/klaim").await;
    assert_eq!(
        texts(&list, "#claims td.nik"),
        vec!["5371********0001".to_string()]
    );
    assert!(!list.contains("5371025205900001"));
    let claim_id = claim_path.trim_start_matches("/klaim/").to_string();
    let sent_back = app
        .post_form_from(
            &dinkes,
            &claim_path,
            &format!("/klaim/{claim_id}/tindakan/return"),
            &[("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(sent_back.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let sent_back = app
        .post_form_from(
            &dinkes,
            &claim_path,
            &format!("/klaim/{claim_id}/tindakan/return"),
            &[
                ("version", "1"),
                ("reason", "Rincian biaya belum dilampirkan"),
            ],
        )
        .await;
    assert_redirect(&sent_back, &claim_path);
    // A second click on the same form is stale.
    let twice = app
        .post_form_from(
            &dinkes,
            &claim_path,
            &format!("/klaim/{claim_id}/tindakan/return"),
            &[("version", "1"), ("reason", "Lagi")],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let html = twice.text().await.expect("page");
    assert!(text(&html, "#claim-problem").is_some_and(|t| t.contains(STALE_PART)));

    // The hospital sees the reason, and resubmits with a new document.
    let html = app.get_html(&pic, &claim_path).await;
    assert!(
        text(&html, "#return-reason")
            .is_some_and(|t| t.contains("Rincian biaya belum dilampirkan"))
    );
    assert_eq!(
        attr(&html, "#resubmit-amount_claimed", "value").as_deref(),
        Some("Rp9.750.000")
    );
    let fields: Vec<(String, String)> = [
        ("version", "2"),
        ("care_start", "2026-10-01"),
        ("care_end", "2026-10-09"),
        ("amount_claimed", "9.500.000"),
        ("ina_cbg_code", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let again = app
        .post_multipart(
            &pic,
            &claim_path,
            &format!("{claim_path}/ajukan-ulang"),
            &fields,
            &[("file", "rincian.png", PNG.to_vec())],
        )
        .await;
    assert_redirect(&again, &claim_path);

    // Accept and pay through the pages; the paid amount above the claim is refused first.
    let accepted = app
        .post_form_from(
            &dinkes,
            &claim_path,
            &format!("/klaim/{claim_id}/tindakan/accept"),
            &[("version", "3")],
        )
        .await;
    assert_redirect(&accepted, &claim_path);
    let over = app
        .post_form_from(
            &dinkes,
            &claim_path,
            &format!("/klaim/{claim_id}/tindakan/pay"),
            &[
                ("version", "4"),
                ("paid_on", "2026-11-20"),
                ("amount_paid", "9.500.001"),
            ],
        )
        .await;
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = over.text().await.expect("page");
    assert_eq!(
        attr(&html, "#pay-amount_paid", "value").as_deref(),
        Some("9.500.001")
    );
    let paid = app
        .post_form_from(
            &dinkes,
            &claim_path,
            &format!("/klaim/{claim_id}/tindakan/pay"),
            &[
                ("version", "4"),
                ("paid_on", "2026-11-20"),
                ("amount_paid", "9.500.000"),
            ],
        )
        .await;
    assert_redirect(&paid, &claim_path);
    let html = app.get_html(&dinkes, &claim_path).await;
    assert_eq!(text(&html, "#claim-paid").as_deref(), Some("Rp9.500.000"));
    let steps: Vec<String> = texts(&html, "#claim-history > li")
        .iter()
        .map(|t| t.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(steps.len(), 5, "{steps:?}");
    let realised = app
        .get_html(
            &dinkes,
            "/klaim/realisasi?dari=2026-11-01&sampai=2026-11-30",
        )
        .await;
    assert_eq!(
        texts(&realised, "#realised-total th"),
        vec!["Jumlah".to_string(), "1".into(), "Rp9.500.000".into()]
    );

    // The document download is logged; a role without claims gets the 403 page.
    let doc = app.get(&dinkes, &format!("{claim_path}/berkas")).await;
    assert_eq!(doc.status(), StatusCode::OK);
    assert_eq!(
        doc.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.starts_with("attachment; filename=\"dokumen-") && v.ends_with(".png\"")),
        Some(true)
    );
    let stored = image::load_from_memory(&doc.bytes().await.expect("bytes")).expect("a photo");
    assert_eq!((stored.width(), stored.height()), (1, 1));
    assert_eq!(
        app.get(&dinsos, "/klaim").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&dinkes, "/klaim/baru?kasus=x").await.status(),
        StatusCode::FORBIDDEN
    );
    let bad_filter = app.get(&dinkes, "/klaim?dari=-9999-01-01&status=%00").await;
    assert_eq!(bad_filter.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let downloads: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM case_access_log WHERE case_id = $1 AND what = 'claim_document' AND via = 'web'",
    )
    .bind(case)
    .fetch_one(&app.pool)
    .await
    .expect("access log");
    assert_eq!(downloads, 1);
}

#[tokio::test]
async fn the_demo_has_a_claim_in_every_status_and_one_paid_today() {
    // Arrange
    let app = spawn_app().await;

    // Act
    merajut_sehat::demo::seed(&app.pool, &app.settings.files_dir())
        .await
        .expect("seeding the demo data");

    // Assert
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status::text FROM claims ORDER BY 1")
        .fetch_all(&app.pool)
        .await
        .expect("claims");
    assert_eq!(statuses, vec!["accepted", "paid", "returned", "submitted"]);
    let prov = actor(&app, "dinkes_prov", None).await;
    let today = app.clock.today();
    let r = prov
        .get(&format!("/api/v1/klaim/realisasi?from={today}&to={today}"))
        .await;
    r.expect(StatusCode::OK);
    assert_eq!(r.body["total_paid"], 8_500_000);
    assert_eq!(r.body["total_claims"], 1);
}

/// The headers of the claims export, in order.
const CLAIM_HEADERS: [&str; 16] = [
    "No. klaim",
    "No. kasus",
    "Nama pasien",
    "NIK",
    "Kab/Kota asal",
    "Rumah sakit",
    "Penanggung",
    "Perawatan sejak",
    "Perawatan sampai",
    "Hari perawatan",
    "Kode INA-CBG",
    "Nilai klaim",
    "Status",
    "Diajukan (WITA)",
    "Tanggal bayar",
    "Nilai dibayar",
];

#[tokio::test]
async fn the_claims_export_keeps_rupiah_as_numbers_and_dates_as_dates() {
    use crate::exports::{XLSX, at, datetime, export_log, header, xlsx_sheet};
    use calamine::Data;

    // Arrange: the six claims of the fixture, read by Dinkes prov on 2 December.
    let f = fixture().await;
    let (client, dinkes) = f.app.signed_in("dinkes_prov", None).await;

    // Act
    let response = f.app.get(&client, "/klaim/unduh?format=xlsx").await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), XLSX);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"klaim-2026-12-02.xlsx\""
    );
    let bytes = response.bytes().await.expect("the file");
    let sheet = xlsx_sheet(&bytes, "Klaim");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let titles: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(titles, CLAIM_HEADERS);
    assert_eq!(rows.len(), 1 + 6, "every claim of NTT");
    let by_amount = |amount: f64| {
        *rows
            .iter()
            .find(|r| r[11] == Data::Float(amount))
            .unwrap_or_else(|| panic!("the claim of {amount}"))
    };
    // A1: Kota Kupang patient at RSUD-WZJ, care 1–15 October, claimed 12.500.000, paid
    // 12.000.000 on 30 November.
    let a1 = by_amount(12_500_000.0);
    assert_eq!(a1[2], Data::String("Pasien 1".into()));
    assert_eq!(a1[3], Data::String("5371********0001".into()));
    assert_eq!(a1[4], Data::String("Kota Kupang".into()));
    assert_eq!(a1[5], Data::String(WZJ_NAME.into()));
    assert_eq!(a1[6], Data::String("Pemerintah Provinsi NTT (APBD)".into()));
    assert_eq!(datetime(&a1[7]), at(2026, 10, 1, 0));
    assert_eq!(datetime(&a1[8]), at(2026, 10, 15, 0));
    assert_eq!(a1[9], Data::Float(15.0));
    assert_eq!(a1[10], Data::Empty);
    assert_eq!(a1[12], Data::String("Dibayar".into()));
    assert_eq!(datetime(&a1[13]), at(2026, 11, 20, 10));
    assert_eq!(datetime(&a1[14]), at(2026, 11, 30, 0));
    assert_eq!(a1[15], Data::Float(12_000_000.0));
    // C2: accepted, not paid: no payment date or amount.
    let c2 = by_amount(3_000_000.0);
    assert_eq!(c2[5], Data::String(TCH_NAME.into()));
    assert_eq!(
        c2[12],
        Data::String("Terverifikasi, menunggu pembayaran".into())
    );
    assert_eq!(c2[14], Data::Empty);
    assert_eq!(c2[15], Data::Empty);
    // The total claimed, by hand: 12.5 + 7.25 + 1 + 9 + 4 + 3 million.
    let claimed: f64 = rows[1..]
        .iter()
        .map(|r| match r[11] {
            Data::Float(v) => v,
            ref other => panic!("a number, found {other:?}"),
        })
        .sum();
    assert_eq!(claimed, 36_750_000.0);
    let log = export_log(&f.app).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].user_id, dinkes.id);
    assert_eq!(
        (log[0].what.as_str(), log[0].format.as_str()),
        ("claims", "xlsx")
    );
    assert_eq!(log[0].row_count, 6);
    assert!(log[0].completed);
}

#[tokio::test]
async fn the_claims_export_holds_the_users_scope_and_the_filters() {
    use crate::exports::{csv_table, export_log};

    // Arrange
    let f = fixture().await;
    let (wzj, _) = f.app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (sikka, _) = f.app.signed_in("dinkes_kab", Some("53.10")).await;
    let kupang_api = actor(&f.app, "dinkes_kab", Some("53.71")).await;
    let csv_of = |body: &[u8]| {
        let mut amounts: Vec<String> = csv_table(body, &CLAIM_HEADERS)
            .iter()
            .map(|r| r[11].to_string())
            .collect();
        amounts.sort();
        amounts
    };

    // Act / Assert: RSUD-WZJ gets its four claims (A1, A2, A3, B1), not those of RSUD-TCH.
    let r = f.app.get(&wzj, "/klaim/unduh?format=csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.expect("the file");
    assert_eq!(
        csv_of(&body),
        ["1000000", "12500000", "7250000", "9000000"],
        "amounts as plain numbers"
    );
    let records = csv_table(&body, &CLAIM_HEADERS);
    let a1 = records.iter().find(|r| &r[11] == "12500000").expect("A1");
    assert_eq!(&a1[3], "5371********0001", "the NIK masked as on the page");
    assert_eq!(
        (&a1[7], &a1[8], &a1[14]),
        ("2026-10-01", "2026-10-15", "2026-11-30")
    );
    assert_eq!(&a1[13], "2026-11-20 10:00");
    // Dinkes Sikka: only B1, its patient's claim.
    let r = f.app.get(&sikka, "/klaim/unduh?format=csv").await;
    assert_eq!(csv_of(&r.bytes().await.expect("the file")), ["9000000"]);
    // The page's filters: RSUD-WZJ's paid claims.
    let r = f.app.get(&wzj, "/klaim/unduh?format=csv&status=paid").await;
    assert_eq!(
        csv_of(&r.bytes().await.expect("the file")),
        ["12500000", "7250000", "9000000"]
    );
    // The API, Dinkes Kota Kupang: A1, A2, A3, C1, C2; with a period of care from 16 October:
    // A2 (16–31 Oct) and A3 (1–2 Nov).
    let r = kupang_api.get_raw("/api/v1/klaim/export?format=csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        csv_of(&r.bytes().await.expect("the file")),
        ["1000000", "12500000", "3000000", "4000000", "7250000"]
    );
    let r = kupang_api
        .get_raw("/api/v1/klaim/export?format=csv&from=2026-10-16")
        .await;
    assert_eq!(
        csv_of(&r.bytes().await.expect("the file")),
        ["1000000", "7250000"]
    );
    let counts: Vec<(String, i64)> = export_log(&f.app)
        .await
        .into_iter()
        .map(|l| (l.what, l.row_count))
        .collect();
    assert_eq!(
        counts,
        [
            ("claims".to_string(), 4),
            ("claims".to_string(), 1),
            ("claims".to_string(), 3),
            ("claims".to_string(), 5),
            ("claims".to_string(), 2)
        ]
    );
}

#[tokio::test]
async fn the_claims_export_is_refused_to_other_roles_and_for_bad_filters() {
    use crate::exports::export_log;

    // Arrange
    let f = fixture().await;
    let (dinsos, _) = f.app.signed_in("dinsos_prov", None).await;
    let (dinkes, _) = f.app.signed_in("dinkes_prov", None).await;
    let dinsos_api = actor(&f.app, "dinsos_prov", None).await;

    // Act / Assert: a role without the claim list: 403, nothing read or logged.
    let r = f.app.get(&dinsos, "/klaim/unduh?format=xlsx").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    dinsos_api
        .get("/api/v1/klaim/export?format=csv")
        .await
        .expect(StatusCode::FORBIDDEN);
    // A bad format or filter names the field and is not logged.
    let r = f.app.get(&dinkes, "/klaim/unduh?format=pdf").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = f
        .app
        .get(&dinkes, "/klaim/unduh?format=csv&dari=-9999-01-01")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("page").contains("Perawatan sejak"));
    let r = f
        .app
        .get(&dinkes, "/klaim/unduh?format=csv&status=%00")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A NUL byte or text as the kab/kota code is refused before the stream begins (it once
    // broke a streamed export in the middle; the fuzzer found it).
    let dinkes_api = actor(&f.app, "dinkes_prov", None).await;
    for kab in ["%00", "53.71%00", "Kupang", "%F0%9F%98%80"] {
        for path in [
            format!("/api/v1/klaim/export?format=csv&kab_kota_code={kab}"),
            format!("/api/v1/klaim?kab_kota_code={kab}"),
            format!("/api/v1/klaim/realisasi?kab_kota_code={kab}"),
        ] {
            let r = dinkes_api.get(&path).await;
            r.expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(r.error_fields(), vec!["kab_kota_code"], "{path}");
        }
    }
    assert!(export_log(&f.app).await.is_empty());
}
