//! Two-factor sign-in: TOTP codes (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of
//! tolerance either way) from a 160-bit shared secret, the `otpauth://` link an authenticator
//! app reads from the QR code, one-time recovery codes and activation codes.
//!
//! Time always comes from the caller (the application's clock), so tests compute the code of
//! a chosen instant with [`code_at`].

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::rngs::OsRng;
use totp_rs::{Builder, Secret, Totp};

use crate::domain::Role;

/// Length of a step in seconds (RFC 6238's recommendation; every authenticator app's default).
pub const STEP_SECONDS: i64 = 30;
/// The name authenticator apps show next to the username.
pub const ISSUER: &str = "Merajut Sehat";
/// How many recovery codes a user gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// Bytes of a new shared secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

/// Roles that must sign in with a second factor: they see province-wide data, administer the
/// accounts or read the access log.
pub fn is_mandatory(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::DinkesProv | Role::Tim | Role::Auditor
    )
}

/// A new random shared secret.
pub fn new_secret() -> Vec<u8> {
    let bytes: [u8; SECRET_BYTES] = OsRng.r#gen();
    bytes.to_vec()
}

fn totp(secret: &[u8]) -> Totp {
    // SHA-1, 6 digits, skew 1, 30 s: the builder's defaults, which are RFC 6238's.
    Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .build_noncompliant()
}

/// Seconds since the epoch of `at` (never negative: the clock is after 1970).
fn unix(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// The 6-digit code of `secret` at `at`.
pub fn code_at(secret: &[u8], at: DateTime<Utc>) -> String {
    totp(secret).generate(unix(at)).to_string()
}

/// The time step `at` falls in.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The step whose code `code` is, among the step of `at` and the ones just before and after;
/// `None` when it is none of them (or not six digits). The caller refuses a step already used.
pub fn check(secret: &[u8], code: &str, at: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    totp(secret)
        .check(&code, unix(at))
        .and_then(|step| i64::try_from(step).ok())
}

/// The secret in Base32 (RFC 4648), as authenticator apps take it when typed.
pub fn base32(secret: &[u8]) -> String {
    Secret::new(secret.to_vec().into_boxed_slice()).to_base32()
}

/// The Base32 secret in groups of four, easier to type from the screen.
pub fn base32_grouped(secret: &[u8]) -> String {
    base32(secret)
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` link of the enrolment QR code (Key Uri Format). Usernames hold only
/// `a-z 0-9 _ . -`, which need no escaping.
pub fn otpauth_url(secret: &[u8], username: &str) -> String {
    format!(
        "otpauth://totp/Merajut%20Sehat:{username}?secret={}&issuer=Merajut%20Sehat\
         &algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        base32(secret)
    )
}

/// New one-time codes (recovery or activation): four groups of four characters without
/// look-alikes (`k7pq-x3mz-9tcw-h4rf`), about 79 bits each.
pub fn new_one_time_code() -> String {
    super::generate_password()
}

/// The stored form of a recovery or activation code: SHA-256 of the code as typed, without
/// spaces and in lower case. A salted slow hash (Argon2) is not needed: the code is random with
/// about 79 bits, beyond any offline guessing, unlike a password a person chose.
pub fn one_time_code_hash(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    super::token_hash(&normal)
}

/// True when `input` has the shape of a one-time code (not a 6-digit TOTP code).
pub fn looks_like_one_time_code(input: &str) -> bool {
    let n = input.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    n == 16 && input.len() <= 40
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("valid")
    }

    /// RFC 6238 appendix B, SHA-1 secret "12345678901234567890": at 59 s the 8-digit code is
    /// 94287082, so the 6-digit one is its last six digits.
    #[test]
    fn codes_match_the_rfc_test_vector() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, at("1970-01-01T00:00:59Z")), "287082");
        assert_eq!(code_at(secret, at("2005-03-18T01:58:29Z")), "081804");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_way_and_no_further() {
        let secret = b"12345678901234567890";
        let t = at("2026-12-07T10:00:00Z");
        let code = code_at(secret, t);
        assert_eq!(check(secret, &code, t), Some(step_of(t)));
        assert_eq!(
            check(secret, &code, t + chrono::Duration::seconds(30)),
            Some(step_of(t))
        );
        assert_eq!(
            check(secret, &code, t - chrono::Duration::seconds(30)),
            Some(step_of(t))
        );
        assert_eq!(
            check(secret, &code, t + chrono::Duration::seconds(60)),
            None
        );
        assert_eq!(check(secret, "12345", t), None);
        assert_eq!(check(secret, "abcdef", t), None);
    }

    #[test]
    fn the_link_and_the_typed_secret_agree() {
        let secret = b"12345678901234567890";
        assert_eq!(base32(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(otpauth_url(secret, "ana.tim").contains("Sehat:ana.tim?secret=GEZDGNBV"));
        assert_eq!(&base32_grouped(secret)[..9], "GEZD GNBV");
    }

    #[test]
    fn one_time_codes_hash_as_typed_in_any_case() {
        let code = new_one_time_code();
        assert!(looks_like_one_time_code(&code), "{code}");
        assert_eq!(
            one_time_code_hash(&code),
            one_time_code_hash(&format!(" {} ", code.to_uppercase()))
        );
        assert!(!looks_like_one_time_code("123456"));
    }
}
