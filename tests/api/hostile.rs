//! Hostile input in every field of every form and API body: a NUL byte, 100 KB of text, emoji,
//! a right-to-left override, markup, SQL, absurd years, negative and huge numbers, an empty
//! file, JSON of the wrong type. Never a 5xx, never the markup back unescaped (neither in the
//! answer nor on the page a success leads to), nothing stored when refused.
//!
//! The forms are not listed by hand: each page of the table is opened as its user and every
//! form on it is read (action, method, encoding, fields with what the page put in them), so a
//! field added to a template is fuzzed without a change here. A field is fuzzed one at a time,
//! the others keep a valid value (the page's own, or a valid one from the table below), so the
//! hostile value reaches the handler's parsing, the service and the database.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The payload whose unescaped return would be a reflected (or stored) script.
const SCRIPT: &str = "<script>alert(1)</script>";

/// What goes into each text field.
fn hostile_texts() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("NUL", "ab\u{0}cd".to_string()),
        ("100 KB", "x".repeat(100 * 1024)),
        ("emoji", "🏥👩🏽‍⚕️ pasien".to_string()),
        ("RTL override", "\u{202E}fdp.exe".to_string()),
        ("markup", SCRIPT.to_string()),
        ("SQL", "' OR 1=1 --".to_string()),
        ("year -9999", "-9999".to_string()),
        ("year 99999", "99999".to_string()),
        ("date -9999", "-9999-01-01".to_string()),
        ("date 99999", "99999-12-31".to_string()),
        ("negative", "-1".to_string()),
        ("huge", "99999999999999999999999999".to_string()),
    ]
}

/// What goes into each JSON field besides the texts: numbers and other JSON types.
fn hostile_json() -> Vec<(&'static str, Value)> {
    let mut out: Vec<(&'static str, Value)> = hostile_texts()
        .into_iter()
        .map(|(n, v)| (n, Value::String(v)))
        .collect();
    out.extend([
        ("number -1", json!(-1)),
        ("number i64::MIN", json!(i64::MIN)),
        ("number u64::MAX", json!(u64::MAX)),
        ("number 1e300", json!(1e300)),
        ("bool", json!(true)),
        ("null", Value::Null),
        ("array", json!(["a", 1])),
        ("object", json!({"a": 1})),
    ]);
    out
}

/// A content fingerprint of the tables a form or API call may write (MD5 over every row).
async fn fingerprint(app: &TestApp) -> String {
    const TABLES: &[&str] = &[
        "cases",
        "documents",
        "users",
        "hospitals",
        "holidays",
        "sla_settings",
        "quotas",
        "claims",
        "reports",
        "nominatif_batches",
        "nominatif_entries",
        // Without `last_used_at`, which every API call moves.
        "(SELECT id, user_id, name, revoked_at FROM api_tokens)",
        "notification_preferences",
        "guarantee_letters",
    ];
    let parts: Vec<String> = TABLES
        .iter()
        .map(|t| {
            format!(
                "(SELECT coalesce(string_agg(md5(x::text), ',' ORDER BY md5(x::text)), '') \
                 FROM {t} x)"
            )
        })
        .collect();
    let sql = format!("SELECT md5(concat_ws('|', {}))", parts.join(", "));
    sqlx::query_scalar(&sql)
        .fetch_one(&app.pool)
        .await
        .expect("fingerprinting the tables")
}

// ---------------------------------------------------------------------------------------------
// Forms as a page renders them
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Text,
    File { pdf: bool },
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    kind: Kind,
    value: String,
}

#[derive(Debug, Clone)]
struct Form {
    action: String,
    post: bool,
    multipart: bool,
    fields: Vec<Field>,
}

