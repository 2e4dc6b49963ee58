//! The queue and the case page as the PICs use them all day, on a 360 px phone and at a desk:
//! the cases come first, every tap target is at least 44×44 px, the actions open one form at
//! a time and ask before an irreversible step, the return reason stands once (in the
//! timeline), the focus ring can be seen everywhere, and a case action can be done with the
//! keyboard alone.

use fantoccini::key::Key;
use uuid::Uuid;

use crate::common::{TestApp, TestUser, intake_fields, spawn_app};
use crate::driver::{Browser, Chromedriver};
use crate::flows::{MARKUS, open_action, switch_to};
use crate::phone::assert_fits;

const PHONE: (u32, u32) = (360, 740);
const DESKTOP: (u32, u32) = (1280, 900);
const HOSPITAL: &str = "RSUD Prof. Dr. W.Z. Johannes Kupang";

/// A case of Markus Tefa waiting at Disdukcapil prov (nik_check), registered by `pic`.
async fn case_at_nik_check(app: &TestApp, pic: &TestUser) -> Uuid {
    let fields = intake_fields(
        MARKUS.name,
        MARKUS.sex,
        MARKUS.birth_date,
        MARKUS.nik,
        "53.71",
    );
    let id = app.arrange_draft(pic, &fields).await;
    app.arrange_action(pic, id, "submit", &[]).await;
    id
}

