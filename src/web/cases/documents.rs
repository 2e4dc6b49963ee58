//! A case's documents: upload by the hospital (`POST /kasus/{id}/dokumen`), replacement and
//! removal of a wrong one while the case is at the hospital
//! (`POST /kasus/{id}/dokumen/{document_id}/ganti`, `…/hapus`; the old one stays in the
//! document history) and download by roles that may see them
//! (`/kasus/{id}/dokumen/{document_id}`, logged).

use std::collections::HashMap;

use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::Digest;
use tower_sessions::Session;
use uuid::Uuid;

use super::page::{Outcome, respond};
use crate::auth::CurrentUser;
use crate::cases::idempotency::{Answered, PageAnswer, StoredAnswer};
use crate::cases::{CaseError, Upload};
use crate::http::file_response;
use crate::http::multipart::{MultipartForm, MultipartProblem};
use crate::web::error::AppError;
use crate::web::forms::{self, read_multipart_form};
use crate::web::{AppState, Ctx, flash};

/// What the upload form's success says.
const STORED: &str = "Dokumen tersimpan.";

/// Stores the form's file; `Ok(Err(problem))` when the upload is refused for a reason the
/// user can fix. With the form's nonce ([`forms::nonce_key`]) a repeat of the same submit
/// stores nothing and gets the first's answer.
async fn store(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: &MultipartForm,
) -> Result<Result<Answered, String>, AppError> {
    if form.problem == Some(MultipartProblem::TooLarge) {
        let max = state.settings.max_upload_mb;
        return Ok(Err(format!("Berkas terlalu besar; maksimal {max} MB.")));
    }
    let Some((_, bytes, name)) = form.files.iter().find(|(n, _, _)| n == "file") else {
        return Ok(Err("Berkas wajib dipilih.".into()));
    };
    let upload = Upload {
        kind: form.values.get("kind").map_or("", String::as_str),
        bytes,
        original_name: name.as_deref(),
    };
    // The file is part of what the nonce's request asks.
    let values = with_file(&form.values, bytes, name.as_deref());
    let key = forms::nonce_key(&values, &format!("/kasus/{id}/dokumen"))?;
    let answer = |_: Uuid| {
        PageAnswer {
            location: format!("/kasus/{id}"),
            flash: STORED.into(),
        }
        .stored()
    };
    let stored = match &key {
        None => state
            .cases
            .add_document(user, id, &upload)
            .await
            .map(|doc| Answered {
                answer: answer(doc),
                replayed: false,
            }),
        Some(key) => {
            state
                .cases
                .add_document_once(user, id, &upload, key, &answer)
                .await
        }
    };
    match stored {
        Ok(answered) => Ok(Ok(answered)),
        Err(e @ (CaseError::Invalid(_) | CaseError::NotNow(_))) => Ok(Err(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn upload(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_multipart_form(mp).await?;
    match store(&state, &user, id, &form).await? {
        Ok(answered) => forms::redirect_answered(&session, &answered).await,
        Err(problem) => {
            let outcome = Outcome {
                upload_error: Some(problem),
                ..Default::default()
            };
            respond(
                &state,
                ctx,
                user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                outcome,
            )
            .await
        }
    }
}

/// "Ganti": a wrongly uploaded document replaced by the chosen file (same kind). A refused
/// file re-renders the case page with the reason under that document (422); a case that left
/// the hospital is 409, a role that never changes documents 403.
pub(super) async fn replace(
    State(state): State<AppState>,
    session: Session,
    ctx: Ctx,
    user: CurrentUser,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let form = read_multipart_form(mp).await?;
    let problem = if form.problem == Some(MultipartProblem::TooLarge) {
        let max = state.settings.max_upload_mb;
        Some(format!("Berkas terlalu besar; maksimal {max} MB."))
    } else {
        let (bytes, name) = form
            .files
            .iter()
            .find(|(n, _, _)| n == "file")
            .map_or((&[][..], None), |(_, b, n)| (b.as_slice(), n.as_deref()));
        let path = format!("/kasus/{id}/dokumen/{document_id}/ganti");
        let key = forms::nonce_key(&with_file(&form.values, bytes, name), &path)?;
        let replaced = match &key {
            None => state
                .cases
                .replace_document(&user, id, document_id, bytes, name)
                .await
                .map(|_| None),
            Some(key) => state
                .cases
                .replace_document_once(
                    &user,
                    id,
                    document_id,
                    (bytes, name),
                    key,
                    &changed(id, REPLACED),
                )
                .await
                .map(Some),
        };
        match replaced {
            Ok(Some(answered)) => return forms::redirect_answered(&session, &answered).await,
            Ok(None) => None,
            Err(CaseError::Invalid(errors)) => Some(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Err(e) => return Err(e.into()),
        }
    };
    let Some(problem) = problem else {
        flash(&session, REPLACED).await?;
        return Ok(Redirect::to(&format!("/kasus/{id}")).into_response());
    };
    let outcome = Outcome {
        document_error: Some((document_id, problem)),
        ..Default::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    respond(&state, ctx, user, id, status, outcome).await
}

/// "Hapus": a wrongly uploaded document removed (kept in the document history).
pub(super) async fn remove(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, AppError> {
    let values = form
        .map(|Form(pairs)| forms::to_map(pairs))
        .unwrap_or_default();
    let path = format!("/kasus/{id}/dokumen/{document_id}/hapus");
    let answered = match forms::nonce_key(&values, &path)? {
        None => {
            state.cases.remove_document(&user, id, document_id).await?;
            Answered {
                answer: changed(id, REMOVED),
                replayed: false,
            }
        }
        Some(key) => {
            state
                .cases
                .remove_document_once(&user, id, document_id, &key, &changed(id, REMOVED))
                .await?
        }
    };
    forms::redirect_answered(&session, &answered).await
}

/// What a replacement says.
const REPLACED: &str = "Dokumen diganti; dokumen lama tetap tercatat di riwayat dokumen.";
/// What a removal says.
const REMOVED: &str = "Dokumen dihapus; tetap tercatat di riwayat dokumen.";

/// The answer of a document changed on case `id`: back to the case, saying `flash`.
fn changed(id: Uuid, flash: &str) -> StoredAnswer {
    PageAnswer {
        location: format!("/kasus/{id}"),
        flash: flash.into(),
    }
    .stored()
}

/// A form's values with its file (name and SHA-256) as one more value, for the nonce's
/// fingerprint: the same nonce with another file is another request.
fn with_file(
    values: &HashMap<String, String>,
    bytes: &[u8],
    name: Option<&str>,
) -> HashMap<String, String> {
    let mut values = values.clone();
    let digest = hex::encode(sha2::Sha256::digest(bytes));
    values.insert(
        "file".into(),
        format!("{}:{digest}", name.unwrap_or_default()),
    );
    values
}

pub(super) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, document_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let (doc, bytes) = state
        .cases
        .read_document(&user, id, document_id, "web")
        .await?;
    Ok(file_response(&doc.content_type, doc.id, bytes))
}
