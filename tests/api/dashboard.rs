//! The dashboard's figures against values counted by hand on a small fixture, with the
//! application's clock set so the weeks are known; the page draws them and the API returns them.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Wednesday 18 November 2026, 10:00 WITA.
fn wednesday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-18T10:00:00+08:00")
        .expect("valid")
        .with_timezone(&Utc)
}

fn count(list: &Value, key: &str) -> i64 {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|c| c["key"] == key)
        .map_or(0, |c| c["count"].as_i64().expect("a count"))
}

/// Week of 16 November: A stays a draft, B is registered and handed over as PBI JKN. Week of
/// 23 November: C is registered and withdrawn (patient died).
async fn fixture(app: &TestApp, team: &Team) {
    team.create(&intake_woman()).await;
    let b = team.case_in(&intake_man(), "pbi_proposed").await;
    team.bpjs.step(b, "record_pbi_active").await;
    app.clock.advance(Duration::days(7));
    let c = team.create(&intake_man()).await;
    team.rsud.step(c, "withdraw").await;
}

#[tokio::test]
async fn dashboard_counts_states_weeks_outcomes_and_beneficiaries() {
    // Arrange
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    fixture(&app, &team).await;
    let tim = actor(&app, "tim", None).await;

    // Act
    let reply = tim.get("/api/v1/dasbor").await;

    // Assert
    reply.expect(StatusCode::OK);
    let d = &reply.body;
    assert_eq!(count(&d["per_state"], "draft"), 1, "{d}");
    assert_eq!(count(&d["per_state"], "handed_over"), 1);
    assert_eq!(count(&d["per_state"], "withdrawn"), 1);
    let weeks = d["weekly"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 12, "twelve weeks, this one included");
    assert_eq!(d["to"], "2026-11-25");
    assert_eq!(d["from"], "2026-09-07");
    let week = |start: &str| weeks.iter().find(|w| w["week_start"] == start).cloned();
    assert_eq!(
        week("2026-11-16"),
        Some(json!({"week_start": "2026-11-16", "registered": 2, "closed": 1}))
    );
    assert_eq!(
        week("2026-11-23"),
        Some(json!({"week_start": "2026-11-23", "registered": 1, "closed": 1}))
    );
    let others: i64 = weeks
        .iter()
        .map(|w| w["registered"].as_i64().unwrap_or(0) + w["closed"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(others, 5);
    assert_eq!(count(&d["outcomes"], "handed_over:pbi_jkn"), 1);
    assert_eq!(count(&d["outcomes"], "withdrawn:meninggal"), 1);
    let withdrawn = d["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|c| c["key"] == "withdrawn:meninggal")
        .expect("the withdrawal");
    assert_eq!(withdrawn["label"], "Dibatalkan — Pasien meninggal dunia");
    assert_eq!(count(&d["beneficiaries_per_kab_kota"], "53.71"), 1);
    assert_eq!(
        d["beneficiaries_per_hospital"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn dashboard_stays_within_the_scope() {
    // Arrange
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    fixture(&app, &team).await;
    let other_hospital = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let other_kab = actor(&app, "dinkes_kab", Some("53.04")).await;
    let own_kab = actor(&app, "dinkes_kab", Some("53.71")).await;

    // Act
    let elsewhere = other_hospital.get("/api/v1/dasbor").await;
    let kab_elsewhere = other_kab.get("/api/v1/dasbor").await;
    let kab_here = own_kab.get("/api/v1/dasbor").await;

    // Assert: nothing of Kota Kupang's cases outside its scope; all of them within it.
    for reply in [&elsewhere, &kab_elsewhere] {
        reply.expect(StatusCode::OK);
        assert_eq!(reply.body["per_state"], json!([]), "{}", reply.body);
        assert_eq!(reply.body["outcomes"], json!([]));
        assert_eq!(reply.body["beneficiaries_per_kab_kota"], json!([]));
    }
    assert_eq!(count(&kab_here.body["per_state"], "draft"), 1);
    assert_eq!(
        count(&kab_here.body["beneficiaries_per_kab_kota"], "53.71"),
        1
    );
}

#[tokio::test]
async fn dashboard_page_draws_each_figure_with_its_table() {
    // Arrange
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    fixture(&app, &team).await;
    let (client, _) = app.signed_in("tim", None).await;

    // Act
    let html = app.get_html(&client, "/dasbor").await;

    // Assert: an SVG with a title per figure, and the same numbers in tables.
    for id in [
        "per-state",
        "weekly",
        "outcomes",
        "per-desk",
        "per-kab",
        "per-hospital",
    ] {
        assert!(
            html.contains(&format!(r#"aria-labelledby="{id}-title""#)),
            "{id}"
        );
    }
    assert!(html.contains("Dibatalkan — Pasien meninggal dunia"));
    assert!(
        html.contains("<td>16-11-2026</td><td class=\"num\">2</td><td class=\"num\">1</td>"),
        "{html}"
    );
    // Charts need no script: the only ones on the page are the site-wide progressive
    // enhancement and the offline-draft script.
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert_eq!(scripts.len(), 2, "{html}");
    assert!(scripts[0].contains("/static/app.") && scripts[1].contains("/static/offline."));
}
