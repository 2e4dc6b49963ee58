//! Which personal field of a case each role sees: decided here, once, and read by the case
//! pages, the API, the history, the lists, the exports and the decree annex alike (minimum
//! necessary, UU 27/2022; docs/security.md "Personal data").
//!
//! NIK and KK are masked by default for every role (`5371********0001`). A role whose desk needs
//! the full number ([`may_reveal`]) sees it only after asking with a reason ("break the glass",
//! [`crate::cases::CaseService::reveal`]), and the reveal is written to the access log.

use serde_json::Value;

use crate::domain::Role;
pub use crate::domain::nik::{mask, mask_json, mask_numbers};

use Role::*;

/// A personal field of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The patient's full name.
    Name,
    /// Sex and date of birth.
    BirthDate,
    /// Place of birth.
    BirthPlace,
    /// The NIK, masked (the full number only after a reveal, see [`may_reveal`]).
    Nik,
    /// The family card number KK, masked (the full number only after a reveal).
    Kk,
    /// Address, desa/kelurahan, kecamatan.
    Address,
    /// The family's phone number.
    FamilyPhone,
    /// The clinical reason (health data).
    ClinicalReason,
    /// The uploaded documents (KTP, KK, SKTM images) and claim documents.
    Documents,
    /// The BPJS card number of an active membership.
    BpjsCard,
    /// The identity evidence of the history: the registry data typed by Disdukcapil and Dinsos
    /// (name, birth, address as SIAK or SIKS-NG showed them), the SKTM's number and issuer.
    RegistryData,
}

impl Field {
    /// Every field, for the tests and the documentation.
    pub const ALL: [Field; 11] = [
        Field::Name,
        Field::BirthDate,
        Field::BirthPlace,
        Field::Nik,
        Field::Kk,
        Field::Address,
        Field::FamilyPhone,
        Field::ClinicalReason,
        Field::Documents,
        Field::BpjsCard,
        Field::RegistryData,
    ];
}

/// Every role that works on cases, the program team included: the case roles of
/// [`crate::access`], which also guard the case pages. The groups below are cut from the same
/// list (the test `the_role_groups_follow_the_case_roles_of_access` keeps the order they rely
/// on), so a case role is added in one place.
const READERS: &[Role] = crate::access::CASE_ROLES;
/// The agencies whose desks work with the patient's identity: every case role but the program
/// team (last in the list), which monitors and sees no identity.
const IDENTITY: &[Role] = READERS.split_at(READERS.len() - 1).0;
/// The agencies that may have to call or visit the family and that see the documents: the
/// identity desks but BPJS (last of them).
const CONTACT: &[Role] = IDENTITY.split_at(IDENTITY.len() - 1).0;

/// The roles that see `field`: the table of docs/security.md.
fn roles_seeing(field: Field) -> &'static [Role] {
    match field {
        // The program team monitors cases by name and date of birth (masked NIK).
        Field::Name | Field::BirthDate | Field::Nik => READERS,
        // BPJS registers the membership with NIK, KK, name, birth and address.
        Field::Kk | Field::BirthPlace | Field::Address => IDENTITY,
        // Those who may have to call or visit the family: not BPJS.
        Field::FamilyPhone => CONTACT,
        // Health data: the hospital and the payer's health office only.
        Field::ClinicalReason => &[Rsud, DinkesProv, DinkesKab],
        Field::Documents => CONTACT,
        // The hospital bills with it; Dinsos proposed, Dinkes pays, BPJS issued it.
        Field::BpjsCard => &[Rsud, DinsosProv, DinkesProv, DinkesKab, Bpjs],
        // Typed by Disdukcapil and Dinsos; Dinkes decides on it; the hospital answers it.
        Field::RegistryData => CONTACT,
    }
}

/// Whether `role` sees `field` of a case in its scope (NIK and KK: masked).
pub fn may_see(role: Role, field: Field) -> bool {
    roles_seeing(field).contains(&role)
}

/// Whether `role` may ask to see a full NIK and KK, with a reason: the desks that check or use
/// the numbers — the hospital at intake, Disdukcapil verifying them in SIAK, Dinsos looking the
/// family up in SIKS-NG / DTSEN, Dinkes prov for the decree and claims, BPJS activating the
/// membership. Never the program team, the kab/kota Dinkes (it reads the decree annex), the
/// administrator or the auditor.
pub fn may_reveal(role: Role) -> bool {
    matches!(
        role,
        Rsud | DukcapilProv | DukcapilKab | DinsosProv | DinsosKab | DinkesProv | Bpjs
    )
}

