//! The yearly quota per payer (issue 10, "Financing → Quota"): Dinkes sets the budget per payer
//! and year, every approval is booked against its payer's quota in the database, an approval
//! beyond what remains needs a confirmation with a reason, and the figures on `/kuota` and
//! `GET /api/v1/kuota` follow. Every expected figure is computed by hand in the comments.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const JUTA: i64 = 1_000_000;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 time")
}

/// Monday 16 November 2026, 10:00 WITA.
fn mid_november() -> DateTime<Utc> {
    at("2026-11-16T02:00:00Z")
}

/// A case of a woman of kab/kota `kab` (distinct NIK per `serial`) waiting for Dinkes's
/// guarantee decision.
async fn in_guarantee_review(team: &Team, serial: u32, kab: &str) -> Uuid {
    team.case_in(&intake_serial(serial, kab), "guarantee_review")
        .await
}

/// Dinkes approves the guarantee of case `id` from `start` (paid by `payer`) with `ceiling`
/// rupiah, plus `extra` fields, at the case's current version.
async fn approve(
    team: &Team,
    id: Uuid,
    (start, payer): (&str, &str),
    ceiling: Option<i64>,
    extra: Value,
) -> Reply {
    let version = team.dinkes_prov.case(id).await.version();
    let mut body = json!({
        "letter_number": "440/77/DINKES/2026",
        "start_date": start,
        "payer": payer,
    });
    if let Some(c) = ceiling {
        body["ceiling"] = json!(c);
    }
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    team.dinkes_prov
        .act(id, "approve_guarantee", version, body)
        .await
}

/// `PUT /api/v1/kuota/{year}/{code}` by `who`.
async fn set_quota(who: &Actor, year: i32, code: &str, body: Value) -> Reply {
    who.put(&format!("/api/v1/kuota/{year}/{code}"), &body)
        .await
}

/// The line of payer `code` in a `GET /api/v1/kuota` answer.
fn line<'a>(year: &'a Reply, code: &str) -> &'a Value {
    year.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {}", year.body))
        .iter()
        .find(|l| l["code"] == code)
        .unwrap_or_else(|| panic!("no line {code} in {}", year.body))
}

/// `(limit, used, remaining, approvals, over_quota_approvals)` of a line's `kind`.
fn figures(line: &Value, kind: &str) -> (Value, i64, Value, i64, i64) {
    let f = &line[kind];
    (
        f["limit"].clone(),
        f["used"].as_i64().expect("used"),
        f["remaining"].clone(),
        f["approvals"].as_i64().expect("approvals"),
        f["over_quota_approvals"]
            .as_i64()
            .expect("over_quota_approvals"),
    )
}

/// Dinkes `who` sets `code`'s guarantee budget for `year` (a number, or text as typed).
async fn set_budget(who: &Actor, year: i32, code: &str, amount: Value) {
    set_quota(who, year, code, json!({ "guarantee_budget": amount }))
        .await
        .expect(StatusCode::OK);
}

/// Pemprov's 2026 budget of 100 juta, 90 of it approved for one case; the team that did it.
async fn ninety_of_a_hundred_used(app: &TestApp) -> Team {
    let team = Team::new(app).await;
    set_budget(&team.dinkes_prov, 2026, "pemprov", json!(100 * JUTA)).await;
    let used = in_guarantee_review(&team, 1, "53.71").await;
    approve(&team, used, (PAST, "pemprov"), Some(90 * JUTA), json!({}))
        .await
        .expect(StatusCode::OK);
    team
}

async fn charges(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM quota_charges")
        .fetch_one(&app.pool)
        .await
        .expect("counting charges")
}

