//! The JSON API around the workflow: tokens, the OpenAPI document, documents, idempotent
//! intake, and what each role reads of a case.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use merajut_sehat::cases::intake;
use merajut_sehat::domain::Action;

use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_without_token_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let anonymous = reqwest::Client::new();

    for (method, path) in [
        ("GET", "/api/v1/queue".to_string()),
        ("GET", "/api/v1/me".to_string()),
        ("GET", format!("/api/v1/cases/{id}")),
        ("POST", format!("/api/v1/cases/{id}/actions/submit")),
        ("POST", "/api/v1/cases".to_string()),
    ] {
        // Act
        let request = match method {
            "GET" => anonymous.get(app.url(&path)),
            _ => anonymous.post(app.url(&path)).json(&json!({"version": 1})),
        };
        let response = request.send().await.expect("request");

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["error"], "unauthorized");
    }
    assert_eq!(snapshot(&app, id).await.state, "draft");
}

#[tokio::test]
async fn unknown_token_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let client = app.bearer_client("ms_bukan-token-yang-sah");

    // Act
    let response = app.get(&client, "/api/v1/queue").await;

    // Assert
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn valid_token_identifies_its_user() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    // Act
    let me = rsud.get("/api/v1/me").await;

    // Assert
    me.expect(StatusCode::OK);
    assert_eq!(me.body["username"], rsud.user.username);
    assert_eq!(me.body["role"], "rsud");
}

#[tokio::test]
async fn revoked_token_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let dukcapil = &team.dukcapil_prov;
    dukcapil.get("/api/v1/queue").await.expect(StatusCode::OK);
    sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1")
        .bind(dukcapil.user.id)
        .execute(&app.pool)
        .await
        .expect("revoking");
    let before = snapshot(&app, id).await;

    // Act
    let queue = dukcapil.get("/api/v1/queue").await;
    let act = dukcapil
        .act(
            id,
            "verify_nik",
            i64::from(before.version),
            valid_fields("verify_nik"),
        )
        .await;

    // Assert
    queue.expect(StatusCode::UNAUTHORIZED);
    act.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(&app, id).await, before);
}

#[tokio::test]
async fn deactivated_users_token_is_unauthorized() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    rsud.get("/api/v1/queue").await.expect(StatusCode::OK);
    merajut_sehat::db::users::set_active(&app.pool, rsud.user.id, false)
        .await
        .expect("deactivating");

    // Act
    let queue = rsud.get("/api/v1/queue").await;
    let create = rsud.create_case(&intake_woman()).await;

    // Assert
    queue.expect(StatusCode::UNAUTHORIZED);
    create.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn administrators_token_is_forbidden_the_case_api() {
    // Arrange: the administrator sees no patient data.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let admin = actor(&app, "admin", None).await;

    // Act
    let queue = admin.get("/api/v1/queue").await;
    let read = admin.case(id).await;
    let create = admin.create_case(&intake_man()).await;

    // Assert
    queue.expect(StatusCode::FORBIDDEN);
    assert_eq!(queue.body["error"], "forbidden");
    read.expect(StatusCode::FORBIDDEN);
    create.expect(StatusCode::FORBIDDEN);
    assert_eq!(case_count(&app).await, 1);
}

// ---------------------------------------------------------------------------------------------
// OpenAPI
// ---------------------------------------------------------------------------------------------

/// Follows a `{"$ref": "#/components/schemas/X"}`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("a local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("dangling reference {r}"))
        }
        None => schema,
    }
}

async fn openapi(app: &TestApp) -> Value {
    let response = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("GET openapi.json");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).expect("the OpenAPI document is JSON")
}

