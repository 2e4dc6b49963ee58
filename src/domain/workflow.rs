//! The case state machine (Pergub NTT 55/2025 B.1; the PBPU Pemda route of
//! Kepgub NTT 99/2025) as one pure function, [`decide`], plus
//! [`available_actions`] for the UI.
//!
//! Only the role owning a desk may act on it; every other action is refused
//! with a [`Refusal`] explaining why.
//!
//! After the temporary guarantee, a case leaves the program by one of two
//! routes. PBI JKN (premium paid by the state): Dinsos prov proposes it when
//! the desil is 1–5 (`guaranteed → pbi_proposed`), BPJS records the activation.
//! PBPU Pemda (premium paid by the regional government, within its yearly
//! quota): Dinsos prov proposes it when PBI is not possible (desil above 5 and
//! no correction pending), or BPJS records that the PBI proposal was refused;
//! either way Dinkes prov decides the enrolment (`pbpu_review →
//! pbpu_proposed`) and BPJS records the activation. Both routes end in
//! `handed_over`.
//!
//! Identity: verifying a NIK needs a NIK, and a NIK or KK number changed after
//! Disdukcapil verified it sends the case back through NIK verification when
//! the hospital sends it on ([`CaseFacts::identity_changed`]).

use super::desil::Desil;
use super::reference::{DocumentKind, Role, code_enum};

code_enum! {
    /// The state of a case (one patient episode).
    pub enum CaseState {
        /// Being prepared by the hospital.
        Draft => ("draft", "Draf"),
        /// Provincial Dukcapil verifies the NIK in SIAK.
        NikCheck => ("nik_check", "Verifikasi NIK"),
        /// Referred to the kab/kota Dukcapil to trace the identity.
        NikReferral => ("nik_referral", "Rujukan NIK ke Kab/Kota"),
        /// On-the-spot identity recording by the kab/kota Dukcapil.
        IdentityRecording => ("identity_recording", "Perekaman identitas"),
        /// Provincial Dinsos checks the desil.
        DesilCheck => ("desil_check", "Cek desil"),
        /// Waiting for the hospital to submit an SKTM.
        SktmRequired => ("sktm_required", "Menunggu SKTM"),
        /// Provincial Dinkes reviews the temporary guarantee.
        GuaranteeReview => ("guarantee_review", "Telaah jaminan"),
        /// Temporary guarantee granted.
        Guaranteed => ("guaranteed", "Dijamin sementara"),
        /// Proposed as PBI JKN; waiting for BPJS.
        PbiProposed => ("pbi_proposed", "Diusulkan PBI"),
        /// Provincial Dinkes decides the PBPU Pemda enrolment (within the quota).
        PbpuReview => ("pbpu_review", "Telaah PBPU Pemda"),
        /// Enrolled as PBPU Pemda by Dinkes; waiting for BPJS to register it.
        PbpuProposed => ("pbpu_proposed", "Diusulkan PBPU Pemda"),
        /// Sent back to the hospital.
        Returned => ("returned", "Dikembalikan ke RSUD"),
        /// Handed over to BPJS (terminal, success).
        HandedOver => ("handed_over", "Diserahkan ke BPJS"),
        /// Guarantee rejected (terminal).
        Rejected => ("rejected", "Jaminan ditolak"),
        /// Withdrawn (terminal).
        Withdrawn => ("withdrawn", "Dibatalkan"),
    }
}

code_enum! {
    /// Something a user does to a case.
    pub enum Action {
        /// Hospital submits the draft.
        Submit => ("submit", "Kirim"),
        /// Dukcapil confirms the NIK.
        VerifyNik => ("verify_nik", "NIK terverifikasi"),
        /// Provincial Dukcapil refers the case to the kab/kota.
        ReferToKab => ("refer_to_kab", "Rujuk ke Dukcapil Kab/Kota"),
        /// Kab/kota Dukcapil requires on-the-spot recording.
        RequireRecording => ("require_recording", "Perlu perekaman identitas"),
        /// Kab/kota Dukcapil records the identity (new NIK / KTP-el).
        RecordIdentity => ("record_identity", "Catat hasil perekaman"),
        /// Provincial Dinsos records the desil.
        RecordDesil => ("record_desil", "Catat desil"),
        /// Hospital submits the SKTM.
        SubmitSktm => ("submit_sktm", "Kirim SKTM"),
        /// Kab/kota Dinsos records the outcome of the desil correction.
        RecordDesilCorrection => ("record_desil_correction", "Catat koreksi desil"),
        /// Provincial Dinkes grants the temporary guarantee.
        ApproveGuarantee => ("approve_guarantee", "Setujui jaminan"),
        /// Provincial Dinkes rejects the guarantee.
        RejectGuarantee => ("reject_guarantee", "Tolak jaminan"),
        /// Provincial Dinsos proposes PBI JKN to Kemensos.
        ProposePbi => ("propose_pbi", "Usulkan PBI JKN"),
        /// BPJS records the PBI activation.
        RecordPbiActive => ("record_pbi_active", "PBI JKN aktif"),
        /// BPJS records that the PBI proposal was refused (the case goes to the
        /// PBPU Pemda route).
        RecordPbiRefused => ("record_pbi_refused", "Usulan PBI ditolak"),
        /// Provincial Dinsos proposes PBPU Pemda when PBI is not possible.
        ProposePbpu => ("propose_pbpu", "Usulkan PBPU Pemda"),
        /// Provincial Dinkes decides to enrol the patient as PBPU Pemda (payer,
        /// within the quota) and passes it to BPJS.
        EnrolPbpuPemda => ("enrol_pbpu_pemda", "Daftarkan PBPU Pemda"),
        /// BPJS records the PBPU Pemda activation.
        RecordPbpuActive => ("record_pbpu_active", "PBPU Pemda aktif"),
        /// The desk owner sends the case back to the hospital.
        ReturnToRsud => ("return_to_rsud", "Kembalikan ke RSUD"),
        /// Hospital resubmits a returned case.
        Resubmit => ("resubmit", "Kirim ulang"),
        /// Hospital or provincial Dinkes withdraws the case.
        Withdraw => ("withdraw", "Batalkan kasus"),
    }
}