#[tokio::test]
async fn forty_and_fifty_juta_fit_a_budget_of_a_hundred_and_twenty_more_needs_a_confirmation() {
    // Arrange: Pemprov's 2026 budget is Rp100.000.000; three cases wait for a guarantee.
    let app = spawn_app_at(mid_november()).await;
    let team = Team::new(&app).await;
    set_budget(&team.dinkes_prov, 2026, "pemprov", json!("Rp 100.000.000")).await;
    let mut ids = vec![];
    for serial in 1..=3 {
        ids.push(in_guarantee_review(&team, serial, "53.71").await);
    }
    let pemprov = (PAST, "pemprov");

    // Act: 40 and 50 juta fit (90 used, 10 left); 20 juta does not.
    approve(&team, ids[0], pemprov, Some(40 * JUTA), json!({}))
        .await
        .expect(StatusCode::OK);
    approve(&team, ids[1], pemprov, Some(50 * JUTA), json!({}))
        .await
        .expect(StatusCode::OK);
    let third = approve(&team, ids[2], pemprov, Some(20 * JUTA), json!({})).await;

    // Assert: the third is asked to confirm, names what remains, and changes nothing.
    third.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(third.error_fields(), ["over_quota_confirmed"]);
    assert_eq!(
        third.field_message("over_quota_confirmed"),
        "Plafon Rp20.000.000 melebihi sisa pagu jaminan Pemerintah Provinsi NTT tahun 2026: \
         sisa Rp10.000.000 dari Rp100.000.000 (terpakai Rp90.000.000). Untuk tetap menyetujui, \
         centang \"Saya mengonfirmasi persetujuan melebihi kuota\" dan tulis alasannya."
    );
    assert_eq!(app.case_state(ids[2]).await.0, "guarantee_review");
    assert_eq!(charges(&app).await, 2);
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    year.expect(StatusCode::OK);
    assert_eq!(year.body["year"], 2026);
    assert_eq!(
        figures(line(&year, "pemprov"), "guarantee"),
        (json!(100 * JUTA), 90 * JUTA, json!(10 * JUTA), 2, 0)
    );
    // The page says the same.
    let (web, _) = app.signed_in("dinkes_prov", None).await;
    let page = app.get_html(&web, "/kuota?tahun=2026").await;
    for (cell, expected) in [
        ("budget", "Rp100.000.000"),
        ("used", "Rp90.000.000"),
        ("remaining", "Rp10.000.000"),
        ("approvals", "2"),
        ("over", "0"),
    ] {
        assert_eq!(
            text(&page, &format!("#quota-pemprov td.{cell}")).as_deref(),
            Some(expected),
            "{cell}"
        );
    }

    // Act: confirmed, but without a reason; then with one.
    let no_reason = approve(
        &team,
        ids[2],
        pemprov,
        Some(20 * JUTA),
        json!({"over_quota_confirmed": true}),
    )
    .await;
    let confirmed = approve(
        &team,
        ids[2],
        pemprov,
        Some(20 * JUTA),
        json!({"over_quota_confirmed": true, "over_quota_reason": "Pasien kritis; APBD perubahan menyusul"}),
    )
    .await;

    // Assert: the decision is on the case, in its history and in the figures (110 of 100 used).
    no_reason.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.error_fields(), ["over_quota_reason"]);
    confirmed.expect(StatusCode::OK);
    assert_eq!(confirmed.state(), "guaranteed");
    let charge = &confirmed.body["quota"][0];
    assert_eq!(charge["kind"], "guarantee");
    assert_eq!(charge["payer"], "pemprov");
    assert_eq!(charge["year"], 2026);
    assert_eq!(charge["amount"], 20 * JUTA);
    assert_eq!(charge["quota_at_decision"], 100 * JUTA);
    assert_eq!(charge["used_before"], 90 * JUTA);
    assert_eq!(charge["remaining_before"], 10 * JUTA);
    assert_eq!(charge["over_quota"], true);
    assert_eq!(
        charge["over_quota_reason"],
        "Pasien kritis; APBD perubahan menyusul"
    );
    let history = confirmed.body["history"].as_array().expect("history");
    let approval = history.last().expect("a step");
    assert_eq!(approval["evidence"]["over_quota_confirmed"], true);
    assert_eq!(
        approval["evidence"]["over_quota_reason"],
        "Pasien kritis; APBD perubahan menyusul"
    );
    let first = team.dinkes_prov.case(ids[0]).await;
    assert_eq!(first.body["quota"][0]["over_quota"], false);
    let first_approval = first.body["history"]
        .as_array()
        .and_then(|h| h.last())
        .expect("a step");
    assert!(
        first_approval["evidence"]
            .get("over_quota_confirmed")
            .is_none(),
        "{first_approval}"
    );
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    assert_eq!(
        figures(line(&year, "pemprov"), "guarantee"),
        (json!(100 * JUTA), 110 * JUTA, json!(-10 * JUTA), 3, 1)
    );
    let page = app.get_html(&web, "/kuota?tahun=2026").await;
    assert_eq!(
        text(&page, "#quota-pemprov td.remaining").as_deref(),
        Some("-Rp10.000.000")
    );
    assert_eq!(text(&page, "#quota-pemprov td.over").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_payer_with_a_budget_needs_a_ceiling_and_one_without_only_counts() {
    // Arrange: Pemprov has a 2026 budget, Kota Kupang none.
    let app = spawn_app_at(mid_november()).await;
    let team = Team::new(&app).await;
    set_budget(&team.dinkes_prov, 2026, "pemprov", json!(100 * JUTA)).await;
    let a = in_guarantee_review(&team, 1, "53.71").await;
    let b = in_guarantee_review(&team, 2, "53.71").await;

    // Act
    let pemprov = approve(&team, a, (PAST, "pemprov"), None, json!({})).await;
    let kota = approve(&team, b, (PAST, "pemkab_asal"), None, json!({})).await;

    // Assert
    pemprov.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(pemprov.error_fields(), ["ceiling"]);
    assert!(
        pemprov
            .field_message("ceiling")
            .starts_with("Plafon jaminan (Rp) wajib diisi: Pemerintah Provinsi NTT memiliki pagu jaminan tahun 2026"),
        "{}",
        pemprov.message()
    );
    kota.expect(StatusCode::OK);
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    let kupang = line(&year, "53.71");
    assert_eq!(
        figures(kupang, "guarantee"),
        (Value::Null, 0, Value::Null, 1, 0)
    );
    assert_eq!(kupang["guarantee"]["approvals_without_ceiling"], 1);
    assert_eq!(kupang["label"], "Pemerintah Kota Kupang");
}

#[tokio::test]
async fn pemkab_asal_is_charged_to_the_kab_kota_of_the_patients_domicile() {
    // Arrange: budgets for Kabupaten Kupang (53.03) 50 juta and Kota Kupang (53.71) 30 juta; a
    // patient living in Kabupaten Kupang, treated in Kota Kupang's hospital.
    let app = spawn_app_at(mid_november()).await;
    let team = Team::new(&app).await;
    for (code, budget) in [("53.03", 50 * JUTA), ("53.71", 30 * JUTA)] {
        set_budget(&team.dinkes_prov, 2026, code, json!(budget)).await;
    }
    let from_kabupaten = in_guarantee_review(&team, 1, "53.03").await;
    let second = in_guarantee_review(&team, 2, "53.03").await;

    // Act
    let approved = approve(
        &team,
        from_kabupaten,
        (PAST, "pemkab_asal"),
        Some(40 * JUTA),
        json!({}),
    )
    .await;
    let beyond = approve(
        &team,
        second,
        (PAST, "pemkab_asal"),
        Some(20 * JUTA),
        json!({}),
    )
    .await;

    // Assert: Kabupaten Kupang's budget took 40 (10 left), Kota Kupang's and Pemprov's nothing;
    // 20 more is beyond Kabupaten Kupang's 10.
    approved.expect(StatusCode::OK);
    let charge = &approved.body["quota"][0];
    assert_eq!(charge["payer"], "pemkab_asal");
    assert_eq!(charge["kab_kota_code"], "53.03");
    assert_eq!(charge["payer_label"], "Pemerintah Kabupaten Kupang");
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    assert_eq!(
        figures(line(&year, "53.03"), "guarantee"),
        (json!(50 * JUTA), 40 * JUTA, json!(10 * JUTA), 1, 0)
    );
    assert_eq!(
        figures(line(&year, "53.71"), "guarantee"),
        (json!(30 * JUTA), 0, json!(30 * JUTA), 0, 0)
    );
    assert_eq!(
        figures(line(&year, "pemprov"), "guarantee"),
        (Value::Null, 0, Value::Null, 0, 0)
    );
    beyond.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        beyond.field_message("over_quota_confirmed").contains(
            "Pemerintah Kabupaten Kupang tahun 2026: sisa Rp10.000.000 dari Rp50.000.000"
        ),
        "{}",
        beyond.message()
    );
}

