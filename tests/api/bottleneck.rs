//! Where patients wait (`/hambatan`): time at each desk from the desk stays, in working days,
//! checked against figures counted by hand on a fixed clock across a weekend.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// Monday 16 November 2026, 09:00 WITA.
fn monday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-16T09:00:00+08:00")
        .expect("valid")
        .with_timezone(&Utc)
}

/// The rows of the bottleneck table, each as its cells' text.
fn rows(html: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let row = scraper::Selector::parse("#bottlenecks tbody tr").expect("selector");
    let cell = scraper::Selector::parse("td").expect("selector");
    doc.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect()
        })
        .collect()
}

/// A and B submitted on Monday; B verified on Wednesday (the clock moved there).
pub(crate) async fn submitted_and_one_verified(app: &TestApp) -> (Team, Uuid, Uuid) {
    let team = Team::new(app).await;
    let mut ids = vec![];
    for intake in [intake_woman(), intake_man()] {
        let id = team.create(&intake).await;
        team.rsud
            .upload(id, "ktp", PNG, "ktp.png")
            .await
            .expect(StatusCode::CREATED);
        team.rsud.step(id, "submit").await;
        ids.push(id);
    }
    app.clock.advance(Duration::days(2));
    team.dukcapil_prov.step(ids[1], "verify_nik").await;
    (team, ids[0], ids[1])
}

#[tokio::test]
async fn time_at_desks_in_working_days_with_median_p90_and_overdue() {
    // Arrange: A and B submitted on Monday; B verified on Wednesday and waits at Dinsos.
    let app = spawn_app_at(monday()).await;
    let _ = submitted_and_one_verified(&app).await;
    // Monday 23 November: A has waited 5 working days at nik_check (17–20, 23), B 3 at
    // desil_check (19, 20, 23) after 2 at nik_check (17, 18). The weekend does not count.
    app.clock.advance(Duration::days(5));
    let (client, _) = app.signed_in("tim", None).await;

    // Act
    let html = app
        .get_html(&client, "/hambatan?dari=2026-11-01&sampai=2026-11-23")
        .await;

    // Assert: desk, kab/kota, now at the desk, overdue, median, p90, stays counted.
    let rows = rows(&html);
    let row = |desk: &str| {
        rows.iter()
            .find(|r| r[0].starts_with(desk))
            .unwrap_or_else(|| panic!("no row for {desk}: {rows:?}"))
            .clone()
    };
    assert_eq!(row("Draf")[2..], ["0", "0", "0,0", "0,0", "2"]);
    // nik_check: [2, 5] → median 3,5; p90 2 + 0,9 × 3 = 4,7; A is past its due date (17 Nov).
    assert_eq!(row("Verifikasi NIK")[1], "Kota Kupang (53.71)");
    assert_eq!(row("Verifikasi NIK")[2..], ["1", "1", "3,5", "4,7", "2"]);
    // desil_check: B since Wednesday, due Thursday.
    assert_eq!(row("Cek desil")[2..], ["1", "1", "3,0", "3,0", "1"]);

    // Act: open the cases behind nik_check in Kota Kupang.
    let opened = app
        .get_html(
            &client,
            "/hambatan?dari=2026-11-01&sampai=2026-11-23&meja=nik_check&kab=53.71",
        )
        .await;

    // Assert: both cases, with their days; only A still there and late.
    let lines = texts(&opened, "#kasus li");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("5 hari kerja") && l.contains("Terlambat"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("2 hari kerja") && !l.contains("masih"))
    );
}