impl CaseState {
    /// Whether no further action is possible.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            CaseState::HandedOver | CaseState::Rejected | CaseState::Withdrawn
        )
    }

    /// The role owning the desk in this state (`None` for terminal states).
    pub fn desk(&self) -> Option<Role> {
        match self {
            CaseState::Draft | CaseState::SktmRequired | CaseState::Returned => Some(Role::Rsud),
            CaseState::NikCheck => Some(Role::DukcapilProv),
            CaseState::NikReferral | CaseState::IdentityRecording => Some(Role::DukcapilKab),
            CaseState::DesilCheck | CaseState::Guaranteed => Some(Role::DinsosProv),
            CaseState::GuaranteeReview | CaseState::PbpuReview => Some(Role::DinkesProv),
            CaseState::PbiProposed | CaseState::PbpuProposed => Some(Role::Bpjs),
            CaseState::HandedOver | CaseState::Rejected | CaseState::Withdrawn => None,
        }
    }

    /// Whether Disdukcapil verifies the identity at this desk (a case sent back
    /// from here is verified again anyway when it returns).
    pub fn is_identity_desk(&self) -> bool {
        matches!(
            self,
            CaseState::NikCheck | CaseState::NikReferral | CaseState::IdentityRecording
        )
    }

    /// Whether an agency may send the case back to the hospital from here.
    /// Not once the guarantee is granted: from then on the case waits for a
    /// scheme (PBI JKN or PBPU Pemda), and the hospital has nothing left to fix.
    pub fn is_returnable(&self) -> bool {
        matches!(
            self,
            CaseState::NikCheck
                | CaseState::NikReferral
                | CaseState::IdentityRecording
                | CaseState::DesilCheck
                | CaseState::GuaranteeReview
        )
    }
}

impl Action {
    /// Whether the pages ask for an explicit confirmation before taking this action: it cannot
    /// be undone by any later step of the machine. That is every action ending the case
    /// (`reject_guarantee`, `withdraw`, the two activations handing it over to BPJS), sending
    /// it away from the desk to the hospital (`return_to_rsud`), committing money or a signed
    /// letter (`approve_guarantee` numbers the letter and takes from the quota,
    /// `enrol_pbpu_pemda` takes from the PBPU quota and enters the daftar nominatif), or
    /// leaving a route for good (`record_pbi_refused`). The routine steps of a desk (verify,
    /// record, propose, submit) move the case on and are not asked twice.
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            Action::RejectGuarantee
                | Action::Withdraw
                | Action::ReturnToRsud
                | Action::ApproveGuarantee
                | Action::EnrolPbpuPemda
                | Action::RecordPbiRefused
                | Action::RecordPbiActive
                | Action::RecordPbpuActive
        )
    }
}

/// What `decide` needs to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    /// Current state.
    pub state: CaseState,
    /// For `returned`: the state the case was returned from.
    pub returned_from: Option<CaseState>,
    /// Corrected desil if a correction was recorded, else the original.
    pub effective_desil: Option<Desil>,
    /// Whether a desil correction (after an SKTM) is awaiting Dinsos kab.
    pub desil_correction_pending: bool,
    /// Whether the patient has a NIK Disdukcapil can verify: one from the patient's identity
    /// documents, or the one issued by `record_identity`. A NIK the hospital typed for a patient
    /// registered without any identity document is not (Pergub C.1: such patients are traced
    /// or recorded by the kab/kota Disdukcapil).
    pub nik_verifiable: bool,
    /// Whether the NIK or KK number differs from what Disdukcapil last
    /// verified (the hospital edited it since).
    pub identity_changed: bool,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The case is in a terminal state.
    #[error("Kasus sudah selesai; tidak ada tindakan yang dapat dilakukan")]
    Terminal,
    /// The action exists in this state, but not for this role.
    #[error("Tindakan ini bukan wewenang peran Anda pada tahap ini")]
    NotYourAction,
    /// The role may act, but the case is outside the user's scope.
    #[error("Kasus ini berada di luar wilayah atau rumah sakit Anda")]
    OutOfScope,
    /// The action does not apply to the current state.
    #[error("Tindakan ini tidak berlaku pada status kasus saat ini")]
    IllegalTransition,
    /// A business condition is not met.
    #[error("{0}")]
    Condition(&'static str),
}