#[tokio::test]
async fn a_guarantee_starting_next_year_takes_next_years_budget() {
    // Arrange: 28 December 2026. Pemprov's 2026 budget of 100 juta has 5 left; its 2027 budget
    // is 30 juta.
    let app = spawn_app_at(at("2026-12-28T02:00:00Z")).await;
    let team = Team::new(&app).await;
    for (year, budget) in [(2026, 100 * JUTA), (2027, 30 * JUTA)] {
        set_budget(&team.dinkes_prov, year, "pemprov", json!(budget)).await;
    }
    let this_year = in_guarantee_review(&team, 1, "53.71").await;
    let next_year = in_guarantee_review(&team, 2, "53.71").await;
    approve(
        &team,
        this_year,
        ("2026-12-20", "pemprov"),
        Some(95 * JUTA),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);

    // Act: 20 juta from 4 January 2027 — more than 2026's 5, within 2027's 30.
    let approved = approve(
        &team,
        next_year,
        ("2027-01-04", "pemprov"),
        Some(20 * JUTA),
        json!({}),
    )
    .await;

    // Assert
    approved.expect(StatusCode::OK);
    assert_eq!(approved.body["quota"][0]["year"], 2027);
    let y2026 = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    assert_eq!(
        figures(line(&y2026, "pemprov"), "guarantee"),
        (json!(100 * JUTA), 95 * JUTA, json!(5 * JUTA), 1, 0)
    );
    let y2027 = team.dinkes_prov.get("/api/v1/kuota?tahun=2027").await;
    assert_eq!(
        figures(line(&y2027, "pemprov"), "guarantee"),
        (json!(30 * JUTA), 20 * JUTA, json!(10 * JUTA), 1, 0)
    );
    // Without a year, the page and the API show the clock's year: 2026 now, 2027 after New Year.
    assert_eq!(
        team.dinkes_prov.get("/api/v1/kuota").await.body["year"],
        2026
    );
    app.clock.advance(chrono::Duration::days(5));
    let now = team.dinkes_prov.get("/api/v1/kuota").await;
    assert_eq!(now.body["year"], 2027);
    assert_eq!(line(&now, "pemprov")["guarantee"]["remaining"], 10 * JUTA);
    let (web, _) = app.signed_in("tim", None).await;
    let page = app.get_html(&web, "/kuota").await;
    assert_eq!(text(&page, "#quota-year").as_deref(), Some("2027"));
    assert_eq!(
        text(&page, "#quota-pemprov td.remaining").as_deref(),
        Some("Rp10.000.000")
    );
}

#[tokio::test]
async fn two_approvals_racing_for_the_last_ten_million_are_decided_by_the_database() {
    // Arrange: 90 of Pemprov's 100 juta used; four cases wait, each for 10 juta.
    let app = spawn_app_at(mid_november()).await;
    let team = ninety_of_a_hundred_used(&app).await;
    let mut waiting = vec![];
    for serial in 2..=5 {
        waiting.push(in_guarantee_review(&team, serial, "53.71").await);
    }
    let last_ten = |id| approve(&team, id, (PAST, "pemprov"), Some(10 * JUTA), json!({}));
    let outcome = |a: &Reply, b: &Reply| {
        let mut statuses = [a.status, b.status];
        statuses.sort();
        let refused = if a.status == StatusCode::OK { b } else { a };
        (statuses, refused.error_fields())
    };
    let expected = (
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        vec!["over_quota_confirmed".to_string()],
    );

    // Act: two approvals for the last 10 juta at the same time.
    let (a, b) = tokio::join!(last_ten(waiting[0]), last_ten(waiting[1]));

    // Assert: exactly one passes without a confirmation; the other is asked for one.
    assert_eq!(outcome(&a, &b), expected, "{} / {}", a.body, b.body);
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    assert_eq!(
        figures(line(&year, "pemprov"), "guarantee"),
        (json!(100 * JUTA), 100 * JUTA, json!(0), 2, 0)
    );

    // Arrange: the budget raised to 110 juta; someone holds Pemprov's quota row, so both of the
    // next two approvals are certainly in flight together, waiting for it.
    set_budget(&team.dinkes_prov, 2026, "pemprov", json!("110.000.000")).await;
    let mut holder = app.pool.begin().await.expect("a transaction");
    sqlx::query("SELECT 1 FROM quotas WHERE year = 2026 AND kab_kota_code IS NULL FOR UPDATE")
        .execute(&mut *holder)
        .await
        .expect("locking the quota row");
    let release = async {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let booked_meanwhile = charges(&app).await;
        holder.commit().await.expect("releasing the row");
        booked_meanwhile
    };

    // Act
    let (a, b, booked_meanwhile) =
        tokio::join!(last_ten(waiting[2]), last_ten(waiting[3]), release);

    // Assert: nothing was booked while the row was held; then one passed, one was asked.
    assert_eq!(booked_meanwhile, 2);
    assert_eq!(outcome(&a, &b), expected, "{} / {}", a.body, b.body);
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    assert_eq!(
        figures(line(&year, "pemprov"), "guarantee"),
        (json!(110 * JUTA), 110 * JUTA, json!(0), 3, 0)
    );
}

