//! Static files: compiled into the binary, served under content-hashed names, and the web app
//! manifest with the icons that put the service on a phone's home screen.
//!
//! Every file of `static/` is listed once in [`FILES`]. Its address carries eight hex digits of
//! the SHA-256 of its content (`app.css` → `/static/app.3f9c1a2b.css`, [`hashed_name`]), computed
//! once at first use, so a changed file gets a new address and a browser may keep every address
//! for a year without asking again (`immutable`). Templates never write a `/static/` path
//! themselves: they ask [`url`] — `{{ crate::web::assets::url("app.css") }}` — and a unit test
//! fails when a template names a file that is not here or writes a static path by hand.
//!
//! The plain name (`/static/app.css`) still answers, kept five minutes, for anything that cannot
//! know the hash; so does a hashed name whose hash is not the current content's (a page of the
//! previous version during a deploy): it gets the current content, briefly cached, never
//! under `immutable`. `/favicon.ico` and `/manifest.webmanifest` keep their well-known
//! addresses, with a day's and an hour's cache. Every file answers with its hash as `ETag`, so a
//! revalidation is a 304 without a body.
//!
//! Compression is not done here: the compression layer (`http::compression`) compresses the
//! text types on the way out, the PNG and ICO files it leaves alone.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::AppError;

/// A file of `static/`, compiled in.
#[derive(Debug)]
pub struct StaticFile {
    /// The plain file name, as templates ask for it (`app.css`).
    pub name: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    pub body: &'static [u8],
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const PNG: &str = "image/png";

/// Every static file the service serves. A new file: put it in `static/` and add a line here.
pub const FILES: &[StaticFile] = &[
    StaticFile {
        name: "app.css",
        content_type: CSS,
        body: include_bytes!("../../static/app.css"),
    },
    StaticFile {
        name: "app.js",
        content_type: JS,
        body: include_bytes!("../../static/app.js"),
    },
    StaticFile {
        name: "offline.js",
        content_type: JS,
        body: include_bytes!("../../static/offline.js"),
    },
    StaticFile {
        name: "report.css",
        content_type: CSS,
        body: include_bytes!("../../static/report.css"),
    },
    // The icons are drawn by `.ci/make-icons.py` from the brand colour of app.css.
    StaticFile {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
    StaticFile {
        name: "favicon.ico",
        content_type: "image/x-icon",
        body: include_bytes!("../../static/favicon.ico"),
    },
    StaticFile {
        name: "icon-192.png",
        content_type: PNG,
        body: include_bytes!("../../static/icon-192.png"),
    },
    StaticFile {
        name: "icon-512.png",
        content_type: PNG,
        body: include_bytes!("../../static/icon-512.png"),
    },
    StaticFile {
        name: "icon-maskable-512.png",
        content_type: PNG,
        body: include_bytes!("../../static/icon-maskable-512.png"),
    },
    StaticFile {
        name: "apple-touch-icon.png",
        content_type: PNG,
        body: include_bytes!("../../static/apple-touch-icon.png"),
    },
];

/// How long a browser may keep what it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The address names this very content: keep it a year, never ask again.
    Immutable,
    /// A plain or outdated address: the content behind it changes with a new version.
    Short,
}

impl Freshness {
    fn cache_control(self) -> &'static str {
        match self {
            Freshness::Immutable => "public, max-age=31536000, immutable",
            Freshness::Short => "public, max-age=300",
        }
    }
}

/// The hex digits of the content hash in a file's address.
const HASH_DIGITS: usize = 8;

/// The first [`HASH_DIGITS`] hex digits of the SHA-256 of `body`.
pub fn content_hash(body: &[u8]) -> String {
    let mut hex = hex::encode(Sha256::digest(body));
    hex.truncate(HASH_DIGITS);
    hex
}

/// The content-hashed name of a file: the hash goes before the extension
/// (`app.css` → `app.3f9c1a2b.css`; `LICENSE` → `LICENSE.3f9c1a2b`).
pub fn hashed_name(name: &str, body: &[u8]) -> String {
    let hash = content_hash(body);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{name}.{hash}"),
    }
}

/// A file with its hash, computed once.
struct Hashed {
    file: &'static StaticFile,
    /// `app.3f9c1a2b.css`
    hashed: String,
    /// `/static/app.3f9c1a2b.css`
    url: String,
    /// `"3f9c1a2b"`, quoted as an `ETag` is.
    etag: HeaderValue,
}

/// Every file by its plain name.
static HASHED: LazyLock<HashMap<&'static str, Hashed>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|file| {
            let hashed = hashed_name(file.name, file.body);
            let etag = HeaderValue::try_from(format!("\"{}\"", content_hash(file.body)))
                .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
            let url = format!("/static/{hashed}");
            (
                file.name,
                Hashed {
                    file,
                    hashed,
                    url,
                    etag,
                },
            )
        })
        .collect()
});