/// Which personal data a role sees on a case: [`may_see`] for each field, as flags for the
/// templates and views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    /// The KK number (masked).
    pub kk: bool,
    /// Place of birth, address, desa, kecamatan.
    pub address: bool,
    /// The family's phone.
    pub phone: bool,
    /// The clinical reason (health data).
    pub clinical: bool,
    /// Document images.
    pub documents: bool,
    /// The BPJS card number.
    pub bpjs_card: bool,
    /// The registry data in the history.
    pub registry: bool,
    /// May ask for the full NIK and KK (break the glass).
    pub reveal: bool,
    /// The decree annex (daftar nominatif) with full NIK, KK and address, as the Governor's
    /// decree needs them: the Dinkes that export it.
    pub annex: bool,
}

impl Visibility {
    /// What a role sees.
    pub fn of(role: Role) -> Visibility {
        Visibility {
            kk: may_see(role, Field::Kk),
            address: may_see(role, Field::Address),
            phone: may_see(role, Field::FamilyPhone),
            clinical: may_see(role, Field::ClinicalReason),
            documents: may_see(role, Field::Documents),
            bpjs_card: may_see(role, Field::BpjsCard),
            registry: may_see(role, Field::RegistryData),
            reveal: may_reveal(role),
            annex: crate::access::NOMINATIF_EXPORTERS.contains(&role),
        }
    }
}

/// The evidence keys of history steps that carry identity data ([`Field::RegistryData`]):
/// the registry data as SIAK or SIKS-NG showed it, the SKTM's number and issuer.
const REGISTRY_KEYS: &[&str] = &["registry_data", "sktm_number", "issued_by"];
/// The evidence keys that carry a BPJS card number ([`Field::BpjsCard`]).
const CARD_KEYS: &[&str] = &["bpjs_card_number"];

/// A history step's evidence as `role` may see it: numbers masked, registry data and card
/// numbers dropped for the roles that do not see them.
pub fn evidence_for(role: Role, evidence: &Value) -> Value {
    let mut shown = mask_json(evidence);
    if let Some(map) = shown.as_object_mut() {
        if !may_see(role, Field::RegistryData) {
            for key in REGISTRY_KEYS {
                map.remove(*key);
            }
        }
        if !may_see(role, Field::BpjsCard) {
            for key in CARD_KEYS {
                map.remove(*key);
            }
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_for_the_team_has_no_registry_data_and_no_full_number() {
        let ev = serde_json::json!({
            "new_nik": "5371012345670001",
            "registry_data": "Nama X, Jl. Y",
            "note": "lihat 5371012345670001",
        });
        let tim = evidence_for(Role::Tim, &ev);
        assert_eq!(tim["new_nik"], "5371********0001");
        assert_eq!(tim["note"], "lihat 5371********0001");
        assert!(tim.get("registry_data").is_none());
        let dukcapil = evidence_for(Role::DukcapilProv, &ev);
        assert_eq!(dukcapil["registry_data"], "Nama X, Jl. Y");
    }

    #[test]
    fn the_role_groups_follow_the_case_roles_of_access() {
        assert_eq!(READERS.last(), Some(&Role::Tim));
        assert_eq!(IDENTITY.last(), Some(&Role::Bpjs));
        let without_tim: Vec<Role> = crate::access::CASE_ROLES
            .iter()
            .copied()
            .filter(|r| *r != Role::Tim)
            .collect();
        assert_eq!(IDENTITY, without_tim.as_slice());
        let without_bpjs: Vec<Role> = without_tim
            .into_iter()
            .filter(|r| *r != Role::Bpjs)
            .collect();
        assert_eq!(CONTACT, without_bpjs.as_slice());
    }

    #[test]
    fn no_case_field_for_admin_and_auditor() {
        for role in [Role::Admin, Role::Auditor] {
            for f in Field::ALL {
                assert!(!may_see(role, f), "{role:?} {f:?}");
            }
            assert!(!may_reveal(role));
        }
        assert!(!may_reveal(Role::Tim));
    }
}
