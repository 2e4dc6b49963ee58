//! The program team's desk: the monitoring list (`/pemantauan`) of `tim` and `dinkes_kab` with
//! its scope and filters, and the search of every case list, kept on the server under an
//! opaque id so that no NIK or name is ever in an address.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

fn case_links(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("table.cases a[href^='/kasus/']").expect("selector");
    let mut links: Vec<String> = doc
        .select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_string)
        .collect();
    links.sort();
    links
}

fn paths(ids: &[Uuid]) -> Vec<String> {
    let mut p: Vec<String> = ids.iter().map(|id| format!("/kasus/{id}")).collect();
    p.sort();
    p
}

/// Four cases: `a` (Kota Kupang, NIK check), `b` (Kota Kupang, guarantee review), `d` (Kota
/// Kupang, withdrawn) at RSUD-WZJ, registered on 2026-11-23; `c` (Sikka, desil check) at
/// RSUD-TCH, registered 2026-11-02 and overdue since.
struct Fixture {
    app: TestApp,
    a: Uuid,
    b: Uuid,
    c: Uuid,
    d: Uuid,
}

async fn fixture() -> Fixture {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()).await;
    let kupang = Team::new(&app).await;
    let sikka = Team::at(&app, "RSUD-TCH", "53.10").await;
    let c = sikka
        .case_in(&intake_serial(3, "53.10"), "desil_check")
        .await;
    app.clock.advance(Duration::days(21));
    let a = kupang
        .case_in(&intake_serial(1, "53.71"), "nik_check")
        .await;
    let b = kupang
        .case_in(&intake_serial(2, "53.71"), "guarantee_review")
        .await;
    let d = kupang.create(&intake_serial(4, "53.71")).await;
    kupang.rsud.step(d, "withdraw").await;
    Fixture { app, a, b, c, d }
}

