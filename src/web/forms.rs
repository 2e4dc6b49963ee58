//! Form fields for templates, built from the same [`FieldSpec`]s that parse the input, so a
//! form asks exactly what its action requires. Values typed by the user are kept on a refused
//! submit, and each field carries its own error message.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::error::AppError;
use crate::cases::idempotency::{Answered, PageAnswer, RequestKey};
use crate::domain::Desil;
use crate::domain::action::{FieldError, FieldKind, FieldSpec};
use crate::http::multipart::{MultipartForm, MultipartProblem, read_multipart};

/// One rendered form field.
#[derive(Debug, Clone)]
pub struct FormField {
    pub name: &'static str,
    /// Unique element id (`<prefix>-<name>`).
    pub id: String,
    pub label: &'static str,
    /// `text`, `date`, `number`, `textarea`, `select`, `checkbox`.
    pub input: &'static str,
    pub inputmode: &'static str,
    /// The HTML `pattern` of a number typed as text (NIK, KK, phone).
    pub pattern: Option<&'static str>,
    pub options: Vec<SelectOption>,
    pub value: String,
    pub required: bool,
    pub help: &'static str,
    pub max_len: usize,
    pub error: Option<String>,
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct SelectOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

impl FormField {
    /// True for a checked checkbox.
    pub fn checked(&self) -> bool {
        matches!(self.value.as_str(), "on" | "true" | "1" | "ya")
    }

    /// The id of the error message element (for `aria-describedby`).
    pub fn error_id(&self) -> String {
        format!("{}-error", self.id)
    }
}

fn options(list: &[(&str, &str)], value: &str) -> Vec<SelectOption> {
    list.iter()
        .map(|(code, label)| SelectOption {
            code: code.to_string(),
            label: label.to_string(),
            selected: *code == value,
        })
        .collect()
}

/// Builds the fields of `specs` with the values and errors of a previous submit.
pub fn fields(
    prefix: &str,
    specs: &[FieldSpec],
    values: &HashMap<String, String>,
    errors: &[FieldError],
) -> Vec<FormField> {
    specs
        .iter()
        .map(|s| {
            let value = values.get(s.name).cloned().unwrap_or_default();
            let (input, inputmode, opts) = match s.kind {
                FieldKind::Text => ("text", "text", vec![]),
                FieldKind::LongText => ("textarea", "text", vec![]),
                FieldKind::Date => ("date", "text", vec![]),
                FieldKind::Integer => ("text", "numeric", vec![]),
                FieldKind::Checkbox => ("checkbox", "text", vec![]),
                FieldKind::Select(list) => ("select", "text", options(list, &value)),
                FieldKind::Nik => ("text", "numeric", vec![]),
                FieldKind::Desil => ("select", "text", options(Desil::OPTIONS, &value)),
            };
            let pattern = s.digit_pattern();
            FormField {
                name: s.name,
                id: format!("{prefix}-{}", s.name),
                label: s.label,
                input,
                // A number typed as text opens the number keypad on a phone.
                inputmode: if pattern.is_some() {
                    "numeric"
                } else {
                    inputmode
                },
                pattern,
                options: opts,
                value,
                required: s.required,
                help: s.help,
                max_len: s.max_len().unwrap_or(0),
                error: errors
                    .iter()
                    .filter(|e| e.field == s.name)
                    .map(|e| e.message.clone())
                    .reduce(|a, b| format!("{a} {b}")),
            }
        })
        .collect()
}

/// Errors that belong to no field of the form (shown at its top).
pub fn other_errors(specs: &[FieldSpec], errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .filter(|e| !specs.iter().any(|s| s.name == e.field))
        .map(|e| e.message.clone())
        .collect()
}

/// One line of a form's error summary: the message, and the id of the field it leads to.
#[derive(Debug, Clone)]
pub struct SummaryItem {
    /// The element id (without `#`) of the field; `None` for an error of the whole form.
    pub target: Option<String>,
    pub message: String,
}

/// The error summary at the top of a form: every field error in form order, each leading to
/// its field, then `more` (errors of inputs that are not field specs, e.g. files, and of the
/// whole form).
pub fn error_summary(fields: &[FormField], more: Vec<SummaryItem>) -> Vec<SummaryItem> {
    fields
        .iter()
        .filter_map(|f| {
            Some(SummaryItem {
                target: Some(f.id.clone()),
                message: f.error.clone()?,
            })
        })
        .chain(more)
        .collect()
}

/// Form pairs as a map (the last value of a repeated key wins).
pub fn to_map(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    pairs.into_iter().collect()
}

/// Why a page refuses a body that is not multipart (an HTML form with files).
pub const NOT_MULTIPART: &str = "Formulir ini harus dikirim sebagai multipart/form-data \
     (formulir dengan berkas). Muat ulang halaman lalu kirim lagi.";
/// Why a page refuses a multipart body it cannot read.
pub const UNREADABLE: &str = "Formulir tidak dapat dibaca. Muat ulang halaman lalu kirim lagi.";

/// Reads the multipart body of a page's form; a body of another content type or one that
/// cannot be read is a 400 page saying so (not the 404 the framework's rejection became). A
/// body over the limit is left to the caller ([`MultipartProblem::TooLarge`]), which says so
/// next to the file input.
pub async fn read_multipart_form(
    mp: Result<Multipart, MultipartRejection>,
) -> Result<MultipartForm, AppError> {
    let mp = mp.map_err(|_| AppError::BadRequest(NOT_MULTIPART.into()))?;
    let form = read_multipart(mp).await;
    if form.problem == Some(MultipartProblem::Unreadable) {
        return Err(AppError::BadRequest(UNREADABLE.into()));
    }
    Ok(form)
}

/// The hidden field of a state-changing form holding its per-render nonce.
pub const NONCE_FIELD: &str = "nonce";

/// The idempotency key of a page's form ([`crate::cases::idempotency`]): its nonce, with the
/// fingerprint of `path` and the values sent (all but the CSRF token and the nonce, in key
/// order). `None` for a form without a nonce (a page rendered before nonces, or a script): it
/// gets the version guard alone. A nonce that is no key (too long, spaces) is a 400 page.
pub fn nonce_key(
    values: &HashMap<String, String>,
    path: &str,
) -> Result<Option<RequestKey>, AppError> {
    let Some(nonce) = values.get(NONCE_FIELD).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let mut sent: Vec<(&String, &String)> = values
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | NONCE_FIELD))
        .collect();
    sent.sort();
    let mut parts: Vec<&[u8]> = vec![b"POST", path.as_bytes()];
    for (k, v) in &sent {
        parts.push(k.as_bytes());
        parts.push(v.as_bytes());
    }
    RequestKey::new(nonce, &parts).map(Some).ok_or_else(|| {
        AppError::BadRequest(
            "Kode formulir (nonce) tidak valid. Muat ulang halaman lalu kirim lagi.".into(),
        )
    })
}

/// The redirect of a page's answered form, its message flashed; a repeat (the same nonce sent
/// again) is told that the first one was recorded and nothing was done again.
pub async fn redirect_answered(
    session: &Session,
    answered: &Answered,
) -> Result<Response, AppError> {
    let page = PageAnswer::of(&answered.answer).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("a page's stored answer is no redirect"))
    })?;
    let message = if answered.replayed {
        format!("{} {REPLAYED}", page.flash)
    } else {
        page.flash
    };
    super::flash(session, message).await?;
    Ok(Redirect::to(&page.location).into_response())
}

/// What a repeated submit of a form is told.
pub const REPLAYED: &str = "Tindakan ini sudah tercatat; kiriman ulang tidak diproses lagi.";
