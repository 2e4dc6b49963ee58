//! What a caller sees of a case: the stored row filtered by the role's [`Visibility`], with the
//! SLA clock and the actions the caller may take now. The API serialises it; pages render it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::mask;
use super::policy::{Visibility, evidence_for};
use crate::auth::CurrentUser;
use crate::db::cases::{CaseRow, DocumentRow, HistoryRow};
use crate::db::stays::DeskStay;
use crate::domain::{Action, CaseState, Desil, Payer, Scheme, sla};

/// The clock of the desk a case sits at.
#[derive(Debug, Clone, Serialize)]
pub struct DeskClock {
    /// The role whose desk it is (none for closed cases).
    pub role: Option<&'static str>,
    pub arrived_at: DateTime<Utc>,
    /// Working days spent at this desk so far.
    pub working_days: i64,
    /// The desk's service level in working days, if it has one.
    pub sla_days: Option<u32>,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
}

impl DeskClock {
    /// The clock of a case today.
    pub fn of(
        case: &CaseRow,
        today: NaiveDate,
        holidays: &BTreeSet<NaiveDate>,
        sla_days: &HashMap<CaseState, u32>,
    ) -> DeskClock {
        let at_desk = AtDesk {
            state: case.state.0,
            since: case.state_entered_at,
            due: case.sla_due_date,
        };
        DeskClock::at(at_desk, today, holidays, sla_days)
    }

    /// The clock of a case `at_desk` today.
    pub fn at(
        at_desk: AtDesk,
        today: NaiveDate,
        holidays: &BTreeSet<NaiveDate>,
        sla_days: &HashMap<CaseState, u32>,
    ) -> DeskClock {
        let AtDesk { state, since, due } = at_desk;
        let open = !state.is_terminal();
        DeskClock {
            role: state.desk().map(|r| r.as_str()),
            arrived_at: since,
            working_days: if open {
                sla::working_days_between(sla::local_date(since), today, holidays)
            } else {
                0
            },
            sla_days: sla_days.get(&state).copied(),
            due_date: due,
            overdue: open && due.is_some_and(|d| today > d),
        }
    }
}

/// What a [`DeskClock`] reads of a case: its state, since when, and its SLA due date.
#[derive(Debug, Clone, Copy)]
pub struct AtDesk {
    pub state: CaseState,
    pub since: DateTime<Utc>,
    pub due: Option<NaiveDate>,
}

/// A case as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub number: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub version: i32,
    pub returned_from: Option<&'static str>,
    pub hospital_id: Uuid,
    pub hospital_name: String,
    pub patient: PatientView,
    pub episode: EpisodeView,
    pub desil: Option<String>,
    pub desil_corrected: Option<String>,
    pub desil_correction_pending: bool,
    pub guarantee: Option<GuaranteeView>,
    pub coverage: Option<CoverageView>,
    /// The scheme the case is handed over to, or is on its way to.
    pub scheme: Option<SchemeView>,
    /// Dinkes's PBPU Pemda enrolment decision, once taken.
    pub pbpu: Option<PbpuView>,
    pub desk: DeskClock,
    pub available_actions: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Patient identity, as far as the role may see it.
#[derive(Debug, Clone, Serialize)]
pub struct PatientView {
    pub full_name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub has_identity_document: bool,
    /// The NIK, masked unless the role sees identity data.
    pub nik: Option<String>,
    pub kk_number: Option<String>,
    pub birth_place: Option<String>,
    pub address: Option<String>,
    pub desa: Option<String>,
    pub kecamatan: Option<String>,
    pub domicile_kab_kota_code: String,
    pub domicile_kab_kota_name: String,
    pub family_phone: Option<String>,
}

/// The hospital episode.
#[derive(Debug, Clone, Serialize)]
pub struct EpisodeView {
    pub admission_date: NaiveDate,
    pub service_type: String,
    pub ward_class: String,
    pub jkn_status: String,
    /// Only for roles that may see health data.
    pub clinical_reason: Option<String>,
}

/// The temporary guarantee.
#[derive(Debug, Clone, Serialize)]
pub struct GuaranteeView {
    pub letter_number: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub payer: Option<String>,
    pub ceiling: Option<i64>,
}

/// National insurance coverage that ended the case.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    pub scheme: String,
    pub bpjs_card_number: Option<String>,
    pub effective_date: Option<NaiveDate>,
}

/// The national insurance scheme of a case.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeView {
    /// `pbi_jkn` or `pbpu_pemda`.
    pub code: &'static str,
    pub label: &'static str,
    /// True once BPJS recorded the membership active; false while it is proposed.
    pub active: bool,
}

impl SchemeView {
    /// The active scheme of `case`, else the one its state is pursuing (PBI JKN while
    /// proposed to BPJS, PBPU Pemda from the Dinkes decision on).
    fn of(case: &CaseRow) -> Option<SchemeView> {
        let (scheme, active) = match case.scheme.as_deref().map(str::parse::<Scheme>) {
            Some(Ok(s)) => (s, true),
            _ => match case.state.0 {
                CaseState::PbiProposed => (Scheme::PbiJkn, false),
                CaseState::PbpuReview | CaseState::PbpuProposed => (Scheme::PbpuPemda, false),
                _ => return None,
            },
        };
        Some(SchemeView {
            code: scheme.as_str(),
            label: scheme.label(),
            active,
        })
    }
}