#[tokio::test]
async fn openapi_document_is_version_3_and_describes_every_action() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let doc = openapi(&app).await;

    // Assert
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].is_string());
    for action in Action::ALL {
        let path = format!("/api/v1/cases/{{id}}/actions/{}", action.as_str());
        let op = &doc["paths"][&path]["post"];
        assert!(op.is_object(), "no POST {path}");
        let schema = resolve(
            &doc,
            &op["requestBody"]["content"]["application/json"]["schema"],
        );
        let props = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}: no properties"));
        assert!(props.contains_key("version"), "{path}: no version");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .expect("required list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(required.contains(&"version"), "{path}");
        for field in action.fields() {
            assert!(
                props.contains_key(field.name),
                "{path}: field {} missing",
                field.name
            );
            assert_eq!(
                required.contains(&field.name),
                field.required,
                "{path}: required-ness of {}",
                field.name
            );
        }
        for code in ["401", "403", "404", "409", "422"] {
            assert!(op["responses"][code].is_object(), "{path}: no {code}");
        }
    }
}

#[tokio::test]
async fn openapi_intake_schema_has_every_intake_field() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let doc = openapi(&app).await;

    // Assert
    let op = &doc["paths"]["/api/v1/cases"]["post"];
    let schema = resolve(
        &doc,
        &op["requestBody"]["content"]["application/json"]["schema"],
    );
    let props = schema["properties"].as_object().expect("properties");
    for field in intake::FIELDS {
        assert!(props.contains_key(field.name), "intake: {}", field.name);
    }
    assert!(props.contains_key("idempotency_key"));
    for path in [
        "/api/v1/queue",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/documents",
        "/api/v1/cases/{id}/documents/{document_id}",
    ] {
        assert!(doc["paths"][path].is_object(), "no {path}");
    }
}

/// Asserts that `value` has exactly the properties `schema` lists, at every depth (objects
/// the schema leaves free-form, such as an action's evidence, are not looked into), that `null`
/// comes only where the schema allows it, and that every other value has the schema's type.
fn assert_matches_schema(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    let kind = schema["type"]
        .as_str()
        .unwrap_or_else(|| panic!("{at}: no type in {schema}"));
    match value {
        Value::Null => assert_eq!(schema["nullable"], true, "{at}: null, but not nullable"),
        Value::Object(map) => {
            assert_eq!(kind, "object", "{at}");
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            let mut returned: Vec<&String> = map.keys().collect();
            let mut described: Vec<&String> = properties.keys().collect();
            returned.sort();
            described.sort();
            assert_eq!(
                returned, described,
                "{at}: returned keys vs. schema properties"
            );
            for (key, v) in map {
                assert_matches_schema(doc, &properties[key], v, &format!("{at}.{key}"));
            }
        }
        Value::Array(items) => {
            assert_eq!(kind, "array", "{at}");
            for (i, item) in items.iter().enumerate() {
                assert_matches_schema(doc, &schema["items"], item, &format!("{at}[{i}]"));
            }
        }
        Value::String(s) => {
            assert_eq!(kind, "string", "{at}");
            if let Some(codes) = schema["enum"].as_array() {
                assert!(codes.contains(value), "{at}: {s} not among {codes:?}");
            }
        }
        Value::Number(_) => assert_eq!(kind, "integer", "{at}"),
        Value::Bool(_) => assert_eq!(kind, "boolean", "{at}"),
    }
}