/// Why `verify_nik` is refused for a patient without a NIK.
pub const NO_NIK_TO_VERIFY: &str = "Verifikasi NIK memerlukan NIK dari dokumen identitas pasien \
     atau dari perekaman identitas; pasien ini terdaftar tanpa dokumen identitas. Rujuk kasus ke \
     Disdukcapil Kab/Kota untuk penelusuran atau perekaman identitas.";

/// Roles allowed to perform `action` in `state`; empty if the action is not
/// legal in that state for anyone.
fn allowed_roles(state: CaseState, action: Action) -> &'static [Role] {
    use Action as A;
    use CaseState as S;
    if state.is_terminal() {
        return &[];
    }
    match (state, action) {
        (_, A::Withdraw) => &[Role::Rsud, Role::DinkesProv],
        (S::Draft, A::Submit) => &[Role::Rsud],
        (S::NikCheck, A::VerifyNik | A::ReferToKab) => &[Role::DukcapilProv],
        (S::NikReferral, A::VerifyNik | A::RequireRecording) => &[Role::DukcapilKab],
        (S::IdentityRecording, A::RecordIdentity) => &[Role::DukcapilKab],
        (S::DesilCheck, A::RecordDesil) => &[Role::DinsosProv],
        (S::SktmRequired, A::SubmitSktm) => &[Role::Rsud],
        (S::GuaranteeReview, A::ApproveGuarantee | A::RejectGuarantee) => &[Role::DinkesProv],
        (S::GuaranteeReview | S::Guaranteed, A::RecordDesilCorrection) => &[Role::DinsosKab],
        (S::Guaranteed, A::ProposePbi | A::ProposePbpu) => &[Role::DinsosProv],
        (S::PbiProposed, A::RecordPbiActive | A::RecordPbiRefused) => &[Role::Bpjs],
        (S::PbpuReview, A::EnrolPbpuPemda) => &[Role::DinkesProv],
        (S::PbpuProposed, A::RecordPbpuActive) => &[Role::Bpjs],
        (S::NikCheck, A::ReturnToRsud) => &[Role::DukcapilProv],
        (S::NikReferral | S::IdentityRecording, A::ReturnToRsud) => &[Role::DukcapilKab],
        (S::DesilCheck, A::ReturnToRsud) => &[Role::DinsosProv],
        (S::GuaranteeReview, A::ReturnToRsud) => &[Role::DinkesProv],
        (S::Returned, A::Resubmit) => &[Role::Rsud],
        _ => &[],
    }
}

/// Decides the next state of a case when `role` performs `action`.
///
/// Checks, in order: terminal state → [`Refusal::Terminal`]; action not legal
/// in this state for any role → [`Refusal::IllegalTransition`]; role not
/// allowed → [`Refusal::NotYourAction`]; `!in_scope` → [`Refusal::OutOfScope`];
/// business conditions → [`Refusal::Condition`]. `recorded_desil` is the desil
/// being recorded by `record_desil`.
pub fn decide(
    facts: &CaseFacts,
    action: Action,
    role: Role,
    in_scope: bool,
    recorded_desil: Option<Desil>,
) -> Result<CaseState, Refusal> {
    use Action as A;
    use CaseState as S;
    let state = facts.state;
    if state.is_terminal() {
        return Err(Refusal::Terminal);
    }
    let roles = allowed_roles(state, action);
    if roles.is_empty() {
        return Err(Refusal::IllegalTransition);
    }
    if !roles.contains(&role) {
        return Err(Refusal::NotYourAction);
    }
    if !in_scope {
        return Err(Refusal::OutOfScope);
    }
    match action {
        A::Submit => Ok(S::NikCheck),
        A::VerifyNik if !facts.nik_verifiable => Err(Refusal::Condition(NO_NIK_TO_VERIFY)),
        A::VerifyNik | A::RecordIdentity => Ok(S::DesilCheck),
        A::ReferToKab => Ok(S::NikReferral),
        A::RequireRecording => Ok(S::IdentityRecording),
        A::RecordDesil => match recorded_desil {
            None => Err(Refusal::Condition("Desil wajib diisi")),
            Some(d) if d.is_eligible() => Ok(S::GuaranteeReview),
            Some(_) => Ok(S::SktmRequired),
        },
        A::SubmitSktm if facts.identity_changed => Ok(S::NikCheck),
        A::SubmitSktm => Ok(S::GuaranteeReview),
        A::RecordDesilCorrection => {
            if facts.desil_correction_pending {
                Ok(state)
            } else {
                Err(Refusal::Condition("Tidak ada koreksi desil yang menunggu"))
            }
        }
        A::ApproveGuarantee => Ok(S::Guaranteed),
        A::RejectGuarantee => Ok(S::Rejected),
        A::ProposePbi => {
            if facts.effective_desil.is_some_and(|d| d.is_eligible()) {
                Ok(S::PbiProposed)
            } else {
                Err(Refusal::Condition(
                    "Usulan PBI memerlukan desil 1–5 (asli atau hasil koreksi)",
                ))
            }
        }
        A::ProposePbpu => {
            if facts.desil_correction_pending {
                Err(Refusal::Condition(
                    "Koreksi desil oleh Dinsos Kab/Kota masih ditunggu; usulan PBPU Pemda \
                     menunggu hasilnya",
                ))
            } else if facts.effective_desil.is_some_and(|d| d.is_eligible()) {
                Err(Refusal::Condition(
                    "Desil 1–5: usulkan PBI JKN; PBPU Pemda hanya bila PBI tidak mungkin",
                ))
            } else {
                Ok(S::PbpuReview)
            }
        }
        A::RecordPbiActive | A::RecordPbpuActive => Ok(S::HandedOver),
        A::RecordPbiRefused => Ok(S::PbpuReview),
        A::EnrolPbpuPemda => Ok(S::PbpuProposed),
        A::ReturnToRsud => Ok(S::Returned),
        A::Resubmit => match facts.returned_from {
            // A NIK or KK changed since Disdukcapil verified it is verified again first,
            // whichever desk sent the case back.
            Some(from) if from.is_returnable() && facts.identity_changed => {
                Ok(if from.is_identity_desk() {
                    from
                } else {
                    S::NikCheck
                })
            }
            Some(from) if from.is_returnable() => Ok(from),
            _ => Err(Refusal::Condition(
                "Tahap asal pengembalian tidak diketahui; hubungi administrator",
            )),
        },
        A::Withdraw => Ok(S::Withdrawn),
    }
}