/// Dinkes's decision to enrol the patient as PBPU Pemda.
#[derive(Debug, Clone, Serialize)]
pub struct PbpuView {
    /// `pemprov` or `pemkab_asal`.
    pub payer: String,
    pub payer_label: &'static str,
    pub decided_on: NaiveDate,
    pub reference: Option<String>,
}

impl PbpuView {
    fn of(case: &CaseRow) -> Option<PbpuView> {
        let payer = case.pbpu_payer.clone()?;
        Some(PbpuView {
            payer_label: payer.parse::<Payer>().map(|p| p.label()).unwrap_or("—"),
            payer,
            decided_on: case.pbpu_decided_on?,
            reference: case.pbpu_decision_reference.clone(),
        })
    }
}

fn desil_code(v: Option<i16>) -> Option<String> {
    v.and_then(Desil::from_db).map(|d| d.code())
}

impl CaseView {
    /// The view of `case` for `user`: its personal data as far as the role may see it, the
    /// clock of the desk it sits at, and the `actions` the user may take now.
    pub fn new(
        case: &CaseRow,
        user: &CurrentUser,
        actions: &[Action],
        clock: DeskClock,
    ) -> CaseView {
        let vis = Visibility::of(user.role);
        let mut coverage = CoverageView::of(case);
        if !vis.bpjs_card
            && let Some(c) = coverage.as_mut()
        {
            c.bpjs_card_number = None;
        }
        CaseView {
            id: case.id,
            number: case.number.clone(),
            state: case.state.0.as_str(),
            state_label: case.state.0.label(),
            version: case.version,
            returned_from: case.returned_from.0.map(|s| s.as_str()),
            hospital_id: case.hospital_id,
            hospital_name: case.hospital_name.clone(),
            patient: PatientView::of(case, vis),
            episode: EpisodeView::of(case, vis),
            desil: desil_code(case.desil),
            desil_corrected: desil_code(case.desil_corrected),
            desil_correction_pending: case.desil_correction_pending,
            guarantee: GuaranteeView::of(case),
            coverage,
            scheme: SchemeView::of(case),
            pbpu: PbpuView::of(case),
            desk: clock,
            available_actions: actions.iter().map(|a| a.as_str()).collect(),
            created_at: case.created_at,
            submitted_at: case.submitted_at,
            closed_at: case.closed_at,
        }
    }
}

impl PatientView {
    /// The patient of `case` as `vis` shows it (`cases::policy`): NIK and KK always masked
    /// (the full numbers only through a reveal), the other fields only for the roles that see
    /// them.
    fn of(case: &CaseRow, vis: Visibility) -> PatientView {
        let p = &case.patient;
        let shown = |see: bool, v: &Option<String>| if see { v.clone() } else { None };
        PatientView {
            full_name: p.full_name.clone(),
            sex: p.sex.clone(),
            birth_date: p.birth_date,
            has_identity_document: p.has_identity_document,
            nik: p.nik.as_deref().map(mask),
            kk_number: shown(vis.kk, &p.kk_number).as_deref().map(mask),
            birth_place: shown(vis.address, &p.birth_place),
            address: shown(vis.address, &p.address),
            desa: shown(vis.address, &p.desa),
            kecamatan: shown(vis.address, &p.kecamatan),
            domicile_kab_kota_code: p.domicile_kab_kota_code.clone(),
            domicile_kab_kota_name: case.domicile_kab_kota_name.clone(),
            family_phone: shown(vis.phone, &p.family_phone),
        }
    }
}

impl EpisodeView {
    /// The hospital episode of `case`; the clinical reason only if `vis` shows health data.
    fn of(case: &CaseRow, vis: Visibility) -> EpisodeView {
        let p = &case.patient;
        EpisodeView {
            admission_date: p.admission_date,
            service_type: p.service_type.clone(),
            ward_class: p.ward_class.clone(),
            jkn_status: p.jkn_status.clone(),
            clinical_reason: if vis.clinical {
                p.clinical_reason.clone()
            } else {
                None
            },
        }
    }
}

impl GuaranteeView {
    /// The guarantee of `case`, once a letter was issued.
    fn of(case: &CaseRow) -> Option<GuaranteeView> {
        let letter_number = case.guarantee_letter_number.clone()?;
        Some(GuaranteeView {
            letter_number,
            start_date: case.guarantee_start,
            end_date: case.guarantee_end,
            payer: case.payer.clone(),
            ceiling: case.guarantee_ceiling,
        })
    }
}

impl CoverageView {
    /// The coverage of `case`, once BPJS recorded a membership active.
    fn of(case: &CaseRow) -> Option<CoverageView> {
        let scheme = case.scheme.clone()?;
        Some(CoverageView {
            scheme,
            bpjs_card_number: case.bpjs_card_number.clone(),
            effective_date: case.coverage_effective_date,
        })
    }
}

