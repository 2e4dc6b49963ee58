//! Which new passwords are accepted (every place a password is set: one's own change, the CLI,
//! the demo seed). Length 8–128 characters and no composition rules; refused are:
//!
//! - the 10,000 most common passwords (`common-passwords.txt`, compared without regard to case);
//! - a password that contains the username (without regard to case, also with `.`/`_`/`-` and
//!   other non-alphanumerics left out of both);
//! - a password *built from* the program's words ([`PROGRAM_WORDS`]: rsud, dinkes, kupang,
//!   merajut, sehat, "kata sandi", …): once digits, punctuation and spaces are left out (and,
//!   in a second reading, common look-alikes such as `@`→a, `0`→o, `4`→a are read as letters
//!   after the leading and trailing digits/punctuation are cut), what remains is nothing but
//!   such words, one after another (`Kupang2026!`, `rsud-sehat-ntt`, `P@ssw0rd2026`);
//! - a repetitive or sequential password: at most three different characters (`aaaaaaaaaa`),
//!   a repeated block (`passwordpassword`, `abcabcabc`), or a run going up or down by one
//!   (`abcdefgh`, `98765432`, `1234567890`).
//!
//! A long passphrase of ordinary words (`lontar-sasando-pagi-hari`) passes.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest accepted password (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_LEN: usize = 128;

/// The words of the program, its institutions and region, and the words for "password": a
/// password made of nothing else is the first thing an attacker tries here.
pub const PROGRAM_WORDS: &[&str] = &[
    "merajut",
    "sehat",
    "rsud",
    "rs",
    "rumah",
    "sakit",
    "puskesmas",
    "dinkes",
    "dinsos",
    "dukcapil",
    "disdukcapil",
    "bpjs",
    "jkn",
    "kis",
    "pbi",
    "pbpu",
    "pemda",
    "kesehatan",
    "sosial",
    "provinsi",
    "prov",
    "kabupaten",
    "kab",
    "kota",
    "ntt",
    "nusa",
    "tenggara",
    "timur",
    "kupang",
    "timor",
    "flores",
    "sumba",
    "alor",
    "lembata",
    "rote",
    "sabu",
    "indonesia",
    "admin",
    "demo",
    "password",
    "passwd",
    "pass",
    "kata",
    "sandi",
    "katasandi",
    "rahasia",
    "masuk",
    "login",
];

/// The common-password list, built once.
fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// True when `password` is on the common-password list (without regard to case).
pub fn is_common(password: &str) -> bool {
    common_passwords().contains(password.to_lowercase().as_str())
}