/// Every form of `html` with its fields and the values the page gave them (checked boxes and
/// radios, selected options or the first real one, text areas' text).
fn forms_of(html: &str) -> Vec<Form> {
    let doc = scraper::Html::parse_document(html);
    let form_sel = scraper::Selector::parse("form").expect("selector");
    let field_sel =
        scraper::Selector::parse("input[name], select[name], textarea[name]").expect("selector");
    let option_sel = scraper::Selector::parse("option").expect("selector");
    let mut out = Vec::new();
    for form in doc.select(&form_sel) {
        let e = form.value();
        let mut fields: Vec<Field> = Vec::new();
        for input in form.select(&field_sel) {
            let v = input.value();
            let name = v.attr("name").unwrap_or_default().to_string();
            if name == "csrf_token" {
                continue;
            }
            let kind = match (v.name(), v.attr("type").unwrap_or("text")) {
                ("input", "file") => Kind::File {
                    pdf: v
                        .attr("accept")
                        .is_some_and(|a| a.contains("pdf") && !a.contains("image")),
                },
                _ => Kind::Text,
            };
            let value = match (v.name(), v.attr("type").unwrap_or("text")) {
                ("input", "checkbox" | "radio") => {
                    if v.attr("checked").is_none() {
                        if fields.iter().any(|f| f.name == name) {
                            continue;
                        }
                        // An unchecked box still names a field to fuzz; it starts empty.
                        String::new()
                    } else {
                        fields.retain(|f| f.name != name || !f.value.is_empty());
                        v.attr("value").unwrap_or("on").to_string()
                    }
                }
                ("input", "submit" | "button") => continue,
                ("input", _) => v.attr("value").unwrap_or_default().to_string(),
                ("textarea", _) => input.text().collect(),
                _ => {
                    let options: Vec<_> = input.select(&option_sel).collect();
                    options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or_else(|| {
                            options
                                .iter()
                                .find(|o| o.value().attr("value").is_some_and(|x| !x.is_empty()))
                        })
                        .and_then(|o| o.value().attr("value"))
                        .unwrap_or_default()
                        .to_string()
                }
            };
            if let Some(existing) = fields.iter_mut().find(|f| f.name == name) {
                if existing.value.is_empty() {
                    existing.value = value;
                }
                continue;
            }
            fields.push(Field { name, kind, value });
        }
        out.push(Form {
            action: e.attr("action").unwrap_or_default().to_string(),
            post: e
                .attr("method")
                .is_some_and(|m| m.eq_ignore_ascii_case("post")),
            multipart: e.attr("enctype").is_some_and(|t| t.contains("multipart")),
            fields,
        });
    }
    out
}

/// A PDF as the upload check judges it.
const PDF: &[u8] = crate::helpers::TEST_PDF;