/// One step of a case's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub action: String,
    pub action_label: String,
    pub from_state: Option<&'static str>,
    pub to_state: &'static str,
    pub to_state_label: &'static str,
    pub actor_name: String,
    pub actor_role: &'static str,
    pub agency: &'static str,
    pub at: DateTime<Utc>,
    /// Working days the case then spent in `to_state` (until the next step, or until today).
    pub working_days_in_state: i64,
    pub evidence: serde_json::Value,
    pub reason: Option<String>,
    /// For a step that sent the case back to NIK verification: how the NIK or KK changed since
    /// it was verified (numbers masked).
    pub identity_change: Option<String>,
}

/// "NIK diubah setelah verifikasi: 5371********0001 → 5371********0002" from the
/// `identity_change` of a history row's evidence (see `cases::identity_change`).
fn identity_change_text(evidence: &serde_json::Value) -> Option<String> {
    let change = evidence.get("identity_change")?.as_object()?;
    let number = |v: &serde_json::Value| v.as_str().unwrap_or("(kosong)").to_string();
    let parts: Vec<String> = [("nik", "NIK"), ("kk_number", "Nomor KK")]
        .iter()
        .filter_map(|(key, label)| {
            let c = change.get(*key)?;
            Some(format!(
                "{label} {} → {}",
                number(&c["verified"]),
                number(&c["now"])
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "Diubah setelah diverifikasi Disdukcapil: {}; diverifikasi ulang.",
            parts.join("; ")
        )
    })
}

/// The timeline of a case with time spent at each desk, read from its desk stays: each step
/// shows the working days from the step until the case left the desk it led to (until today
/// for the desk the case is at now, none for a step that closed the case). The evidence is as
/// `role` may see it (`policy::evidence_for`: numbers masked, registry data only for the
/// roles that see it).
pub fn timeline(
    history: &[HistoryRow],
    stays: &[DeskStay],
    today: NaiveDate,
    holidays: &BTreeSet<NaiveDate>,
    role: crate::domain::Role,
) -> Vec<StepView> {
    history
        .iter()
        .map(|h| {
            let working_days_in_state = stays
                .iter()
                .find(|s| {
                    s.state == h.to_state
                        && s.entered_at <= h.at
                        && s.left_at.is_none_or(|left| h.at < left)
                })
                .map_or(0, |s| {
                    let until = s.left_at.map_or(today, sla::local_date);
                    sla::working_days_between(sla::local_date(h.at), until, holidays)
                });
            StepView {
                action: h.action.clone(),
                action_label: h
                    .action
                    .parse::<Action>()
                    .map(|a| a.label().to_string())
                    .unwrap_or_else(|_| "Kasus dibuat".into()),
                from_state: h.from_state.0.map(|s| s.as_str()),
                to_state: h.to_state.0.as_str(),
                to_state_label: h.to_state.0.label(),
                actor_name: h.actor_name.clone(),
                actor_role: h.actor_role.0.as_str(),
                agency: h.actor_role.0.agency(),
                at: h.at,
                working_days_in_state,
                evidence: evidence_for(role, &h.evidence),
                reason: h.reason.as_deref().map(crate::domain::nik::mask_numbers),
                identity_change: identity_change_text(&h.evidence),
            }
        })
        .collect()
}

/// A document as listed: current, or in the history (replaced or removed by the hospital,
/// by whom and when).
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub id: Uuid,
    pub kind: String,
    pub kind_label: &'static str,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
    /// `current`, `replaced` or `removed`.
    pub status: &'static str,
    /// When it was replaced or removed.
    pub superseded_at: Option<DateTime<Utc>>,
    /// Who replaced or removed it.
    pub superseded_by: Option<String>,
    /// The document that replaced it.
    pub replaced_by: Option<Uuid>,
}

impl DocumentView {
    /// Whether the document is current (not replaced or removed).
    pub fn is_current(&self) -> bool {
        self.superseded_at.is_none()
    }

    /// What became of a superseded document, in Bahasa Indonesia (`None` while current).
    pub fn status_label(&self) -> Option<&'static str> {
        match self.status {
            "replaced" => Some("Diganti"),
            "removed" => Some("Dihapus"),
            _ => None,
        }
    }
}

impl From<&DocumentRow> for DocumentView {
    fn from(d: &DocumentRow) -> Self {
        let status = match (d.superseded_at, d.replaced_by) {
            (None, _) => "current",
            (Some(_), Some(_)) => "replaced",
            (Some(_), None) => "removed",
        };
        DocumentView {
            id: d.id,
            kind: d.kind.clone(),
            kind_label: d
                .kind
                .parse::<crate::domain::DocumentKind>()
                .map(|k| k.label())
                .unwrap_or("Dokumen"),
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            uploaded_at: d.uploaded_at,
            status,
            superseded_at: d.superseded_at,
            superseded_by: d.superseded_by_name.clone(),
            replaced_by: d.replaced_by,
        }
    }
}
