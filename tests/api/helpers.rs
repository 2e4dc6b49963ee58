//! Helpers of this test binary. The harness itself (cluster, database per test, app, clients,
//! page helpers) lives in `tests/common` so every test binary shares it; what only the JSON API
//! tests need (bearer-token actors, intake bodies, driving a case along the workflow) is below.

#[path = "../common/mod.rs"]
mod common;

pub use common::*;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// A woman born 1990-05-12 in Kota Kupang: `53 71 02 520590 0001`.
pub const NIK_WOMAN: &str = "5371025205900001";
/// A man born 1975-11-02 in Kota Kupang: `53 71 02 021175 0002`.
pub const NIK_MAN: &str = "5371020211750002";
/// The part of the stale-version refusal every caller must see.
pub const STALE_PART: &str = "diubah oleh orang lain";
/// Name of the hospital with code `RSUD-WZJ`.
pub const WZJ_NAME: &str = "RSUD Prof. Dr. W.Z. Johannes Kupang";
/// A PNG that decodes (the upload check decodes and re-encodes photos).
pub const PNG: &[u8] = TEST_PNG;
/// A date in the past that is safe for every date field.
pub const PAST: &str = "2026-10-01";
/// A date in the future for every "not in the future" check.
pub const FUTURE: &str = "2099-01-01";

/// An answer of the API: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The `fields[].field` names of a 422.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The message of the field error on `field`.
    #[track_caller]
    pub fn field_message(&self, field: &str) -> String {
        self.body["fields"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["field"] == field))
            .and_then(|f| f["message"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no field error on {field:?} in {}", self.body))
    }

    /// The top-level `message`.
    pub fn message(&self) -> String {
        self.body["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// `case.state` of a case answer.
    pub fn state(&self) -> String {
        self.body["case"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// `case.version` of a case answer.
    pub fn version(&self) -> i64 {
        self.body["case"]["version"].as_i64().unwrap_or(-1)
    }

    /// `case.id` of a case answer.
    #[track_caller]
    pub fn case_id(&self) -> Uuid {
        self.body["case"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no case id in {} ({})", self.body, self.status))
    }

    /// Asserts a 422 whose only field error is on `field` and says `part`.
    #[track_caller]
    pub fn expect_field_error(&self, field: &str, part: &str) -> &Reply {
        self.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(self.body["error"], "validation", "{}", self.body);
        assert_eq!(self.error_fields(), [field], "{}", self.body);
        let message = self.field_message(field);
        assert!(
            message.contains(part),
            "{field}: {message:?} lacks {part:?}"
        );
        self
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Reply {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self
    }
}

/// A user of one role with an API token and a client that sends it.
pub struct Actor {
    pub user: TestUser,
    pub http: reqwest::Client,
    base: String,
}

/// Creates a user of `role` (scope as on the command line) with an API token.
pub async fn actor(app: &TestApp, role: &str, scope: Option<&str>) -> Actor {
    let user = app.create_test_user(role, scope).await;
    let token = app.api_token(user.id).await;
    Actor {
        http: app.bearer_client(&token),
        user,
        base: app.address.clone(),
    }
}

/// The answer of `response`, its body read as JSON.
pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let bytes = response.bytes().await.expect("reading the body");
    Reply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

impl Actor {
    /// The same user with the same token, talking to another instance of the application
    /// (`TestApp::spawn_second_instance`).
    pub fn on(&self, instance: &TestApp) -> Actor {
        Actor {
            user: self.user.clone(),
            http: self.http.clone(),
            base: instance.address.clone(),
        }
    }

    /// GET `path` as JSON.
    pub async fn get(&self, path: &str) -> Reply {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        reply(response).await
    }

    /// GET `path`, the raw response (downloads).
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// POST `body` as JSON to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        reply(response).await
    }

    /// PUT `body` as JSON to `path`.
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        let response = self
            .http
            .put(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {path}: {e}"));
        reply(response).await
    }

    /// `POST /api/v1/cases`.
    pub async fn create_case(&self, intake: &Value) -> Reply {
        self.post("/api/v1/cases", intake).await
    }

    /// `GET /api/v1/cases/{id}`.
    pub async fn case(&self, id: Uuid) -> Reply {
        self.get(&format!("/api/v1/cases/{id}")).await
    }

    /// `POST /api/v1/cases/{id}/actions/{action}` with `version` and the fields of `fields` (an
    /// object).
    pub async fn act(&self, id: Uuid, action: &str, version: i64, fields: Value) -> Reply {
        let mut body = fields;
        if body.is_null() {
            body = json!({});
        }
        body["version"] = json!(version);
        self.post(&format!("/api/v1/cases/{id}/actions/{action}"), &body)
            .await
    }

    /// Performs `action` with valid fields (see [`valid_fields`]) on the case's current version,
    /// read first; asserts 200 and returns the answer.
    pub async fn step(&self, id: Uuid, action: &str) -> Reply {
        self.step_with(id, action, valid_fields(action)).await
    }

    /// Performs `action` with `fields` on the case's current version, read first; asserts 200.
    pub async fn step_with(&self, id: Uuid, action: &str, fields: Value) -> Reply {
        let current = self.case(id).await;
        current.expect(StatusCode::OK);
        let r = self.act(id, action, current.version(), fields).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{action} by {} refused: {}",
            self.user.role.as_str(),
            r.body
        );
        r
    }

    /// `POST /api/v1/cases/{id}/documents` (multipart: `kind`, `file`).
    pub async fn upload(&self, id: Uuid, kind: &str, bytes: &[u8], name: &str) -> Reply {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            );
        let response = self
            .http
            .post(format!("{}/api/v1/cases/{id}/documents", self.base))
            .multipart(form)
            .send()
            .await
            .expect("uploading");
        reply(response).await
    }

    /// `GET /api/v1/queue` (one page).
    pub async fn queue(&self, cursor: Option<&str>, limit: Option<i64>) -> Reply {
        let mut path = "/api/v1/queue".to_string();
        let mut sep = '?';
        if let Some(c) = cursor {
            path.push_str(&format!("{sep}cursor={c}"));
            sep = '&';
        }
        if let Some(l) = limit {
            path.push_str(&format!("{sep}limit={l}"));
        }
        self.get(&path).await
    }

    /// Every case id in this user's queue (all pages, default page size).
    pub async fn queue_ids(&self) -> Vec<Uuid> {
        let mut ids = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let page = self.queue(cursor.as_deref(), Some(200)).await;
            page.expect(StatusCode::OK);
            ids.extend(item_ids(&page.body));
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return ids,
            }
        }
    }
}

/// The `id`s of `items` of a queue page.
pub fn item_ids(page: &Value) -> Vec<Uuid> {
    page["items"]
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|i| i["id"].as_str().expect("item id").parse().expect("uuid"))
        .collect()
}