/// POSTs the filter form of `list`, asserts the 303 to `list?cari=<id>` and returns that
/// address.
async fn search(
    app: &TestApp,
    client: &reqwest::Client,
    list: &str,
    fields: &[(&str, &str)],
) -> String {
    let response = app.post_form(client, list, fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{fields:?}");
    let to = location(&response).expect("a redirect");
    let id = to
        .strip_prefix(&format!("{list}?cari="))
        .unwrap_or_else(|| panic!("{to}"));
    assert_eq!(id.len(), 32, "{to}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{to}");
    to
}

/// The cases listed after searching `fields` on `list`.
async fn found(
    app: &TestApp,
    client: &reqwest::Client,
    list: &str,
    fields: &[(&str, &str)],
) -> Vec<String> {
    let to = search(app, client, list, fields).await;
    case_links(&app.get_html(client, &to).await)
}

async fn number(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("case number")
}

#[tokio::test]
async fn monitoring_roles_get_a_monitoring_list_within_their_scope_closed_cases_included() {
    // Arrange
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;
    let (kab, _) = f.app.signed_in("dinkes_kab", Some("53.71")).await;
    let (wzj, _) = f.app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (tch, _) = f.app.signed_in("rsud", Some("RSUD-TCH")).await;

    // Act
    let tim_page = f.app.get_html(&tim, "/pemantauan").await;
    let kab_page = f.app.get_html(&kab, "/pemantauan").await;
    let tim_queue = f.app.get(&tim, "/antrean").await;

    // Assert: titled as monitoring, in the menu instead of "Antrean saya".
    assert_eq!(text(&tim_page, "h1").as_deref(), Some("Pemantauan kasus"));
    let menu = texts(&tim_page, "nav.menu a");
    assert!(menu.contains(&"Pemantauan kasus".to_string()), "{menu:?}");
    assert!(!menu.contains(&"Antrean saya".to_string()), "{menu:?}");
    assert_redirect(&tim_queue, "/pemantauan");
    // Scope: tim sees all, the kab/kota Dinkes its kab/kota only; the withdrawn case is listed.
    assert_eq!(case_links(&tim_page), paths(&[f.a, f.b, f.c, f.d]));
    assert_eq!(case_links(&kab_page), paths(&[f.a, f.b, f.d]));
    // The hospitals keep their own list; an acting role has no monitoring list.
    assert_eq!(
        case_links(&f.app.get_html(&wzj, "/kasus-saya").await),
        paths(&[f.a, f.b, f.d])
    );
    assert_eq!(
        case_links(&f.app.get_html(&tch, "/kasus-saya").await),
        paths(&[f.c])
    );
    assert_eq!(
        f.app.get(&wzj, "/pemantauan").await.status(),
        StatusCode::FORBIDDEN
    );
    // A hospital's search stays within its hospital.
    assert_eq!(
        found(&f.app, &tch, "/kasus-saya", &[("q", "Pasien")]).await,
        paths(&[f.c])
    );
    // The kab/kota Dinkes filtering another kab/kota sees nothing of it.
    assert!(
        found(&f.app, &kab, "/pemantauan", &[("kab", "53.10")])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn each_monitoring_filter_narrows_the_list() {
    // Arrange
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;
    let page = f.app.get_html(&tim, "/pemantauan").await;
    let tch = option_value(&page, "#hospital", "RSUD dr. T.C. Hillers Maumere").expect("TCH");

    for (fields, expected) in [
        (vec![("state", "withdrawn")], vec![f.d]),
        (vec![("state", "guarantee_review")], vec![f.b]),
        (vec![("desk", "dukcapil_prov")], vec![f.a]),
        (vec![("desk", "dinsos_prov")], vec![f.c]),
        (vec![("kab", "53.10")], vec![f.c]),
        (vec![("hospital", tch.as_str())], vec![f.c]),
        (vec![("overdue", "1")], vec![f.c]),
        (vec![("from", "2026-11-20")], vec![f.a, f.b, f.d]),
        (vec![("to", "2026-11-02")], vec![f.c]),
        (vec![("from", "2026-11-01"), ("to", "2026-11-01")], vec![]),
        (vec![("kab", "53.71"), ("state", "nik_check")], vec![f.a]),
    ] {
        // Act
        let listed = found(&f.app, &tim, "/pemantauan", &fields).await;

        // Assert
        assert_eq!(listed, paths(&expected), "{fields:?}");
    }
}

#[tokio::test]
async fn a_bad_filter_value_is_a_field_message_not_ignored() {
    // Arrange
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;

    for (field, value, message) in [
        ("state", "nope", "Status tidak dikenal"),
        ("desk", "admin", "Meja tidak dikenal"),
        ("kab", "99.99", "Kab/Kota tidak dikenal"),
        ("hospital", "bukan-uuid", "Rumah sakit tidak dikenal"),
        (
            "hospital",
            "00000000-0000-0000-0000-000000000000",
            "Rumah sakit tidak dikenal",
        ),
        ("overdue", "ya", "Terlambat"),
        ("from", "2026-13-01", "Terdaftar sejak harus berupa tanggal"),
        ("to", "1899-01-01", "tahun harus antara"),
        ("q", "53710252059000011", "16 angka"),
    ] {
        // Act
        let response = f
            .app
            .post_form(&tim, "/pemantauan", &[(field, value)])
            .await;

        // Assert: 422, the message under the field, what was typed kept, no cases.
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        let html = response.text().await.expect("page");
        let error = text(&html, &format!("#{field}-error")).unwrap_or_default();
        assert!(error.contains(message), "{field}={value}: {error:?}");
        assert!(case_links(&html).is_empty(), "{field}={value}");
    }
    // The monitoring filters are refused on a list that does not offer them.
    let (dukcapil, _) = f.app.signed_in("dukcapil_prov", None).await;
    let response = f
        .app
        .post_form(&dukcapil, "/antrean", &[("desk", "bpjs")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert!(
        text(&html, "#desk-error")
            .unwrap_or_default()
            .contains("Pemantauan kasus")
    );
    // A period that ends before it starts.
    let response = f
        .app
        .post_form(
            &tim,
            "/pemantauan",
            &[("from", "2026-11-20"), ("to", "2026-11-01")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.expect("page");
    assert!(
        text(&html, "#to-error")
            .unwrap_or_default()
            .contains("sebelum")
    );
    assert_eq!(attr(&html, "#from", "value").as_deref(), Some("2026-11-20"));
}

#[tokio::test]
async fn every_search_form_finds_its_case_and_no_address_holds_a_nik_or_a_name() {
    // Arrange
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;
    let (dukcapil, _) = f.app.signed_in("dukcapil_prov", None).await;
    let nik_a = "5371025205900001";
    let number_b = number(&f.app, f.b).await;
    let seq_b = number_b.rsplit('-').next().expect("sequence").to_string();
    let short_b = seq_b.trim_start_matches('0').to_string();

    for (q, expected) in [
        (nik_a.to_string(), vec![f.a]),
        ("5371 0252 0590 0001".to_string(), vec![f.a]),
        ("53.71.02.520590.0001".to_string(), vec![f.a]),
        ("0004".to_string(), vec![f.d]),
        ("5205900003".to_string(), vec![f.c]),
        ("pASIEN 2".to_string(), vec![f.b]),
        ("pasien".to_string(), vec![f.a, f.b, f.c, f.d]),
        (number_b.to_lowercase(), vec![f.b]),
        (seq_b.clone(), vec![f.b]),
        (short_b.clone(), vec![f.b]),
    ] {
        // Act
        let to = search(&f.app, &tim, "/pemantauan", &[("q", &q)]).await;
        let html = f.app.get_html(&tim, &to).await;

        // Assert: the results, and an address with neither the NIK nor the name.
        assert_eq!(case_links(&html), paths(&expected), "{q}");
        assert!(!to.contains(nik_a), "{to}");
        assert!(!to.to_lowercase().contains("pasien"), "{to}");
        // The page shows the search as typed.
        assert_eq!(attr(&html, "#q", "value").as_deref(), Some(q.as_str()));
    }
    // The queue searches the same way, within the queue (the NIK check desk holds `a`, not `b`).
    assert_eq!(
        found(
            &f.app,
            &dukcapil,
            "/antrean",
            &[("q", "5371.0252.0590.0001")]
        )
        .await,
        paths(&[f.a])
    );
    assert_eq!(
        found(&f.app, &dukcapil, "/antrean", &[("q", "900002")]).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_search_id_of_another_user_or_expired_shows_a_message_and_no_data() {
    // Arrange
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;
    let (other, _) = f.app.signed_in("tim", None).await;
    let to = search(&f.app, &tim, "/pemantauan", &[("q", "Pasien 1")]).await;
    assert_eq!(case_links(&f.app.get_html(&tim, &to).await), paths(&[f.a]));

    // Act: another user opens the address; the owner opens it under another list.
    let theirs = f.app.get(&other, &to).await;
    let elsewhere = f
        .app
        .get(&tim, &to.replace("/pemantauan", "/kasus-saya"))
        .await;

    // Assert
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let html = theirs.text().await.expect("page");
    assert!(
        text(&html, "#search-notice")
            .unwrap_or_default()
            .contains("kedaluwarsa")
    );
    assert!(case_links(&html).is_empty());
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);

    // Act: the search expires after twelve hours.
    f.app.clock.advance(Duration::hours(13));
    let expired = f.app.get(&tim, &to).await;

    // Assert
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    let html = expired.text().await.expect("page");
    assert!(text(&html, "#search-notice").is_some());
    assert!(case_links(&html).is_empty());
}

#[tokio::test]
async fn the_next_page_of_a_search_keeps_the_search_and_only_its_id_in_the_address() {
    // Arrange: 51 drafts named "Pasien …", and one other.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let (tim, _) = app.signed_in("tim", None).await;
    for i in 1..=51 {
        let nik = format!("537102021175{i:04}");
        let name = format!("Pasien Uji {i}");
        app.arrange_draft(
            &pic,
            &intake_fields(&name, "L", "1975-11-02", &nik, "53.71"),
        )
        .await;
    }
    let other = app
        .arrange_draft(
            &pic,
            &intake_fields(
                "Markus Tefa",
                "L",
                "1975-11-02",
                "5371020211750099",
                "53.71",
            ),
        )
        .await;
    let to = search(&app, &tim, "/pemantauan", &[("q", "pasien uji")]).await;

    // Act
    let first = app.get_html(&tim, &to).await;
    let next = attr(&first, "a.button[href^='/pemantauan?']", "href").expect("a next page");
    let second = app.get_html(&tim, &next).await;

    // Assert
    assert_eq!(case_links(&first).len(), 50);
    assert!(next.starts_with(&format!("{to}&lanjut=")), "{next}");
    let links = case_links(&second);
    assert_eq!(links.len(), 1);
    assert!(!case_links(&first).contains(&links[0]));
    assert!(!links.contains(&format!("/kasus/{other}")));
    assert!(attr(&second, "a.button[href^='/pemantauan?']", "href").is_none());
    // A cursor that no page made is a message, not a server error.
    let response = app.get(&tim, &format!("{to}&lanjut=rusak")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn signs_in_a_name_search_only_part_words_and_alone_are_refused() {
    // Arrange: the cases are Pasien 1, Pasien 2, Pasien 3 and Pasien 4.
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;

    // Signs alone, wildcards of LIKE and of regular expressions among them: a message under
    // the search box, what was typed kept, no cases.
    for q in ["%", "_", "\\", ".*", "(|)", "- ' ."] {
        // Act
        let response = f.app.post_form(&tim, "/pemantauan", &[("q", q)]).await;
        // Assert
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let html = response.text().await.expect("page");
        let error = text(&html, "#q-error").unwrap_or_default();
        assert!(error.contains("huruf atau angka"), "{q}: {error:?}");
        assert_eq!(attr(&html, "#q", "value").as_deref(), Some(q), "{q}");
        assert!(case_links(&html).is_empty(), "{q}");
    }
    // Among letters, a sign separates words and matches nothing of itself.
    for (q, expected) in [
        ("pasien%", paths(&[f.d, f.b, f.a, f.c])),
        ("pasien_1", paths(&[f.a])),
        ("pasien.*", paths(&[f.d, f.b, f.a, f.c])),
        ("pasi.*en", vec![]),
        ("p_s", vec![]),
    ] {
        // Act
        let listed = found(&f.app, &tim, "/pemantauan", &[("q", q)]).await;
        // Assert
        assert_eq!(listed, expected, "{q}");
    }
}

#[tokio::test]
async fn any_two_words_of_a_name_find_it_in_either_order_and_no_other_name() {
    // Arrange: names whose words share beginnings, are short, or go beyond ASCII; the name
    // index keeps a key for each two words' first three letters (`name_keys`), which a search
    // of two words or more reads.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()).await;
    let team = Team::new(&app).await;
    let (tim, _) = app.signed_in("tim", None).await;
    let names = [
        "Maria Goreti Bria",
        "Mariana Marta Tefa",
        "Ñañez José da Costa",
        "Élodie O'Neil-Tefa",
        "Yo Bria Ko",
    ];
    let mut ids = vec![];
    for (serial, name) in (1..).zip(names) {
        let mut intake = intake_serial(serial, "53.71");
        intake["full_name"] = serde_json::json!(name);
        ids.push(team.create(&intake).await);
    }

    // Act and assert: each two different words of each name, the second first, in other
    // letter cases, find it.
    for (name, id) in names.iter().zip(&ids) {
        let words: Vec<&str> = name.split([' ', '-', '\'']).collect();
        for first in &words {
            for second in words.iter().filter(|w| *w != first) {
                let q = format!("{} {}", second.to_uppercase(), first.to_lowercase());
                let listed = found(&app, &tim, "/pemantauan", &[("q", &q)]).await;
                assert!(listed.contains(&format!("/kasus/{id}")), "{q}: {listed:?}");
            }
        }
    }
    // Beginnings of words: only the names with a word beginning so for each typed word.
    let [goreti, marta, nanez, elodie, yo] = ids[..] else {
        panic!("five cases")
    };
    for (q, expected) in [
        ("mar bri", vec![goreti]),
        ("bri mar", vec![goreti]),
        ("mar tef", vec![marta]),
        ("mari mart", vec![marta]),
        ("maria bria", vec![goreti]),
        ("mariana bria", vec![]),
        ("tef", vec![marta, elodie]),
        ("tefa élo", vec![elodie]),
        ("ÉLO neil", vec![elodie]),
        ("jos cos", vec![nanez]),
        ("ñañ da", vec![nanez]),
        ("bri yo", vec![yo]),
        ("bri ko", vec![yo]),
        ("bri go ma", vec![goreti]),
        ("ria bri", vec![]),
    ] {
        let listed = found(&app, &tim, "/pemantauan", &[("q", q)]).await;
        assert_eq!(listed, paths(&expected), "{q}");
    }
}
