//! The PBPU Pemda quota (Kepgub NTT 99/2025: Dinkes decides enrolments within the budget the
//! province and each kabupaten/kota set aside for the year). The yearly quota per payer is not
//! kept yet; it arrives with the quota work (Dinkes sets the budget per payer, approvals show
//! what remains). Until then every enrolment fits, and this is the one place `enrol_pbpu_pemda`
//! asks, so the rule will have one home.

use sqlx::PgConnection;

use super::CaseError;
use crate::domain::Payer;

/// Whether `payer` still has room in its PBPU Pemda quota of `year` for one more enrolment;
/// refused ([`CaseError::Refused`], 409) when it does not. The cases already enrolled are those
/// with `pbpu_payer = payer` and `pbpu_decided_on` in `year` (index `cases_pbpu_quota_idx`).
pub async fn check_pbpu_room(
    _conn: &mut PgConnection,
    _payer: Payer,
    _year: i32,
) -> Result<(), CaseError> {
    Ok(())
}