/// Valid fields of every action (dates in the past, a desil of 3).
pub fn valid_fields(action: &str) -> Value {
    match action {
        "submit" => json!({}),
        "resubmit" => json!({"note": "Sudah diperbaiki"}),
        "verify_nik" => json!({
            "source_system": "siak",
            "registry_data": "Nama sesuai KTP; lahir sesuai; alamat Kota Kupang",
            "data_vintage": PAST,
        }),
        "refer_to_kab" => json!({"reason": "Tidak ditemukan di SIAK provinsi"}),
        "require_recording" => json!({"reason": "Tidak ada data; perlu perekaman di tempat"}),
        "record_identity" => json!({
            "new_nik": NIK_WOMAN,
            "ktp_el_issued": true,
            "recorded_on": PAST,
        }),
        "record_desil" => json!({
            "source_system": "siks_ng",
            "desil": "3",
            "registry_data": "Desil 3, pemutakhiran Agustus 2026",
        }),
        "submit_sktm" => json!({
            "sktm_number": "470/12/X/2026",
            "sktm_date": PAST,
            "issued_by": "Kelurahan Oebobo",
        }),
        "record_desil_correction" => json!({
            "corrected": "ya",
            "new_desil": "4",
            "corrected_on": PAST,
        }),
        "approve_guarantee" => json!({
            "start_date": PAST,
            "payer": "pemprov",
            "ceiling": 15_000_000,
        }),
        "reject_guarantee" => json!({"reason": "Tidak memenuhi syarat program"}),
        "propose_pbi" => json!({"proposed_on": PAST, "proposal_reference": "USUL/2026/10"}),
        "record_pbi_active" => json!({
            "bpjs_card_number": "0001234567890",
            "effective_date": "2026-12-01",
        }),
        "record_pbi_refused" => json!({"reason": "Kuota PBI bulan ini habis"}),
        "propose_pbpu" => json!({"proposed_on": PAST, "proposal_reference": "USUL-PBPU/2026/3"}),
        "enrol_pbpu_pemda" => json!({
            "payer": "pemprov",
            "decided_on": PAST,
            "decision_reference": "ND/440/PBPU/2026/7",
        }),
        "record_pbpu_active" => json!({
            "bpjs_card_number": "0009876543210",
            "effective_date": "2026-12-15",
        }),
        "return_to_rsud" => json!({
            "reason_code": "foto_tidak_terbaca",
            "reason_text": "Foto KTP buram",
        }),
        "withdraw" => json!({"reason_code": "meninggal", "reason_text": "Meninggal di IGD"}),
        other => panic!("no valid fields for {other}"),
    }
}

