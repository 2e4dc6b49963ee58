//! How the service serves what a phone downloads: compressed text (gzip, brotli) and nothing
//! else compressed, static files under content-hashed addresses kept a year, the plain
//! addresses still answering, the favicon and the web app manifest.

use std::io::Read;

use merajut_sehat::web::assets;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, IF_NONE_MATCH};
use uuid::Uuid;

use crate::helpers::*;

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// GET `path` offering `encoding` (`gzip`, `br`, or `identity`).
async fn get_encoded(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    encoding: &str,
) -> reqwest::Response {
    client
        .get(app.url(path))
        .header(ACCEPT_ENCODING, encoding)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// The body as sent, decoded by its `Content-Encoding` (an independent decoder per codec).
async fn decoded(response: reqwest::Response) -> (Option<String>, Vec<u8>) {
    let encoding = header(&response, "content-encoding");
    let raw = response.bytes().await.expect("reading the body").to_vec();
    let mut out = Vec::new();
    match encoding.as_deref() {
        None => out = raw,
        Some("gzip") => {
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .expect("a gzip body");
        }
        Some("br") => {
            brotli_decompressor::Decompressor::new(raw.as_slice(), 4096)
                .read_to_end(&mut out)
                .expect("a brotli body");
        }
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    (encoding, out)
}

#[tokio::test]
async fn pages_style_sheets_scripts_and_json_are_compressed_as_the_browser_offers() {
    // Arrange
    let app = spawn_app().await;
    let anonymous = app.client();
    let plain_page = app.get_html(&anonymous, "/masuk").await;
    let tim = actor(&app, "tim", None).await;

    for (path, encoding) in [
        ("/masuk", "gzip"),
        ("/masuk", "br"),
        ("/masuk", "gzip, deflate, br, zstd"),
    ] {
        // Act
        let response = get_encoded(&anonymous, &app, path, encoding).await;

        // Assert: compressed, decodable to the very page, the other layers' headers intact.
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "vary").as_deref(),
            Some("accept-encoding")
        );
        assert!(header(&response, "x-request-id").is_some(), "{encoding}");
        assert_eq!(
            header(&response, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("no-store")
        );
        assert!(header(&response, "content-security-policy").is_some());
        assert!(header(&response, "content-length").is_none());
        let (used, body) = decoded(response).await;
        let expected = if encoding == "gzip" { "gzip" } else { "br" };
        assert_eq!(used.as_deref(), Some(expected), "offered {encoding}");
        assert_eq!(String::from_utf8(body).expect("UTF-8"), plain_page);
    }

    for (name, encoding) in [("app.css", "br"), ("app.js", "gzip"), ("favicon.svg", "br")] {
        let file = assets::FILES
            .iter()
            .find(|f| f.name == name)
            .expect("a static file");
        let response = get_encoded(&anonymous, &app, assets::url(name), encoding).await;
        assert_eq!(response.status(), StatusCode::OK);
        let (used, body) = decoded(response).await;
        assert_eq!(used.as_deref(), Some(encoding), "{name}");
        assert_eq!(body, file.body, "{name}");
    }

    let response = tim
        .http
        .get(app.url("/api/v1/openapi.json"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("GET the OpenAPI document");
    let (used, body) = decoded(response).await;
    assert_eq!(used.as_deref(), Some("gzip"));
    let document: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert!(document["paths"].is_object());

    let response = get_encoded(&anonymous, &app, "/manifest.webmanifest", "br").await;
    let (used, body) = decoded(response).await;
    assert_eq!(used.as_deref(), Some("br"));
    assert_eq!(body, assets::manifest().as_bytes());

    // Without an offer, nothing is compressed.
    let response = get_encoded(&anonymous, &app, "/masuk", "identity").await;
    assert!(header(&response, "content-encoding").is_none());
}

#[tokio::test]
async fn a_form_posted_with_compression_offered_keeps_its_csrf_check_and_its_errors() {
    // Arrange: a browser offering brotli; the CSRF token read from the compressed page.
    let app = spawn_app().await;
    let pic = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let client = app.client();
    let (_, page) = decoded(get_encoded(&client, &app, "/masuk", "br").await).await;
    let page = String::from_utf8(page).expect("UTF-8");
    let csrf = attr(&page, "input[name=csrf_token]", "value").expect("the CSRF field");

    // Act: a wrong password, then a form without the token, then the right password.
    let wrong = client
        .post(app.url("/masuk"))
        .header(ACCEPT_ENCODING, "br")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", pic.username.as_str()),
            ("password", "bukan-kata-sandinya-2026"),
        ])
        .send()
        .await
        .expect("POST /masuk");
    let forged = client
        .post(app.url("/masuk"))
        .header(ACCEPT_ENCODING, "br")
        .form(&[("username", pic.username.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST /masuk");
    let right = client
        .post(app.url("/masuk"))
        .header(ACCEPT_ENCODING, "br")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", pic.username.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST /masuk");

    // Assert: the refused sign-in is the form again, compressed, with its message and the
    // typed name kept; the one without the token is refused; the right one signs in.
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (used, body) = decoded(wrong).await;
    assert_eq!(used.as_deref(), Some("br"));
    let body = String::from_utf8(body).expect("UTF-8");
    assert!(text(&body, ".error-message").is_some(), "{body:.500}");
    assert_eq!(
        attr(&body, "#username", "value").as_deref(),
        Some(pic.username.as_str())
    );
    assert_eq!(forged.status(), StatusCode::CONFLICT);
    let (_, body) = decoded(forged).await;
    assert!(String::from_utf8_lossy(&body).contains("kedaluwarsa"));
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let home = app.get(&client, "/").await;
    assert_eq!(home.status(), StatusCode::OK);
}

#[tokio::test]
async fn photos_pdfs_workbooks_and_csv_go_uncompressed() {
    // Arrange: a case with a photo and a PDF; a monitoring user for the exports.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let case = team.create(&intake_woman()).await;
    team.rsud
        .upload(case, "rujukan", TEST_PDF, "rujukan.pdf")
        .await
        .expect(StatusCode::CREATED);
    team.rsud
        .upload(case, "ktp", PNG, "ktp.png")
        .await
        .expect(StatusCode::CREATED);
    let read = team.rsud.case(case).await;
    let documents: Vec<(String, Uuid)> = read.body["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or_default().to_string(),
                d["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .expect("an id"),
            )
        })
        .collect();
    assert!(documents.len() >= 2, "{documents:?}");
    let tim = actor(&app, "tim", None).await;
    let (pages, _) = app.signed_in("tim", None).await;

    let mut paths: Vec<(&Actor, String)> = documents
        .iter()
        .map(|(_, id)| (&team.rsud, format!("/api/v1/cases/{case}/documents/{id}")))
        .collect();
    paths.push((&tim, "/api/v1/monitoring/export?format=xlsx".into()));
    paths.push((&tim, "/api/v1/monitoring/export?format=csv".into()));
    for (who, path) in paths {
        // Act
        let response = who
            .http
            .get(app.url(&path))
            .header(ACCEPT_ENCODING, "gzip, br")
            .send()
            .await
            .expect("GET");

        // Assert
        let status = response.status();
        let kind = header(&response, "content-type").unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            header(&response, "content-encoding").is_none(),
            "{path} ({kind}) was compressed"
        );
    }
    for path in [
        "/pemantauan/unduh?format=xlsx",
        "/pemantauan/unduh?format=csv",
        "/favicon.ico",
        assets::url("icon-512.png"),
    ] {
        let response = get_encoded(&pages, &app, path, "gzip, br").await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            header(&response, "content-encoding").is_none(),
            "{path} was compressed"
        );
    }
}

