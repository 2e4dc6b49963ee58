//! The public verification page of a guarantee letter, `GET /verifikasi/surat/{token}`: what a
//! hospital cashier sees after scanning the QR code on a letter. No sign-in, no session, no
//! cookie; it shows the letter number, whether the letter is valid, its period, its date and
//! the hospital, and nothing about the patient. The address holds only the letter's random
//! token, and the request log names the route, never the token.
//!
//! Every request takes the same path: the token is read from the raw path (never decoded or
//! parsed, so a NUL byte, an emoji or 60 KB cannot fail an extractor), hashed, and looked up
//! once; an unknown token is the same page with "not found" and status 404. Also here: the QR
//! code of a letter's link ([`qr_svg`]; the link is [`crate::http::letter_verification_link`]).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use qrcode::QrCode;
use qrcode::render::svg;

use super::error::AppError;
use super::{AppState, render_status};
use crate::cases::letter::Verification;
use crate::http::LETTER_VERIFICATION_PATH;

/// The route of the page (its prefix is [`LETTER_VERIFICATION_PATH`]).
pub const ROUTE: &str = "/verifikasi/surat/{token}";

/// The QR code of `url` as an inline SVG element (black modules on white, one user unit per
/// module; the page sizes it with CSS). `None` if the text cannot be encoded (far too long).
///
/// The markup is generated here from the QR matrix — numbers and fixed attributes only, no
/// text from the URL — which is why the templates may insert it unescaped.
pub fn qr_svg(url: &str) -> Option<String> {
    qr_svg_labelled(url, "letter-qr", "Kode QR verifikasi surat")
}

/// [`qr_svg`] with another CSS class and screen-reader label (both fixed strings of the
/// caller, inserted as they are).
pub fn qr_svg_labelled(url: &str, class: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .build();
    // Inline in HTML: no XML declaration; labelled for screen readers.
    let element = image.split_once("?>").map_or(image.as_str(), |(_, e)| e);
    Some(element.replacen(
        "<svg ",
        &format!("<svg class=\"{class}\" role=\"img\" aria-label=\"{label}\" "),
        1,
    ))
}

#[derive(Template)]
#[template(path = "verification.html")]
struct VerificationPage {
    found: Option<Verification>,
    checked_at: DateTime<Utc>,
}

impl VerificationPage {
    fn checked_at(&self) -> String {
        crate::domain::locale::time(self.checked_at)
    }
}

/// `GET /verifikasi/surat/{token}`.
pub async fn show(State(state): State<AppState>, uri: Uri) -> Result<Response, AppError> {
    let token = uri
        .path()
        .strip_prefix(LETTER_VERIFICATION_PATH)
        .unwrap_or_default();
    let found = state.cases.verify_letter(token).await?;
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = VerificationPage {
        found,
        checked_at: state.clock.now(),
    };
    let mut response = render_status(status, &page)?;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::letter_verification_link;

    #[test]
    fn the_qr_code_is_an_inline_svg_element() {
        let link = letter_verification_link("https://merajut.example.go.id", "abc_DEF-123");
        let svg = qr_svg(&link).expect("a code");
        assert!(
            svg.starts_with("<svg class=\"letter-qr\" role=\"img\""),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
        assert!(
            !svg.contains("style"),
            "inline styles are refused by the CSP"
        );
        assert_eq!(
            link,
            "https://merajut.example.go.id/verifikasi/surat/abc_DEF-123"
        );
        assert_eq!(ROUTE.replace("{token}", ""), LETTER_VERIFICATION_PATH);
    }
}