#[tokio::test]
async fn bottlenecks_stay_within_scope_and_refuse_a_bad_period() {
    // Arrange
    let app = spawn_app_at(monday()).await;
    let team = Team::new(&app).await;
    let a = team.create(&intake_woman()).await;
    team.rsud
        .upload(a, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(a, "submit").await;
    let (elsewhere, _) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (tim, _) = app.signed_in("tim", None).await;

    // Act
    let other = app.get_html(&elsewhere, "/hambatan").await;
    let bad = tim
        .get(app.url("/hambatan?dari=-9999-01-01&sampai=2026-11-23"))
        .send()
        .await
        .expect("an answer");
    let reversed = tim
        .get(app.url("/hambatan?dari=2026-11-23&sampai=2026-11-01"))
        .send()
        .await
        .expect("an answer");

    // Assert
    assert!(
        rows(&other).iter().all(|r| r.len() == 1),
        "{:?}",
        rows(&other)
    );
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.expect("page").contains("tidak dikenali"));
    assert_eq!(reversed.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn registration_to_guarantee_and_to_handover_in_working_days() {
    // Arrange: registered Monday 16 November, guaranteed Wednesday 18, handed over Monday 23.
    let app = spawn_app_at(monday()).await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    app.clock.advance(Duration::days(2));
    team.drive(id, "draft", "guaranteed").await;
    app.clock.advance(Duration::days(5));
    team.drive(id, "guaranteed", "pbi_proposed").await;
    team.bpjs.step(id, "record_pbi_active").await;
    let (client, _) = app.signed_in("dinkes_prov", None).await;

    // Act
    let html = app
        .get_html(&client, "/hambatan?dari=2026-11-01&sampai=2026-11-23")
        .await;

    // Assert: 17 and 18 November to the guarantee; 17–20 and 23 to the handover.
    let doc = scraper::Html::parse_document(&html);
    let row = scraper::Selector::parse("#lead-times tbody tr").expect("selector");
    let cell = scraper::Selector::parse("td").expect("selector");
    let rows: Vec<Vec<String>> = doc
        .select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>())
                .collect()
        })
        .collect();
    assert_eq!(rows[0][1..], ["1", "2,0", "2,0"], "{rows:?}");
    assert_eq!(rows[1][1..], ["1", "5,0", "5,0"], "{rows:?}");
}

#[tokio::test]
async fn bottlenecks_as_json_for_the_provinces_dashboards() {
    // Arrange: one case waiting at Disdukcapil since Monday; a week later.
    let app = spawn_app_at(monday()).await;
    let team = Team::new(&app).await;
    let a = team.create(&intake_woman()).await;
    team.rsud
        .upload(a, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(a, "submit").await;
    app.clock.advance(Duration::days(7));
    let tim = actor(&app, "tim", None).await;

    // Act
    let reply = tim
        .get("/api/v1/hambatan?dari=2026-11-01&sampai=2026-11-23")
        .await;
    let bad = tim.get("/api/v1/hambatan?dari=kemarin").await;

    // Assert
    reply.expect(StatusCode::OK);
    let rows = reply.body["rows"].as_array().expect("rows");
    let nik = rows
        .iter()
        .find(|r| r["state"] == "nik_check")
        .expect("the NIK desk");
    assert_eq!(nik["open"], 1, "{nik}");
    assert_eq!(nik["overdue"], 1);
    assert_eq!(nik["median_days"], 5.0);
    bad.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["fields"][0]["field"], "dari");
}

/// Monday 21 December 2026, 09:00 WITA: Thursday 24 (cuti bersama) and Friday 25 (Christmas)
/// are holidays of the seeded calendar, then a weekend.
fn before_christmas() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-21T09:00:00+08:00")
        .expect("valid")
        .with_timezone(&Utc)
}

/// The cases of the holiday fixture.
struct Christmas {
    app: TestApp,
    /// RSUD-WZJ, Kota Kupang: at the NIK desk since Monday 21, overdue.
    a: Uuid,
    /// RSUD-TCH, Sikka: NIK desk 21 → 28, then desil check.
    b: Uuid,
    /// RSUD-WZJ, patient of Sikka: NIK desk 21 → 23, then desil check, overdue.
    c: Uuid,
    /// RSUD-BMR, Manggarai: registered 21, guarantee 23, handed over 29.
    d: Uuid,
    /// RSUD-BMR, Manggarai: registered 21, guarantee 28.
    e: Uuid,
}

