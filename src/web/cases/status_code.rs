//! The hospital's side of the families' status codes: the "Kode status untuk keluarga"
//! section of the case page ([`StatusCodePanel`], template `cases/status_code.html`), issuing a
//! code (`POST /kasus/{id}/kode-status`, answered with the printable slip — the only time the
//! code is shown) and revoking it (`POST /kasus/{id}/kode-status/cabut`).
//!
//! The slip is the POST's own response (200, `no-store`), not a redirect: the code is never in
//! an address, a session or the database. Reprinting means issuing a new code, which revokes
//! the old one; a reload of the slip re-sends the form with the code it replaced, which is
//! refused rather than silently replacing the code just handed out.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::CaseError;
use crate::cases::status_code::IssuedCode;
use crate::db::status_codes::ActiveCode;
use crate::web::error::AppError;
use crate::web::{AppState, family_status, flash, render, verification};

/// The section of the case page, for the case's hospital PIC.
pub(crate) struct StatusCodePanel {
    /// The code in force (its issue, never the code).
    pub active: Option<ActiveCode>,
    /// Whether a new code may be issued (the case is open).
    pub can_issue: bool,
}

impl StatusCodePanel {
    /// The section for `user` on `case`: `None` for everyone but the case's hospital PIC.
    pub(crate) async fn of(
        state: &AppState,
        user: &CurrentUser,
        case: &crate::db::cases::CaseRow,
    ) -> Result<Option<StatusCodePanel>, AppError> {
        if user.role != crate::domain::Role::Rsud {
            return Ok(None);
        }
        let active = state.cases.status_code_of(user, case).await?;
        Ok(Some(StatusCodePanel {
            active,
            can_issue: !case.state.0.is_terminal(),
        }))
    }

    /// The value of the forms' `kode_lama` field: the id of the code in force, or empty.
    pub fn seen(&self) -> String {
        self.active
            .as_ref()
            .map(|a| a.id.to_string())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "cases/status_slip.html")]
struct SlipPage {
    issued: IssuedCode,
    /// The status page's address as printed (absolute with `MERAJUT_PUBLIC_URL`).
    address: String,
    /// Whether the address is absolute (a note for the administrator otherwise).
    absolute: bool,
    /// The QR code of the status page's address (never of the code), with a public address.
    qr: Option<String>,
    /// The WhatsApp share link: the code and the address only.
    share: String,
}

impl SlipPage {
    fn issued_on(&self) -> String {
        crate::domain::locale::long_date(crate::domain::sla::local_date(self.issued.issued_at))
    }
}

/// `text` percent-encoded for a query value (everything but unreserved ASCII).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The message a family receives by WhatsApp: the code and where to type it, nothing else.
fn share_text(code: &str, address: &str) -> String {
    format!(
        "Kode status pasien Merajut Sehat: {code}\nCek tahap pengurusan jaminan di {address} \
         (ketik kode tersebut). Jangan bagikan kode ini kepada orang lain."
    )
}

/// The forms' field naming the code in force when the page was shown.
#[derive(serde::Deserialize)]
pub(super) struct SeenForm {
    #[serde(default)]
    kode_lama: String,
}

/// `None` for an empty field, the id otherwise; `Err` for anything that is not an id (which
/// no page sends: answered like a changed code).
fn seen_code(raw: &str) -> Result<Option<Uuid>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| ())
}

/// A refusal the case page shows at the top (conflict, closed case), after a redirect.
async fn back_with(session: &Session, id: Uuid, message: String) -> Result<Response, AppError> {
    flash(session, message).await?;
    Ok(Redirect::to(&format!("/kasus/{id}#status-code")).into_response())
}

/// `POST /kasus/{id}/kode-status`: issues a new code and answers with the slip.
pub(super) async fn issue(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<SeenForm>,
) -> Result<Response, AppError> {
    let Ok(seen) = seen_code(&form.kode_lama) else {
        let changed = CaseError::Conflict("Formulir kode status tidak dikenal.".into());
        return back_with(&session, id, changed.to_string()).await;
    };
    let issued = match state.cases.issue_status_code(&user, id, seen).await {
        Ok(issued) => issued,
        Err(e @ (CaseError::Conflict(_) | CaseError::NotNow(_))) => {
            return back_with(&session, id, e.to_string()).await;
        }
        Err(e) => return Err(e.into()),
    };
    let (address, absolute) = match state.settings.public_url.as_deref() {
        Some(public) => (format!("{public}{}", family_status::PATH), true),
        None => (family_status::PATH.to_string(), false),
    };
    let qr = absolute
        .then(|| {
            verification::qr_svg_labelled(&address, "slip-qr", "Kode QR alamat halaman cek status")
        })
        .flatten();
    let share = format!(
        "https://wa.me/?text={}",
        percent_encode(&share_text(&issued.code.grouped(), &address))
    );
    render(&SlipPage {
        issued,
        address,
        absolute,
        qr,
        share,
    })
}

/// `POST /kasus/{id}/kode-status/cabut`: revokes the code in force; back to the case.
pub(super) async fn revoke(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<SeenForm>,
) -> Result<Response, AppError> {
    let changed =
        || CaseError::Conflict("Tidak ada kode status yang berlaku untuk dicabut.".into());
    let Ok(Some(seen)) = seen_code(&form.kode_lama) else {
        return back_with(&session, id, changed().to_string()).await;
    };
    match state.cases.revoke_status_code(&user, id, seen).await {
        Ok(()) => {
            let message = "Kode status dicabut: kode lama kini \"tidak berlaku\" di halaman cek \
                           status. Buat kode baru bila keluarga masih memerlukannya.";
            back_with(&session, id, message.to_string()).await
        }
        Err(e @ CaseError::Conflict(_)) => back_with(&session, id, e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_link_holds_only_the_code_and_the_address() {
        let text = share_text("K7QX-M4PA-93TR", "https://merajut.example.go.id/status");
        let encoded = percent_encode(&text);
        assert!(encoded.contains("K7QX-M4PA-93TR"));
        assert!(encoded.contains("https%3A%2F%2Fmerajut.example.go.id%2Fstatus"));
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b))
        );
    }

    #[test]
    fn the_seen_field_is_empty_or_an_id() {
        assert_eq!(seen_code(" "), Ok(None));
        let id = Uuid::new_v4();
        assert_eq!(seen_code(&id.to_string()), Ok(Some(id)));
        assert_eq!(seen_code("x\0"), Err(()));
    }
}