/// Whether `role` takes `action` in any state at all (the API's 403 test, before versions).
pub fn role_takes(action: Action, role: Role) -> bool {
    CaseState::ALL
        .iter()
        .any(|s| allowed_roles(*s, action).contains(&role))
}

/// Actions `role` could perform now (the UI shows these as buttons).
/// `record_desil` is listed whenever it is legal for the role and scope, since
/// its outcome depends on the desil entered.
pub fn available_actions(facts: &CaseFacts, role: Role, in_scope: bool) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|&action| {
            let probe = (action == Action::RecordDesil).then_some(Desil::Listed(1));
            decide(facts, action, role, in_scope, probe).is_ok()
        })
        .collect()
}

/// Why the hospital may not replace or remove a document now (the case has left its desk).
pub const DOCUMENTS_FIXED: &str = "Dokumen hanya dapat diganti atau dihapus selama kasus \
     berada di RSUD (draf, dikembalikan, atau menunggu SKTM); setelah dikirim, dokumen menjadi \
     bukti pemeriksaan dan tidak dapat diubah.";

/// Whether `role` may replace or remove a case's documents in `state`: only the hospital's
/// PIC, and only while the case is at the hospital's desk (draft, returned, waiting for the
/// SKTM) — once sent, a document is the evidence an agency checked. A role that never does
/// this is [`Refusal::NotYourAction`] (403); the hospital outside its turn is
/// [`Refusal::Condition`] (409). A replaced or removed document stays in the history.
pub fn may_change_documents(state: CaseState, role: Role) -> Result<(), Refusal> {
    if role != Role::Rsud {
        return Err(Refusal::NotYourAction);
    }
    if state.desk() == Some(Role::Rsud) {
        Ok(())
    } else {
        Err(Refusal::Condition(DOCUMENTS_FIXED))
    }
}

/// The document an action is taken with, in the same submit: the SKTM scan with
/// `submit_sktm`.
pub fn action_document(action: Action) -> Option<DocumentKind> {
    match action {
        Action::SubmitSktm => Some(DocumentKind::Sktm),
        _ => None,
    }
}

