//! Pure domain model of Merajut Sehat: identifiers (NIK, KK, phone), reference
//! codes, the case workflow state machine, the evidence each action requires,
//! the working-day SLA clock, and the checks every value a client sends goes through
//! ([`text`] for free text, [`date`] for dates) and how values are shown ([`locale`]). No web,
//! no database.

pub mod action;
pub mod claim;
pub mod date;
pub mod desil;
pub mod email;
pub mod family_status;
pub mod guarantee;
pub mod kk;
pub mod locale;
pub mod money;
pub mod nik;
pub mod nominatif;
pub mod notification;
pub mod phone;
pub mod quota;
pub mod reference;
pub mod report;
pub mod search;
pub mod sla;
pub mod text;
pub mod workflow;

pub use action::*;
pub use claim::{ClaimAction, ClaimStatus};
pub use desil::Desil;
pub use email::Email;
pub use kk::KkNumber;
pub use money::Rupiah;
pub use nik::{Nik, NikError};
pub use notification::NotificationKind;
pub use phone::PhoneNumber;
pub use reference::*;
pub use workflow::*;