#[tokio::test]
async fn openapi_case_schemas_list_every_field_the_api_returns() {
    // Arrange: a case through the whole PBPU Pemda route, so that its guarantee, coverage,
    // scheme and PBPU decision are filled in, and a second one waiting in a queue.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "pbpu_proposed").await;
    let handed_over = team.bpjs.step(id, "record_pbpu_active").await;
    let waiting = team.case_in(&intake_man(), "nik_check").await;
    let doc = openapi(&app).await;

    // Act
    let read = team.rsud.case(id).await;
    let queue = team.dukcapil_prov.queue(None, None).await;

    // Assert
    read.expect(StatusCode::OK);
    assert_eq!(read.state(), "handed_over");
    for field in ["guarantee", "coverage", "scheme", "pbpu"] {
        assert!(
            read.body["case"][field].is_object(),
            "{field}: {}",
            read.body
        );
    }
    let case_response = &doc["paths"]["/api/v1/cases/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_matches_schema(&doc, case_response, &read.body, "GET /cases/{id}");
    let action_response = &doc["paths"]["/api/v1/cases/{id}/actions/record_pbpu_active"]["post"]["responses"]
        ["200"]["content"]["application/json"]["schema"];
    assert_matches_schema(
        &doc,
        action_response,
        &handed_over.body,
        "POST record_pbpu_active",
    );
    queue.expect(StatusCode::OK);
    assert_eq!(item_ids(&queue.body), [waiting]);
    let page = &doc["paths"]["/api/v1/queue"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_matches_schema(&doc, page, &queue.body, "GET /queue");
}

#[tokio::test]
async fn a_malformed_id_in_the_address_is_a_field_error_naming_the_parameter() {
    // Arrange: found by the API fuzzer (`tests/api/fuzz.rs`): these were the framework's 400,
    // which the document did not list and which named no parameter.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let doc = openapi(&app).await;
    let dinkes = &team.dinkes_prov;

    for (path, field) in [
        ("/api/v1/cases/bukan-uuid".to_string(), "id"),
        ("/api/v1/cases/%F1%AC%A7%9A/letter".to_string(), "id"),
        (format!("/api/v1/cases/{id}/documents/123"), "document_id"),
        ("/api/v1/klaim/%F1%AC%A7%9A".to_string(), "id"),
        ("/api/v1/laporan/1".to_string(), "id"),
        ("/api/v1/nominatif/x/xlsx".to_string(), "id"),
    ] {
        // Act
        let r = dinkes.get(&path).await;

        // Assert
        r.expect_field_error(field, "harus UUID");
    }
    let act = team
        .rsud
        .post(
            "/api/v1/cases/V%C2%BA/actions/submit",
            &json!({"version": 1}),
        )
        .await;
    act.expect_field_error("id", "harus UUID");
    for (path, method) in [
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/actions/submit", "post"),
        ("/api/v1/klaim/{id}", "get"),
        ("/api/v1/cases/{id}/documents/{document_id}", "get"),
    ] {
        assert!(
            doc["paths"][path][method]["responses"]["422"].is_object(),
            "{method} {path} does not list 422"
        );
    }
}

#[tokio::test]
async fn the_document_lists_every_refusal_with_the_error_body() {
    // Arrange
    let app = spawn_app().await;
    let doc = openapi(&app).await;
    let paths = doc["paths"].as_object().expect("paths");

    for (path, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            let responses = op["responses"].as_object().expect("responses");
            // Assert: every operation behind a token can meet the token check and the role
            // guard, and every refusal comes as an `Error`.
            if op.get("security").is_some() {
                for code in ["401", "403", "429"] {
                    assert!(responses.contains_key(code), "{method} {path}: no {code}");
                }
            }
            if path.contains('{') {
                for code in ["404", "422"] {
                    assert!(responses.contains_key(code), "{method} {path}: no {code}");
                }
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("400"), "{method} {path}: no 400");
            }
            for (code, response) in responses.iter().filter(|(c, _)| c.starts_with('4')) {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{method} {path} {code}"
                );
            }
        }
    }
}

/// Asserts that `body` is an `Error` of the document: its required keys, no key it does not
/// describe, an `error` code among the listed ones.
fn assert_is_error(doc: &Value, body: &Value, at: &str) {
    let schema = &doc["components"]["schemas"]["Error"];
    let properties = schema["properties"].as_object().expect("properties");
    for key in schema["required"].as_array().expect("required") {
        let key = key.as_str().expect("a key");
        assert!(body.get(key).is_some(), "{at}: no {key} in {body}");
    }
    for key in body.as_object().expect("an object").keys() {
        assert!(properties.contains_key(key), "{at}: {key} undescribed");
    }
    let codes = properties["error"]["enum"].as_array().expect("codes");
    assert!(
        codes.contains(&body["error"]),
        "{at}: {} unlisted",
        body["error"]
    );
}