/// The intake of a woman with an identity document, NIK [`NIK_WOMAN`], living in Kota Kupang.
pub fn intake_woman() -> Value {
    json!({
        "full_name": "Maria Goreti Bria",
        "sex": "P",
        "birth_place": "Kupang",
        "birth_date": "1990-05-12",
        "has_identity_document": "ya",
        "nik": NIK_WOMAN,
        "kk_number": "5371021203150004",
        "address": "Jl. Timor Raya 12",
        "desa": "Oebobo",
        "kecamatan": "Oebobo",
        "domicile_kab_kota_code": "53.71",
        "family_phone": "0812-3456-7890",
        "admission_date": PAST,
        "service_type": "rawat_inap",
        "ward_class": "kelas_3",
        "clinical_reason": "Demam berdarah",
        "jkn_status": "tidak_ada",
    })
}

/// The intake of a man with an identity document, NIK [`NIK_MAN`], living in Kota Kupang.
pub fn intake_man() -> Value {
    json!({
        "full_name": "Yohanes Nenobais",
        "sex": "L",
        "birth_date": "1975-11-02",
        "has_identity_document": "ya",
        "nik": NIK_MAN,
        "domicile_kab_kota_code": "53.71",
        "admission_date": PAST,
        "service_type": "igd",
        "ward_class": "kelas_3",
        "jkn_status": "tidak_aktif",
    })
}

/// The intake of a patient without any identity document (no NIK).
pub fn intake_without_identity() -> Value {
    json!({
        "full_name": "Mr. X (tanpa identitas)",
        "sex": "P",
        "birth_date": "1990-05-12",
        "has_identity_document": "tidak",
        "domicile_kab_kota_code": "53.71",
        "admission_date": PAST,
        "service_type": "igd",
        "ward_class": "kelas_3",
        "jkn_status": "tidak_ada",
    })
}

/// A woman born 1990-05-12 in `kab` (`"53.71"`) with serial `serial` (1–9999): a distinct,
/// valid NIK per serial.
pub fn intake_serial(serial: u32, kab: &str) -> Value {
    let kk = kab.replace('.', "");
    let mut v = intake_woman();
    v["nik"] = json!(format!("{kk}025205900{serial:03}"));
    v["full_name"] = json!(format!("Pasien {serial}"));
    v["domicile_kab_kota_code"] = json!(kab);
    v["kk_number"] = Value::Null;
    v
}

/// One user per role of the Kota Kupang chain (RSUD-WZJ, kab/kota 53.71, provincial desks).
pub struct Team {
    pub rsud: Actor,
    pub dukcapil_prov: Actor,
    pub dukcapil_kab: Actor,
    pub dinsos_prov: Actor,
    pub dinsos_kab: Actor,
    pub dinkes_prov: Actor,
    pub bpjs: Actor,
}

impl Team {
    /// Creates the users and their tokens: RSUD-WZJ and kab/kota 53.71.
    pub async fn new(app: &TestApp) -> Team {
        Team::at(app, "RSUD-WZJ", "53.71").await
    }

