//! The one check every free-text value a client sends goes through, wherever it arrives (a
//! form, a JSON body, a search box, an admin page, the command line): no control characters
//! and no more than the field's maximum length, with a message in Bahasa Indonesia that names
//! the field. [`check`] gives a [`FieldError`] for forms described by field specs; the
//! `*_problem` functions give the message alone, for forms that keep their own errors.
//!
//! Why here and not in each parser: PostgreSQL refuses a NUL byte in text, so a NUL that
//! slipped past one parser became a 500; other control characters are invisible on a page and
//! break exports. Call [`check`] (or [`problem`] when the field has no [`FieldError`] name) on
//! the trimmed value before using it.

use super::action::FieldError;

/// Maximum length of a value that is a code, a number or a date rather than prose (select
/// options, NIK, dates, amounts): generous for any valid value, small enough to refuse junk.
pub const CODE_MAX: usize = 100;
/// Maximum length of a search box.
pub const SEARCH_MAX: usize = 100;

/// Whether a field may hold line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A one-line input: tab is the only control character allowed.
    One,
    /// A text area: tab, line feed, and carriage return when it starts a CRLF pair (how
    /// browsers send a text area's line breaks).
    Many,
}

/// Why a text value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// A control character other than the allowed whitespace (NUL, ESC, DEL, a lone CR …).
    Control,
    /// A line break in a one-line field.
    LineBreak,
    /// More characters than allowed.
    TooLong {
        /// The maximum, in characters.
        max: usize,
        /// The length sent, in characters.
        length: usize,
    },
}

impl TextProblem {
    /// The message for the field labelled `label`.
    pub fn message(&self, label: &str) -> String {
        match self {
            TextProblem::Control => format!(
                "{label} berisi karakter kendali (mis. NUL) yang tidak diizinkan; hapus \
                 karakter tersebut."
            ),
            TextProblem::LineBreak => {
                format!("{label} harus satu baris; hapus baris baru di dalamnya.")
            }
            TextProblem::TooLong { max, length } => {
                format!("{label} maksimal {max} karakter; yang diisi {length} karakter.")
            }
        }
    }
}

/// The first problem of `value`, if any: a control character (see [`Lines`]), then the length
/// in characters (not bytes).
pub fn problem(value: &str, max_chars: usize, lines: Lines) -> Option<TextProblem> {
    let mut chars = value.chars().peekable();
    let mut length = 0usize;
    while let Some(c) = chars.next() {
        length += 1;
        let allowed = match (c, lines) {
            ('\t', _) => true,
            // U+2028/U+2029 are line and paragraph separators: line breaks too.
            ('\n' | '\r' | '\u{2028}' | '\u{2029}', Lines::One) => {
                return Some(TextProblem::LineBreak);
            }
            ('\u{2028}' | '\u{2029}', Lines::Many) => false,
            ('\n', Lines::Many) => true,
            ('\r', Lines::Many) => chars.peek() == Some(&'\n'),
            (c, _) => !c.is_control(),
        };
        if !allowed {
            return Some(TextProblem::Control);
        }
    }
    (length > max_chars).then_some(TextProblem::TooLong {
        max: max_chars,
        length,
    })
}

/// Checks `value` of the field `field` (labelled `label`): the field error of its first
/// problem, if any.
pub fn check(
    field: &'static str,
    label: &str,
    value: &str,
    max_chars: usize,
    lines: Lines,
) -> Result<(), FieldError> {
    match problem(value, max_chars, lines) {
        None => Ok(()),
        Some(p) => Err(FieldError {
            field,
            message: p.message(label),
        }),
    }
}

/// Why `value` holds a control character (see [`problem`]; line breaks allowed), or `None`.
pub fn control_char_problem(label: &str, value: &str) -> Option<String> {
    match problem(value, usize::MAX, Lines::Many) {
        Some(p @ TextProblem::Control) => Some(p.message(label)),
        _ => None,
    }
}

/// Why `value` is longer than `max` characters (Unicode scalar values, so an emoji counts as
/// one), or `None` when it fits.
pub fn length_problem(label: &str, value: &str, max: usize) -> Option<String> {
    let length = value.chars().count();
    (length > max).then(|| TextProblem::TooLong { max, length }.message(label))
}