#[tokio::test]
async fn refusals_and_the_small_answers_match_the_document() {
    // Arrange
    let app = spawn_app_with(|s| s.api_token_burst = 1).await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let doc = openapi(&app).await;
    let stranger = app.bearer_client("bukan-token");

    // Act
    let me = team.rsud.get("/api/v1/me").await;
    let upload = team.rsud.upload(id, "ktp", PNG, "ktp.png").await;
    let document_id = upload.body["id"]
        .as_str()
        .expect("a document id")
        .to_string();
    let download = team
        .rsud
        .get_raw(&format!("/api/v1/cases/{id}/documents/{document_id}"))
        .await;
    let stale = team.rsud.act(id, "submit", 99, json!({})).await;
    let mut strangers = vec![];
    // The first unknown token is refused; it uses up the burst of 1, so the second is throttled.
    for _ in 0..2 {
        let response = stranger.get(app.url("/api/v1/me")).send().await;
        strangers.push(reply(response.expect("GET /api/v1/me")).await);
    }
    let (unknown, throttled) = (&strangers[0], &strangers[1]);

    // Assert
    let ok = |path: &str, method: &str, code: &str| {
        doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
            .clone()
    };
    me.expect(StatusCode::OK);
    assert_matches_schema(&doc, &ok("/api/v1/me", "get", "200"), &me.body, "GET /me");
    upload.expect(StatusCode::CREATED);
    let documents = "/api/v1/cases/{id}/documents";
    assert_matches_schema(&doc, &ok(documents, "post", "201"), &upload.body, "upload");
    assert_eq!(download.status(), StatusCode::OK);
    let content_type = download.headers()["content-type"].to_str().expect("text");
    let listed = &doc["paths"]["/api/v1/cases/{id}/documents/{document_id}"]["get"]["responses"]["200"]
        ["content"];
    assert!(
        listed.get(content_type).is_some(),
        "{content_type} not listed"
    );
    stale.expect(StatusCode::CONFLICT);
    assert_is_error(&doc, &stale.body, "stale version");
    assert!(stale.body["current_version"].is_i64(), "{}", stale.body);
    unknown.expect(StatusCode::UNAUTHORIZED);
    assert_is_error(&doc, &unknown.body, "unknown token");
    throttled.expect(StatusCode::TOO_MANY_REQUESTS);
    assert_is_error(&doc, &throttled.body, "throttled");
    assert_eq!(throttled.body["error"], "too_many_requests");
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn upload_of_a_non_image_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;

    // Act: a text file, even when named like a photo.
    let text = team
        .rsud
        .upload(id, "ktp", b"ini bukan foto KTP", "ktp.png")
        .await;
    let html = team
        .rsud
        .upload(id, "ktp", b"<html><script>alert(1)</script>", "ktp.jpg")
        .await;
    let no_kind = team.rsud.upload(id, "paspor", PNG, "p.png").await;

    // Assert
    text.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text.error_fields(), ["file"]);
    html.expect(StatusCode::UNPROCESSABLE_ENTITY);
    no_kind.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_kind.error_fields(), ["kind"]);
    assert_eq!(snapshot(&app, id).await.documents, 0);
}

#[tokio::test]
async fn only_the_hospital_uploads() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;

    // Act
    let r = team.dukcapil_prov.upload(id, "kk", PNG, "kk.png").await;

    // Assert
    r.expect(StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&app, id).await.documents, 1);
}

#[tokio::test]
async fn upload_to_a_closed_case_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    team.rsud.step(id, "withdraw").await;

    // Act
    let r = team.rsud.upload(id, "ktp", PNG, "ktp.png").await;

    // Assert
    r.expect(StatusCode::CONFLICT);
    assert_eq!(snapshot(&app, id).await.documents, 0);
}

async fn access_log(app: &TestApp, case: Uuid, what: &str) -> Vec<(Uuid, String)> {
    sqlx::query_as(
        "SELECT user_id, via FROM case_access_log WHERE case_id = $1 AND what = $2 ORDER BY id",
    )
    .bind(case)
    .bind(what)
    .fetch_all(&app.pool)
    .await
    .expect("reading the access log")
}