/// Every visible link, button, summary, field and tick label of the page smaller than 44×44
/// CSS px (links inside a sentence are exempt, as WCAG 2.5.8 has it), described.
async fn small_targets(browser: &Browser) -> Vec<String> {
    let found = browser
        .js(r#"
            const bad = [];
            const all = document.querySelectorAll(
              'header a, header button, nav a, main a, main button, main summary, main select, ' +
              'main textarea, main input:not([type=hidden]):not([type=checkbox]), main label.check');
            for (const el of all) {
              const r = el.getBoundingClientRect();
              if (!el.checkVisibility() || r.width === 0 || r.height === 0 || r.right <= 0) continue;
              const sentence = el.closest('p, li.muted, dd');
              if (el.tagName === 'A' && sentence && !sentence.classList.contains('row')
                  && !el.classList.contains('button') && !el.closest('.facts')) continue;
              if (r.width < 43.5 || r.height < 43.5) {
                bad.push(el.tagName + (el.id ? '#' + el.id : '') + ' "' +
                  (el.textContent || '').trim().slice(0, 30) + '" ' +
                  Math.round(r.width) + '×' + Math.round(r.height));
              }
            }
            return bad;"#)
        .await;
    serde_json::from_value(found).expect("a list of strings")
}

/// Tabs through the page from its top (at most `tabs` times) and returns every focused element
/// whose focus outline is missing or has less than 3:1 contrast with the background it is
/// drawn on (the nearest ancestor background: the outline lies outside the element), and the
/// number of elements checked.
async fn weak_focus_rings(browser: &Browser, tabs: usize) -> (Vec<String>, usize) {
    browser
        .js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
        .await;
    let mut weak = vec![];
    let mut seen = std::collections::HashSet::new();
    for _ in 0..tabs {
        browser.keys(&Key::Tab.to_string()).await;
        let answer = browser
            .js(r#"
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
                const lum = ([r, g, b]) => {
                  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
                };
                let bg = [255, 255, 255];
                for (let e = el.parentElement; e; e = e.parentElement) {
                  const c = rgb(getComputedStyle(e).backgroundColor);
                  if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
                }
                const s = getComputedStyle(el);
                const ring = rgb(s.outlineColor).slice(0, 3);
                const [a, b] = [lum(ring), lum(bg)];
                const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                const name = el.tagName + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || '').trim().slice(0, 25) + '"';
                return { name, ratio, style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                         ring: s.outlineColor, bg: 'rgb(' + bg.join(',') + ')' };"#)
            .await;
        if answer.is_null() {
            continue;
        }
        let name = answer["name"].as_str().unwrap_or_default().to_string();
        if !seen.insert(name.clone()) {
            continue;
        }
        let ratio = answer["ratio"].as_f64().unwrap_or(0.0);
        let visible = answer["style"] != "none" && answer["width"].as_f64().unwrap_or(0.0) >= 2.0;
        if !visible || ratio < 3.0 {
            weak.push(format!(
                "{name}: outline {} {} on {} = {ratio:.2}:1",
                answer["style"], answer["ring"], answer["bg"]
            ));
        }
    }
    (weak, seen.len())
}

/// Whether the element matching `css` is rendered (inside an open `<details>`).
async fn shown(browser: &Browser, css: &str) -> bool {
    browser
        .js(&format!(
            "const e = document.querySelector({css:?}); return !!e && e.checkVisibility();"
        ))
        .await
        .as_bool()
        .unwrap_or(false)
}

#[tokio::test]
async fn queue_puts_the_cases_first_with_big_targets_on_a_phone_and_at_a_desk() {
    // Arrange: one case waiting at Disdukcapil prov.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let id = case_at_nik_check(&app, &pic).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let chromedriver = Chromedriver::start().await;

    for (what, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
        let browser = if what == "phone" {
            chromedriver.phone(width, height).await
        } else {
            chromedriver.browser(width, height).await
        };
        switch_to(&browser, &app, &dukcapil).await;

        // Act
        browser.goto(&app.url("/antrean")).await;

        // Assert: the filters are folded, the first case is on the first screen.
        if what == "phone" {
            assert_fits(&browser, "the queue").await;
        }
        assert!(
            !shown(&browser, "#q").await,
            "{what}: the filters are not folded"
        );
        let place = browser
            .js(&format!(
                "const a = document.querySelector(\"table.cases a[href='/kasus/{id}']\")\
                   .getBoundingClientRect(); return [a.top, a.bottom, window.innerHeight];"
            ))
            .await;
        let [top, bottom, screen]: [f64; 3] =
            std::array::from_fn(|i| place[i].as_f64().expect("a number"));
        assert!(
            top >= 0.0 && bottom <= screen,
            "{what}: the first case is at {top}–{bottom} px, the screen is {screen} px high"
        );
        assert_eq!(
            small_targets(&browser).await,
            Vec::<String>::new(),
            "{what}"
        );
        // The API tokens are on the account page, not in the menu.
        assert!(!browser.has("nav.menu a[href='/token-api']").await);

        // Act: a filter is set.
        browser
            .find("#filters > summary")
            .await
            .click()
            .await
            .expect("opening the filters");
        assert!(shown(&browser, "#q").await);
        browser.choose("#state", "nik_check").await;
        browser
            .click_and_wait("form.filters button[type=submit]")
            .await;

        // Assert: the form stays open while a filter is active, and says how many.
        assert!(browser.url().await.contains("cari="));
        assert!(
            shown(&browser, "#state").await,
            "{what}: an active filter is folded away"
        );
        assert_eq!(browser.text("#filters-set").await, "1 aktif");
        assert!(
            browser
                .has(&format!("table.cases a[href='/kasus/{id}']"))
                .await
        );
        if what == "desktop" {
            let (weak, checked) = weak_focus_rings(&browser, 60).await;
            assert!(checked > 10, "only {checked} focusable elements");
            assert!(
                weak.is_empty(),
                "weak focus rings on the queue:\n{}",
                weak.join("\n")
            );
        }
        browser.close().await;
    }
}

#[tokio::test]
async fn case_actions_open_one_at_a_time_and_a_return_asks_first_and_says_its_reason_once() {
    // Arrange: a case at Dinsos prov (desil_check).
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let id = case_at_nik_check(&app, &pic).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let registry = [
        ("source_system", "siak"),
        ("registry_data", "Terdaftar di SIAK"),
    ];
    app.arrange_action(&dukcapil, id, "verify_nik", &registry)
        .await;
    let dinsos = app.create_test_user("dinsos_prov", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;
    switch_to(&browser, &app, &dinsos).await;
    let page = app.url(&format!("/kasus/{id}"));
    browser.goto(&page).await;

    // Assert: the actions are buttons; no form is open.
    let labels = browser
        .js("return [...document.querySelectorAll('details.action > summary')].map(s => s.textContent.trim())")
        .await;
    assert_eq!(
        labels,
        serde_json::json!(["Catat desil", "Kembalikan ke RSUD"])
    );
    assert!(!shown(&browser, "form#action-record_desil").await);
    assert!(!shown(&browser, "form#action-return_to_rsud").await);

    // Act: open one, then the other.
    open_action(&browser, "record_desil").await;
    assert!(shown(&browser, "form#action-record_desil").await);
    open_action(&browser, "return_to_rsud").await;

    // Assert: one at a time; the return names what will happen.
    assert!(shown(&browser, "form#action-return_to_rsud").await);
    assert!(
        !shown(&browser, "form#action-record_desil").await,
        "two forms open"
    );
    let consequence = browser.text("#return_to_rsud-konfirmasi-wrap").await;
    assert!(
        consequence.contains(&format!(
            "Saya mengerti: Kasus akan dikembalikan ke {HOSPITAL}"
        )),
        "{consequence}"
    );

    // Act: sent without the tick.
    browser
        .choose("#return_to_rsud-reason_code", "foto_tidak_terbaca")
        .await;
    browser
        .type_into(
            "#return_to_rsud-reason_text",
            "Foto KTP buram, mohon unggah ulang",
        )
        .await;
    browser
        .find("form#action-return_to_rsud button[type=submit]")
        .await
        .click()
        .await
        .expect("clicking the button");

    // Assert: the browser holds it back; nothing changed.
    let missing = browser
        .js("return document.getElementById('return_to_rsud-konfirmasi').validity.valueMissing")
        .await;
    assert_eq!(missing, serde_json::json!(true));
    assert_eq!(browser.path().await, format!("/kasus/{id}"));
    assert_eq!(app.case_state(id).await.0, "desil_check");

    // Act: ticked and sent.
    crate::flows::tick_confirmation(&browser, "return_to_rsud").await;
    browser
        .click_and_wait("form#action-return_to_rsud button[type=submit]")
        .await;
    assert!(browser.text("p.flash").await.contains("berhasil"));
    assert_eq!(app.case_state(id).await.0, "returned");

    // Assert: the hospital, on a phone, reads the reason once, in the timeline, reached from
    // the note at the top.
    browser.close().await;
    let phone = chromedriver.phone(PHONE.0, PHONE.1).await;
    switch_to(&phone, &app, &pic).await;
    phone.goto(&page).await;
    assert_fits(&phone, "the returned case").await;
    let said = phone
        .js("return document.querySelector('main').innerText.split('Foto KTP buram, mohon unggah ulang').length - 1")
        .await;
    assert_eq!(said.as_u64(), Some(1), "the reason is not said once");
    let label = phone
        .js("return document.querySelector('main').innerText.split('Foto tidak terbaca').length - 1")
        .await;
    assert_eq!(label.as_u64(), Some(1), "the reason code is not said once");
    assert!(
        phone
            .text("#return-note")
            .await
            .contains("Dikembalikan oleh")
    );
    let target = phone
        .find("#return-reason-link")
        .await
        .attr("href")
        .await
        .expect("href");
    let step = phone.text("#timeline li.return-step").await;
    assert!(
        step.contains("Foto KTP buram, mohon unggah ulang"),
        "{step}"
    );
    let step_id = phone
        .find("#timeline li.return-step")
        .await
        .attr("id")
        .await
        .expect("id");
    assert_eq!(target, step_id.map(|s| format!("#{s}")));
    // The hospital's actions: buttons big enough to tap.
    assert_eq!(small_targets(&phone).await, Vec::<String>::new());
    // The focus ring shows on the return note's background too (desk width not needed).
    let (weak, _) = weak_focus_rings(&phone, 60).await;
    assert!(
        weak.is_empty(),
        "weak focus rings on the case page:\n{}",
        weak.join("\n")
    );
    phone.close().await;
}

#[tokio::test]
async fn a_case_is_returned_with_the_keyboard_alone() {
    // Arrange: a case at Disdukcapil prov, its page open; nothing will be clicked.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let id = case_at_nik_check(&app, &pic).await;
    let dukcapil = app.create_test_user("dukcapil_prov", None).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;
    switch_to(&browser, &app, &dukcapil).await;
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    let (weak, checked) = weak_focus_rings(&browser, 80).await;
    assert!(checked > 10, "only {checked} focusable elements");
    assert!(
        weak.is_empty(),
        "weak focus rings on the case page:\n{}",
        weak.join("\n")
    );
    browser
        .js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
        .await;
    let tab = Key::Tab.to_string();
    let focused = "return document.activeElement.closest('details') ? \
                   document.activeElement.closest('details').id + ' ' + document.activeElement.tagName : \
                   (document.activeElement.id || document.activeElement.tagName)";

    // Act: Tab to the "Kembalikan ke RSUD" button, Enter opens it.
    let mut at = String::new();
    for _ in 0..80 {
        browser.keys(&tab).await;
        at = browser
            .js(focused)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        if at == "tindakan-return_to_rsud SUMMARY" {
            break;
        }
    }
    assert_eq!(
        at, "tindakan-return_to_rsud SUMMARY",
        "never reached the button"
    );
    browser.keys(&Key::Enter.to_string()).await;
    assert!(
        shown(&browser, "form#action-return_to_rsud").await,
        "Enter did not open the form"
    );

    // Tab into the reason (typing picks the option), the text, Space on the tick, Enter on
    // the button.
    browser.keys(&tab).await;
    assert_eq!(browser.js(focused).await, "tindakan-return_to_rsud SELECT");
    browser.keys("Data").await;
    browser.keys(&tab).await;
    assert_eq!(
        browser.js(focused).await,
        "tindakan-return_to_rsud TEXTAREA"
    );
    browser.keys("NIK tidak ditemukan di SIAK").await;
    browser.keys(&tab).await;
    assert_eq!(browser.js(focused).await, "tindakan-return_to_rsud INPUT");
    browser.keys(" ").await;
    browser.keys(&tab).await;
    assert_eq!(browser.js(focused).await, "tindakan-return_to_rsud BUTTON");
    browser.keys_and_wait(&Key::Enter.to_string()).await;

    // Assert: the case went back to the hospital with what was typed.
    assert!(
        browser.text("p.flash").await.contains("berhasil"),
        "{}",
        browser.text("main").await
    );
    assert_eq!(app.case_state(id).await.0, "returned");
    browser.goto(&app.url(&format!("/kasus/{id}"))).await;
    let timeline = browser.text("#timeline").await;
    assert!(
        timeline.contains("Data tidak sesuai") && timeline.contains("NIK tidak ditemukan di SIAK"),
        "{timeline}"
    );
    browser.close().await;
}

#[tokio::test]
async fn api_tokens_are_reached_from_the_account_page() {
    // Arrange
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(PHONE.0, PHONE.1).await;
    switch_to(&browser, &app, &pic).await;

    // Act
    assert!(
        !browser.has("nav.menu a[href='/token-api']").await,
        "still in the menu"
    );
    browser.click_and_wait("nav.menu a[href='/akun']").await;
    browser.click_and_wait("#token-api-link").await;

    // Assert
    assert_eq!(browser.path().await, "/token-api");
    assert_eq!(browser.text("h1").await, "Token API");
    assert_fits(&browser, "the token page").await;
    assert_eq!(small_targets(&browser).await, Vec::<String>::new());
    browser.close().await;
}