#[tokio::test]
async fn pbpu_pemda_enrolments_count_people_against_the_quota() {
    // Arrange: Pemprov enrols at most one person as PBPU Pemda in 2026; two cases wait.
    let app = spawn_app_at(mid_november()).await;
    let team = Team::new(&app).await;
    set_quota(&team.dinkes_prov, 2026, "pemprov", json!({"pbpu_quota": 1}))
        .await
        .expect(StatusCode::OK);
    let first = team
        .case_in(&intake_serial(1, "53.71"), "pbpu_review")
        .await;
    let second = team
        .case_in(&intake_serial(2, "53.71"), "pbpu_review")
        .await;
    let t = &team;
    let enrol = |id, extra: Value| async move {
        let mut fields = valid_fields("enrol_pbpu_pemda");
        if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
            f.extend(e.clone());
        }
        let version = t.dinkes_prov.case(id).await.version();
        t.dinkes_prov
            .act(id, "enrol_pbpu_pemda", version, fields)
            .await
    };

    // Act
    let one = enrol(first, json!({})).await;
    let two = enrol(second, json!({})).await;
    let two_confirmed = enrol(
        second,
        json!({"over_quota_confirmed": "ya", "over_quota_reason": "Keputusan Kepala Dinas"}),
    )
    .await;

    // Assert: 1 of 1 used; the second needs the confirmation; then 2 of 1, one beyond.
    one.expect(StatusCode::OK);
    two.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        two.field_message("over_quota_confirmed").starts_with(
            "Pendaftaran ini melebihi kuota peserta PBPU Pemda Pemerintah Provinsi NTT tahun \
             2026: sisa 0 orang dari 1 orang (terpakai 1 orang)."
        ),
        "{}",
        two.message()
    );
    two_confirmed.expect(StatusCode::OK);
    assert_eq!(two_confirmed.state(), "pbpu_proposed");
    let charge = two_confirmed.body["quota"]
        .as_array()
        .and_then(|q| q.iter().find(|c| c["kind"] == "pbpu_pemda"))
        .expect("a PBPU charge");
    assert_eq!(charge["over_quota"], true);
    assert_eq!(charge["over_quota_reason"], "Keputusan Kepala Dinas");
    let year = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    assert_eq!(
        figures(line(&year, "pemprov"), "pbpu_pemda"),
        (json!(1), 2, json!(-1), 2, 1)
    );
}