#[tokio::test]
async fn pages_name_static_files_by_content_hash_kept_a_year() {
    // Arrange
    let app = spawn_app().await;
    let page = app.get_html(&app.client(), "/masuk").await;
    let client = app.client();

    // Act: the addresses the page names.
    let css = attr(&page, "link[rel=stylesheet]", "href").expect("a style sheet");
    let js = attr(&page, "script[src]", "src").expect("a script");

    // Assert: hashed names, served as immutable with their type and content.
    for (href, name, kind) in [
        (&css, "app.css", "text/css; charset=utf-8"),
        (&js, "app.js", "text/javascript; charset=utf-8"),
    ] {
        assert_eq!(href, assets::url(name));
        let file = href.trim_start_matches("/static/");
        let (stem, ext) = name.split_once('.').expect("an extension");
        let hash = file
            .strip_prefix(&format!("{stem}."))
            .and_then(|f| f.strip_suffix(&format!(".{ext}")))
            .unwrap_or_else(|| panic!("{href} is not {stem}.<hash>.{ext}"));
        assert!(
            hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{href}"
        );
        let response = app.get(&client, href).await;
        assert_eq!(response.status(), StatusCode::OK, "{href}");
        assert_eq!(header(&response, "content-type").as_deref(), Some(kind));
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(
            header(&response, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert!(
            client.cookie(SESSION_COOKIE).is_none() && client.cookie(CSRF_COOKIE).is_none(),
            "a static file set a cookie"
        );
    }
}

#[tokio::test]
async fn plain_and_outdated_static_addresses_answer_with_a_short_cache() {
    // Arrange
    let app = spawn_app().await;
    let client = app.client();
    let hashed = assets::url("app.css");
    let current = hashed
        .trim_start_matches("/static/app.")
        .trim_end_matches(".css");
    let outdated = if current == "00000000" {
        "/static/app.11111111.css"
    } else {
        "/static/app.00000000.css"
    };
    let css = assets::FILES
        .iter()
        .find(|f| f.name == "app.css")
        .expect("app.css");

    for path in ["/static/app.css", outdated] {
        // Act
        let response = app.get(&client, path).await;

        // Assert: the current content, kept five minutes, never immutable.
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("public, max-age=300"),
            "{path}"
        );
        assert_eq!(
            response.bytes().await.expect("the body").as_ref(),
            css.body,
            "{path}"
        );
    }

    // A browser holding the file revalidates without a body.
    let first = app.get(&client, "/static/app.css").await;
    let etag = header(&first, "etag").expect("an ETag");
    let again = client
        .get(app.url("/static/app.css"))
        .header(IF_NONE_MATCH, etag.as_str())
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.expect("the body").is_empty());

    // Anything else under /static/ is a 404 page, whatever the name (a name of 100 KB does not
    // reach the service: the HTTP server refuses a request head that long).
    let long = "a".repeat(10_000);
    for path in [
        "/static/tidak-ada.css".to_string(),
        "/static/app.zzzzzzzz.css".to_string(),
        "/static/%00".to_string(),
        "/static/%F0%9F%98%80.css".to_string(),
        "/static/..%2FCargo.toml".to_string(),
        format!("/static/{long}.css"),
    ] {
        let response = app.get(&client, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path:.40}");
    }
}