/// Working days in the fixture (24, 25 December holidays, 26–27 a weekend):
/// 22 Tue, 23 Wed, 28 Mon, 29 Tue. Today is Tuesday 29 December.
async fn christmas() -> Christmas {
    let app = spawn_app_at(before_christmas()).await;
    let wzj = Team::new(&app).await;
    let tch = Team::at(&app, "RSUD-TCH", "53.10").await;
    let bmr = Team::at(&app, "RSUD-BMR", "53.13").await;
    let a = wzj.case_in(&intake_serial(1, "53.71"), "nik_check").await;
    let b = tch.case_in(&intake_serial(2, "53.10"), "nik_check").await;
    let c = wzj.case_in(&intake_serial(3, "53.10"), "nik_check").await;
    let d = bmr.case_in(&intake_serial(4, "53.13"), "nik_check").await;
    let e = bmr.case_in(&intake_serial(5, "53.13"), "nik_check").await;
    app.clock.advance(Duration::days(2)); // Wednesday 23
    wzj.dukcapil_prov.step(c, "verify_nik").await;
    bmr.drive(d, "nik_check", "guaranteed").await;
    app.clock.advance(Duration::days(5)); // Monday 28
    tch.dukcapil_prov.step(b, "verify_nik").await;
    bmr.drive(e, "nik_check", "guaranteed").await;
    app.clock.advance(Duration::days(1)); // Tuesday 29
    bmr.drive(d, "guaranteed", "pbi_proposed").await;
    bmr.bpjs.step(d, "record_pbi_active").await;
    Christmas { app, a, b, c, d, e }
}

/// The row of `desk` × `group` (group as shown, "Name (CODE)").
fn row_of<'a>(rows: &'a [Vec<String>], desk: &str, group: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0].starts_with(desk) && r[1].ends_with(&format!("({group})")))
        .unwrap_or_else(|| panic!("no row {desk} × {group}: {rows:?}"))
}

/// The case ids listed under "#kasus", in order.
fn listed(html: &str) -> Vec<Uuid> {
    let doc = scraper::Html::parse_document(html);
    let link = scraper::Selector::parse("#kasus li a").expect("selector");
    doc.select(&link)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/kasus/")?.parse().ok())
        .collect()
}