#[tokio::test]
async fn only_dinkes_change_quotas_and_dinkes_kab_only_its_own() {
    // Arrange
    let app = spawn_app_at(mid_november()).await;
    let prov = actor(&app, "dinkes_prov", None).await;
    let kab = actor(&app, "dinkes_kab", Some("53.71")).await;
    let tim = actor(&app, "tim", None).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let budget = json!({"guarantee_budget": 75 * JUTA});

    // Act / Assert: the API. Dinkes kab/kota changes its own kab/kota's, sees the province's
    // but may not change it, and does not see another kab/kota's.
    for (who, code, expected) in [
        (&kab, "53.71", StatusCode::OK),
        (&kab, "pemprov", StatusCode::FORBIDDEN),
        (&kab, "53.03", StatusCode::NOT_FOUND),
        (&tim, "53.71", StatusCode::FORBIDDEN),
        (&rsud, "53.71", StatusCode::FORBIDDEN),
        (&prov, "53.03", StatusCode::OK),
        (&prov, "53.99", StatusCode::NOT_FOUND),
    ] {
        let r = set_quota(who, 2026, code, budget.clone()).await;
        assert_eq!(
            r.status,
            expected,
            "{} {code}: {}",
            who.user.role.as_str(),
            r.body
        );
    }
    rsud.get("/api/v1/kuota")
        .await
        .expect(StatusCode::FORBIDDEN);
    let seen_by_kab = kab.get("/api/v1/kuota?tahun=2026").await;
    let codes: Vec<&str> = seen_by_kab.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["code"].as_str())
        .collect();
    assert_eq!(codes, ["pemprov", "53.71"]);
    let editable: Vec<bool> = seen_by_kab.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["editable"].as_bool())
        .collect();
    assert_eq!(editable, [false, true]);
    let seen_by_tim = tim.get("/api/v1/kuota?tahun=2026").await;
    seen_by_tim.expect(StatusCode::OK);
    assert_eq!(seen_by_tim.body["items"].as_array().map(Vec::len), Some(23));
    assert_eq!(line(&seen_by_tim, "53.03")["guarantee"]["limit"], 75 * JUTA);
    assert_eq!(line(&seen_by_tim, "53.71")["editable"], false);

    // Act / Assert: the pages, role by role, as the access table says.
    for role in merajut_sehat::domain::Role::ALL {
        let scope = match role.as_str() {
            "rsud" => Some("RSUD-WZJ"),
            r if r.ends_with("_kab") => Some("53.71"),
            _ => None,
        };
        let (web, _) = app.signed_in(role.as_str(), scope).await;
        let reads = merajut_sehat::access::QUOTA_READERS.contains(role);
        let expected = if reads {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        for path in ["/kuota", "/kuota/2026/pemprov"] {
            assert_eq!(
                app.get(&web, path).await.status(),
                expected,
                "{} {path}",
                role.as_str()
            );
        }
        let menu = texts(&app.get_html(&web, "/").await, "nav.menu a");
        assert_eq!(
            menu.contains(&"Kuota".to_string()),
            reads,
            "{}: {menu:?}",
            role.as_str()
        );
    }
    let (kab_web, _) = app.signed_in("dinkes_kab", Some("53.71")).await;
    let refused = app
        .post_form_from(
            &kab_web,
            "/kuota/2026/53.71",
            "/kuota/2026/pemprov",
            &[("kind", "guarantee"), ("value", "1.000")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let own = app.get_html(&kab_web, "/kuota/2026/pemprov").await;
    assert!(
        text(&own, "#quota-form-guarantee").is_none(),
        "no form for the province"
    );
    let (tim_web, _) = app.signed_in("tim", None).await;
    let tim_post = app
        .post_form_from(
            &tim_web,
            "/kuota",
            "/kuota/2026/53.71",
            &[("kind", "guarantee"), ("value", "1.000")],
        )
        .await;
    assert_eq!(tim_post.status(), StatusCode::FORBIDDEN);
    let stored: Option<i64> = sqlx::query_scalar(
        "SELECT guarantee_budget FROM quotas WHERE year = 2026 AND kab_kota_code IS NULL",
    )
    .fetch_optional(&app.pool)
    .await
    .expect("reading");
    assert_eq!(stored, None, "the province's budget was never set");
}

#[tokio::test]
async fn hostile_amounts_and_years_get_a_field_message_and_change_nothing() {
    // Arrange
    let app = spawn_app_at(mid_november()).await;
    let (web, _) = app.signed_in("dinkes_prov", None).await;
    let api = actor(&app, "dinkes_prov", None).await;
    let page = "/kuota/2026/pemprov";
    let long = "9".repeat(100_000);

    for (typed, part) in [
        ("-5.000.000", "tidak boleh negatif"),
        ("100000000000000000000", "terlalu besar"),
        ("12\u{0}3", "jumlah rupiah bulat"),
        ("💰💰", "jumlah rupiah bulat"),
        ("", "wajib diisi"),
        (long.as_str(), "terlalu besar"),
    ] {
        // Act
        let response = app
            .post_form(&web, page, &[("kind", "guarantee"), ("value", typed)])
            .await;

        // Assert: 422, the message under the field, what was typed still there.
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}"
        );
        let html = response.text().await.expect("page");
        let message = text(&html, "#quota-guarantee-error").unwrap_or_default();
        assert!(
            message.starts_with("Pagu jaminan sementara") && message.contains(part),
            "{typed:?}: {message}"
        );
        if !typed.contains('\u{0}') {
            assert_eq!(
                attr(&html, "#quota-guarantee", "value").as_deref(),
                Some(typed)
            );
        }
    }
    let people = app
        .post_form(&web, page, &[("kind", "pbpu_pemda"), ("value", "-3")])
        .await;
    assert_eq!(people.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = people.text().await.expect("page");
    assert_eq!(
        text(&html, "#quota-pbpu_pemda-error").as_deref(),
        Some("Kuota peserta PBPU Pemda tidak boleh negatif")
    );

    for body in [
        json!({"guarantee_budget": -5}),
        json!({"guarantee_budget": 1e20}),
        json!({"guarantee_budget": "💰"}),
        json!({"guarantee_budget": ""}),
        json!({"guarantee_budget": true}),
        json!({"guarantee_budget": [1]}),
        json!({"pbpu_quota": -1}),
        json!({"pbpu_quota": 2.5}),
        json!({}),
    ] {
        // Act
        let r = set_quota(&api, 2026, "pemprov", body.clone()).await;

        // Assert
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!r.error_fields().is_empty(), "{body}: {}", r.body);
    }
    let huge = set_quota(&api, 2026, "pemprov", json!({"guarantee_budget": 1e20})).await;
    assert!(
        huge.field_message("guarantee_budget")
            .contains("terlalu besar")
    );

    // Years: a field message on the page and in the API, a 404 in an address.
    for year in ["-9999", "abc", "2019", "99999999999999999999", "2026\u{0}"] {
        let response = app
            .get(&web, &format!("/kuota?tahun={}", urlencode(year)))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{year:?}"
        );
        let html = response.text().await.expect("page");
        assert_eq!(
            text(&html, "#tahun-error").as_deref(),
            Some("Tahun harus berupa angka 2020–2100."),
        );
        assert!(text(&html, "#quotas").is_none());
        let r = api
            .get(&format!("/api/v1/kuota?tahun={}", urlencode(year)))
            .await;
        r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_fields(), ["tahun"]);
    }
    let html = app
        .get(&web, "/kuota?tahun=-9999")
        .await
        .text()
        .await
        .expect("page");
    assert_eq!(attr(&html, "#tahun", "value").as_deref(), Some("-9999"));
    assert_eq!(
        app.get(&web, "/kuota/-9999/pemprov").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&web, "/kuota/2026/..%2F..%2Fetc").await.status(),
        StatusCode::NOT_FOUND
    );

    // Nothing was stored.
    let (quotas, changes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM quotas), (SELECT count(*) FROM quota_changes)",
    )
    .fetch_one(&app.pool)
    .await
    .expect("counting");
    assert_eq!((quotas, changes), (0, 0));
}