#[tokio::test]
async fn the_favicon_and_the_manifest_are_served_and_linked() {
    // Arrange
    let app = spawn_app().await;
    let client = app.client();
    let page = app.get_html(&client, "/masuk").await;

    // Act
    let favicon = app.get(&client, "/favicon.ico").await;
    let manifest = app.get(&client, "/manifest.webmanifest").await;

    // Assert
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(
        header(&favicon, "content-type").as_deref(),
        Some("image/x-icon")
    );
    let ico = favicon.bytes().await.expect("the icon");
    assert_eq!(&ico[..4], &[0, 0, 1, 0], "an ICO header");
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(
        header(&manifest, "content-type").as_deref(),
        Some("application/manifest+json")
    );
    let manifest: serde_json::Value = manifest.json().await.expect("the manifest is JSON");
    assert_eq!(manifest["name"], "Merajut Sehat");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    let theme = attr(&page, "meta[name=theme-color]", "content").expect("theme-color");
    assert_eq!(manifest["theme_color"], theme.as_str());
    for icon in manifest["icons"].as_array().expect("icons") {
        let src = icon["src"].as_str().expect("src");
        let response = app.get(&client, src).await;
        assert_eq!(response.status(), StatusCode::OK, "{src}");
        assert_eq!(
            header(&response, "content-type").as_deref(),
            icon["type"].as_str(),
            "{src}"
        );
    }
    assert_eq!(
        attr(&page, "link[rel=manifest]", "href").as_deref(),
        Some("/manifest.webmanifest")
    );
    assert_eq!(
        attr(&page, "link[rel=icon][type='image/svg+xml']", "href").as_deref(),
        Some(assets::url("favicon.svg"))
    );
    assert_eq!(
        attr(&page, "link[rel=apple-touch-icon]", "href").as_deref(),
        Some(assets::url("apple-touch-icon.png"))
    );
}
