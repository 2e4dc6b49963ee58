//! CSRF in one layer: every page route that accepts POST (read from the routers' sources, so a
//! new route is covered the day it is added) refuses a wrong token, URL-encoded or multipart,
//! and a foreign origin, before its handler runs: the database is unchanged to the last row.
//! The JSON API takes bearer tokens and no cookies, so it is outside this layer.

use std::path::Path;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// Every `(source file, path)` of a `.route("…", …post(…)…)` under `src/web`.
fn page_post_routes() -> Vec<(String, String)> {
    let mut routes = vec![];
    let mut files = vec![];
    collect_rs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
        &mut files,
    );
    files.sort();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("reading a source file");
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            let args = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = args
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(args.len(), |(i, _)| i);
            let call = &args[..end];
            let path = call
                .trim_start()
                .strip_prefix('"')
                .and_then(|p| p.split_once('"'))
                .map(|(p, _)| p.to_string());
            if let Some(path) = path
                && call.contains("post(")
            {
                let name = file.display().to_string();
                routes.push((name, path));
            }
            rest = &args[end..];
        }
    }
    routes
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading src/web") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A digest of every row of every table of the application (the session store aside).
async fn fingerprint(app: &TestApp) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .expect("listing tables");
    let mut out = vec![];
    for table in tables {
        let digest: String = sqlx::query_scalar(&format!(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
        ))
        .fetch_one(&app.pool)
        .await
        .expect("digesting a table");
        out.push((table, digest));
    }
    out
}

/// `path` with its placeholders filled: the ids of real rows where the route acts on one.
fn fill(path: &str, ids: &Ids) -> String {
    let id = if path.starts_with("/admin/pengguna/") {
        ids.user.to_string()
    } else if path.starts_with("/token-api/") {
        ids.token.to_string()
    } else if path.starts_with("/kasus/") {
        ids.case.to_string()
    } else {
        Uuid::new_v4().to_string()
    };
    path.split('/')
        .map(|part| match part {
            "{id}" => id.clone(),
            "{action}" => "setujui".to_string(),
            "{tahun}" => "2026".to_string(),
            "{pembayar}" => "53.71".to_string(),
            p if p.starts_with('{') => "x".to_string(),
            p => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

struct Ids {
    user: Uuid,
    token: Uuid,
    case: Uuid,
}

#[tokio::test]
async fn every_page_post_refuses_a_wrong_token_and_a_foreign_origin_and_changes_nothing() {
    // Arrange: an administrator and a hospital PIC (with a case and an API token) signed in,
    // each with the CSRF cookie of its browser; the routes as the routers declare them.
    let app = spawn_app().await;
    let routes = page_post_routes();
    for expected in [
        "/keluar",
        "/token-api/{id}/cabut",
        "/admin/pengguna/{id}/nonaktifkan",
        "/admin/pengguna/{id}/aktifkan",
        "/admin/pengguna/{id}/reset-sandi",
        "/kasus/{id}/dokumen",
        "/kasus/baru",
    ] {
        assert!(
            routes.iter().any(|(_, p)| p == expected),
            "{expected} not found among {routes:?}"
        );
    }
    let (admin, _) = app.signed_in("admin", None).await;
    let (pic, pic_user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (_, target) = app.signed_in("tim", None).await;
    let fields = intake_fields("Maria Bria", "P", "1990-05-12", NIK_WOMAN, "53.71");
    let case = app.arrange_draft(&pic_user, &fields).await;
    app.api_token(pic_user.id).await;
    let token: Uuid = sqlx::query_scalar("SELECT id FROM api_tokens WHERE user_id = $1")
        .bind(pic_user.id)
        .fetch_one(&app.pool)
        .await
        .expect("the token");
    let ids = Ids {
        user: target.id,
        token,
        case,
    };
    let admin_token = app.csrf(&admin, "/admin/pengguna").await;
    let pic_token = app.csrf(&pic, "/token-api").await;
    let before = fingerprint(&app).await;

    for (client, good_token) in [(&admin, &admin_token), (&pic, &pic_token)] {
        for (file, route) in &routes {
            let path = fill(route, &ids);
            let url = app.url(&path);

            // Act: a good origin with a wrong token, URL-encoded and multipart, and no token.
            let wrong = client
                .post(&url)
                .header("Origin", app.address.as_str())
                .form(&[("csrf_token", "bukan-token-yang-benar"), ("name", "x")])
                .send()
                .await
                .expect("POST");
            let multipart = client
                .post(&url)
                .header("Origin", app.address.as_str())
                .multipart(
                    reqwest::multipart::Form::new()
                        .text("csrf_token", "bukan-token-yang-benar")
                        .text("kind", "ktp")
                        .part(
                            "file",
                            reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec())
                                .file_name("a.pdf"),
                        ),
                )
                .send()
                .await
                .expect("POST");
            let missing = client
                .post(&url)
                .header("Origin", app.address.as_str())
                .form(&[("name", "x")])
                .send()
                .await
                .expect("POST");
            // The right token from another site.
            let foreign = client
                .post(&url)
                .header("Origin", "https://jahat.example")
                .form(&[("csrf_token", good_token.as_str())])
                .send()
                .await
                .expect("POST");

            // Assert
            let at = format!("POST {path} ({file})");
            assert_eq!(wrong.status(), StatusCode::CONFLICT, "{at}, wrong token");
            assert_eq!(multipart.status(), StatusCode::CONFLICT, "{at}, multipart");
            assert_eq!(missing.status(), StatusCode::CONFLICT, "{at}, no token");
            assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{at}, foreign");
        }
    }
    assert_eq!(fingerprint(&app).await, before);
    // Both browsers are still signed in (the sign-out posts were refused too).
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);
    assert_eq!(app.get(&pic, "/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_multipart_form_with_the_right_token_is_accepted_by_the_layer() {
    // Arrange
    let app = spawn_app().await;
    let (pic, pic_user) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let fields = intake_fields("Maria Bria", "P", "1990-05-12", NIK_WOMAN, "53.71");
    let case = app.arrange_draft(&pic_user, &fields).await;
    let page = format!("/kasus/{case}");
    let documents_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM documents WHERE case_id = $1")
            .bind(case)
            .fetch_one(&app.pool)
            .await
            .expect("counting documents");

    // Act
    let response = app
        .post_multipart(
            &pic,
            &page,
            &format!("/kasus/{case}/dokumen"),
            &[("kind".into(), "kk".into())],
            &[("file", "kk.png", TEST_PNG.to_vec())],
        )
        .await;

    // Assert: past the layer, the handler decides (a stored document or its own refusal).
    assert_ne!(response.status(), StatusCode::CONFLICT);
    assert_ne!(response.status(), StatusCode::FORBIDDEN);
    let documents_after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM documents WHERE case_id = $1")
            .bind(case)
            .fetch_one(&app.pool)
            .await
            .expect("counting documents");
    assert_eq!(documents_after, documents_before + 1);
}