/// The address of a static file for a page: `/static/app.3f9c1a2b.css`. Templates call it as
/// `{{ crate::web::assets::url("app.css") }}`. A name not in [`FILES`] (a unit test keeps the
/// templates from asking for one) gets the plain address, which answers 404.
pub fn url(name: &str) -> &'static str {
    match HASHED.get(name) {
        Some(h) => h.url.as_str(),
        None => {
            tracing::error!(
                name,
                "a template asked for a static file that is not compiled in"
            );
            "/static/unknown"
        }
    }
}

/// The file an address under `/static/` names, and how long it may be kept: the current
/// hashed name is [`Freshness::Immutable`]; the plain name, or the name with another
/// eight-hex-digit hash, is [`Freshness::Short`]; anything else is nothing.
pub fn resolve(requested: &str) -> Option<(&'static StaticFile, Freshness)> {
    if let Some(h) = HASHED.values().find(|h| h.hashed == requested) {
        return Some((h.file, Freshness::Immutable));
    }
    if let Some(h) = HASHED.get(requested) {
        return Some((h.file, Freshness::Short));
    }
    let plain = without_hash(requested)?;
    HASHED
        .get(plain.as_str())
        .map(|h| (h.file, Freshness::Short))
}

/// `app.0123abcd.css` → `app.css` (any eight lower-case hex digits), else `None`.
fn without_hash(requested: &str) -> Option<String> {
    let (rest, ext) = requested.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    let is_hash = hash.len() == HASH_DIGITS
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (is_hash && !stem.is_empty()).then(|| format!("{stem}.{ext}"))
}

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let (file, freshness) = resolve(&file).ok_or(AppError::NotFound)?;
    Ok(respond(file, freshness.cache_control(), &headers))
}

/// `GET /favicon.ico`: where browsers look for an icon when a page names none (and what the
/// pages name for the small sizes).
pub async fn favicon(headers: HeaderMap) -> Result<Response, AppError> {
    let (file, _) = resolve("favicon.ico").ok_or(AppError::NotFound)?;
    Ok(respond(file, "public, max-age=86400", &headers))
}

/// A file with its type, cache lifetime and `ETag`; 304 when the browser holds this content.
fn respond(
    file: &'static StaticFile,
    cache_control: &'static str,
    headers: &HeaderMap,
) -> Response {
    let etag = HASHED
        .get(file.name)
        .map(|h| h.etag.clone())
        .unwrap_or_else(|| HeaderValue::from_static("\"\""));
    let cache = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
        (header::ETAG, etag.clone()),
    ];
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/").as_bytes() == etag.as_bytes()
        });
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        )],
        cache,
        file.body,
    )
        .into_response()
}

/// The application's colour (`--brand` in app.css): the manifest's and the pages'
/// `theme-color`, the colour the phone gives the title bar and the splash screen.
pub fn theme_color() -> &'static str {
    static COLOUR: LazyLock<String> = LazyLock::new(|| {
        let css = String::from_utf8_lossy(include_bytes!("../../static/app.css"));
        brand_colour(&css).unwrap_or_else(|| "#0b5d4b".to_string())
    });
    COLOUR.as_str()
}

/// The `--brand: #rrggbb` custom property of a style sheet, lower-cased.
fn brand_colour(css: &str) -> Option<String> {
    let at = css.find("--brand:")? + "--brand:".len();
    let value = css[at..].trim_start();
    let colour = value.get(..7)?;
    (colour.starts_with('#') && colour[1..].bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| colour.to_ascii_lowercase())
}

/// The web app manifest: name, start address, standalone display, colours and icons (the
/// icons by their hashed addresses).
pub fn manifest() -> &'static str {
    static MANIFEST: LazyLock<String> = LazyLock::new(|| {
        let icon = |name: &str, sizes: &str, kind: &str, purpose: &str| serde_json::json!({"src": url(name), "sizes": sizes, "type": kind, "purpose": purpose});
        serde_json::json!({
            "name": "Merajut Sehat",
            "short_name": "Merajut Sehat",
            "description": "Pelacakan kasus pasien program Merajut Sehat, Pemerintah Provinsi \
                            Nusa Tenggara Timur",
            "lang": "id",
            "dir": "ltr",
            "id": "/",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": theme_color(),
            "icons": [
                icon("icon-192.png", "192x192", PNG, "any"),
                icon("icon-512.png", "512x512", PNG, "any"),
                icon("icon-maskable-512.png", "512x512", PNG, "maskable"),
                icon("favicon.svg", "any", "image/svg+xml", "any"),
            ],
        })
        .to_string()
    });
    MANIFEST.as_str()
}

