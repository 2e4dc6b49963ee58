//! The daily digest (`/notifikasi/ringkasan`): figures counted by hand on fixture cases on a
//! fixed clock, across Christmas (24 December is cuti bersama, 25 December a holiday) and a
//! weekend, within each viewer's scope; case numbers only.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// `at` (RFC 3339 with offset) as an instant.
fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid")
        .with_timezone(&Utc)
}

async fn number(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("number")
}

/// The case numbers listed under `css`.
fn listed(html: &str, css: &str) -> Vec<String> {
    let mut numbers: Vec<String> = texts(html, &format!("{css} li a"));
    numbers.sort();
    numbers
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Submits a new case of `team` from `intake` (draft → nik_check) at the clock's now.
async fn submitted(team: &Team, intake: &serde_json::Value) -> Uuid {
    let id = team.create(intake).await;
    team.rsud
        .upload(id, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    team.rsud.step(id, "submit").await;
    id
}

#[tokio::test]
async fn the_digest_counts_what_each_viewer_needs_within_scope_across_holidays_and_a_weekend() {
    // Arrange. Tuesday 22 December 2026: B and E submitted at RSUD-WZJ (Kota Kupang).
    let app = spawn_app_at(at("2026-12-22T10:00:00+08:00")).await;
    let team = Team::new(&app).await;
    let sikka = Team::at(&app, "RSUD-TCH", "53.10").await;
    let b = submitted(&team, &intake_man()).await;
    let e = submitted(&team, &intake_serial(2, "53.71")).await;
    // Wednesday 23 December: E returned to the hospital; A (Kupang) and C (Sikka) submitted.
    app.clock.advance(Duration::days(1));
    team.dukcapil_prov.step(e, "return_to_rsud").await;
    let a = submitted(&team, &intake_woman()).await;
    let c = submitted(&sikka, &intake_serial(1, "53.10")).await;
    // Saturday 26 December: D registered (a draft) at RSUD-WZJ.
    app.clock.advance(Duration::days(3));
    let d = team.create(&intake_serial(3, "53.71")).await;
    // Monday 28 December, 07:00: the previous working day is Wednesday 23 (24 and 25 are
    // holidays, then the weekend). Verifikasi NIK has 1 working day: B (arrived Tuesday) was
    // due on Wednesday and is overdue; A and C (arrived Wednesday) are due today.
    app.clock.set(at("2026-12-28T07:00:00+08:00"));
    let [a, b, c, d, e] = [
        number(&app, a).await,
        number(&app, b).await,
        number(&app, c).await,
        number(&app, d).await,
        number(&app, e).await,
    ];
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (rsud_sikka, _) = app.signed_in("rsud", Some("RSUD-TCH")).await;
    let (tim, _) = app.signed_in("tim", None).await;
    let (dinkes_kab, _) = app.signed_in("dinkes_kab", Some("53.71")).await;
    let (dinkes_prov, _) = app.signed_in("dinkes_prov", None).await;

    // Act
    let page = app.get_html(&dukcapil, "/notifikasi/ringkasan").await;

    // Assert: the desk of Disdukcapil provinsi (all NTT)
    assert_eq!(text(&page, "#digest-today").as_deref(), Some("28-12-2026"));
    assert_eq!(text(&page, "#digest-since").as_deref(), Some("23-12-2026"));
    assert_eq!(text(&page, "#at-desk").as_deref(), Some("3"));
    assert_eq!(text(&page, "#overdue").as_deref(), Some("1"));
    assert_eq!(text(&page, "#due-today").as_deref(), Some("2"));
    assert_eq!(text(&page, "#arrived").as_deref(), Some("2"));
    assert_eq!(listed(&page, "#overdue-list"), std::slice::from_ref(&b));
    assert_eq!(
        listed(&page, "#due-today-list"),
        sorted(vec![a.clone(), c.clone()])
    );
    assert_eq!(
        listed(&page, "#arrived-list"),
        sorted(vec![a.clone(), c.clone()])
    );
    assert_eq!(attr(&page, "#at-desk", "href").as_deref(), Some("/antrean"));
    assert!(text(&page, "#overview").is_none(), "no overview for a desk");
    assert!(!page.contains("Maria") && !page.contains("Nenobais") && !page.contains("5371"));

    // Assert: the hospital: its draft and the returned case; the return arrived Wednesday
    let page = app.get_html(&rsud, "/notifikasi/ringkasan").await;
    assert_eq!(text(&page, "#at-desk").as_deref(), Some("2"));
    assert_eq!(text(&page, "#overdue").as_deref(), Some("0"));
    assert_eq!(text(&page, "#returned").as_deref(), Some("1"));
    assert_eq!(listed(&page, "#returned-list"), std::slice::from_ref(&e));
    assert_eq!(listed(&page, "#arrived-list"), std::slice::from_ref(&e));
    let page = app.get_html(&rsud_sikka, "/notifikasi/ringkasan").await;
    assert_eq!(text(&page, "#at-desk").as_deref(), Some("0"));
    assert_eq!(
        text(&page, "#arrived").as_deref(),
        Some("0"),
        "a draft never arrives"
    );

    // Assert: the program team (all NTT): registered Wednesday to Sunday: A, C, D
    let page = app.get_html(&tim, "/notifikasi/ringkasan").await;
    assert!(text(&page, "#desk").is_none(), "no desk of its own");
    assert_eq!(text(&page, "#registered").as_deref(), Some("3"));
    assert_eq!(
        listed(&page, "#registered-list"),
        sorted(vec![a.clone(), c.clone(), d.clone()])
    );
    assert_eq!(text(&page, "#handed-over").as_deref(), Some("0"));
    assert_eq!(text(&page, "#open-total").as_deref(), Some("5"));
    assert_eq!(text(&page, "#overdue-total").as_deref(), Some("1"));
    assert_eq!(text(&page, "#open-rsud").as_deref(), Some("2"));
    assert_eq!(text(&page, "#open-dukcapil_prov").as_deref(), Some("3"));
    assert_eq!(text(&page, "#overdue-dukcapil_prov").as_deref(), Some("1"));

    // Assert: Dinkes Kota Kupang: C lives in Sikka and is not counted
    let page = app.get_html(&dinkes_kab, "/notifikasi/ringkasan").await;
    assert_eq!(text(&page, "#registered").as_deref(), Some("2"));
    assert_eq!(
        listed(&page, "#registered-list"),
        sorted(vec![a.clone(), d.clone()])
    );
    assert_eq!(text(&page, "#open-total").as_deref(), Some("4"));
    assert_eq!(text(&page, "#open-dukcapil_prov").as_deref(), Some("2"));
    assert_eq!(text(&page, "#overdue-dukcapil_prov").as_deref(), Some("1"));

    // Assert: Dinkes provinsi has both its (empty) desk and the province's overview
    let page = app.get_html(&dinkes_prov, "/notifikasi/ringkasan").await;
    assert_eq!(text(&page, "#at-desk").as_deref(), Some("0"));
    assert_eq!(text(&page, "#registered").as_deref(), Some("3"));
    assert_eq!(
        attr(&page, "#open-rsud", "href").as_deref(),
        Some("/hambatan")
    );

    // Act: Tuesday 29 December: the previous working day is Monday 28, when nothing happened
    app.clock.set(at("2026-12-29T07:00:00+08:00"));
    let desk = app.get_html(&dukcapil, "/notifikasi/ringkasan").await;
    let overview = app.get_html(&tim, "/notifikasi/ringkasan").await;

    // Assert: nothing arrived or was registered since; A and C are now overdue too
    assert_eq!(text(&desk, "#digest-since").as_deref(), Some("28-12-2026"));
    assert_eq!(text(&desk, "#arrived").as_deref(), Some("0"));
    assert_eq!(text(&desk, "#overdue").as_deref(), Some("3"));
    assert_eq!(text(&desk, "#due-today").as_deref(), Some("0"));
    assert_eq!(text(&overview, "#registered").as_deref(), Some("0"));
    assert_eq!(text(&overview, "#overdue-total").as_deref(), Some("3"));
}

#[tokio::test]
async fn the_monitoring_figures_post_their_filter_to_the_monitoring_list() {
    // Arrange: Monday 30 November 2026; one case submitted the Friday before
    let app = spawn_app_at(at("2026-11-27T10:00:00+08:00")).await;
    let team = Team::new(&app).await;
    let id = submitted(&team, &intake_woman()).await;
    let number = number(&app, id).await;
    app.clock.set(at("2026-11-30T07:00:00+08:00"));
    let (tim, _) = app.signed_in("tim", None).await;
    let page = app.get_html(&tim, "/notifikasi/ringkasan").await;
    assert_eq!(text(&page, "#registered").as_deref(), Some("1"));
    let from = attr(&page, "#overview input[name=from]", "value").expect("from");
    let to = attr(&page, "#overview input[name=to]", "value").expect("to");
    assert_eq!((from.as_str(), to.as_str()), ("2026-11-27", "2026-11-29"));

    // Act: what the "registered" figure posts, then the per-desk open figure
    let registered = app
        .post_form_from(
            &tim,
            "/notifikasi/ringkasan",
            "/pemantauan",
            &[("from", &from), ("to", &to)],
        )
        .await;
    let at_desk = app
        .post_form_from(
            &tim,
            "/notifikasi/ringkasan",
            "/pemantauan",
            &[("desk", "dukcapil_prov")],
        )
        .await;

    // Assert: both are lists the monitoring page accepts, with the case behind the figure
    for response in [registered, at_desk] {
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let list = app
            .get_html(&tim, &location(&response).expect("location"))
            .await;
        assert!(list.contains(&number), "{list}");
    }
}

#[tokio::test]
async fn the_digest_is_for_case_roles_and_linked_from_the_notifications() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("admin", None).await;
    let (bpjs, _) = app.signed_in("bpjs", None).await;
    let anonymous = app.client();

    // Act
    let refused = app.get(&admin, "/notifikasi/ringkasan").await;
    let away = app.get(&anonymous, "/notifikasi/ringkasan").await;
    let notes = app.get_html(&bpjs, "/notifikasi").await;

    // Assert
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_redirect(&away, "/masuk");
    assert_eq!(
        attr(&notes, "#digest-link", "href").as_deref(),
        Some("/notifikasi/ringkasan")
    );
    assert!(
        notes.contains("href=\"/notifikasi/ringkasan\">Ringkasan harian</a>"),
        "menu"
    );
}