/// Percent-encodes a query value.
fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_change_of_a_limit_is_recorded_and_shown() {
    // Arrange
    let app = spawn_app_at(mid_november()).await;
    let (web, user) = app.signed_in("dinkes_prov", None).await;
    let page = "/kuota/2026/pemprov";

    // Act: set in three ways of typing, then the PBPU quota.
    for typed in ["25000000", "Rp 100.000.000", "120.000.000"] {
        let r = app
            .post_form(&web, page, &[("kind", "guarantee"), ("value", typed)])
            .await;
        assert_redirect(&r, "/kuota?tahun=2026");
        app.clock.advance(chrono::Duration::minutes(5));
    }
    let r = app
        .post_form(&web, page, &[("kind", "pbpu_pemda"), ("value", "1.250")])
        .await;
    assert_redirect(&r, "/kuota?tahun=2026");

    // Assert: the flash, the table, the history (newest first), the rows and the audit.
    let html = app.get_html(&web, "/kuota?tahun=2026").await;
    assert_eq!(
        text(&html, "p.flash").as_deref(),
        Some("Kuota peserta PBPU Pemda Pemerintah Provinsi NTT tahun 2026 disimpan: 1.250 orang.")
    );
    assert_eq!(
        text(&html, "#quota-pemprov td.budget").as_deref(),
        Some("Rp120.000.000")
    );
    assert_eq!(
        text(&html, "#quota-pemprov td.pbpu-quota").as_deref(),
        Some("1.250 orang")
    );
    let history = texts(&html, "#quota-changes li");
    let name = format!("Pengguna {}", user.username);
    assert_eq!(
        history,
        [
            format!(
                "Pemerintah Provinsi NTT — Kuota peserta PBPU Pemda: belum ditetapkan → 1.250 orang 16-11-2026 10:15 WITA · {name}"
            ),
            format!(
                "Pemerintah Provinsi NTT — Pagu jaminan sementara: Rp100.000.000 → Rp120.000.000 16-11-2026 10:10 WITA · {name}"
            ),
            format!(
                "Pemerintah Provinsi NTT — Pagu jaminan sementara: Rp25.000.000 → Rp100.000.000 16-11-2026 10:05 WITA · {name}"
            ),
            format!(
                "Pemerintah Provinsi NTT — Pagu jaminan sementara: belum ditetapkan → Rp25.000.000 16-11-2026 10:00 WITA · {name}"
            ),
        ]
    );
    let payer_page = app.get_html(&web, page).await;
    assert_eq!(texts(&payer_page, "#quota-changes li").len(), 4);
    assert_eq!(
        attr(&payer_page, "#quota-guarantee", "value").as_deref(),
        Some("120.000.000")
    );
    let audits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'quota.set'")
            .fetch_one(&app.pool)
            .await
            .expect("counting");
    assert_eq!(audits, 4);
    let api = actor(&app, "tim", None).await;
    let one = api.get("/api/v1/kuota/2026/pemprov").await;
    one.expect(StatusCode::OK);
    assert_eq!(one.body["item"]["guarantee"]["limit"], 120 * JUTA);
    let changes = one.body["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 4);
    assert_eq!(changes[3]["old_value"], Value::Null);
    assert_eq!(changes[3]["new_value"], 25 * JUTA);
    assert_eq!(changes[1]["old_value"], 100 * JUTA);
}

#[tokio::test]
async fn the_approval_form_shows_what_remains_and_asks_to_confirm_beyond_it() {
    // Arrange: 90 of Pemprov's 100 juta used; Kota Kupang has no budget; a case waits.
    let app = spawn_app_at(mid_november()).await;
    let team = ninety_of_a_hundred_used(&app).await;
    let id = in_guarantee_review(&team, 2, "53.71").await;
    let (web, _) = app.signed_in("dinkes_prov", None).await;
    let case_page = format!("/kasus/{id}");
    let action = format!("/kasus/{id}/tindakan/approve_guarantee");

    // Act
    let html = app.get_html(&web, &case_page).await;

    // Assert: both payers' remaining budgets, and no confirmation asked yet.
    assert_eq!(
        text(
            &html,
            "#quota-note-approve_guarantee li[data-payer=pemprov]"
        )
        .as_deref(),
        Some(
            "Pemerintah Provinsi NTT: sisa Rp10.000.000 dari Rp100.000.000 (terpakai Rp90.000.000)"
        )
    );
    assert_eq!(
        text(
            &html,
            "#quota-note-approve_guarantee li[data-payer=pemkab_asal]"
        )
        .as_deref(),
        Some("Pemerintah Kota Kupang: belum ditetapkan (terpakai Rp0)")
    );
    assert!(text(&html, "#approve_guarantee-over_quota_confirmed").is_none());

    // Act: 25 juta, beyond the 10 left.
    let version = app.case_state(id).await.1.to_string();
    let form = [
        ("version", version.as_str()),
        ("letter_number", "440/9/DINKES/2026"),
        ("start_date", PAST),
        ("payer", "pemprov"),
        ("ceiling", "25.000.000"),
        ("konfirmasi", "ya"),
    ];
    let refused = app.post_form_from(&web, &case_page, &action, &form).await;

    // Assert: the form comes back with the message, the checkbox and the reason field, and
    // what was typed.
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("page");
    assert!(
        text(
            &html,
            "#approve_guarantee-over_quota_confirmed-wrap .field-error"
        )
        .unwrap_or_default()
        .starts_with(
            "Plafon Rp25.000.000 melebihi sisa pagu jaminan Pemerintah Provinsi NTT tahun 2026"
        ),
        "{html}"
    );
    assert!(text(&html, "#approve_guarantee-over_quota_reason-wrap label").is_some());
    assert_eq!(
        attr(&html, "#approve_guarantee-ceiling", "value").as_deref(),
        Some("25.000.000")
    );
    assert_eq!(app.case_state(id).await.0, "guarantee_review");

    // Act: confirmed, with the reason.
    let mut confirmed = form.to_vec();
    confirmed.extend([
        ("over_quota_confirmed", "on"),
        (
            "over_quota_reason",
            "Operasi darurat; pagu ditambah di APBD perubahan",
        ),
    ]);
    let done = app
        .post_form_from(&web, &case_page, &action, &confirmed)
        .await;

    // Assert: approved; the case page shows the decision and its reason.
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(id).await.0, "guaranteed");
    let html = app.get_html(&web, &case_page).await;
    let decision = text(&html, "#case-quota-guarantee").unwrap_or_default();
    assert!(
        decision.contains("Pagu jaminan sementara Pemerintah Provinsi NTT tahun 2026: plafon Rp25.000.000; saat disetujui sisa Rp10.000.000 dari Rp100.000.000")
            && decision.contains("Melebihi kuota")
            && decision.contains("alasannya di riwayat"),
        "{decision}"
    );
    // The reason stands once, in the approval's step of the timeline, linked from the quota.
    assert_eq!(
        html.matches("Operasi darurat; pagu ditambah di APBD perubahan")
            .count(),
        1
    );
    let link = attr(&html, "#quota-reason-link-guarantee", "href").expect("a link");
    assert_eq!(
        attr(&html, "#timeline > li:last-child", "id").map(|id| format!("#{id}")),
        Some(link)
    );
    let approval = "#timeline > li:last-child";
    let labels = texts(&html, &format!("{approval} dt"));
    let values = texts(&html, &format!("{approval} dd"));
    let shown: Vec<(String, String)> = labels.into_iter().zip(values).collect();
    for (label, value) in [
        ("Saya mengonfirmasi persetujuan melebihi kuota", "ya"),
        (
            "Alasan melebihi kuota",
            "Operasi darurat; pagu ditambah di APBD perubahan",
        ),
    ] {
        assert!(
            shown.contains(&(label.to_string(), value.to_string())),
            "{shown:?}"
        );
    }
}

