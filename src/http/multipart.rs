//! Reading a multipart form (intake with photos, document upload) into its text fields and its
//! files, for pages and API alike.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;

/// Why a multipart body could not be read to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultipartProblem {
    /// Over the route's body limit.
    TooLarge,
    /// Malformed: a broken part, a text field that is not UTF-8, a bad header.
    Unreadable,
}

/// A multipart form: its text fields and its files.
pub struct MultipartForm {
    pub values: HashMap<String, String>,
    /// `(field name, bytes, file name)` of every file part that carries something: bytes, or
    /// a file name. An empty file the user picked is kept (so it is refused with a message,
    /// not silently dropped); a file input left empty (no name, no bytes) is not here.
    pub files: Vec<(String, Vec<u8>, Option<String>)>,
    /// Set when the body could not be read to the end.
    pub problem: Option<MultipartProblem>,
}

/// Reads the whole form (see [`MultipartForm`]); a body that cannot be read to the end sets
/// `problem`.
pub async fn read_multipart(mut mp: Multipart) -> MultipartForm {
    let mut form = MultipartForm {
        values: HashMap::new(),
        files: vec![],
        problem: None,
    };
    let problem = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            MultipartProblem::TooLarge
        } else {
            MultipartProblem::Unreadable
        }
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                form.problem = Some(problem(e));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        // A file part: one with a file name, or one named `file` / `*_file`.
        let is_file = field.file_name().is_some() || name == "file" || name.ends_with("_file");
        if is_file {
            let file_name = field
                .file_name()
                .map(str::to_string)
                .filter(|n| !n.is_empty());
            match field.bytes().await {
                Ok(b) if b.is_empty() && file_name.is_none() => {}
                Ok(b) => form.files.push((name, b.to_vec(), file_name)),
                Err(e) => {
                    form.problem = Some(problem(e));
                    break;
                }
            }
        } else {
            match field.text().await {
                Ok(t) => {
                    form.values.insert(name, t);
                }
                Err(e) => {
                    form.problem = Some(problem(e));
                    break;
                }
            }
        }
    }
    form
}