/// `GET /manifest.webmanifest`.
pub async fn serve_manifest() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/manifest+json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        manifest(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_goes_before_the_extension_and_follows_the_content() {
        // Arrange
        let before = b"body { color: black; }";
        let after = b"body { color: white; }";

        // Act
        let old = hashed_name("app.css", before);
        let new = hashed_name("app.css", after);

        // Assert
        assert_eq!(old, format!("app.{}.css", content_hash(before)));
        assert_eq!(content_hash(before).len(), 8);
        assert!(content_hash(before).bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(old, new, "a changed file must get a different name");
        assert_eq!(
            old,
            hashed_name("app.css", before),
            "the same content, the same name"
        );
        assert_eq!(
            hashed_name("icon-maskable-512.png", b"x"),
            format!("icon-maskable-512.{}.png", content_hash(b"x"))
        );
        assert_eq!(
            hashed_name("LICENSE", b"x"),
            format!("LICENSE.{}", content_hash(b"x"))
        );
    }

    #[test]
    fn addresses_resolve_to_their_file_and_freshness() {
        let css = url("app.css").trim_start_matches("/static/");
        assert_eq!(
            resolve(css).map(|(f, l)| (f.name, l)),
            Some(("app.css", Freshness::Immutable))
        );
        assert_eq!(
            resolve("app.css").map(|(f, l)| (f.name, l)),
            Some(("app.css", Freshness::Short))
        );
        let stale = if css.contains("00000000") {
            "app.11111111.css"
        } else {
            "app.00000000.css"
        };
        assert_eq!(
            resolve(stale).map(|(f, l)| (f.name, l)),
            Some(("app.css", Freshness::Short))
        );
        for unknown in [
            "",
            "app",
            "app.CSS",
            "app.0000000g.css",
            "app.000000000.css",
            "x.00000000.css",
            "../Cargo.toml",
            ".00000000.css",
        ] {
            assert!(resolve(unknown).is_none(), "{unknown:?}");
        }
    }

    #[test]
    fn every_file_has_a_unique_hashed_address() {
        let mut urls: Vec<&str> = FILES.iter().map(|f| url(f.name)).collect();
        urls.sort_unstable();
        urls.dedup();
        assert_eq!(urls.len(), FILES.len());
        assert!(urls.iter().all(|u| u.starts_with("/static/")));
    }

    #[test]
    fn the_theme_colour_is_the_brand_colour_of_the_style_sheet() {
        assert_eq!(
            brand_colour(":root { --fg:#1b1f24; --brand:#0B5D4B; --brand-fg:#fff; }").as_deref(),
            Some("#0b5d4b")
        );
        assert_eq!(brand_colour(":root { --brand: red; }"), None);
        assert_eq!(brand_colour(""), None);
        let css = String::from_utf8_lossy(include_bytes!("../../static/app.css"));
        assert_eq!(brand_colour(&css).as_deref(), Some(theme_color()));
    }

    #[test]
    fn the_manifest_names_the_service_and_its_icons() {
        let manifest: serde_json::Value =
            serde_json::from_str(manifest()).expect("the manifest is JSON");
        assert_eq!(manifest["name"], "Merajut Sehat");
        assert_eq!(manifest["start_url"], "/");
        assert_eq!(manifest["display"], "standalone");
        assert_eq!(manifest["theme_color"], theme_color());
        let icons = manifest["icons"].as_array().expect("icons");
        for (sizes, purpose) in [
            ("192x192", "any"),
            ("512x512", "any"),
            ("512x512", "maskable"),
        ] {
            let icon = icons
                .iter()
                .find(|i| i["sizes"] == sizes && i["purpose"] == purpose)
                .unwrap_or_else(|| panic!("no {sizes} {purpose} icon"));
            let src = icon["src"].as_str().expect("src");
            let (file, freshness) =
                resolve(src.trim_start_matches("/static/")).expect("the icon is served");
            assert_eq!(freshness, Freshness::Immutable);
            // The PNG's own header says the size the manifest claims.
            let side = u32::from_be_bytes(file.body[16..20].try_into().expect("IHDR width"));
            assert_eq!(format!("{side}x{side}"), sizes, "{}", file.name);
        }
    }

    /// Templates reach static files only through [`url`], and only files that exist.
    #[test]
    fn templates_name_static_files_through_the_helper() {
        let mut templates = Vec::new();
        collect(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            &mut templates,
        );
        assert!(!templates.is_empty());
        let call = "assets::url(\"";
        for path in templates {
            let text = std::fs::read_to_string(&path).expect("reading a template");
            assert!(
                !text.contains("\"/static/"),
                "{}: writes a /static/ address by hand; use {{{{ crate::web::assets::url(\"…\") }}}}",
                path.display()
            );
            for (at, _) in text.match_indices(call) {
                let rest = &text[at + call.len()..];
                let name = &rest[..rest.find('"').expect("a closed string")];
                assert!(
                    HASHED.contains_key(name),
                    "{}: asks for {name:?}, which is not in assets::FILES",
                    path.display()
                );
            }
        }
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("reading the templates") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                collect(&path, out);
            } else {
                out.push(path);
            }
        }
    }
}