/// The document a hospital most likely uploads next, preselected in the upload form: the SKTM
/// while the case waits for it, else the first of KTP and KK the case lacks, else "other".
pub fn default_document_kind(state: CaseState, current_kinds: &[&str]) -> DocumentKind {
    if state == CaseState::SktmRequired {
        return DocumentKind::Sktm;
    }
    [DocumentKind::Ktp, DocumentKind::Kk]
        .into_iter()
        .find(|k| !current_kinds.contains(&k.as_str()))
        .unwrap_or(DocumentKind::Lainnya)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use CaseState as S;
    use Role as R;

    /// Every allowed (state, action, role) with the expected next state, given
    /// favourable facts (see `good_facts`) and a recorded desil of 3.
    const ALLOWED: &[(S, A, R, S)] = &[
        (S::Draft, A::Submit, R::Rsud, S::NikCheck),
        (S::NikCheck, A::VerifyNik, R::DukcapilProv, S::DesilCheck),
        (S::NikCheck, A::ReferToKab, R::DukcapilProv, S::NikReferral),
        (S::NikReferral, A::VerifyNik, R::DukcapilKab, S::DesilCheck),
        (
            S::NikReferral,
            A::RequireRecording,
            R::DukcapilKab,
            S::IdentityRecording,
        ),
        (
            S::IdentityRecording,
            A::RecordIdentity,
            R::DukcapilKab,
            S::DesilCheck,
        ),
        (
            S::DesilCheck,
            A::RecordDesil,
            R::DinsosProv,
            S::GuaranteeReview,
        ),
        (S::SktmRequired, A::SubmitSktm, R::Rsud, S::GuaranteeReview),
        (
            S::GuaranteeReview,
            A::ApproveGuarantee,
            R::DinkesProv,
            S::Guaranteed,
        ),
        (
            S::GuaranteeReview,
            A::RejectGuarantee,
            R::DinkesProv,
            S::Rejected,
        ),
        (
            S::GuaranteeReview,
            A::RecordDesilCorrection,
            R::DinsosKab,
            S::GuaranteeReview,
        ),
        (
            S::Guaranteed,
            A::RecordDesilCorrection,
            R::DinsosKab,
            S::Guaranteed,
        ),
        (S::Guaranteed, A::ProposePbi, R::DinsosProv, S::PbiProposed),
        (S::Guaranteed, A::ProposePbpu, R::DinsosProv, S::PbpuReview),
        (S::PbiProposed, A::RecordPbiActive, R::Bpjs, S::HandedOver),
        (S::PbiProposed, A::RecordPbiRefused, R::Bpjs, S::PbpuReview),
        (
            S::PbpuReview,
            A::EnrolPbpuPemda,
            R::DinkesProv,
            S::PbpuProposed,
        ),
        (S::PbpuProposed, A::RecordPbpuActive, R::Bpjs, S::HandedOver),
        (S::NikCheck, A::ReturnToRsud, R::DukcapilProv, S::Returned),
        (S::NikReferral, A::ReturnToRsud, R::DukcapilKab, S::Returned),
        (
            S::IdentityRecording,
            A::ReturnToRsud,
            R::DukcapilKab,
            S::Returned,
        ),
        (S::DesilCheck, A::ReturnToRsud, R::DinsosProv, S::Returned),
        (
            S::GuaranteeReview,
            A::ReturnToRsud,
            R::DinkesProv,
            S::Returned,
        ),
        (S::Returned, A::Resubmit, R::Rsud, S::DesilCheck),
        (S::Draft, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::Draft, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::NikCheck, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::NikCheck, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::NikReferral, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::NikReferral, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::IdentityRecording, A::Withdraw, R::Rsud, S::Withdrawn),
        (
            S::IdentityRecording,
            A::Withdraw,
            R::DinkesProv,
            S::Withdrawn,
        ),
        (S::DesilCheck, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::DesilCheck, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::SktmRequired, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::SktmRequired, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::GuaranteeReview, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::GuaranteeReview, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::Guaranteed, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::Guaranteed, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::PbiProposed, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::PbiProposed, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::PbpuReview, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::PbpuReview, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::PbpuProposed, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::PbpuProposed, A::Withdraw, R::DinkesProv, S::Withdrawn),
        (S::Returned, A::Withdraw, R::Rsud, S::Withdrawn),
        (S::Returned, A::Withdraw, R::DinkesProv, S::Withdrawn),
    ];

    /// Facts under which `action` is possible in `state` if the table allows it:
    /// a NIK, an unchanged identity, desil 3 with a correction pending, except
    /// for `propose_pbpu`, which needs a desil above 5 and nothing pending.
    fn good_facts(state: S, action: A) -> CaseFacts {
        let pbpu = action == A::ProposePbpu;
        CaseFacts {
            state,
            returned_from: Some(S::DesilCheck),
            effective_desil: Some(Desil::Listed(if pbpu { 8 } else { 3 })),
            desil_correction_pending: !pbpu,
            nik_verifiable: true,
            identity_changed: false,
        }
    }

    fn facts(state: S) -> CaseFacts {
        CaseFacts {
            state,
            returned_from: None,
            effective_desil: None,
            desil_correction_pending: false,
            nik_verifiable: true,
            identity_changed: false,
        }
    }

    #[test]
    fn full_table() {
        let mut checked = 0;
        for &state in S::ALL {
            for &action in A::ALL {
                for &role in R::ALL {
                    checked += 1;
                    let f = good_facts(state, action);
                    let got = decide(&f, action, role, true, Some(Desil::Listed(3)));
                    let allowed = ALLOWED
                        .iter()
                        .find(|(s, a, r, _)| *s == state && *a == action && *r == role);
                    let expected = if let Some((_, _, _, next)) = allowed {
                        Ok(*next)
                    } else if state.is_terminal() {
                        Err(Refusal::Terminal)
                    } else if ALLOWED
                        .iter()
                        .any(|(s, a, _, _)| *s == state && *a == action)
                    {
                        Err(Refusal::NotYourAction)
                    } else {
                        Err(Refusal::IllegalTransition)
                    };
                    assert_eq!(got, expected, "{state:?} {action:?} {role:?}");

                    // Out of scope: only the allowed triples change to OutOfScope.
                    let out = decide(&f, action, role, false, Some(Desil::Listed(3)));
                    let expected_out = if allowed.is_some() {
                        Err(Refusal::OutOfScope)
                    } else {
                        expected
                    };
                    assert_eq!(
                        out, expected_out,
                        "out of scope {state:?} {action:?} {role:?}"
                    );

                    // available_actions agrees with the table.
                    assert_eq!(
                        available_actions(&f, role, true).contains(&action),
                        allowed.is_some(),
                        "available {state:?} {action:?} {role:?}"
                    );
                    assert!(available_actions(&f, role, false).is_empty());
                }
            }
        }
        assert_eq!((S::ALL.len(), A::ALL.len(), R::ALL.len()), (15, 19, 11));
        assert_eq!(checked, 15 * 19 * 11);
    }

    #[test]
    fn roles_without_actions() {
        for &state in S::ALL {
            for role in [R::Tim, R::Admin, R::Auditor, R::DinkesKab] {
                for &action in A::ALL {
                    let f = good_facts(state, action);
                    assert!(available_actions(&f, role, true).is_empty());
                }
            }
        }
    }

    #[test]
    fn desk_owners_match_table() {
        for &state in S::ALL {
            match state.desk() {
                None => assert!(state.is_terminal()),
                Some(owner) => assert!(
                    ALLOWED
                        .iter()
                        .any(|(s, a, r, _)| *s == state && *r == owner && *a != A::Withdraw)
                        || owner == R::Rsud,
                    "{state:?}"
                ),
            }
        }
        assert_eq!(S::PbiProposed.desk(), Some(R::Bpjs));
        assert_eq!(S::PbpuReview.desk(), Some(R::DinkesProv));
        assert_eq!(S::PbpuProposed.desk(), Some(R::Bpjs));
        assert_eq!(S::Withdrawn.desk(), None);
    }

    #[test]
    fn every_open_state_has_a_way_forward_for_its_desk() {
        // The desk owner of every open state can move the case on (or, for the hospital,
        // withdraw it); no open state waits on a desk that has nothing to do.
        for &state in S::ALL.iter().filter(|s| !s.is_terminal()) {
            let owner = state.desk().expect("open states have a desk");
            let moves: Vec<A> = A::ALL
                .iter()
                .copied()
                .filter(|&a| a != A::Withdraw)
                .filter(|&a| {
                    ALLOWED
                        .iter()
                        .any(|t| t.0 == state && t.1 == a && t.2 == owner)
                })
                .collect();
            assert!(!moves.is_empty(), "{state:?}: {owner:?} has no action");
        }
    }

    #[test]
    fn record_desil_conditions() {
        let f = facts(S::DesilCheck);
        let d = |desil| decide(&f, A::RecordDesil, R::DinsosProv, true, desil);
        assert_eq!(d(Some(Desil::Listed(3))), Ok(S::GuaranteeReview));
        assert_eq!(d(Some(Desil::Listed(5))), Ok(S::GuaranteeReview));
        assert_eq!(d(Some(Desil::Listed(6))), Ok(S::SktmRequired));
        assert_eq!(d(Some(Desil::Listed(8))), Ok(S::SktmRequired));
        assert_eq!(d(Some(Desil::NotListed)), Ok(S::SktmRequired));
        assert_eq!(d(None), Err(Refusal::Condition("Desil wajib diisi")));
        assert!(available_actions(&f, R::DinsosProv, true).contains(&A::RecordDesil));
    }

    #[test]
    fn propose_pbi_needs_eligible_desil() {
        let mut f = facts(S::Guaranteed);
        let p = |f: &CaseFacts| decide(f, A::ProposePbi, R::DinsosProv, true, None);
        assert!(matches!(p(&f), Err(Refusal::Condition(_))));
        f.effective_desil = Some(Desil::Listed(8));
        assert!(matches!(p(&f), Err(Refusal::Condition(_))));
        assert!(!available_actions(&f, R::DinsosProv, true).contains(&A::ProposePbi));
        f.effective_desil = Some(Desil::NotListed);
        assert!(matches!(p(&f), Err(Refusal::Condition(_))));
        f.effective_desil = Some(Desil::Listed(4));
        assert_eq!(p(&f), Ok(S::PbiProposed));
    }

    #[test]
    fn propose_pbpu_only_when_pbi_is_not_possible() {
        let mut f = facts(S::Guaranteed);
        let p = |f: &CaseFacts| decide(f, A::ProposePbpu, R::DinsosProv, true, None);
        let shown = |f: &CaseFacts| available_actions(f, R::DinsosProv, true);
        // Desil 1–5: PBI, not PBPU.
        for d in 1..=5 {
            f.effective_desil = Some(Desil::Listed(d));
            assert!(matches!(p(&f), Err(Refusal::Condition(m)) if m.contains("PBI JKN")));
            assert_eq!(shown(&f), vec![A::ProposePbi]);
        }
        // Desil above 5 (or not listed) and no correction pending: PBPU, not PBI.
        for d in [Desil::Listed(6), Desil::Listed(10), Desil::NotListed] {
            f.effective_desil = Some(d);
            assert_eq!(p(&f), Ok(S::PbpuReview));
            assert_eq!(shown(&f), vec![A::ProposePbpu]);
        }
        // A pending correction may still bring the desil to 1–5: neither route yet.
        f.desil_correction_pending = true;
        assert!(matches!(p(&f), Err(Refusal::Condition(m)) if m.contains("Koreksi desil")));
        assert!(shown(&f).is_empty());
        assert_eq!(
            available_actions(&f, R::DinsosKab, true),
            vec![A::RecordDesilCorrection]
        );
    }

    #[test]
    fn pbpu_pemda_route() {
        let d = |state, action, role| decide(&facts(state), action, role, true, None);
        assert_eq!(
            d(S::PbiProposed, A::RecordPbiRefused, R::Bpjs),
            Ok(S::PbpuReview)
        );
        assert_eq!(
            d(S::PbpuReview, A::EnrolPbpuPemda, R::DinkesProv),
            Ok(S::PbpuProposed)
        );
        assert_eq!(
            d(S::PbpuProposed, A::RecordPbpuActive, R::Bpjs),
            Ok(S::HandedOver)
        );
        // Enrolment is decided at its own desk, no longer straight from `guaranteed`.
        assert_eq!(
            d(S::Guaranteed, A::EnrolPbpuPemda, R::DinkesProv),
            Err(Refusal::IllegalTransition)
        );
        // No desk sends the case back to the hospital once the guarantee is granted.
        for state in [
            S::Guaranteed,
            S::PbiProposed,
            S::PbpuReview,
            S::PbpuProposed,
        ] {
            assert!(!state.is_returnable(), "{state:?}");
            let owner = state.desk().expect("open");
            assert_eq!(
                d(state, A::ReturnToRsud, owner),
                Err(Refusal::IllegalTransition)
            );
        }
        // PBI activation is not PBPU activation, and the other way round.
        assert_eq!(
            d(S::PbpuProposed, A::RecordPbiActive, R::Bpjs),
            Err(Refusal::IllegalTransition)
        );
        assert_eq!(
            d(S::PbiProposed, A::RecordPbpuActive, R::Bpjs),
            Err(Refusal::IllegalTransition)
        );
    }

    #[test]
    fn verify_nik_needs_a_nik() {
        for (state, role) in [
            (S::NikCheck, R::DukcapilProv),
            (S::NikReferral, R::DukcapilKab),
        ] {
            let mut f = facts(state);
            f.nik_verifiable = false;
            assert_eq!(
                decide(&f, A::VerifyNik, role, true, None),
                Err(Refusal::Condition(NO_NIK_TO_VERIFY))
            );
            assert!(!available_actions(&f, role, true).contains(&A::VerifyNik));
            f.nik_verifiable = true;
            assert_eq!(
                decide(&f, A::VerifyNik, role, true, None),
                Ok(S::DesilCheck)
            );
        }
        // Without a NIK the way on is tracing and recording the identity.
        let mut f = facts(S::NikCheck);
        f.nik_verifiable = false;
        assert_eq!(
            available_actions(&f, R::DukcapilProv, true),
            vec![A::ReferToKab, A::ReturnToRsud]
        );
        f.state = S::NikReferral;
        assert_eq!(
            available_actions(&f, R::DukcapilKab, true),
            vec![A::RequireRecording, A::ReturnToRsud]
        );
        f.state = S::IdentityRecording;
        assert_eq!(
            decide(&f, A::RecordIdentity, R::DukcapilKab, true, None),
            Ok(S::DesilCheck)
        );
    }

    #[test]
    fn changed_identity_goes_back_through_nik_verification() {
        // Returned from a desk after verification: NIK check first.
        for origin in [S::DesilCheck, S::GuaranteeReview] {
            let mut f = facts(S::Returned);
            f.returned_from = Some(origin);
            f.identity_changed = true;
            assert_eq!(
                decide(&f, A::Resubmit, R::Rsud, true, None),
                Ok(S::NikCheck)
            );
            f.identity_changed = false;
            assert_eq!(decide(&f, A::Resubmit, R::Rsud, true, None), Ok(origin));
        }
        // Returned from a Disdukcapil desk: that desk verifies it anyway.
        for origin in [S::NikCheck, S::NikReferral, S::IdentityRecording] {
            let mut f = facts(S::Returned);
            f.returned_from = Some(origin);
            f.identity_changed = true;
            assert_eq!(decide(&f, A::Resubmit, R::Rsud, true, None), Ok(origin));
        }
        // The SKTM of a changed identity waits for the NIK check too.
        let mut f = facts(S::SktmRequired);
        f.identity_changed = true;
        assert_eq!(
            decide(&f, A::SubmitSktm, R::Rsud, true, None),
            Ok(S::NikCheck)
        );
        f.identity_changed = false;
        assert_eq!(
            decide(&f, A::SubmitSktm, R::Rsud, true, None),
            Ok(S::GuaranteeReview)
        );
    }

    #[test]
    fn resubmit_returns_to_origin() {
        for origin in [
            S::NikCheck,
            S::NikReferral,
            S::IdentityRecording,
            S::DesilCheck,
            S::GuaranteeReview,
        ] {
            let mut f = facts(S::Returned);
            f.returned_from = Some(origin);
            assert_eq!(decide(&f, A::Resubmit, R::Rsud, true, None), Ok(origin));
        }
        let f = facts(S::Returned);
        assert!(matches!(
            decide(&f, A::Resubmit, R::Rsud, true, None),
            Err(Refusal::Condition(_))
        ));
        let mut f = facts(S::Returned);
        f.returned_from = Some(S::HandedOver);
        assert!(matches!(
            decide(&f, A::Resubmit, R::Rsud, true, None),
            Err(Refusal::Condition(_))
        ));
    }

    #[test]
    fn desil_correction_pending() {
        for state in [S::GuaranteeReview, S::Guaranteed] {
            let mut f = facts(state);
            assert_eq!(
                decide(&f, A::RecordDesilCorrection, R::DinsosKab, true, None),
                Err(Refusal::Condition("Tidak ada koreksi desil yang menunggu"))
            );
            f.desil_correction_pending = true;
            assert_eq!(
                decide(&f, A::RecordDesilCorrection, R::DinsosKab, true, None),
                Ok(state)
            );
        }
    }

    #[test]
    fn check_order() {
        // Terminal beats everything.
        assert_eq!(
            decide(&facts(S::Rejected), A::Withdraw, R::Rsud, false, None),
            Err(Refusal::Terminal)
        );
        // Illegal beats role.
        assert_eq!(
            decide(&facts(S::Draft), A::VerifyNik, R::Tim, false, None),
            Err(Refusal::IllegalTransition)
        );
        // Role beats scope.
        assert_eq!(
            decide(&facts(S::Draft), A::Submit, R::DinsosKab, false, None),
            Err(Refusal::NotYourAction)
        );
        // Scope beats conditions.
        assert_eq!(
            decide(
                &facts(S::Guaranteed),
                A::ProposePbi,
                R::DinsosProv,
                false,
                None
            ),
            Err(Refusal::OutOfScope)
        );
        assert!(!Refusal::OutOfScope.to_string().is_empty());
    }

    /// Every step that closes the case or sends it back to the hospital is asked for
    /// confirmation (the table `ALLOWED` is the source), and the routine steps are not.
    #[test]
    fn irreversible_steps_are_confirmed() {
        for (_, action, _, next) in ALLOWED {
            if next.is_terminal() || *next == S::Returned {
                assert!(action.needs_confirmation(), "{action:?} → {next:?}");
            }
        }
        for action in [A::ApproveGuarantee, A::EnrolPbpuPemda, A::RecordPbiRefused] {
            assert!(action.needs_confirmation(), "{action:?}");
        }
        for action in [
            A::Submit,
            A::VerifyNik,
            A::RecordDesil,
            A::ProposePbi,
            A::Resubmit,
            A::SubmitSktm,
        ] {
            assert!(!action.needs_confirmation(), "{action:?}");
        }
    }

    #[test]
    fn only_the_hospital_changes_documents_and_only_at_its_desk() {
        for state in S::ALL {
            for role in Role::ALL {
                let expected = match (*role, state.desk()) {
                    (R::Rsud, Some(R::Rsud)) => Ok(()),
                    (R::Rsud, _) => Err(Refusal::Condition(DOCUMENTS_FIXED)),
                    _ => Err(Refusal::NotYourAction),
                };
                assert_eq!(
                    may_change_documents(*state, *role),
                    expected,
                    "{state:?} × {role:?}"
                );
            }
        }
        let at_hospital: Vec<S> = S::ALL
            .iter()
            .copied()
            .filter(|s| may_change_documents(*s, R::Rsud).is_ok())
            .collect();
        assert_eq!(at_hospital, [S::Draft, S::SktmRequired, S::Returned]);
    }

    #[test]
    fn the_upload_form_offers_the_document_the_case_needs() {
        use crate::domain::DocumentKind as K;
        assert_eq!(
            default_document_kind(S::SktmRequired, &["ktp", "kk"]),
            K::Sktm
        );
        assert_eq!(default_document_kind(S::Draft, &[]), K::Ktp);
        assert_eq!(default_document_kind(S::Draft, &["ktp"]), K::Kk);
        assert_eq!(default_document_kind(S::Returned, &["kk"]), K::Ktp);
        assert_eq!(
            default_document_kind(S::Returned, &["ktp", "kk"]),
            K::Lainnya
        );
    }
}
