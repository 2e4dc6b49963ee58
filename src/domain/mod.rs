//! Pure domain model of Merajut Sehat: identifiers (NIK, KK, phone), reference
//! codes, the case workflow state machine, the evidence each action requires,
//! and the working-day SLA clock. No web, no database.

pub mod action;
pub mod desil;
pub mod kk;
pub mod nik;
pub mod phone;
pub mod reference;
pub mod sla;
pub mod text;
pub mod workflow;

pub use action::*;
pub use desil::Desil;
pub use kk::KkNumber;
pub use nik::{Nik, NikError};
pub use phone::PhoneNumber;
pub use reference::*;
pub use workflow::*;
