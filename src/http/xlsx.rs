//! Sending a finished XLSX export: the workbook was written to a temporary file (rows
//! streamed into a constant-memory worksheet), and the response streams that file, so neither
//! the rows nor the file are ever held in memory. Generic: any export that produced a
//! [`tempfile::NamedTempFile`] can use [`xlsx_response`].

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

/// The media type of an XLSX workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Streams `file` as a download named `filename` (ASCII letters, digits, `.`, `-` and `_`
/// are kept, anything else becomes `_`: a filename carries no personal data and needs no
/// quoting). The temporary file is unlinked at once; the open handle keeps it readable until
/// the response is sent.
pub fn xlsx_response(file: tempfile::NamedTempFile, filename: &str) -> Response {
    let reopened = match file.reopen() {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "reopening an export file");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let length = reopened.metadata().map(|m| m.len()).ok();
    // Unlinks the path; `reopened` keeps the data until it is closed.
    drop(file);
    let body = Body::from_stream(ReaderStream::new(tokio::fs::File::from_std(reopened)));
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(XLSX_CONTENT_TYPE),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(len) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    response
}
