//! [`Form`]: reads one action's input field by field, checking each value against its spec and
//! collecting every error, so the per-action parsers only say which fields make up the action.
//! The claim forms (`domain::claim`) read their fields with it too.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;

use super::{FieldError, FieldKind, FieldSpec, field};
use crate::domain::date;
use crate::domain::desil::Desil;
use crate::domain::money::Rupiah;
use crate::domain::nik::Nik;

/// Collects field values and errors while parsing one form's input (an action's evidence, a
/// claim).
pub(crate) struct Form<'a> {
    specs: &'static [FieldSpec],
    input: &'a HashMap<String, String>,
    today: NaiveDate,
    errors: Vec<FieldError>,
}

impl<'a> Form<'a> {
    /// An empty form of the fields `specs` over `input`; `today` (WITA) is the date ranges'
    /// reference.
    pub(crate) fn new(
        specs: &'static [FieldSpec],
        input: &'a HashMap<String, String>,
        today: NaiveDate,
    ) -> Self {
        Form {
            specs,
            input,
            today,
            errors: Vec::new(),
        }
    }

    /// The spec of `name` in this form's field list (a plain optional text field if the
    /// parser asks for one the list lacks).
    pub(crate) fn spec(&self, name: &'static str) -> FieldSpec {
        self.specs
            .iter()
            .find(|f| f.name == name)
            .copied()
            .unwrap_or(field(name, name, FieldKind::Text, false, ""))
    }

    /// Records an error on `field`.
    pub(crate) fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FieldError { field, message });
    }

    /// The trimmed value, `None` if absent or empty.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a str> {
        self.input
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The trimmed value with its spec; reports a missing required field, and a value with
    /// control characters or too long (then `None`: the one error is enough).
    pub(crate) fn present(&mut self, name: &'static str) -> Option<(&'a str, FieldSpec)> {
        let spec = self.spec(name);
        match self.raw(name) {
            Some(v) => match spec.check_text(v) {
                Ok(()) => Some((v, spec)),
                Err(e) => {
                    self.errors.push(e);
                    None
                }
            },
            None => {
                if spec.required {
                    self.error(name, format!("{} wajib diisi", spec.label));
                }
                None
            }
        }
    }

    /// A text value.
    pub(crate) fn text(&mut self, name: &'static str) -> Option<String> {
        let (v, _) = self.present(name)?;
        Some(v.to_string())
    }

    /// A date within its field's plausible range (see [`date::check`]).
    pub(crate) fn date(&mut self, name: &'static str) -> Option<NaiveDate> {
        let (v, spec) = self.present(name)?;
        match date::check(spec.label, v, self.today, spec.dates) {
            Ok(d) => Some(d),
            Err(message) => {
                self.error(name, message);
                None
            }
        }
    }

    /// A whole number; an `Rp` prefix and thousands separators (`.`, space, `_`) are ignored.
    pub(crate) fn integer(&mut self, name: &'static str) -> Option<i64> {
        let (v, spec) = self.present(name)?;
        let v = v.strip_prefix("Rp").unwrap_or(v);
        let digits: String = v
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '_'))
            .collect();
        match digits.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(name, format!("{} harus berupa bilangan bulat", spec.label));
                None
            }
        }
    }

    /// A checkbox: absent or a "no" word is false, a "yes" word true.
    pub(crate) fn checkbox(&mut self, name: &'static str) -> bool {
        let spec = self.spec(name);
        let value = match self.raw(name).map(|v| (v, spec.check_text(v))) {
            Some((_, Err(e))) => {
                self.errors.push(e);
                return false;
            }
            Some((v, Ok(()))) => Some(v),
            None => None,
        };
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "off" | "tidak" | "no") => false,
            Some("true" | "1" | "on" | "ya" | "yes") => true,
            Some(_) => {
                self.error(name, format!("{} harus dicentang atau tidak", spec.label));
                false
            }
        }
    }

    /// A select value: must be one of the spec's option codes.
    pub(crate) fn select_code(&mut self, name: &'static str) -> Option<&'static str> {
        let (v, spec) = self.present(name)?;
        let options: &'static [(&'static str, &'static str)] = match spec.kind {
            FieldKind::Select(options) => options,
            _ => &[],
        };
        match options.iter().find(|(code, _)| *code == v) {
            Some((code, _)) => Some(code),
            None => {
                let labels: Vec<&str> = options.iter().map(|(_, l)| *l).collect();
                self.error(
                    name,
                    format!(
                        "{} tidak valid; pilih salah satu: {}",
                        spec.label,
                        labels.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// A select value parsed into its type.
    pub(crate) fn select<T: FromStr>(&mut self, name: &'static str) -> Option<T> {
        let code = self.select_code(name)?;
        match code.parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                let label = self.spec(name).label;
                self.error(name, format!("{label} tidak valid"));
                None
            }
        }
    }

    /// A 16-digit NIK.
    pub(crate) fn nik(&mut self, name: &'static str) -> Option<Nik> {
        let (v, spec) = self.present(name)?;
        match Nik::parse(v) {
            Ok(n) => Some(n),
            Err(e) => {
                self.error(name, format!("{}: {e}", spec.label));
                None
            }
        }
    }

    /// A desil code (1–10 or not listed).
    pub(crate) fn desil(&mut self, name: &'static str) -> Option<Desil> {
        let (v, spec) = self.present(name)?;
        match Desil::parse(v) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    name,
                    format!("{} harus 1–10 atau 'tidak terdaftar'", spec.label),
                );
                None
            }
        }
    }

    /// A 13-digit BPJS card number (spaces and dashes ignored).
    pub(crate) fn card_number(&mut self, name: &'static str) -> Option<String> {
        let (v, spec) = self.present(name)?;
        let digits: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() == 13 && digits.chars().all(|c| c.is_ascii_digit()) {
            Some(digits)
        } else {
            self.error(name, format!("{} harus 13 digit angka", spec.label));
            None
        }
    }

    /// A positive amount of whole rupiah ([`Rupiah::parse`]: `12.500.000`, `Rp12.500.000`).
    pub(crate) fn rupiah(&mut self, name: &'static str) -> Option<Rupiah> {
        let (v, spec) = self.present(name)?;
        match Rupiah::parse(v) {
            Ok(Rupiah(0)) => {
                self.error(name, format!("{} harus lebih dari Rp0", spec.label));
                None
            }
            Ok(r) => Some(r),
            Err(e) => {
                self.error(name, e.message(spec.label));
                None
            }
        }
    }

    /// The parsed value, or every field error collected; `data` is what the parser built
    /// (`None` when a required value is missing, which an error then explains).
    pub(crate) fn finish<T>(self, data: Option<T>) -> Result<T, Vec<FieldError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        data.ok_or_else(|| {
            vec![FieldError {
                field: "",
                message: "Data tindakan tidak lengkap".to_string(),
            }]
        })
    }
}