#[tokio::test]
async fn the_migration_books_the_approvals_made_before_it() {
    use std::borrow::Cow;

    use sqlx::migrate::Migrator;

    // Arrange: a database before the quotas, with a guarantee paid by Pemprov (15 juta, from
    // 1 October 2026) and one by Kabupaten Kupang without a ceiling (from 30 December 2025)
    // whose patient Dinkes then enrolled as PBPU Pemda of Pemprov (5 January 2026).
    let database = TestDatabase::create_empty().await;
    let pool = database.pool().await;
    let before = merajut_sehat::MIGRATOR
        .migrations
        .iter()
        .position(|m| m.description == "quotas")
        .expect("the quotas migration");
    let earlier = Migrator {
        migrations: Cow::Owned(merajut_sehat::MIGRATOR.migrations[..before].to_vec()),
        ..Migrator::DEFAULT
    };
    earlier.run(&pool).await.expect("the earlier migrations");
    let dinkes: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, password_hash) \
         VALUES ('dinkes', 'Dinkes', 'dinkes_prov', 'x') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("a user");
    let mut ids = vec![];
    for (number, nik, state, kab, payer, ceiling, start, pbpu) in [
        (
            "MS-1",
            "5371025205900001",
            "guaranteed",
            "53.71",
            "pemprov",
            Some(15 * JUTA),
            "2026-10-01",
            None,
        ),
        (
            "MS-2",
            "5303025205900002",
            "pbpu_proposed",
            "53.03",
            "pemkab_asal",
            None,
            "2025-12-30",
            Some("2026-01-05"),
        ),
    ] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, \
             birth_date, has_identity_document, nik, domicile_kab_kota_code, admission_date, \
             service_type, ward_class, jkn_status, guarantee_letter_number, guarantee_start, \
             payer, guarantee_ceiling, pbpu_payer, pbpu_decided_on) \
             SELECT $1, $3::case_state, h.id, $4, 'Maria', 'P', '1990-05-12', true, $2, $5, \
             '2025-12-01', 'igd', 'kelas_3', 'tidak_ada', '440/1', $6::date, $7, $8, \
             CASE WHEN $9::date IS NULL THEN NULL ELSE 'pemprov' END, $9::date \
             FROM hospitals h WHERE h.code = 'RSUD-WZJ' RETURNING id",
        )
        .bind(number)
        .bind(nik)
        .bind(state)
        .bind(dinkes)
        .bind(kab)
        .bind(start)
        .bind(payer)
        .bind(ceiling)
        .bind(pbpu)
        .fetch_one(&pool)
        .await
        .expect("a case");
        ids.push(id);
    }
    for (case_id, action, at) in [
        (ids[0], "approve_guarantee", "2026-10-02T01:00:00Z"),
        (ids[1], "approve_guarantee", "2025-12-30T01:00:00Z"),
        (ids[1], "enrol_pbpu_pemda", "2026-01-05T01:00:00Z"),
    ] {
        sqlx::query(
            "INSERT INTO case_history (case_id, action, to_state, actor_id, actor_role, at) \
             VALUES ($1, $2, 'guaranteed', $3, 'dinkes_prov', $4::timestamptz)",
        )
        .bind(case_id)
        .bind(action)
        .bind(dinkes)
        .bind(at)
        .execute(&pool)
        .await
        .expect("a history row");
    }

    // Act
    merajut_sehat::MIGRATOR
        .run(&pool)
        .await
        .expect("the remaining migrations");

    // Assert
    /// A charge: case, kind, year, payer's kab/kota, amount, decided by.
    type Charge = (Uuid, String, i32, Option<String>, Option<i64>, Uuid);
    let booked: Vec<Charge> = sqlx::query_as(
        "SELECT case_id, kind, year, kab_kota_code, amount, decided_by FROM quota_charges \
         ORDER BY year, kind",
    )
    .fetch_all(&pool)
    .await
    .expect("the charges");
    assert_eq!(
        booked,
        [
            (
                ids[1],
                "guarantee".to_string(),
                2025,
                Some("53.03".to_string()),
                None,
                dinkes
            ),
            (
                ids[0],
                "guarantee".to_string(),
                2026,
                None,
                Some(15 * JUTA),
                dinkes
            ),
            (
                ids[1],
                "pbpu_pemda".to_string(),
                2026,
                None,
                Some(1),
                dinkes
            ),
        ]
    );
    pool.close().await;
    database.remove();
}