    /// The team of hospital `hospital` (code) with the kab/kota desks of `kab`.
    pub async fn at(app: &TestApp, hospital: &str, kab: &str) -> Team {
        Team {
            rsud: actor(app, "rsud", Some(hospital)).await,
            dukcapil_prov: actor(app, "dukcapil_prov", None).await,
            dukcapil_kab: actor(app, "dukcapil_kab", Some(kab)).await,
            dinsos_prov: actor(app, "dinsos_prov", None).await,
            dinsos_kab: actor(app, "dinsos_kab", Some(kab)).await,
            dinkes_prov: actor(app, "dinkes_prov", None).await,
            bpjs: actor(app, "bpjs", None).await,
        }
    }

    /// Creates a case from `intake` as the hospital, asserting 201.
    pub async fn create(&self, intake: &Value) -> Uuid {
        let r = self.rsud.create_case(intake).await;
        r.expect(StatusCode::CREATED);
        r.case_id()
    }

    /// Creates a case from `intake` (identified patient) and drives it along the main path to
    /// `state` (one of draft, nik_check, desil_check, guarantee_review, guaranteed,
    /// pbi_proposed, then by a refused PBI pbpu_review and pbpu_proposed), each step by its
    /// desk.
    pub async fn case_in(&self, intake: &Value, state: &str) -> Uuid {
        let id = self.create(intake).await;
        self.drive(id, "draft", state).await;
        id
    }

    /// Drives a case along the main path from `from` to `to`.
    pub async fn drive(&self, id: Uuid, from: &str, to: &str) {
        const PATH: &[&str] = &[
            "draft",
            "nik_check",
            "desil_check",
            "guarantee_review",
            "guaranteed",
            "pbi_proposed",
            "pbpu_review",
            "pbpu_proposed",
        ];
        let start = PATH
            .iter()
            .position(|s| *s == from)
            .unwrap_or_else(|| panic!("unknown state {from}"));
        let end = PATH
            .iter()
            .position(|s| *s == to)
            .unwrap_or_else(|| panic!("cannot drive to {to}"));
        for next in &PATH[start + 1..=end] {
            match *next {
                "nik_check" => {
                    self.rsud
                        .upload(id, "ktp", PNG, "ktp.png")
                        .await
                        .expect(StatusCode::CREATED);
                    self.rsud.step(id, "submit").await;
                }
                "desil_check" => {
                    self.dukcapil_prov.step(id, "verify_nik").await;
                }
                "guarantee_review" => {
                    self.dinsos_prov.step(id, "record_desil").await;
                }
                "guaranteed" => {
                    self.dinkes_prov.step(id, "approve_guarantee").await;
                }
                "pbi_proposed" => {
                    self.dinsos_prov.step(id, "propose_pbi").await;
                }
                "pbpu_review" => {
                    self.bpjs.step(id, "record_pbi_refused").await;
                }
                "pbpu_proposed" => {
                    self.dinkes_prov.step(id, "enrol_pbpu_pemda").await;
                }
                _ => unreachable!(),
            }
        }
    }
}

/// What a refusal must leave untouched, read straight from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub state: String,
    pub version: i32,
    pub history_rows: i64,
    pub documents: i64,
    pub nik: Option<String>,
}

/// The stored state, version, history count, document count and NIK of a case.
pub async fn snapshot(app: &TestApp, id: Uuid) -> Snapshot {
    let (state, version, nik): (String, i32, Option<String>) =
        sqlx::query_as("SELECT state::text, version, nik FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("reading the case");
    let history_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM case_history WHERE case_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("counting history");
    let documents: i64 = sqlx::query_scalar("SELECT count(*) FROM documents WHERE case_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("counting documents");
    Snapshot {
        state,
        version,
        history_rows,
        documents,
        nik,
    }
}

/// Asserts through the API (as `reader`) and in the database that the case is as `before`.
pub async fn assert_unchanged(app: &TestApp, reader: &Actor, id: Uuid, before: &Snapshot) {
    let now = snapshot(app, id).await;
    assert_eq!(&now, before, "a refused request changed the case");
    let read = reader.case(id).await;
    read.expect(StatusCode::OK);
    assert_eq!(read.state(), before.state);
    assert_eq!(read.version(), i64::from(before.version));
    assert_eq!(
        read.body["history"].as_array().map(Vec::len),
        usize::try_from(before.history_rows).ok()
    );
}

/// Number of cases in the database.
pub async fn case_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&app.pool)
        .await
        .expect("counting cases")
}