/// The first problem of a required single-line text: empty, a control character or a line
/// break, too long. `value` is expected trimmed.
pub fn required_text_problem(label: &str, value: &str, max: usize) -> Option<String> {
    if value.is_empty() {
        return Some(format!("{label} wajib diisi."));
    }
    problem(value, max, Lines::One).map(|p| p.message(label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_passes() {
        for v in [
            "Maria Goreti Bria",
            "Jl. Timor Raya No. 12\tRT 3",
            "Ña Ñu – 'é' 😀",
            "",
        ] {
            assert_eq!(problem(v, 200, Lines::One), None, "{v:?}");
        }
        assert_eq!(
            problem("baris 1\nbaris 2\r\nbaris 3", 200, Lines::Many),
            None
        );
    }

    #[test]
    fn control_characters_are_refused() {
        for v in ["a\0b", "\u{1b}[31m", "a\u{7f}", "a\u{85}b", "\u{8}"] {
            assert_eq!(
                problem(v, 200, Lines::Many),
                Some(TextProblem::Control),
                "{v:?}"
            );
            assert_eq!(
                problem(v, 200, Lines::One),
                Some(TextProblem::Control),
                "{v:?}"
            );
        }
        // A carriage return only as the first half of CRLF.
        assert_eq!(
            problem("a\rb", 200, Lines::Many),
            Some(TextProblem::Control)
        );
        assert_eq!(problem("a\r", 200, Lines::Many), Some(TextProblem::Control));
    }

    #[test]
    fn line_breaks_only_where_lines_are_allowed() {
        assert_eq!(
            problem("a\nb", 200, Lines::One),
            Some(TextProblem::LineBreak)
        );
        assert_eq!(
            problem("a\r\nb", 200, Lines::One),
            Some(TextProblem::LineBreak)
        );
        assert_eq!(
            problem("a\u{2028}b", 200, Lines::One),
            Some(TextProblem::LineBreak)
        );
        assert_eq!(
            problem("a\u{2029}b", 200, Lines::Many),
            Some(TextProblem::Control)
        );
    }

    #[test]
    fn length_counts_characters() {
        assert_eq!(problem("ééé", 3, Lines::One), None);
        assert_eq!(
            problem("éééé", 3, Lines::One),
            Some(TextProblem::TooLong { max: 3, length: 4 })
        );
    }

    #[test]
    fn problems_as_messages_for_forms_without_specs() {
        assert!(
            control_char_problem("Nama", "a\0b")
                .is_some_and(|p| p.starts_with("Nama berisi karakter kendali"))
        );
        assert_eq!(control_char_problem("Nama", "baris\nbaru\r\ntab\t🌋"), None);
        let emoji = "🌋".repeat(100);
        assert_eq!(length_problem("Nama", &emoji, 100), None);
        assert_eq!(
            length_problem("Nama", &format!("{emoji}x"), 100).as_deref(),
            Some("Nama maksimal 100 karakter; yang diisi 101 karakter.")
        );
        assert_eq!(
            required_text_problem("Nama lengkap", "", 10).as_deref(),
            Some("Nama lengkap wajib diisi.")
        );
        assert!(required_text_problem("Nama", "a\0", 10).is_some_and(|p| p.contains("kendali")));
        assert!(
            required_text_problem("Nama", "a\nb", 10).is_some_and(|p| p.contains("satu baris"))
        );
        assert!(
            required_text_problem("Nama", &"a".repeat(11), 10)
                .is_some_and(|p| p.contains("maksimal"))
        );
        assert_eq!(required_text_problem("Nama", "Maria", 10), None);
    }

    #[test]
    fn the_error_names_the_field() {
        let e =
            check("full_name", "Nama lengkap pasien", "a\0", 200, Lines::One).expect_err("refused");
        assert_eq!(e.field, "full_name");
        assert!(
            e.message
                .starts_with("Nama lengkap pasien berisi karakter kendali")
        );
        let e = check("q", "Pencarian", &"x".repeat(101), 100, Lines::One).expect_err("long");
        assert_eq!(
            e.message,
            "Pencarian maksimal 100 karakter; yang diisi 101 karakter."
        );
    }
}