#[tokio::test]
async fn the_years_quota_table_exports_with_rupiah_as_numbers() {
    use crate::exports::{csv_table, export_log, xlsx_sheet};
    use calamine::Data;

    // Arrange: Pemprov's 2026 budget is Rp100.000.000, of which 40 and 50 juta are approved.
    let app = spawn_app_at(mid_november()).await;
    let team = Team::new(&app).await;
    set_budget(&team.dinkes_prov, 2026, "pemprov", json!("Rp 100.000.000")).await;
    for serial in 1..=2 {
        let id = in_guarantee_review(&team, serial, "53.71").await;
        approve(
            &team,
            id,
            (PAST, "pemprov"),
            Some((30 + 10 * i64::from(serial)) * JUTA),
            json!({}),
        )
        .await
        .expect(StatusCode::OK);
    }
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let payers = team.dinkes_prov.get("/api/v1/kuota?tahun=2026").await;
    let payers = payers.body["items"].as_array().expect("items").len();

    // Act
    let r = app
        .get(&dinkes, "/kuota/unduh?format=xlsx&tahun=2026")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = xlsx_sheet(&r.bytes().await.expect("the file"), "Kuota");
    let csv = app.get(&dinkes, "/kuota/unduh?format=csv&tahun=2026").await;
    let csv = csv.bytes().await.expect("the file");
    let bad_year = app
        .get(&dinkes, "/kuota/unduh?format=csv&tahun=-9999")
        .await;
    let refused = app.get(&rsud, "/kuota/unduh?format=csv").await;
    let api = team
        .dinkes_prov
        .get_raw("/api/v1/kuota/export?tahun=2026&format=csv")
        .await;
    assert_eq!(api.status(), StatusCode::OK);
    let api = api.bytes().await.expect("the file");

    // Assert: Pemprov's row: 100 juta, 90 used, 10 left, two approvals, none over; no PBPU
    // quota set (empty), none enrolled.
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 1 + payers);
    let pemprov = rows
        .iter()
        .find(|r| r[1] == Data::String("pemprov".into()))
        .expect("the Pemprov row");
    assert_eq!(
        pemprov[2..10],
        [
            Data::Float(100_000_000.0),
            Data::Float(90_000_000.0),
            Data::Float(10_000_000.0),
            Data::Float(2.0),
            Data::Float(0.0),
            Data::Empty,
            Data::Float(0.0),
            Data::Empty
        ]
    );
    let headers: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let records = csv_table(&csv, &headers);
    let line = records
        .iter()
        .find(|r| &r[1] == "pemprov")
        .expect("Pemprov in the CSV");
    assert_eq!(
        (&line[2], &line[3], &line[4]),
        ("100000000", "90000000", "10000000")
    );
    assert_eq!(
        csv_table(&api, &headers),
        records,
        "the API gives the same file"
    );
    assert_eq!(bad_year.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_year.text().await.expect("page").contains("Tahun"));
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let log: Vec<(String, String, i64)> = export_log(&app)
        .await
        .into_iter()
        .map(|l| (l.what, l.format, l.row_count))
        .collect();
    let n = i64::try_from(payers).expect("a count");
    assert_eq!(
        log,
        [
            ("quota".into(), "xlsx".into(), n),
            ("quota".into(), "csv".into(), n),
            ("quota".into(), "csv".into(), n)
        ]
    );
}
