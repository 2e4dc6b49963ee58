//! Administration (role `admin`): users, hospitals, kab/kota, holidays, SLA, the retention
//! period and background work. No patient data here.
//!
//! Each page family has its module. A handler parses its form once into a typed value (or
//! field errors), makes one call, then renders or redirects; a refused form is shown again
//! with what was typed and a message under each field at fault.

mod calendar;
mod hospitals;
mod jobs;
mod kab_kota;
mod retention;
mod users;

use axum::Router;
use axum::routing::{get, post};

use super::{AppState, access};

/// Routes of this area.
pub fn router() -> Router<AppState> {
    access::require(
        Router::new()
            .route("/admin/pengguna", get(users::list))
            .route(
                "/admin/pengguna/baru",
                get(users::new_page).post(users::create),
            )
            .route(
                "/admin/pengguna/{id}",
                get(users::edit_page).post(users::update),
            )
            .route("/admin/pengguna/{id}/nonaktifkan", post(users::deactivate))
            .route("/admin/pengguna/{id}/aktifkan", post(users::activate))
            .route(
                "/admin/pengguna/{id}/keluar-semua",
                post(users::sign_out_everywhere),
            )
            .route(
                "/admin/pengguna/{id}/reset-sandi",
                post(users::reset_password),
            )
            .route("/admin/rumah-sakit", get(hospitals::list))
            .route(
                "/admin/rumah-sakit/baru",
                get(hospitals::new_page).post(hospitals::create),
            )
            .route(
                "/admin/rumah-sakit/{id}",
                get(hospitals::edit_page).post(hospitals::update),
            )
            .route("/admin/kabkota", get(kab_kota::list))
            .route(
                "/admin/hari-libur",
                get(calendar::holidays).post(calendar::add_holiday),
            )
            .route("/admin/hari-libur/hapus", post(calendar::delete_holiday))
            .route(
                "/admin/sla",
                get(calendar::sla_page).post(calendar::save_sla),
            )
            .route("/admin/retensi", get(retention::page).post(retention::save))
            .route("/admin/tugas-latar", get(jobs::page))
            .route("/admin/tugas-latar/{id}/coba-lagi", post(jobs::retry)),
        access::ADMIN,
    )
}

/// Field errors of a form, in the order found: (field name, message naming the field).
#[derive(Debug, Default)]
struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// One error.
    fn one(field: &'static str, message: impl Into<String>) -> Self {
        FieldErrors(vec![(field, message.into())])
    }

    /// Adds an error for `field`.
    fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// Adds `problem`, if any, for `field`.
    fn check(&mut self, field: &'static str, problem: Option<String>) {
        if let Some(message) = problem {
            self.push(field, message);
        }
    }

    /// The message for `field` (templates: `errors.get("name")`).
    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no error was found.
    fn or_value<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// True when `code` has the shape of a kab/kota code (`53.71`). Checked before any lookup so
/// that arbitrary input (a NUL byte, megabytes) never reaches the database.
fn kab_kota_code_shape(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5 && b[2] == b'.' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kab_kota_codes_are_two_digits_dot_two_digits() {
        assert!(kab_kota_code_shape("53.71"));
        for bad in ["", "53.7", "5371", "53,71", "53.71\0", "ab.cd", "53.711"] {
            assert!(!kab_kota_code_shape(bad), "{bad:?}");
        }
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::default();
        errors.check("name", None);
        assert!(errors.is_empty());
        errors.push("name", "Nama wajib diisi.");
        errors.check("code", Some("Kode salah.".into()));
        assert_eq!(errors.get("name"), Some("Nama wajib diisi."));
        assert_eq!(errors.get("code"), Some("Kode salah."));
        assert_eq!(errors.get("other"), None);
        assert!(errors.or_value(|| ()).is_err());
    }
}
