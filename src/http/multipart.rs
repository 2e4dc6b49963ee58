//! Reading a multipart form (intake with photos, document upload) into its text fields and its
//! files, for pages and API alike.

use std::collections::HashMap;

use axum::extract::Multipart;

/// A multipart form: its text fields and its non-empty files.
pub struct MultipartForm {
    pub values: HashMap<String, String>,
    pub files: Vec<(String, Vec<u8>, Option<String>)>,
    /// Set when the body could not be read to the end (too large).
    pub truncated: bool,
}

/// Reads the whole form; a body that cannot be read to the end sets `truncated`.
pub async fn read_multipart(mut mp: Multipart) -> MultipartForm {
    let mut form = MultipartForm {
        values: HashMap::new(),
        files: vec![],
        truncated: false,
    };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                // A file part: one with a file name, or one named `file` / `*_file`.
                let is_file =
                    field.file_name().is_some() || name == "file" || name.ends_with("_file");
                if is_file {
                    let file_name = field.file_name().map(str::to_string);
                    match field.bytes().await {
                        Ok(b) if !b.is_empty() => form.files.push((name, b.to_vec(), file_name)),
                        Ok(_) => {}
                        Err(_) => {
                            form.truncated = true;
                            break;
                        }
                    }
                } else {
                    match field.text().await {
                        Ok(t) => {
                            form.values.insert(name, t);
                        }
                        Err(_) => {
                            form.truncated = true;
                            break;
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                form.truncated = true;
                break;
            }
        }
    }
    form
}