#[tokio::test]
async fn document_download_is_limited_and_logged() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let tim = actor(&app, "tim", None).await;
    let tch = actor(&app, "rsud", Some("RSUD-TCH")).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let case = team.rsud.case(id).await;
    let doc = case.body["documents"][0]["id"]
        .as_str()
        .expect("the KTP is listed")
        .to_string();
    assert_eq!(case.body["documents"][0]["kind"], "ktp");
    assert_eq!(case.body["documents"][0]["content_type"], "image/png");
    let path = format!("/api/v1/cases/{id}/documents/{doc}");

    // Act
    let by_dukcapil = team.dukcapil_prov.get_raw(&path).await;
    let status = by_dukcapil.status();
    let content_type = by_dukcapil
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let header = |name: &str| {
        by_dukcapil
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let cache = header("cache-control");
    let disposition = header("content-disposition");
    let nosniff = header("x-content-type-options");
    let bytes = by_dukcapil.bytes().await.expect("file");
    let by_bpjs = team.bpjs.get_raw(&path).await.status();
    let by_tim = tim.get_raw(&path).await.status();
    let by_other_hospital = tch.get_raw(&path).await.status();
    let wrong_case = team.case_in(&intake_man(), "draft").await;
    let mismatched = team
        .rsud
        .get_raw(&format!("/api/v1/cases/{wrong_case}/documents/{doc}"))
        .await
        .status();

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert_eq!(cache.as_deref(), Some("no-store"));
    // Always a download under a generated name, never shown inline.
    let generated = format!(
        "attachment; filename=\"dokumen-{}.png\"",
        doc.replace('-', "")
    );
    assert_eq!(disposition.as_deref(), Some(generated.as_str()));
    assert_eq!(nosniff.as_deref(), Some("nosniff"));
    // The photo as stored: re-encoded, the same picture.
    let stored =
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).expect("a PNG");
    assert_eq!((stored.width(), stored.height()), (1, 1));
    assert_eq!(by_bpjs, StatusCode::FORBIDDEN);
    assert_eq!(by_tim, StatusCode::FORBIDDEN);
    assert_eq!(by_other_hospital, StatusCode::NOT_FOUND);
    assert_eq!(mismatched, StatusCode::NOT_FOUND);
    // Only the download that happened is logged, with who and how.
    assert_eq!(
        access_log(&app, id, "document").await,
        vec![(team.dukcapil_prov.user.id, "api".to_string())]
    );
    // The roles without document visibility do not see the list either.
    let read = team.bpjs.case(id).await;
    assert_eq!(read.body["documents"], json!([]));
}

#[tokio::test]
async fn reading_a_case_is_logged() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;
    let before = access_log(&app, id, "case").await.len();

    // Act
    team.dinkes_prov.case(id).await.expect(StatusCode::OK);

    // Assert
    let log = access_log(&app, id, "case").await;
    assert_eq!(log.len(), before + 1);
    assert_eq!(
        log.last().expect("a row"),
        &(team.dinkes_prov.user.id, "api".to_string())
    );
}

#[tokio::test]
async fn an_action_answers_the_case_it_left_and_logs_that_read_once() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let version = team.dukcapil_prov.case(id).await.version();
    let before = access_log(&app, id, "case").await.len();

    // Act: a refused action (a stale version), then the action.
    let stale = team
        .dukcapil_prov
        .act(id, "verify_nik", version - 1, valid_fields("verify_nik"))
        .await;
    let done = team
        .dukcapil_prov
        .act(id, "verify_nik", version, valid_fields("verify_nik"))
        .await;

    // Assert: the answer is the case as the action left it (its new state and version, the
    // step in its history), and only the action's read is logged.
    stale.expect(StatusCode::CONFLICT);
    done.expect(StatusCode::OK);
    assert_eq!(done.body["case"]["state"], "desil_check");
    assert_eq!(done.version(), version + 1);
    let history = done.body["history"].as_array().expect("a history");
    assert_eq!(history.last().expect("a step")["action"], "verify_nik");
    let log = access_log(&app, id, "case").await;
    assert_eq!(log.len(), before + 1, "{log:?}");
    assert_eq!(
        log.last().expect("a row"),
        &(team.dukcapil_prov.user.id, "api".to_string())
    );
}