/// Why a new password is not acceptable for the account `username`, in Bahasa Indonesia and
/// naming the field; `None` when it is acceptable.
pub fn password_problem(password: &str, username: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Some(format!(
            "Kata sandi minimal {MIN_PASSWORD_LEN} karakter; yang diisi {len} karakter."
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Some(format!("Kata sandi maksimal {MAX_PASSWORD_LEN} karakter."));
    }
    if let Some(problem) = crate::domain::text::control_char_problem("Kata sandi", password) {
        return Some(problem);
    }
    if is_common(password) {
        return Some(
            "Kata sandi ini termasuk kata sandi yang paling sering dipakai dan mudah ditebak; \
             pilih yang lain, misalnya beberapa kata yang mudah Anda ingat."
                .into(),
        );
    }
    if contains_username(password, username) {
        return Some("Kata sandi tidak boleh memuat nama pengguna.".into());
    }
    if built_from_program_words(password) {
        return Some(
            "Kata sandi tidak boleh hanya tersusun dari nama program, instansi atau daerah \
             (mis. rsud, dinkes, kupang, merajut) atau kata \"kata sandi\", dengan angka atau \
             tanda baca."
                .into(),
        );
    }
    if repetitive_or_sequential(password) {
        return Some(
            "Kata sandi tidak boleh berupa karakter yang berulang atau berurutan \
             (mis. aaaaaaaa, 12345678, abcabcabc)."
                .into(),
        );
    }
    None
}

fn alphanumeric_lowercase(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn contains_username(password: &str, username: &str) -> bool {
    let username = username.trim().to_lowercase();
    if username.chars().count() < 3 {
        return false;
    }
    if password.to_lowercase().contains(&username) {
        return true;
    }
    let bare = alphanumeric_lowercase(&username);
    bare.chars().count() >= 3 && alphanumeric_lowercase(password).contains(&bare)
}

/// True when `letters` is one or more program words written one after another.
fn only_program_words(letters: &str) -> bool {
    let n = letters.len();
    if n == 0 || !letters.is_ascii() {
        return false;
    }
    // ends[i]: the first i bytes are words one after another.
    let mut ends = vec![false; n + 1];
    ends[0] = true;
    for i in 0..n {
        if !ends[i] {
            continue;
        }
        for word in PROGRAM_WORDS {
            if letters[i..].starts_with(word) {
                ends[i + word.len()] = true;
            }
        }
    }
    ends[n]
}

/// Reads a look-alike digit or sign as the letter it stands for (`@` → a, `0` → o).
fn look_alike(c: char) -> char {
    match c {
        '@' | '4' => 'a',
        '8' => 'b',
        '3' => 'e',
        '9' => 'g',
        '1' | '!' => 'i',
        '|' => 'l',
        '0' => 'o',
        '5' | '$' => 's',
        '7' => 't',
        other => other,
    }
}

fn built_from_program_words(password: &str) -> bool {
    let lower = password.to_lowercase();
    let letters: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    if only_program_words(&letters) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let read: String = core
        .chars()
        .map(look_alike)
        .filter(|c| c.is_alphabetic())
        .collect();
    only_program_words(&read)
}

fn repetitive_or_sequential(password: &str) -> bool {
    let chars: Vec<char> = password.to_lowercase().chars().collect();
    let distinct: HashSet<char> = chars.iter().copied().collect();
    if distinct.len() <= 3 {
        return true;
    }
    // A block repeated (the last repetition may be cut short).
    let n = chars.len();
    let repeated = (1..=n / 2).any(|p| (p..n).all(|i| chars[i] == chars[i - p]));
    if repeated {
        return true;
    }
    // A run up or down by one; digits go round (…8, 9, 0).
    let step = |a: char, b: char| -> Option<i32> {
        if a.is_ascii_digit() && b.is_ascii_digit() {
            let d = (b as i32 - a as i32).rem_euclid(10);
            match d {
                1 => Some(1),
                9 => Some(-1),
                _ => None,
            }
        } else {
            match b as i64 - a as i64 {
                1 => Some(1),
                -1 => Some(-1),
                _ => None,
            }
        }
    };
    let first = step(chars[0], chars[1]);
    first.is_some() && chars.windows(2).all(|w| step(w[0], w[1]) == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str, username: &str, reason: &str) {
        let problem = password_problem(password, username)
            .unwrap_or_else(|| panic!("{password:?} was accepted"));
        assert!(problem.starts_with("Kata sandi"), "{problem}");
        assert!(
            problem.contains(reason),
            "{password:?}: expected {reason:?} in {problem:?}"
        );
    }

    #[test]
    fn the_list_holds_ten_thousand_passwords() {
        assert!(
            common_passwords().len() >= 10_000,
            "{}",
            common_passwords().len()
        );
        assert!(is_common("PassWord1"));
        assert!(!is_common("lontar-sasando-pagi-hari"));
    }

    #[test]
    fn length_is_counted_in_characters() {
        refused("ab1-xyz", "maria.pic", "minimal 8 karakter; yang diisi 7");
        // Eight characters, sixteen bytes: long enough.
        assert_eq!(password_problem("ñandú-pé", "maria.pic"), None);
        refused(&"lontar-".repeat(19), "maria.pic", "maksimal 128");
        refused("lontar\0sasando", "maria.pic", "Kata sandi");
    }

    #[test]
    fn common_passwords_are_refused_without_regard_to_case() {
        for password in ["password1", "QWERTYUIOP", "1234567890", "iloveyou!"] {
            refused(password, "maria.pic", "paling sering dipakai");
        }
    }

    #[test]
    fn a_password_containing_the_username_is_refused() {
        refused("maria.pic-2026", "maria.pic", "nama pengguna");
        refused("Mariapic#sasando", "maria.pic", "nama pengguna");
        refused("xx-PIC.WZJ-yy", "pic.wzj", "nama pengguna");
    }

    #[test]
    fn a_password_built_from_the_programs_words_is_refused() {
        for password in [
            "Kupang2026!",
            "rsud-sehat-ntt",
            "DinkesKupang",
            "merajut sehat 1",
            "P@ssw0rd2026",
            "kata-sandi-2026",
            "disdukcapil",
            "NusaTenggaraTimur",
        ] {
            refused(password, "maria.pic", "nama program");
        }
    }

    #[test]
    fn repetitive_and_sequential_passwords_are_refused() {
        for password in [
            "aaaaaaaaaa",
            "zzzzzzzzzzzzzzzzz",
            "abababab",
            "xqzwxqzwxqzw",
            "lontarlontar",
            "abcdefghij",
            "98765432109",
            "4567890123",
        ] {
            refused(password, "maria.pic", "berulang atau berurutan");
        }
    }

    #[test]
    fn a_long_passphrase_is_accepted() {
        for password in [
            "lontar-sasando-pagi-hari",
            "kata-sandi-uji-2026",
            "rumah adat di bukit kapur",
            "Kupang2026!tenun-ikat",
        ] {
            assert_eq!(password_problem(password, "maria.pic"), None, "{password}");
        }
    }
}