/// Sends `form` with `fields` (text) and the file fields' bytes.
async fn submit(
    app: &TestApp,
    client: &TestClient,
    csrf: &str,
    form: &Form,
    text: &[(String, String)],
    files: &[(String, Vec<u8>)],
) -> reqwest::Response {
    let url = app.url(&form.action);
    let request = if !form.post {
        // A query string is capped well below 100 KB by every browser and server: 8 KB here.
        let capped: Vec<(String, String)> = text
            .iter()
            .map(|(k, v)| (k.clone(), v.chars().take(8 * 1024).collect()))
            .collect();
        client.get(&url).query(&capped)
    } else if form.multipart {
        let mut body = reqwest::multipart::Form::new().text("csrf_token", csrf.to_string());
        for (k, v) in text {
            body = body.text(k.clone(), v.clone());
        }
        for (k, bytes) in files {
            body = body.part(
                k.clone(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name("berkas.png"),
            );
        }
        client.post(&url).multipart(body)
    } else {
        let mut all = vec![("csrf_token".to_string(), csrf.to_string())];
        all.extend_from_slice(text);
        client.post(&url).form(&all)
    };
    request.send().await.unwrap_or_else(|e| {
        panic!(
            "{} {}: {e}",
            if form.post { "POST" } else { "GET" },
            form.action
        )
    })
}

/// A page of the table: fixed, or a fresh case in a state (made again after a form moved it).
#[derive(Clone, Copy)]
enum Target {
    Fixed(&'static str),
    Case(&'static str),
    /// The edit page of a fresh case in a state.
    CaseEdit(&'static str),
}

/// A counter for unique NIKs, user names and hospital codes.
struct Serial(u32);

impl Serial {
    fn next(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

/// Valid values for fields a page leaves empty, by field name (the fuzzed field overrides).
fn valid_defaults(serial: u32) -> BTreeMap<&'static str, String> {
    let nik = format!("5371025205900{:03}", serial % 499 + 1);
    let mut m: BTreeMap<&'static str, String> =
        intake_fields("Pasien Uji", "P", "1990-05-12", "", "53.71")
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (leak(k), v))
            .collect();
    m.insert("nik", nik);
    m.insert("username", format!("uji_{serial}"));
    m.insert("display_name", "Pengguna Uji".into());
    m.insert("role", "dinsos_prov".into());
    m.insert("code", format!("RSUD-U{serial}"));
    m.insert("name", format!("Uji {serial}"));
    m.insert("kab_kota_code", "53.71".into());
    m.insert("day", "2026-12-24".into());
    m.insert("year", "2026".into());
    m.insert("part", "11".into());
    m.insert("value", "1000000".into());
    m.insert("care_start", PAST.into());
    m.insert("care_end", "2026-10-05".into());
    m.insert("amount_claimed", "5000000".into());
    m.insert("period_start", PAST.into());
    m.insert("period_end", "2026-11-30".into());
    m.insert("email", "uji@example.go.id".into());
    m.insert("current_password", PASSWORD.into());
    for action in [
        "verify_nik",
        "record_desil",
        "approve_guarantee",
        "reject_guarantee",
        "propose_pbi",
        "return_to_rsud",
        "withdraw",
        "refer_to_kab",
    ] {
        if let Value::Object(o) = valid_fields(action) {
            for (k, v) in o {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                m.entry(leak(k)).or_insert(v);
            }
        }
    }
    m
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A one-line summary of a failure.
fn cell(page: &str, form: &Form, field: &str, value: &str, what: &str) -> String {
    format!(
        "{page} → {} {} [{field} = {value}]: {what}",
        if form.post { "POST" } else { "GET" },
        form.action
    )
}

/// The action with ids replaced, to find the same form on a fresh page.
fn form_key(action: &str) -> String {
    action
        .split('/')
        .map(|p| if p.parse::<Uuid>().is_ok() { "{id}" } else { p })
        .collect::<Vec<_>>()
        .join("/")
}

struct Run<'a> {
    app: &'a TestApp,
    team: &'a Team,
    serial: Serial,
    /// Fixture cases made so far (their NIK serials are 501…999).
    cases: u32,
    failures: Vec<String>,
    checks: usize,
    /// Submissions per form (action with ids as `{id}`).
    per_form: BTreeMap<String, usize>,
}

impl Run<'_> {
    async fn page_of(&mut self, target: Target, ids: &BTreeMap<&str, String>) -> String {
        match target {
            Target::Fixed(p) => {
                let mut out = p.to_string();
                for (k, v) in ids {
                    out = out.replace(&format!("{{{k}}}"), v);
                }
                out
            }
            Target::Case(state) | Target::CaseEdit(state) => {
                self.cases += 1;
                assert!(self.cases < 500, "too many fixture cases");
                let id = self
                    .team
                    .case_in(&intake_serial(500 + self.cases, "53.71"), state)
                    .await;
                match target {
                    Target::CaseEdit(_) => format!("/kasus/{id}/ubah"),
                    _ => format!("/kasus/{id}"),
                }
            }
        }
    }

    /// Fuzzes every field of every form on `target` as `client`.
    async fn fuzz_page(
        &mut self,
        client: &TestClient,
        target: Target,
        ids: &BTreeMap<&str, String>,
    ) {
        let app = self.app;
        let csrf = app.csrf(client, "/akun").await;
        let mut page = self.page_of(target, ids).await;
        let html = app.get_html(client, &page).await;
        // One pass per distinct form (a list has one delete form per row).
        let mut keys: Vec<String> = Vec::new();
        for form in forms_of(&html) {
            let key = form_key(&form.action);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        for key in keys {
            if key == "/keluar" {
                continue;
            }
            let Some(form) = self.find(client, &page, &key).await else {
                continue;
            };
            let names: Vec<String> = form.fields.iter().map(|f| f.name.clone()).collect();
            for name in names {
                for (label, value) in hostile_texts() {
                    let Some(form) = self.find(client, &page, &key).await else {
                        break;
                    };
                    let serial = self.serial.next();
                    let defaults = valid_defaults(serial);
                    let mut text = Vec::new();
                    let mut files = Vec::new();
                    for f in &form.fields {
                        let v = if f.name == name {
                            value.clone()
                        } else if f.value.is_empty()
                            || f.name == "username"
                            || f.name == "code"
                            || (f.name == "nik" && form.action == "/kasus/baru")
                        {
                            defaults
                                .get(f.name.as_str())
                                .cloned()
                                .unwrap_or_else(|| f.value.clone())
                        } else {
                            f.value.clone()
                        };
                        match f.kind {
                            Kind::Text => text.push((f.name.clone(), v)),
                            Kind::File { pdf } => {
                                let bytes = if f.name == name {
                                    if label == "empty" {
                                        Vec::new()
                                    } else {
                                        v.into_bytes()
                                    }
                                } else if pdf {
                                    PDF.to_vec()
                                } else {
                                    TEST_PNG.to_vec()
                                };
                                files.push((f.name.clone(), bytes));
                            }
                        }
                    }
                    let before = fingerprint(app).await;
                    let response = submit(app, client, &csrf, &form, &text, &files).await;
                    let status = response.status();
                    let to = location(&response);
                    let body = response.text().await.unwrap_or_default();
                    let after = fingerprint(app).await;
                    self.checks += 1;
                    *self.per_form.entry(key.clone()).or_default() += 1;
                    let shown = if value.len() > 40 {
                        label.to_string()
                    } else {
                        format!("{value:?}")
                    };
                    if status.is_server_error() {
                        self.failures.push(cell(
                            &page,
                            &form,
                            &name,
                            &shown,
                            &format!("{status}: {:.300}", body),
                        ));
                    }
                    if body.contains(SCRIPT) {
                        self.failures.push(cell(
                            &page,
                            &form,
                            &name,
                            &shown,
                            "the markup came back unescaped",
                        ));
                    }
                    if status.is_client_error() && before != after {
                        self.failures.push(cell(
                            &page,
                            &form,
                            &name,
                            &shown,
                            &format!("{status} but something was stored"),
                        ));
                    }
                    if let Some(to) = to.filter(|t| t.starts_with('/') && form.post) {
                        let next = app.get(client, &to).await;
                        let next_status = next.status();
                        let next_body = next.text().await.unwrap_or_default();
                        if next_status.is_server_error() || next_body.contains(SCRIPT) {
                            self.failures.push(cell(
                                &page,
                                &form,
                                &name,
                                &shown,
                                &format!(
                                    "the page after ({to}): {next_status}, unescaped {}",
                                    next_body.contains(SCRIPT)
                                ),
                            ));
                        }
                    }
                    // A form that went through moved a case: take a fresh one for the next value.
                    if form.post
                        && (status.is_success() || status.is_redirection())
                        && let Target::Case(_) | Target::CaseEdit(_) = target
                    {
                        page = self.page_of(target, ids).await;
                    }
                }
            }
        }
    }

    async fn find(&self, client: &TestClient, page: &str, key: &str) -> Option<Form> {
        let response = self.app.get(client, page).await;
        if response.status() != StatusCode::OK {
            return None;
        }
        let html = response.text().await.expect("the page");
        forms_of(&html)
            .into_iter()
            .find(|f| form_key(&f.action) == key)
    }
}

/// Every field of every form on the pages of each role, fuzzed.
#[tokio::test]
async fn hostile_values_in_every_form_field_never_break_the_service() {
    // Arrange: one of each desk, a guaranteed case with a claim, a report and a batch.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let guaranteed = team.case_in(&intake_serial(1, "53.71"), "guaranteed").await;
    let victim = app.create_test_user("dinsos_prov", None).await;
    let (admin, _) = app.signed_in("admin", None).await;
    let (rsud, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (dukcapil, _) = app.signed_in("dukcapil_prov", None).await;
    let (dinsos, _) = app.signed_in("dinsos_prov", None).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (bpjs, _) = app.signed_in("bpjs", None).await;
    let (tim, _) = app.signed_in("tim", None).await;
    let report = app
        .post_form(&tim, "/laporan", &[("year", "2026"), ("part", "3")])
        .await;
    let report = location(&report).expect("a report");
    let hospital: String =
        sqlx::query_scalar("SELECT id::text FROM hospitals WHERE code = 'RSUD-SKL'")
            .fetch_one(&app.pool)
            .await
            .expect("RSUD-SKL");
    let claim = team
        .rsud
        .http
        .post(app.url("/api/v1/klaim"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("case_id", guaranteed.to_string())
                .text("care_start", PAST)
                .text("care_end", "2026-10-05")
                .text("amount_claimed", "5.000.000")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("klaim.pdf"),
                ),
        )
        .send()
        .await
        .expect("POST /api/v1/klaim");
    let claim = reply(claim).await;
    claim.expect(StatusCode::CREATED);
    let claim = format!(
        "/klaim/{}",
        claim.body["claim"]["id"].as_str().expect("an id")
    );
    let batch = app
        .post_form_from(
            &dinkes,
            "/nominatif",
            "/nominatif/baru",
            &[
                ("basis", "jaminan_sementara"),
                ("payer", "pemprov"),
                ("period_start", PAST),
                ("period_end", &app.clock.today().to_string()),
            ],
        )
        .await;
    let batch = location(&batch).expect("a batch");
    let ids: BTreeMap<&str, String> = [
        ("victim", victim.id.to_string()),
        ("hospital", hospital),
        ("guaranteed", guaranteed.to_string()),
        ("report", report),
        ("claim", claim),
        ("batch", batch),
    ]
    .into_iter()
    .collect();
    let mut run = Run {
        app: &app,
        team: &team,
        serial: Serial(0),
        cases: 0,
        failures: Vec::new(),
        checks: 0,
        per_form: BTreeMap::new(),
    };
    let table: Vec<(&TestClient, Target)> = vec![
        (&admin, Target::Fixed("/admin/pengguna/baru")),
        (&admin, Target::Fixed("/admin/pengguna/{victim}")),
        (&admin, Target::Fixed("/admin/rumah-sakit/baru")),
        (&admin, Target::Fixed("/admin/rumah-sakit/{hospital}")),
        (&admin, Target::Fixed("/admin/hari-libur")),
        (&admin, Target::Fixed("/admin/sla")),
        (&rsud, Target::Fixed("/akun")),
        (&rsud, Target::Fixed("/akun/notifikasi")),
        (&rsud, Target::Fixed("/token-api")),
        (&rsud, Target::Fixed("/kasus/baru")),
        (&rsud, Target::Fixed("/kasus-saya")),
        (&rsud, Target::Fixed("/klaim/baru?kasus={guaranteed}")),
        (&rsud, Target::Case("draft")),
        (&rsud, Target::CaseEdit("draft")),
        (&rsud, Target::CaseEdit("nik_check")),
        (&dinkes, Target::Fixed("{claim}")),
        (&dinkes, Target::Fixed("{batch}")),
        (&dukcapil, Target::Case("nik_check")),
        (&dinsos, Target::Case("desil_check")),
        (&dinkes, Target::Case("guarantee_review")),
        (&dinsos, Target::Case("guaranteed")),
        (&bpjs, Target::Case("pbi_proposed")),
        (&dinkes, Target::Fixed("/antrean")),
        (&dinkes, Target::Fixed("/kuota")),
        (&dinkes, Target::Fixed("/kuota/2026/pemprov")),
        (&dinkes, Target::Fixed("/nominatif")),
        (&tim, Target::Fixed("/laporan")),
        (&tim, Target::Fixed("{report}")),
        (&dinkes, Target::Fixed("/klaim")),
        (&dinkes, Target::Fixed("/klaim/realisasi")),
        (&dinkes, Target::Fixed("/hambatan")),
        (&tim, Target::Fixed("/pemantauan")),
        (&tim, Target::Fixed("/notifikasi/ringkasan")),
        // Last: the password form (a success would change the session's password).
        (&rsud, Target::Fixed("/akun/kata-sandi")),
    ];

    // Act / Assert (collected)
    for (client, target) in table {
        run.fuzz_page(client, target, &ids).await;
    }

    println!("hostile input in forms: {} submissions", run.checks);
    for (form, n) in &run.per_form {
        println!("  {n:5}  {form}");
    }
    assert!(
        run.failures.is_empty(),
        "{} failures:\n{}",
        run.failures.len(),
        run.failures.join("\n")
    );
    assert!(run.checks > 1000, "only {} submissions", run.checks);
}

// ---------------------------------------------------------------------------------------------
// API bodies
// ---------------------------------------------------------------------------------------------

/// Where a JSON body goes: a fixed path, or a fresh case in a state (`{id}` in the path, its
/// version added to the body).
#[derive(Clone, Copy)]
enum ApiTarget {
    Fixed(&'static str),
    Case(&'static str),
}

/// The desk that acts on a case in `state`.
fn desk<'a>(team: &'a Team, state: &str) -> &'a Actor {
    match state {
        "draft" => &team.rsud,
        "nik_check" => &team.dukcapil_prov,
        "desil_check" | "guaranteed" => &team.dinsos_prov,
        "guarantee_review" => &team.dinkes_prov,
        "pbi_proposed" => &team.bpjs,
        other => panic!("no desk for {other}"),
    }
}

/// Every key of every JSON body, one at a time, with each hostile JSON value; and the whole
/// body replaced with something that is not an object.
#[tokio::test]
async fn hostile_values_in_every_api_body_field_never_break_the_service() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let preferences = team.rsud.get("/api/v1/me/notification-preferences").await;
    let kinds: Vec<Value> = preferences.body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| json!({"kind": i["kind"], "in_app": true, "email": false}))
                .collect()
        })
        .unwrap_or_default();
    let mut serial = 0u32;
    // NIK serials of the fixture cases: 501…999 (the intakes take 1…499).
    let mut case_serial = 500u32;
    let mut table: Vec<(&Actor, &str, ApiTarget, Value)> = vec![
        (
            &team.rsud,
            "POST",
            ApiTarget::Fixed("/api/v1/cases"),
            intake_woman(),
        ),
        (&team.rsud, "PUT", ApiTarget::Case("draft"), intake_woman()),
        (
            &team.rsud,
            "PUT",
            ApiTarget::Fixed("/api/v1/me/notification-preferences"),
            json!({"preferences": kinds}),
        ),
        (
            &team.dinkes_prov,
            "PUT",
            ApiTarget::Fixed("/api/v1/kuota/2026/pemprov"),
            json!({"guarantee_budget": 1_000_000_000, "pbpu_quota": 100}),
        ),
    ];
    for (state, action) in [
        ("draft", "withdraw"),
        ("nik_check", "verify_nik"),
        ("nik_check", "return_to_rsud"),
        ("nik_check", "refer_to_kab"),
        ("desil_check", "record_desil"),
        ("guarantee_review", "approve_guarantee"),
        ("guarantee_review", "reject_guarantee"),
        ("guaranteed", "propose_pbi"),
        ("pbi_proposed", "record_pbi_refused"),
        ("pbi_proposed", "record_pbi_active"),
    ] {
        let path: &'static str = leak(format!("/api/v1/cases/{{id}}/actions/{action}"));
        table.push((
            desk(&team, state),
            "POST",
            ApiTarget::Case(state),
            valid_fields(action),
        ));
        // The path names the state through the target; the action through the path.
        let last = table.len() - 1;
        table[last].2 = match table[last].2 {
            ApiTarget::Case(s) => ApiTarget::Case(leak(format!("{s}|{path}"))),
            other => other,
        };
    }
    let mut failures = Vec::new();
    let mut checks = 0;

    for (actor, method, target, baseline) in table {
        let fresh = |serial: &mut u32| {
            *serial += 1;
            *serial
        };
        let mut case: Option<(Uuid, String)> = None;
        let keys: Vec<String> = baseline
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let mut attempts: Vec<(String, &'static str, Option<Value>)> = vec![];
        for key in &keys {
            for (label, value) in hostile_json() {
                attempts.push((key.clone(), label, Some(value)));
            }
        }
        for whole in [json!([]), json!("teks"), json!(1), Value::Null] {
            attempts.push(("(body)".into(), "not an object", Some(whole)));
        }
        if let ApiTarget::Case(_) = target {
            attempts.push(("version".into(), "hostile version", None));
        }
        for (key, label, value) in attempts {
            // The path and the body of this attempt.
            let (path, mut body) = match target {
                ApiTarget::Fixed(p) => {
                    let mut b = baseline.clone();
                    if p == "/api/v1/cases" {
                        let n = fresh(&mut serial);
                        b = intake_serial(n % 499 + 1, "53.71");
                    }
                    (p.to_string(), b)
                }
                ApiTarget::Case(spec) => {
                    let (state, path) =
                        spec.split_once('|').unwrap_or((spec, "/api/v1/cases/{id}"));
                    if case.is_none() {
                        case_serial += 1;
                        assert!(case_serial < 1000, "too many fixture cases");
                        let id = team
                            .case_in(&intake_serial(case_serial, "53.71"), state)
                            .await;
                        case = Some((id, path.replace("{id}", &id.to_string())));
                    }
                    let (id, p) = case.clone().expect("a case");
                    let mut b = if path == "/api/v1/cases/{id}" {
                        let mut b = intake_serial(case_serial, "53.71");
                        b["full_name"] = json!("Pasien Uji Ubah");
                        b
                    } else {
                        baseline.clone()
                    };
                    b["version"] = json!(actor.case(id).await.version());
                    (p, b)
                }
            };
            match (&value, key.as_str()) {
                (Some(v), "(body)") => body = v.clone(),
                (Some(v), k) => body[k] = v.clone(),
                (None, _) => body["version"] = json!(i64::MAX),
            }
            let before = fingerprint(&app).await;
            let request = match method {
                "PUT" => actor.http.put(app.url(&path)),
                _ => actor.http.post(app.url(&path)),
            };
            let response = request.json(&body).send().await.expect("sending");
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            let after = fingerprint(&app).await;
            checks += 1;
            let what = format!("{method} {path} [{key} = {label}]");
            if status.is_server_error() {
                failures.push(format!("{what}: {status} {text:.300}"));
            }
            if status.is_client_error() && before != after {
                failures.push(format!("{what}: {status} but something was stored"));
            }
            if status.is_client_error() && serde_json::from_str::<Value>(&text).is_err() {
                failures.push(format!("{what}: {status} without a JSON body"));
            }
            if status.is_success() {
                // It went through: the next attempt takes a fresh case.
                case = None;
            }
        }
    }

    println!("hostile input in API bodies: {checks} requests");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checks > 500, "only {checks} requests");
}