#[tokio::test]
async fn monitoring_role_reads_the_case_without_personal_details() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let tim = actor(&app, "tim", None).await;
    let id = team.create(&intake_woman()).await;

    // Act
    let by_tim = tim.case(id).await;
    let by_rsud = team.rsud.case(id).await;

    // Assert
    by_tim.expect(StatusCode::OK);
    let p = &by_tim.body["case"]["patient"];
    assert_eq!(p["nik"], "5371********0001");
    assert!(p["address"].is_null());
    assert!(p["family_phone"].is_null());
    assert!(by_tim.body["case"]["episode"]["clinical_reason"].is_null());
    assert_eq!(by_tim.body["case"]["available_actions"], json!([]));
    let p = &by_rsud.body["case"]["patient"];
    // Masked for every role until a reveal (tests/api/personal_data.rs).
    assert_eq!(p["nik"], "5371********0001");
    assert_eq!(p["address"], "Jl. Timor Raya 12");
    assert_eq!(
        by_rsud.body["case"]["episode"]["clinical_reason"],
        "Demam berdarah"
    );
}

// ---------------------------------------------------------------------------------------------
// Intake
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn created_case_is_a_draft_of_the_callers_hospital() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    // Act
    let r = rsud.create_case(&intake_woman()).await;

    // Assert
    r.expect(StatusCode::CREATED);
    let c = &r.body["case"];
    assert_eq!(c["state"], "draft");
    assert_eq!(c["version"], 1);
    assert_eq!(c["hospital_name"], WZJ_NAME);
    // NIK and KK are answered masked (the full numbers only through a reveal).
    assert_eq!(c["patient"]["nik"], "5371********0001");
    assert_eq!(c["patient"]["kk_number"], "5371********0004");
    assert_eq!(
        snapshot(&app, r.case_id()).await.nik.as_deref(),
        Some(NIK_WOMAN)
    );
    assert_eq!(c["patient"]["domicile_kab_kota_code"], "53.71");
    assert_eq!(c["episode"]["service_type"], "rawat_inap");
    assert!(c["number"].as_str().is_some_and(|n| !n.is_empty()));
    let actions: Vec<&str> = c["available_actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(actions, ["submit", "withdraw"]);
    assert_eq!(r.body["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["history"][0]["action"], "create");
    assert_eq!(r.body["documents"], json!([]));
}

#[tokio::test]
async fn same_idempotency_key_creates_one_case() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let mut intake = intake_woman();
    intake["idempotency_key"] = json!(Uuid::new_v4());

    // Act
    let first = rsud.create_case(&intake).await;
    let second = rsud.create_case(&intake).await;

    // Assert
    first.expect(StatusCode::CREATED);
    assert!(
        second.status.is_success(),
        "the repeat should succeed: {} {}",
        second.status,
        second.body
    );
    assert_eq!(first.case_id(), second.case_id());
    assert_eq!(case_count(&app).await, 1);
    assert_eq!(snapshot(&app, first.case_id()).await.history_rows, 1);
}

#[tokio::test]
async fn concurrent_creates_with_one_idempotency_key_make_one_case() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let mut intake = intake_without_identity();
    intake["idempotency_key"] = json!(Uuid::new_v4());

    // Act
    let (a, b) = tokio::join!(rsud.create_case(&intake), rsud.create_case(&intake));

    // Assert
    assert!(a.status.is_success(), "{}", a.body);
    assert!(b.status.is_success(), "{}", b.body);
    assert_eq!(a.case_id(), b.case_id());
    assert_eq!(case_count(&app).await, 1);
}

