//! The evidence a workflow step writes into its history row (`service::perform`).

use crate::db::cases::CaseRow;
use crate::domain::{ActionData, CaseState};

/// The evidence of a history row: the action's data and, when the hospital sends a case back
/// to NIK verification because its NIK or KK changed since Disdukcapil verified it, how they
/// changed (`identity_change`, numbers masked; see [`super::identity_change`]).
pub fn evidence(
    case: &CaseRow,
    data: &ActionData,
    next: CaseState,
) -> serde_json::Result<serde_json::Value> {
    let mut evidence = serde_json::to_value(data)?;
    if matches!(
        data,
        ActionData::Resubmit { .. } | ActionData::SubmitSktm { .. }
    ) && next.is_identity_desk()
        && let Some(change) = super::identity_change(case)
        && let Some(map) = evidence.as_object_mut()
    {
        map.insert("identity_change".into(), change);
    }
    Ok(evidence)
}