/// Every link of the figure tables, with the number it shows.
fn figure_links(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let link =
        scraper::Selector::parse("#bottlenecks td a, #lead-times td a, #lead-times-per-group td a")
            .expect("selector");
    doc.select(&link)
        .filter_map(|a| {
            Some((
                a.value().attr("href")?.to_string(),
                a.text().collect::<String>().trim().to_string(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn per_hospital_and_per_kab_kota_figures_count_holidays_and_the_weekend_out() {
    // Arrange
    let f = christmas().await;
    let (tim, _) = f.app.signed_in("tim", None).await;
    let period = "dari=2026-12-01&sampai=2026-12-31";

    // Act
    let by_hospital = f
        .app
        .get_html(&tim, &format!("/hambatan?{period}&kelompok=rs"))
        .await;
    let by_kab = f
        .app
        .get_html(&tim, &format!("/hambatan?{period}&kelompok=kab"))
        .await;

    // Assert, per hospital: now at the desk, overdue, median, p90, stays counted.
    let rows_rs = rows(&by_hospital);
    // NIK desk at RSUD-WZJ: A 4 days (22, 23, 28, 29), still there, due 22; C 2 days (22, 23).
    // [2, 4]: median 3, p90 2 + 0,9 × 2 = 3,8.
    assert_eq!(
        row_of(&rows_rs, "Verifikasi NIK", "RSUD-WZJ")[2..],
        ["1", "1", "3,0", "3,8", "2"]
    );
    // NIK desk at RSUD-TCH: B 3 days (22, 23, 28), gone on Monday 28.
    assert_eq!(
        row_of(&rows_rs, "Verifikasi NIK", "RSUD-TCH")[2..],
        ["0", "0", "3,0", "3,0", "1"]
    );
    // Desil check at RSUD-WZJ: C since Wednesday 23, 2 days (28, 29); due on 28 (the first
    // working day after 23), so overdue today.
    assert_eq!(
        row_of(&rows_rs, "Cek desil", "RSUD-WZJ")[2..],
        ["1", "1", "2,0", "2,0", "1"]
    );
    // Desil check at RSUD-TCH: B since Monday 28, 1 day, due today: not yet overdue.
    assert_eq!(
        row_of(&rows_rs, "Cek desil", "RSUD-TCH")[2..],
        ["1", "0", "1,0", "1,0", "1"]
    );
    assert_eq!(
        row_of(&rows_rs, "Draf", "RSUD-WZJ")[2..],
        ["0", "0", "0,0", "0,0", "2"]
    );
    assert!(
        row_of(&rows_rs, "Draf", "RSUD-WZJ")[1].starts_with("RSUD Prof. Dr. W.Z. Johannes Kupang"),
        "{rows_rs:?}"
    );

    // Assert, per kab/kota of domicile: B and C are both of Sikka.
    let rows_kab = rows(&by_kab);
    // NIK desk in Sikka: B 3, C 2 → median 2,5, p90 2,9; both gone.
    assert_eq!(
        row_of(&rows_kab, "Verifikasi NIK", "53.10")[2..],
        ["0", "0", "2,5", "2,9", "2"]
    );
    assert_eq!(
        row_of(&rows_kab, "Verifikasi NIK", "53.71")[2..],
        ["1", "1", "4,0", "4,0", "1"]
    );
    // Desil check in Sikka: B 1 (not overdue), C 2 (overdue) → median 1,5, p90 1,9.
    assert_eq!(
        row_of(&rows_kab, "Cek desil", "53.10")[2..],
        ["2", "1", "1,5", "1,9", "2"]
    );

    // Assert, registration → guarantee: D 2 (22, 23), E 3 (22, 23, 28) → median 2,5, p90 2,9;
    // → handover: D 4 (22, 23, 28, 29). For the scope and for RSUD-BMR / Manggarai alike.
    for html in [&by_hospital, &by_kab] {
        let lead = rows_in(html, "#lead-times tbody tr");
        assert_eq!(lead[0][1..], ["2", "2,5", "2,9"], "{lead:?}");
        assert_eq!(lead[1][1..], ["1", "4,0", "4,0"], "{lead:?}");
    }
    let per_rs = rows_in(&by_hospital, "#lead-times-per-group tbody tr");
    assert_eq!(per_rs.len(), 1, "{per_rs:?}");
    assert!(per_rs[0][0].ends_with("(RSUD-BMR)"), "{per_rs:?}");
    assert_eq!(per_rs[0][1..], ["2", "2,5", "2,9", "1", "4,0", "4,0"]);
    let per_kab = rows_in(&by_kab, "#lead-times-per-group tbody tr");
    assert_eq!(per_kab[0][0], "Manggarai (53.13)");

    // Act: every figure's link opens as many cases as the figure counts.
    for html in [&by_hospital, &by_kab] {
        let links = figure_links(html);
        assert!(links.len() > 20, "{links:?}");
        for (href, shown) in links {
            let opened = f.app.get_html(&tim, &href.replace("&amp;", "&")).await;
            let cases = listed(&opened);
            // Median and p90 open the stays counted; a count opens exactly its cases.
            if let Ok(n) = shown.parse::<usize>() {
                assert_eq!(cases.len(), n, "{href} shows {shown}: {cases:?}");
            }
        }
    }

    // Act: the drill-downs by hospital, as written by hand.
    let nik_wzj = f
        .app
        .get_html(
            &tim,
            &format!("/hambatan?{period}&meja=nik_check&rs=RSUD-WZJ"),
        )
        .await;
    let late_wzj = f
        .app
        .get_html(
            &tim,
            &format!("/hambatan?{period}&kelompok=rs&meja=nik_check&rs=RSUD-WZJ&hanya=terlambat"),
        )
        .await;
    let guarantee = f
        .app
        .get_html(
            &tim,
            &format!("/hambatan?{period}&kelompok=rs&tahap=jaminan&rs=RSUD-BMR"),
        )
        .await;
    let handover = f
        .app
        .get_html(&tim, &format!("/hambatan?{period}&tahap=serah"))
        .await;

    // Assert
    assert_eq!(listed(&nik_wzj), [f.a, f.c]);
    let lines = texts(&nik_wzj, "#kasus li");
    assert!(
        lines[0].contains("4 hari kerja") && lines[0].contains("Terlambat"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("2 hari kerja") && !lines[1].contains("masih"),
        "{lines:?}"
    );
    assert!(texts(&nik_wzj, "#h-kasus")[0].contains("W.Z. Johannes"));
    assert_eq!(listed(&late_wzj), [f.a]);
    // The longest first.
    assert_eq!(listed(&guarantee), [f.e, f.d]);
    let lines = texts(&guarantee, "#kasus li");
    assert!(
        lines[0].contains("3 hari kerja") && lines[1].contains("2 hari kerja"),
        "{lines:?}"
    );
    assert_eq!(listed(&handover), [f.d]);
    assert!(texts(&handover, "#kasus li")[0].contains("4 hari kerja"));
    let _ = f.b;
}

/// The rows matching `css`, each as its cells' text.
fn rows_in(html: &str, css: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let row = scraper::Selector::parse(css).expect("selector");
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
async fn per_hospital_figures_and_their_cases_stay_within_the_viewers_scope() {
    // Arrange
    let f = christmas().await;
    let period = "dari=2026-12-01&sampai=2026-12-31&kelompok=rs";
    let (wzj, _) = f.app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (tch, _) = f.app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (sikka, _) = f.app.signed_in("dukcapil_kab", Some("53.10")).await;

    // Act
    let own = f.app.get_html(&wzj, &format!("/hambatan?{period}")).await;
    let kab = f.app.get_html(&sikka, &format!("/hambatan?{period}")).await;
    let kab_opens = f
        .app
        .get_html(
            &sikka,
            &format!("/hambatan?{period}&meja=nik_check&rs=RSUD-WZJ"),
        )
        .await;
    let other_hospital = f
        .app
        .get_html(
            &tch,
            &format!("/hambatan?{period}&meja=nik_check&rs=RSUD-WZJ"),
        )
        .await;

    // Assert: the hospital sees its own rows only.
    let own_rows = rows(&own);
    assert!(
        own_rows.iter().all(|r| r[1].ends_with("(RSUD-WZJ)")),
        "{own_rows:?}"
    );
    assert_eq!(
        row_of(&own_rows, "Verifikasi NIK", "RSUD-WZJ")[2..],
        ["1", "1", "3,0", "3,8", "2"]
    );
    // The kab/kota desk sees the patients of Sikka at both hospitals: at RSUD-WZJ only C.
    let kab_rows = rows(&kab);
    assert_eq!(
        row_of(&kab_rows, "Verifikasi NIK", "RSUD-WZJ")[2..],
        ["0", "0", "2,0", "2,0", "1"]
    );
    assert!(
        kab_rows.iter().all(|r| !r[1].contains("RSUD-BMR")),
        "{kab_rows:?}"
    );
    assert_eq!(listed(&kab_opens), [f.c]);
    // Another hospital opens nothing of RSUD-WZJ, and is not told its name.
    assert!(listed(&other_hospital).is_empty());
    assert!(!other_hospital.contains("W.Z. Johannes"));
    let _ = (f.a, f.b, f.d, f.e);
}

#[tokio::test]
async fn bottleneck_parameters_that_are_not_understood_are_refused_by_name() {
    // Arrange
    let app = spawn_app_at(monday()).await;
    let (tim, _) = app.signed_in("tim", None).await;
    // The longest address a client sends (the `http` crate stops at 64 KiB).
    let long = "x".repeat(60_000);

    for (query, field) in [
        ("kelompok=semua".to_string(), "kelompok"),
        ("kelompok=%00".to_string(), "kelompok"),
        ("meja=%F0%9F%98%80".to_string(), "meja"),
        (format!("meja={long}"), "meja"),
        ("meja=handed_over&kab=53.71".to_string(), "meja"),
        ("tahap=akhir".to_string(), "tahap"),
        ("meja=nik_check&kab=53.71&hanya=semua".to_string(), "hanya"),
        ("dari=2026-11-01%00".to_string(), "dari"),
    ] {
        // Act
        let response = tim
            .get(app.url(&format!("/hambatan?sampai=2026-11-20&{query}")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{query:.60}: {:.200}", e.to_string()));

        // Assert: 422 naming the parameter, the typed end date kept.
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query:.60}"
        );
        let html = response.text().await.expect("page");
        let error = texts(&html, "#period-error");
        assert!(
            error
                .first()
                .is_some_and(|e| e.contains(&format!("\"{field}\""))),
            "{query:.60}: {error:?}"
        );
        assert_eq!(
            attr(&html, "#sampai", "value").as_deref(),
            Some("2026-11-20")
        );
    }

    // Act: a group code that is nowhere (100 KB, emoji) opens nothing and is not echoed.
    for code in [long.as_str(), "%F0%9F%98%80", "%00"] {
        let html = app
            .get_html(&tim, &format!("/hambatan?meja=nik_check&rs={code}"))
            .await;
        assert!(listed(&html).is_empty());
        assert!(!html.contains(&long));
        assert!(texts(&html, "#h-kasus")[0].contains("tidak ada di cakupan Anda"));
    }
}

#[tokio::test]
async fn bottlenecks_per_hospital_as_json() {
    // Arrange
    let f = christmas().await;
    let tim = actor(&f.app, "tim", None).await;

    // Act
    let reply = tim
        .get("/api/v1/hambatan?dari=2026-12-01&sampai=2026-12-31&kelompok=rs")
        .await;
    let by_kab = tim
        .get("/api/v1/hambatan?dari=2026-12-01&sampai=2026-12-31")
        .await;
    let bad = tim.get("/api/v1/hambatan?kelompok=semua").await;

    // Assert
    reply.expect(StatusCode::OK);
    assert_eq!(reply.body["grouping"], "rs");
    let rows = reply.body["rows"].as_array().expect("rows");
    let nik = rows
        .iter()
        .find(|r| r["state"] == "nik_check" && r["hospital_code"] == "RSUD-WZJ")
        .expect("the NIK desk at RSUD-WZJ");
    assert_eq!(nik["hospital_name"], "RSUD Prof. Dr. W.Z. Johannes Kupang");
    assert_eq!(nik["kab_kota_code"], serde_json::Value::Null);
    assert_eq!(
        (nik["open"].as_i64(), nik["overdue"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(nik["median_days"], 3.0);
    assert!(
        (nik["p90_days"].as_f64().unwrap_or_default() - 3.8).abs() < 1e-9,
        "{nik}"
    );
    let lead = &reply.body["lead_times"][0];
    assert_eq!(lead["hospital_code"], "RSUD-BMR");
    assert_eq!(lead["to_guarantee"]["cases"], 2);
    assert_eq!(lead["to_guarantee"]["median_days"], 2.5);
    assert_eq!(lead["to_handover"]["median_days"], 4.0);
    by_kab.expect(StatusCode::OK);
    assert_eq!(by_kab.body["grouping"], "kab");
    let sikka = by_kab.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["state"] == "desil_check" && r["kab_kota_code"] == "53.10")
        .expect("desil check in Sikka")
        .clone();
    assert_eq!(sikka["open"], 2);
    assert_eq!(sikka["hospital_code"], serde_json::Value::Null);
    bad.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["fields"][0]["field"], "kelompok");
}

#[tokio::test]
async fn drill_downs_and_the_dashboard_are_in_the_access_log_with_codes_only() {
    // Arrange: A waits at nik_check since Monday, B was verified on Wednesday.
    let app = spawn_app_at(monday()).await;
    let (_team, a, _b) = submitted_and_one_verified(&app).await;
    let (tim, tim_user) = app.signed_in("tim", None).await;
    let logged = |what: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, Vec<Uuid>, Option<String>)>(
                "SELECT kind, via, coalesce(case_ids, '{}'), summary FROM case_access_log \
                 WHERE what = $1 AND user_id = $2 ORDER BY id",
            )
            .bind(what)
            .bind(tim_user.id)
            .fetch_all(&pool)
            .await
            .expect("the access log")
        }
    };

    // Act
    let drill = app
        .get_html(
            &tim,
            "/hambatan?dari=2026-11-01&sampai=2026-11-18&meja=nik_check&kab=53.71&hanya=meja",
        )
        .await;
    let figures_only = app
        .get_html(&tim, "/hambatan?dari=2026-11-01&sampai=2026-11-18")
        .await;
    let dashboard = app.get(&tim, "/dasbor").await;

    // Assert: the drill-down listed A and is one `list` row with A's id and the codes asked.
    assert_eq!(texts(&drill, "#kasus li a").len(), 1);
    assert!(text(&figures_only, "#kasus").is_none());
    assert_eq!(dashboard.status(), StatusCode::OK);
    let rows = logged("bottleneck").await;
    assert_eq!(rows.len(), 1, "the figures alone list no case: {rows:?}");
    let (kind, via, ids, summary) = &rows[0];
    assert_eq!((kind.as_str(), via.as_str()), ("list", "web"));
    assert_eq!(ids, &[a]);
    assert_eq!(
        summary.as_deref(),
        Some("meja=nik_check; hanya=meja; kab=53.71; 2026-11-01..2026-11-18")
    );
    for personal in ["Maria", NIK_WOMAN] {
        assert!(!summary.as_deref().unwrap_or_default().contains(personal));
    }
    // The dashboard lists no case, but its view is logged (small counts can single one out).
    let rows = logged("dashboard").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "list");
    assert!(rows[0].2.is_empty());
}
