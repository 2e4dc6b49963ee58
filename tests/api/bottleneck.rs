//! Where patients wait (`/hambatan`): time at each desk from the desk stays, in working days,
//! checked against figures counted by hand on a fixed clock across a weekend.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;

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

#[tokio::test]
async fn time_at_desks_in_working_days_with_median_p90_and_overdue() {
    // Arrange: A and B submitted on Monday; B verified on Wednesday and waits at Dinsos.
    let app = spawn_app_at(monday()).await;
    let team = Team::new(&app).await;
    let a = team.create(&intake_woman()).await;
    team.rsud
        .upload(a, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(a, "submit").await;
    let b = team.create(&intake_man()).await;
    team.rsud
        .upload(b, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(b, "submit").await;
    app.clock.advance(Duration::days(2));
    team.dukcapil_prov.step(b, "verify_nik").await;
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
