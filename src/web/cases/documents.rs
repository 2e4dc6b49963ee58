//! A case's documents: upload by the hospital (`POST /kasus/{id}/dokumen`) and download by
//! roles that may see them (`/kasus/{id}/dokumen/{document_id}`, logged).

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;
use uuid::Uuid;

use super::page::{Outcome, respond};
use crate::auth::CurrentUser;
use crate::cases::{CaseError, Upload};
use crate::http::file_response;
use crate::http::multipart::{MultipartForm, MultipartProblem};
use crate::web::error::AppError;
use crate::web::forms::read_multipart_form;
use crate::web::{AppState, Ctx, flash};

/// Stores the form's file; `Ok(Some(problem))` when the upload is refused for a reason the
/// user can fix.
async fn store(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: &MultipartForm,
) -> Result<Option<String>, AppError> {
    if form.problem == Some(MultipartProblem::TooLarge) {
        let max = state.settings.max_upload_mb;
        return Ok(Some(format!("Berkas terlalu besar; maksimal {max} MB.")));
    }
    let Some((_, bytes, name)) = form.files.iter().find(|(n, _, _)| n == "file") else {
        return Ok(Some("Berkas wajib dipilih.".into()));
    };
    let upload = Upload {
        kind: form.values.get("kind").map_or("", String::as_str),
        bytes,
        original_name: name.as_deref(),
    };
    match state.cases.add_document(user, id, &upload).await {
        Ok(_) => Ok(None),
        Err(e @ (CaseError::Invalid(_) | CaseError::NotNow(_))) => Ok(Some(e.to_string())),
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
        None => {
            flash(&session, "Dokumen tersimpan.").await?;
            Ok(Redirect::to(&format!("/kasus/{id}")).into_response())
        }
        Some(problem) => {
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
