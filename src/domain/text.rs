//! Checks on free text that people type (names, labels): no control characters, a bounded
//! length. Messages are in Bahasa Indonesia and name the field, so a form can show them as
//! they are.

/// Why `value` cannot be stored because it holds a C0 control character (NUL, ESC, …), or
/// `None` when it holds none. Tab, line feed and carriage return (the line ends a browser
/// sends from a textarea) are allowed. PostgreSQL refuses NUL in text outright, so this check
/// must run before any text reaches the database.
pub fn control_char_problem(label: &str, value: &str) -> Option<String> {
    value
        .chars()
        .any(|c| c.is_ascii_control() && c != '\u{7f}' && !matches!(c, '\t' | '\n' | '\r'))
        .then(|| {
            format!(
                "{label} berisi karakter kendali (mis. NUL) yang tidak diizinkan; \
                 hapus karakter tersebut."
            )
        })
}

/// Why `value` is longer than `max` characters (Unicode scalar values, so an emoji counts as
/// one), or `None` when it fits.
pub fn length_problem(label: &str, value: &str, max: usize) -> Option<String> {
    let len = value.chars().count();
    (len > max).then(|| format!("{label} maksimal {max} karakter; yang diisi {len} karakter."))
}

/// The first problem of a required single-line text: empty, too long or holding a control
/// character. `value` is expected trimmed.
pub fn required_text_problem(label: &str, value: &str, max: usize) -> Option<String> {
    if value.is_empty() {
        return Some(format!("{label} wajib diisi."));
    }
    length_problem(label, value, max).or_else(|| control_char_problem(label, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_except_tab_and_line_ends() {
        for bad in ["a\0b", "\u{1b}[31m", "x\u{7}", "\u{1f}"] {
            let problem = control_char_problem("Nama", bad).expect(bad);
            assert!(
                problem.starts_with("Nama berisi karakter kendali"),
                "{problem}"
            );
        }
        for good in [
            "RSUD Kupang",
            "baris\nbaru\r\n",
            "tab\there",
            "Flores 🌋",
            "ä ö ü",
        ] {
            assert_eq!(control_char_problem("Nama", good), None, "{good:?}");
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let emoji = "🌋".repeat(100);
        assert_eq!(length_problem("Nama", &emoji, 100), None);
        let problem = length_problem("Nama", &format!("{emoji}x"), 100).expect("too long");
        assert_eq!(
            problem,
            "Nama maksimal 100 karakter; yang diisi 101 karakter."
        );
    }

    #[test]
    fn required_text_names_the_first_problem() {
        assert_eq!(
            required_text_problem("Nama lengkap", "", 10).as_deref(),
            Some("Nama lengkap wajib diisi.")
        );
        assert!(required_text_problem("Nama", "a\0", 10).is_some_and(|p| p.contains("kendali")));
        assert!(
            required_text_problem("Nama", &"a".repeat(11), 10)
                .is_some_and(|p| p.contains("maksimal"))
        );
        assert_eq!(required_text_problem("Nama", "Maria", 10), None);
    }
}
