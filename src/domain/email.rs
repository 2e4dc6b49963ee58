//! A user's e-mail address for notifications: optional, checked before it is stored so that a
//! refused address is a message naming the field, never a database error.
//!
//! Two rules at once: the database's own check (`users.email`: one `@`, no whitespace, at most
//! 254 characters) and RFC 5321/5322 syntax as the `email_address` crate reads it — the crate
//! the mailer uses to parse recipients, so an address stored here is one it can send to. On top
//! of that the address must be ASCII (Indonesian government and hospital mail is; a non-ASCII
//! address needs SMTPUTF8 on every relay on the way) and its domain must have a dot (`ana@rs`
//! is a typo, not an address anyone can reach from the server).

use email_address::{EmailAddress, Options};

/// Longest address (RFC 5321 path limit; the database holds the same rule).
pub const MAX_LEN: usize = 254;

/// The field's label in messages.
const LABEL: &str = "Alamat email";

/// A checked e-mail address, as typed (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses a typed address: empty (after trimming) is `Ok(None)`, no address; otherwise
    /// the address, or a message in Bahasa Indonesia naming the field.
    pub fn parse_optional(input: &str) -> Result<Option<Email>, String> {
        let value = input.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if let Some(problem) = super::text::problem(value, MAX_LEN, super::text::Lines::One) {
            return Err(problem.message(LABEL));
        }
        if value.chars().any(char::is_whitespace) {
            return Err(format!("{LABEL} tidak boleh berisi spasi."));
        }
        if !value.is_ascii() {
            return Err(format!(
                "{LABEL} hanya boleh berisi huruf Latin tanpa aksen, angka dan tanda baca \
                 (tanpa emoji atau huruf lain)."
            ));
        }
        if value.matches('@').count() != 1 {
            return Err(format!(
                "{LABEL} harus berisi tepat satu tanda @, mis. nama@dinkes.nttprov.go.id."
            ));
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            // 64 octets (RFC 5321), as the mailer requires.
            allow_long_local_parts: false,
        };
        if EmailAddress::parse_with_options(value, options).is_err() {
            return Err(format!(
                "{LABEL} tidak valid; tulis seperti nama@dinkes.nttprov.go.id."
            ));
        }
        Ok(Some(Email(value.to_string())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_no_address_and_a_valid_one_is_kept_trimmed() {
        assert_eq!(Email::parse_optional("  "), Ok(None));
        let email = Email::parse_optional(" ana.bria@rsud-wzj.kupang.go.id ")
            .expect("valid")
            .expect("some");
        assert_eq!(email.as_str(), "ana.bria@rsud-wzj.kupang.go.id");
        assert!(Email::parse_optional("a+notif@gmail.com").is_ok_and(|e| e.is_some()));
    }

    #[test]
    fn what_the_database_would_refuse_is_a_message_naming_the_field() {
        let long = format!("{}@dinkes.go.id", "a".repeat(MAX_LEN));
        for bad in [
            "ana\0@dinkes.go.id",
            "ana bria@dinkes.go.id",
            "ana@dinkes go.id",
            "ana\u{a0}@dinkes.go.id",
            "ana.dinkes.go.id",
            "ana@@dinkes.go.id",
            "a@b@dinkes.go.id",
            "ana@",
            "@dinkes.go.id",
            "ana@localhost",
            "ana😀@dinkes.go.id",
            "Ana <ana@dinkes.go.id>",
            "ana@[10.0.0.1]",
            "ana@dinkes.go.id\nBcc: x@y.id",
            long.as_str(),
        ] {
            let message = Email::parse_optional(bad).expect_err(bad);
            assert!(message.starts_with("Alamat email"), "{bad:?}: {message}");
        }
    }
}