#[tokio::test]
async fn invalid_idempotency_key_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let mut intake = intake_woman();
    intake["idempotency_key"] = json!("kunci-123");

    // Act
    let r = rsud.create_case(&intake).await;

    // Assert
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["idempotency_key"]);
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn body_that_is_not_a_json_object_is_a_bad_request() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    // Act
    let response = rsud
        .http
        .post(app.url("/api/v1/cases"))
        .header("content-type", "application/json")
        .body("[1, 2")
        .send()
        .await
        .expect("POST");

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn a_body_that_is_no_json_object_is_refused_in_indonesian_saying_where() {
    // Arrange: found by the API fuzzer (`tests/api/fuzz.rs`): the refusal quoted the parser's
    // English.
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;

    for (body, expected) in [
        ("\u{0}", "bukan JSON yang valid: periksa baris 1, kolom 1."),
        (
            "{\n  \"full_name\": \"Ana\",\n  oops\n}",
            "periksa baris 3, kolom 3.",
        ),
        ("[1, 2]", "harus satu objek JSON"),
        ("\"teks\"", "harus satu objek JSON"),
    ] {
        // Act
        let response = rsud
            .http
            .post(app.url("/api/v1/cases"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        let r = reply(response).await;

        // Assert
        r.expect(StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "bad_request");
        assert!(r.message().contains(expected), "{body:?}: {}", r.message());
        assert!(!r.message().contains("Failed"), "English: {}", r.message());
    }
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn unknown_case_is_not_found() {
    // Arrange
    let app = spawn_app().await;
    let dinkes = actor(&app, "dinkes_prov", None).await;

    // Act
    let r = dinkes.case(Uuid::new_v4()).await;

    // Assert
    r.expect(StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"], "not_found");
}

#[tokio::test]
async fn patient_data_is_editable_only_by_the_hospital_and_only_while_at_its_desk() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.case_in(&intake_woman(), "nik_check").await;
    let before = snapshot(&app, id).await;
    let mut edit = intake_woman();
    edit["version"] = json!(before.version);
    edit["full_name"] = json!("Nama Lain");
    let path = format!("/api/v1/cases/{id}");

    // Act
    let by_rsud = team.rsud.put(&path, &edit).await;
    let by_dukcapil = team.dukcapil_prov.put(&path, &edit).await;
    let without_version = team.rsud.put(&path, &intake_woman()).await;

    // Assert
    by_rsud.expect(StatusCode::CONFLICT);
    by_dukcapil.expect(StatusCode::FORBIDDEN);
    assert!(
        without_version.status.is_client_error(),
        "{}",
        without_version.body
    );
    assert_unchanged(&app, &team.rsud, id, &before).await;
    assert_eq!(
        team.rsud.case(id).await.body["case"]["patient"]["full_name"],
        "Maria Goreti Bria"
    );
}

#[tokio::test]
async fn upload_type_is_judged_by_content_not_by_name() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let id = team.create(&intake_woman()).await;

    // Act
    let jpeg = team.rsud.upload(id, "kk", &test_jpeg(), "kk.pdf").await;
    let pdf = team.rsud.upload(id, "rujukan", TEST_PDF, "rujukan").await;
    // A PNG named as a JPEG is stored as what it is.
    let png = team.rsud.upload(id, "lainnya", PNG, "foto.jpg").await;

    // Assert
    jpeg.expect(StatusCode::CREATED);
    pdf.expect(StatusCode::CREATED);
    png.expect(StatusCode::CREATED);
    let case = team.rsud.case(id).await;
    let docs: Vec<(String, String)> = case.body["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().expect("kind").to_string(),
                d["content_type"].as_str().expect("type").to_string(),
            )
        })
        .collect();
    assert_eq!(
        docs,
        [
            ("kk".to_string(), "image/jpeg".to_string()),
            ("rujukan".to_string(), "application/pdf".to_string()),
            ("lainnya".to_string(), "image/png".to_string())
        ]
    );
}

#[tokio::test]
async fn upload_over_the_limit_is_refused() {
    // Arrange
    let app = spawn_app_with(|s| s.max_upload_mb = 1).await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let id = rsud.create_case(&intake_woman()).await.case_id();
    let mut just_over = PNG.to_vec();
    just_over.resize(1024 * 1024 + 10, b'x');
    let mut far_over = PNG.to_vec();
    far_over.resize(3 * 1024 * 1024, b'x');

    // Act
    let a = rsud.upload(id, "ktp", &just_over, "ktp.png").await;
    let b = rsud.upload(id, "ktp", &far_over, "ktp.png").await;

    // Assert
    a.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), ["file"]);
    assert!(
        b.status.is_client_error(),
        "an upload over the body limit: {}",
        b.status
    );
    assert_eq!(snapshot(&app, id).await.documents, 0);
}
