//! Writing the access log (`db::access_log`) for the case service and the adapters, and the
//! break-the-glass reveal of a full NIK and KK.

use uuid::Uuid;

use super::policy::may_reveal;
use super::{CaseError, CaseService};
use crate::auth::CurrentUser;
use crate::db::access_log::{self, AccessEntry, AccessKind};
use crate::domain::action::FieldError;
use crate::domain::nik::mask_numbers;

/// One access, as the service describes it; who, role, when and from where are added by
/// [`CaseService::log_access`].
#[derive(Debug, Clone, Default)]
pub struct Access<'a> {
    pub kind: Option<AccessKind>,
    /// The surface: `case`, `edit`, `document`, `queue`, `monitoring`, `export`, …
    pub what: &'a str,
    pub case_id: Option<Uuid>,
    /// The cases a list showed, or a refused id.
    pub case_ids: &'a [Uuid],
    pub reason: Option<&'a str>,
    /// Filters without personal data.
    pub summary: Option<&'a str>,
}

impl<'a> Access<'a> {
    /// A read of one case on `what`.
    pub fn case(kind: AccessKind, what: &'a str, case_id: Uuid) -> Access<'a> {
        Access {
            kind: Some(kind),
            what,
            case_id: Some(case_id),
            ..Access::default()
        }
    }

    /// A list, search or export of `case_ids` on `what`.
    pub fn list(
        kind: AccessKind,
        what: &'a str,
        case_ids: &'a [Uuid],
        summary: &'a str,
    ) -> Access<'a> {
        Access {
            kind: Some(kind),
            what,
            case_ids,
            summary: Some(summary),
            ..Access::default()
        }
    }
}

/// The full row for `access` by `user` (its role, client address and channel; `via` when the
/// user came from no request).
pub fn entry<'a>(
    user: &CurrentUser,
    via: &'a str,
    at: chrono::DateTime<chrono::Utc>,
    access: &Access<'a>,
) -> AccessEntry<'a> {
    AccessEntry {
        user_id: user.id,
        role: user.role,
        client_ip: user.request.map(|r| r.client_ip),
        via: user.request.map_or(via, |r| r.via),
        at,
        kind: access.kind.unwrap_or(AccessKind::Read),
        what: access.what,
        case_id: access.case_id,
        case_ids: access.case_ids,
        reason: access.reason,
        summary: access.summary,
    }
}

/// How long a reveal reason may be.
pub const REASON_MAX: usize = 500;
/// How short.
const REASON_MIN: usize = 10;

/// The reason typed for a reveal, trimmed, or the field error (`alasan`).
pub fn reveal_reason(raw: &str) -> Result<String, FieldError> {
    let error = |message: &str| FieldError {
        field: "alasan",
        message: message.to_string(),
    };
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(error(
            "Alasan wajib diisi: tuliskan untuk apa NIK/KK lengkap diperlukan.",
        ));
    }
    if reason.chars().any(|c| c.is_control()) {
        return Err(error("Alasan tidak boleh berisi karakter kontrol."));
    }
    let n = reason.chars().count();
    if n < REASON_MIN {
        return Err(error(&format!(
            "Alasan terlalu singkat: paling sedikit {REASON_MIN} karakter."
        )));
    }
    if n > REASON_MAX {
        return Err(error(&format!(
            "Alasan terlalu panjang: paling banyak {REASON_MAX} karakter."
        )));
    }
    Ok(mask_numbers(reason))
}

/// The full numbers of a case, after a reveal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Revealed {
    pub nik: Option<String>,
    pub kk_number: Option<String>,
}

impl CaseService {
    /// Writes one access-log row for `user`.
    pub async fn log_access(
        &self,
        user: &CurrentUser,
        via: &str,
        access: Access<'_>,
    ) -> Result<(), CaseError> {
        self.log_access_in(&self.pool, user, via, access).await
    }

    /// [`Self::log_access`] in `db` (a transaction, whose commit keeps the row).
    pub(crate) async fn log_access_in(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        user: &CurrentUser,
        via: &str,
        access: Access<'_>,
    ) -> Result<(), CaseError> {
        let now = self.clock.now();
        access_log::record(db, &entry(user, via, now, &access)).await?;
        Ok(())
    }

