//! The case service: what pages and the API call. It reads a case, asks the domain
//! ([`crate::domain::decide`]) whether an action is allowed, and writes the transition, its
//! history row and its audit row in one transaction.
//!
//! Scope is decided here, once; field visibility per role in [`policy`].

pub mod access;
pub mod bottleneck;
pub mod claims;
pub mod dashboard;
pub mod desk_figures;
pub mod digest;
pub mod documents;
pub mod error;
mod evidence;
pub mod files;
pub mod idempotency;
pub mod intake;
pub mod letter;
pub mod lists;
pub mod nominatif;
pub mod notify;
pub mod policy;
pub mod quota;
pub mod reference;
pub mod reports;
pub mod retention;
pub mod service;
pub mod status_code;
pub mod view;

pub use error::CaseError;
pub use policy::{Visibility, mask};
pub use service::{CaseDetail, CaseService, CheckedUpload, Upload};

use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::cases::{CaseRow, ScopeFilter};
use crate::domain::{ActionData, CaseFacts, CaseState, Role, ScopeKind};

/// The cases a user may see and act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Provincial roles: every case.
    All,
    /// `rsud`: the cases of one hospital.
    Hospital(Uuid),
    /// `*_kab`: cases whose patient lives in one kab/kota.
    KabKota(String),
    /// The administrator and the auditor: no case at all.
    Nothing,
}

impl Scope {
    /// The scope of a user.
    pub fn of(user: &CurrentUser) -> Scope {
        if matches!(user.role, Role::Admin | Role::Auditor) {
            return Scope::Nothing;
        }
        match user.role.scope_kind() {
            ScopeKind::Hospital => user.hospital_id.map_or(Scope::Nothing, Scope::Hospital),
            ScopeKind::KabKota => user
                .kab_kota_code
                .clone()
                .map_or(Scope::Nothing, Scope::KabKota),
            ScopeKind::None => Scope::All,
        }
    }

    /// Whether a case is in this scope.
    pub fn contains(&self, case: &CaseRow) -> bool {
        match self {
            Scope::All => true,
            Scope::Hospital(h) => case.hospital_id == *h,
            Scope::KabKota(k) => case.patient.domicile_kab_kota_code == *k,
            Scope::Nothing => false,
        }
    }

    /// The same rule as SQL parameters.
    pub fn filter(&self) -> ScopeFilter {
        ScopeFilter {
            all: *self == Scope::All,
            hospital_id: match self {
                Scope::Hospital(h) => Some(*h),
                _ => None,
            },
            kab_kota_code: match self {
                Scope::KabKota(k) => Some(k.clone()),
                _ => None,
            },
        }
    }
}

/// The facts the domain rules look at.
pub fn facts(case: &CaseRow) -> CaseFacts {
    CaseFacts {
        state: case.state.0,
        returned_from: case.returned_from.0,
        effective_desil: case.effective_desil(),
        desil_correction_pending: case.desil_correction_pending,
        nik_verifiable: case.patient.nik.is_some() && case.patient.has_identity_document,
        identity_changed: identity_change(case).is_some(),
    }
}

/// How the NIK and KK number differ from what Disdukcapil verified, numbers masked, for the
/// history: `{"nik": {"verified": "5371********0001", "now": "5371********0002"}}`. `None`
/// when the identity was never verified or is unchanged since.
pub fn identity_change(case: &CaseRow) -> Option<serde_json::Value> {
    case.identity_verified_at?;
    let masked = |n: &Option<String>| n.as_deref().map(mask);
    let mut change = serde_json::Map::new();
    for (key, verified, now) in [
        ("nik", &case.verified_nik, &case.patient.nik),
        ("kk_number", &case.verified_kk, &case.patient.kk_number),
    ] {
        if verified != now {
            change.insert(
                key.into(),
                serde_json::json!({"verified": masked(verified), "now": masked(now)}),
            );
        }
    }
    (!change.is_empty()).then_some(serde_json::Value::Object(change))
}

/// The evidence of a history row: the action's data and, when the hospital sends a case back
/// to NIK verification because its NIK or KK changed since Disdukcapil verified it, how they
/// changed (`identity_change`, numbers masked; see [`identity_change`]).
pub fn history_evidence(
    case: &CaseRow,
    data: &ActionData,
    next: CaseState,
) -> serde_json::Result<serde_json::Value> {
    let mut evidence = serde_json::to_value(data)?;
    if matches!(
        data,
        ActionData::Resubmit { .. } | ActionData::SubmitSktm { .. }
    ) && next.is_identity_desk()
        && let Some(change) = identity_change(case)
        && let Some(map) = evidence.as_object_mut()
    {
        map.insert("identity_change".into(), change);
    }
    Ok(evidence)
}
