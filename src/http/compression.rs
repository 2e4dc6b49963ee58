//! Response compression (gzip and brotli, as the browser offers them in `Accept-Encoding`),
//! for the text a phone on a slow connection waits for: pages, style sheets, scripts, the
//! JSON API, SVG and the web app manifest.
//!
//! Only those types are compressed ([`CompressibleText`]), so everything else passes as it is:
//! photos, PDFs and XLSX workbooks (already compressed: compressing again costs CPU and saves
//! nothing), CSV downloads (streamed with their export-log row written as the body ends; they
//! go out as they are written), and any future `text/event-stream` (an encoder would hold
//! events back until its buffer fills). Bodies under [`MIN_SIZE`] bytes are not worth a
//! header.
//!
//! The level is 5 for both codecs: brotli's default (11) is meant for files compressed once,
//! and takes tens of milliseconds per page; 5 compresses a page within a millisecond and a few
//! per cent short of the best.

use axum::http::{Response, header};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Bodies shorter than this go uncompressed.
pub const MIN_SIZE: u16 = 256;

/// The content types worth compressing: text that is not streamed as events.
pub const COMPRESSIBLE: &[&str] = &[
    "text/html",
    "text/css",
    "text/javascript",
    "text/plain",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
];

/// Compresses a response whose `Content-Type` is one of [`COMPRESSIBLE`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CompressibleText;

impl Predicate for CompressibleText {
    fn should_compress<B>(&self, response: &Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_compressible)
    }
}

/// Whether a `Content-Type` value names one of [`COMPRESSIBLE`] (parameters ignored).
pub fn is_compressible(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    COMPRESSIBLE.contains(&essence.as_str())
}

/// The compression layer of every response (pages and API): gzip and brotli, text types only,
/// from [`MIN_SIZE`] bytes.
pub fn layer()
-> CompressionLayer<tower_http::compression::predicate::And<SizeAbove, CompressibleText>> {
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .quality(CompressionLevel::Precise(5))
        .compress_when(SizeAbove::new(MIN_SIZE).and(CompressibleText))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_are_compressed_and_files_are_not() {
        for compressed in [
            "text/html; charset=utf-8",
            "text/css; charset=utf-8",
            "text/javascript; charset=utf-8",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
            "TEXT/HTML",
        ] {
            assert!(is_compressible(compressed), "{compressed}");
        }
        for passed in [
            "image/png",
            "image/jpeg",
            "image/x-icon",
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/zip",
            "text/csv; charset=utf-8",
            "text/event-stream",
            "application/octet-stream",
            "",
        ] {
            assert!(!is_compressible(passed), "{passed}");
        }
    }
}