    /// Logs one view of a list page (`what`: `queue`, `hospital_cases`, `monitoring`): one row with the
    /// ids of the cases shown and the filters (`summary`, no personal data); a search when
    /// `searched`.
    pub async fn log_list(
        &self,
        user: &CurrentUser,
        via: &str,
        what: &str,
        summary: &str,
        searched: bool,
        cases: &[Uuid],
    ) -> Result<(), CaseError> {
        let kind = if searched {
            AccessKind::Search
        } else {
            AccessKind::List
        };
        self.log_access(user, via, Access::list(kind, what, cases, summary))
            .await
    }

    /// Logs an export or report download (besides its `export_log` row, for the auditor's
    /// view): the list, the format and the filters (`detail`, never personal data).
    pub async fn log_export(
        &self,
        user: &CurrentUser,
        what: &str,
        format: &str,
        detail: &serde_json::Value,
    ) -> Result<(), CaseError> {
        let summary = export_summary(format, detail);
        let access = Access {
            kind: Some(AccessKind::Export),
            what,
            summary: Some(&summary),
            ..Access::default()
        };
        self.log_access(user, "web", access).await
    }

    /// Break the glass: the full NIK and KK of a case in scope for a role whose desk needs
    /// them, after a reason (checked by [`reveal_reason`]); the reveal and its reason are
    /// logged. Other roles are refused.
    pub async fn reveal(
        &self,
        user: &CurrentUser,
        id: Uuid,
        reason: &str,
        via: &str,
    ) -> Result<Revealed, CaseError> {
        let case = self.visible_case(user, id).await?;
        if !may_reveal(user.role) {
            return Err(CaseError::NotYourAction);
        }
        let reason = reveal_reason(reason).map_err(|e| CaseError::Invalid(vec![e]))?;
        let access = Access {
            reason: Some(&reason),
            ..Access::case(AccessKind::Reveal, "case", id)
        };
        self.log_access(user, via, access).await?;
        Ok(Revealed {
            nik: case.patient.nik,
            kk_number: case.patient.kk_number,
        })
    }
}

/// "xlsx; {"state":"draft"}", at most [`REASON_MAX`] characters.
fn export_summary(format: &str, detail: &serde_json::Value) -> String {
    let text = format!("{format}; {detail}");
    text.chars().take(REASON_MAX).collect()
}

/// A search text as the log may keep it: only its kind and length ("NIK (16 digit)",
/// "teks (7 karakter)"), never the text.
pub fn search_summary(q: &str) -> String {
    let q = q.trim();
    let n = q.chars().count();
    if n == 0 {
        String::new()
    } else if q.chars().all(|c| c.is_ascii_digit()) {
        if n == 16 {
            "NIK/KK (16 digit)".into()
        } else {
            format!("angka ({n} digit)")
        }
    } else {
        format!("teks ({n} karakter)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_reason_is_checked() {
        assert!(reveal_reason("").is_err());
        assert!(reveal_reason("   ").is_err());
        assert!(reveal_reason("pendek").is_err());
        assert!(reveal_reason("cek SIAK\u{0}untuk verifikasi").is_err());
        assert!(reveal_reason(&"a".repeat(REASON_MAX + 1)).is_err());
        assert_eq!(
            reveal_reason("  Verifikasi di SIAK 😀 ").as_deref(),
            Ok("Verifikasi di SIAK 😀")
        );
        // A number typed into the reason is not kept in full.
        assert_eq!(
            reveal_reason("cek 5371012345670001 di SIAK").as_deref(),
            Ok("cek 5371********0001 di SIAK")
        );
    }

    #[test]
    fn search_summary_keeps_no_text() {
        assert_eq!(search_summary("5371012345670001"), "NIK/KK (16 digit)");
        assert_eq!(search_summary("Maria"), "teks (5 karakter)");
        assert_eq!(search_summary("MS-2026"), "teks (7 karakter)");
        assert_eq!(search_summary("123"), "angka (3 digit)");
        assert_eq!(search_summary(""), "");
    }
}
