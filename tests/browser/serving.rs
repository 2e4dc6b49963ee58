//! What Chromium itself makes of the service's head: it finds and parses the web app
//! manifest (name, start address, standalone, icons) and would install the service on a
//! phone's home screen, the favicon and the icons load, and the style sheet arrives compressed
//! under its hashed name.

use serde_json::json;

use crate::common::spawn_app;
use crate::driver::Chromedriver;

#[tokio::test]
async fn chromium_finds_the_manifest_and_icons_and_gets_the_style_sheet_compressed() {
    // Arrange: a phone on the sign-in page.
    let app = spawn_app().await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.phone(360, 740).await;
    browser.goto(&app.url("/masuk")).await;

    // Act: the manifest as Chromium parsed it, and as the page fetches it.
    let parsed = browser.cdp("Page.getAppManifest", json!({})).await;
    let fetched = browser
        .js("const link = document.querySelector('link[rel=manifest]');
             return fetch(link.href).then(async r => ({
                 status: r.status, type: r.headers.get('content-type'), body: await r.json()
             }));")
        .await;
    let installability = browser.cdp("Page.getInstallabilityErrors", json!({})).await;

    // Assert: found, no parse errors, the fields a home-screen icon needs.
    assert!(
        parsed["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/manifest.webmanifest")),
        "{parsed}"
    );
    assert_eq!(parsed["errors"], json!([]), "manifest errors: {parsed}");
    assert_eq!(fetched["status"], 200);
    assert_eq!(fetched["type"], "application/manifest+json");
    let manifest = &fetched["body"];
    assert_eq!(manifest["name"], "Merajut Sehat");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(
        installability["installabilityErrors"],
        json!([]),
        "Chromium would not install the service: {installability}"
    );

    // The favicon and every icon of the manifest load (and are images Chromium decodes).
    let favicon = browser
        .js("return fetch('/favicon.ico').then(r => r.status)")
        .await;
    assert_eq!(favicon, 200);
    for icon in manifest["icons"].as_array().expect("icons") {
        let src = icon["src"].as_str().expect("src");
        let size = browser
            .js(&format!(
                "return new Promise((ok, fail) => {{
                     const img = new Image();
                     img.onload = () => ok([img.naturalWidth, img.naturalHeight]);
                     img.onerror = () => fail('{src} did not load');
                     img.src = '{src}';
                 }});"
            ))
            .await;
        if let Some(side) = icon["sizes"]
            .as_str()
            .and_then(|s| s.split_once('x'))
            .and_then(|(w, _)| w.parse::<u64>().ok())
        {
            assert_eq!(size, json!([side, side]), "{src}");
        }
    }

    // The style sheet: under its hashed name, sent compressed, and applied.
    let css = browser
        .js("const e = performance.getEntriesByType('resource')
                 .find(e => /\\/static\\/app\\.[0-9a-f]{8}\\.css$/.test(e.name));
             return e ? [e.encodedBodySize, e.decodedBodySize] : null;")
        .await;
    let (encoded, decoded) = (css[0].as_u64(), css[1].as_u64());
    assert!(
        matches!((encoded, decoded), (Some(e), Some(d)) if e > 0 && e * 2 < d),
        "the style sheet did not arrive compressed: {css}"
    );
    let topbar = browser
        .js("return getComputedStyle(document.querySelector('.topbar')).backgroundColor")
        .await;
    assert_eq!(topbar, "rgb(11, 93, 75)");
    browser.close().await;
}
