//! What the users do in the browser, step by step: register a patient, open a case from the
//! queue, fill an action's form.

use std::path::PathBuf;

use crate::common::{TestApp, TestUser};
use crate::driver::Browser;

/// Writes a small PNG named `name` (e.g. `ktp.png`) and returns its absolute path.
pub fn photo(name: &str) -> PathBuf {
    let dir = crate::common::test_root().join(format!("photos-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("creating the photo directory");
    let path = dir.join(name);
    std::fs::write(&path, crate::common::TEST_PNG).expect("writing the photo");
    path
}

/// Today in WITA, as the server counts it (`YYYY-MM-DD`).
pub fn today() -> String {
    merajut_sehat::clock::Clock::system().today().to_string()
}

/// The date `days` before today (WITA), `YYYY-MM-DD`: patients are admitted a few days before
/// their coverage starts, so the temporary guarantee covers a real period.
pub fn days_ago(days: i64) -> String {
    (merajut_sehat::clock::Clock::system().today() - chrono::Duration::days(days)).to_string()
}

/// One user per agency taking part in the workflow.
pub struct Agencies {
    pub rsud: TestUser,
    pub dukcapil_prov: TestUser,
    pub dinsos_prov: TestUser,
    pub dinsos_kab: TestUser,
    pub dinkes_prov: TestUser,
    pub bpjs: TestUser,
}

impl Agencies {
    pub async fn create(app: &TestApp) -> Agencies {
        Agencies {
            rsud: app.create_test_user("rsud", Some("RSUD-WZJ")).await,
            dukcapil_prov: app.create_test_user("dukcapil_prov", None).await,
            dinsos_prov: app.create_test_user("dinsos_prov", None).await,
            dinsos_kab: app.create_test_user("dinsos_kab", Some("53.71")).await,
            dinkes_prov: app.create_test_user("dinkes_prov", None).await,
            bpjs: app.create_test_user("bpjs", None).await,
        }
    }
}

/// The patient typed into the intake form.
pub struct Patient {
    pub name: &'static str,
    /// `L` or `P`.
    pub sex: &'static str,
    /// `YYYY-MM-DD`.
    pub birth_date: &'static str,
    pub nik: &'static str,
}

/// A man born 2 November 1975 in Kota Kupang (NIK day 02, no +40).
pub const MARKUS: Patient = Patient {
    name: "Markus Tefa",
    sex: "L",
    birth_date: "1975-11-02",
    nik: "5371020211750002",
};

/// A woman born 21 July 1992 in Kota Kupang (NIK day 21 + 40 = 61).
pub const FRANSISKA: Patient = Patient {
    name: "Fransiska Lake",
    sex: "P",
    birth_date: "1992-07-21",
    nik: "5371026107920003",
};

/// A man born 11 April 1983 in Kota Kupang.
pub const PETRUS: Patient = Patient {
    name: "Petrus Lay",
    sex: "L",
    birth_date: "1983-04-11",
    nik: "5371021104830008",
};

/// Signs out whoever is signed in, then signs in as `user`.
pub async fn switch_to(browser: &Browser, app: &TestApp, user: &TestUser) {
    if browser.has("form[action='/keluar'] button").await {
        browser.sign_out().await;
    }
    browser.sign_in(app, user).await;
}

/// Fills the intake form (already open) with `p` and the episode data.
pub async fn fill_intake(browser: &Browser, p: &Patient) {
    browser.type_into("#intake-full_name", p.name).await;
    browser.choose("#intake-sex", p.sex).await;
    browser.type_into("#intake-birth_place", "Kupang").await;
    browser.set_date("#intake-birth_date", p.birth_date).await;
    browser.choose("#intake-has_identity_document", "ya").await;
    browser.type_into("#intake-nik", p.nik).await;
    browser
        .type_into("#intake-address", "Jl. Timor Raya No. 12")
        .await;
    browser.type_into("#intake-desa", "Oesapa").await;
    browser.type_into("#intake-kecamatan", "Kelapa Lima").await;
    browser
        .choose_label("#intake-domicile_kab_kota_code", "Kota Kupang — 53.71")
        .await;
    browser
        .type_into("#intake-family_phone", "0812-3456-7890")
        .await;
    browser
        .set_date("#intake-admission_date", &days_ago(3))
        .await;
    browser.choose("#intake-service_type", "rawat_inap").await;
    browser.choose("#intake-ward_class", "kelas_3").await;
    browser
        .type_into("#intake-clinical_reason", "Pneumonia, perlu rawat inap")
        .await;
    browser.choose("#intake-jkn_status", "tidak_ada").await;
}

/// The RSUD PIC (signed in) opens "Daftarkan pasien" from the menu, fills the form, attaches
/// KTP and KK photos and clicks "Simpan & kirim". Returns the new case's id, from the URL of
/// the case page it lands on.
pub async fn register(browser: &Browser, p: &Patient) -> String {
    browser
        .click_and_wait("nav.menu a[href='/kasus/baru']")
        .await;
    assert_eq!(browser.path().await, "/kasus/baru");
    assert_eq!(browser.text("h1").await, "Daftarkan pasien");
    fill_intake(browser, p).await;
    browser.attach("#ktp_file", &photo("ktp.png")).await;
    browser.attach("#kk_file", &photo("kk.png")).await;
    browser.click_and_wait("#submit-case").await;
    let path = browser.path().await;
    let id = path
        .strip_prefix("/kasus/")
        .unwrap_or_else(|| panic!("after \"Simpan & kirim\" the browser is on {path}"))
        .to_string();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "after \"Simpan & kirim\" the browser is on {path}"
    );
    id
}

/// A value typed or chosen in an action's form.
pub enum Input {
    Text(&'static str, String),
    Choose(&'static str, &'static str),
    Date(&'static str, String),
}

pub fn text(name: &'static str, value: impl Into<String>) -> Input {
    Input::Text(name, value.into())
}

pub fn choose(name: &'static str, value: &'static str) -> Input {
    Input::Choose(name, value)
}

pub fn date(name: &'static str, value: impl Into<String>) -> Input {
    Input::Date(name, value.into())
}

/// On the case page: opens the action's form with its button (`#tindakan-<action>`, unless it is
/// open already), fills it (`form#action-<action>`, fields `#<action>-<field>`), ticks "Saya
/// mengerti" where the action is irreversible, and clicks its submit button.
pub async fn submit_action(browser: &Browser, action: &str, inputs: &[Input]) {
    open_action(browser, action).await;
    browser.find(&format!("form#action-{action}")).await;
    for input in inputs {
        match input {
            Input::Text(name, value) => {
                browser.type_into(&format!("#{action}-{name}"), value).await
            }
            Input::Choose(name, value) => browser.choose(&format!("#{action}-{name}"), value).await,
            Input::Date(name, value) => browser.set_date(&format!("#{action}-{name}"), value).await,
        }
    }
    tick_confirmation(browser, action).await;
    browser
        .click_and_wait(&format!("form#action-{action} button[type=submit]"))
        .await;
}

/// Ticks "Saya mengerti: …" in the form of `action`, if the action asks for it and it is not
/// ticked yet.
pub async fn tick_confirmation(browser: &Browser, action: &str) {
    let confirm = format!("#{action}-konfirmasi");
    if browser.has(&confirm).await {
        let tick = browser.find(&confirm).await;
        if tick
            .prop("checked")
            .await
            .expect("reading checked")
            .as_deref()
            != Some("true")
        {
            tick.click().await.expect("ticking the confirmation");
        }
    }
}

/// Opens the folded filter form of a case list ("Saringan dan pencarian"), unless it is open.
pub async fn open_filters(browser: &Browser) {
    let open = browser
        .find("details#filters")
        .await
        .prop("open")
        .await
        .expect("reading details.open");
    if open.as_deref() != Some("true") {
        browser
            .find("details#filters > summary")
            .await
            .click()
            .await
            .expect("opening the filters");
    }
}

/// Opens the form of `action` on the case page by clicking its button, unless it is open (a
/// page without such buttons, like a claim's, shows its forms as they are).
pub async fn open_action(browser: &Browser, action: &str) {
    if !browser.has(&format!("details#tindakan-{action}")).await {
        return;
    }
    let open = browser
        .find(&format!("details#tindakan-{action}"))
        .await
        .prop("open")
        .await
        .expect("reading details.open");
    if open.as_deref() != Some("true") {
        browser
            .find(&format!("details#tindakan-{action} > summary"))
            .await
            .click()
            .await
            .expect("opening the action");
    }
}

/// Opens the queue from the menu and the case of `patient` from it.
pub async fn open_from_queue(browser: &Browser, patient: &str, case_id: &str) {
    browser.click_and_wait("nav.menu a[href='/antrean']").await;
    let link = format!("table.cases a[href='/kasus/{case_id}']");
    assert!(
        browser.has(&link).await,
        "the case of {patient} is not in the queue:\n{}",
        browser.text("table.cases").await
    );
    assert_eq!(browser.text(&link).await, patient);
    browser.click_and_wait(&link).await;
    assert_eq!(browser.path().await, format!("/kasus/{case_id}"));
}

/// A case registered in the test, and its patient's name.
pub struct Case {
    pub id: String,
    pub patient: &'static str,
}

/// `user` signs in, opens the case from the queue, takes `action` and the case moves to
/// `expected` (checked on the case page, where the browser is left).
pub async fn agency_acts(
    browser: &Browser,
    app: &TestApp,
    user: &TestUser,
    case: &Case,
    action: &str,
    inputs: &[Input],
    expected: &str,
) {
    let case_id = case.id.as_str();
    switch_to(browser, app, user).await;
    open_from_queue(browser, case.patient, case_id).await;
    submit_action(browser, action, inputs).await;
    let flash = browser.text("p.flash").await;
    assert!(
        flash.contains("berhasil"),
        "{} taking {action}: flash {flash:?}",
        user.username
    );
    if browser.path().await != format!("/kasus/{case_id}") {
        // Nothing more to do on the case: the agency is back at its queue.
        assert_eq!(browser.path().await, "/antrean");
        browser.goto(&app.url(&format!("/kasus/{case_id}"))).await;
    }
    assert_eq!(
        browser.case_state().await,
        expected,
        "state after {action} by {}",
        user.username
    );
}
