//! What a search box means. One box takes a NIK, the last digits of a NIK, part of a name or a
//! case number; [`SearchTerm::parse`] decides which, once, for every list (queue, hospital list,
//! monitoring list).
//!
//! The rules, in order:
//! - `MS-2026-000012` (any letter case, spaces around ignored): that case number exactly.
//! - Only digits, spaces, dots and hyphens (how a NIK is often typed: `5371 0141 0390 0001`,
//!   `53.71.01…`): the digits count.
//!   - 16 digits: that NIK exactly.
//!   - 1–3 digits: the running part of a case number (`12` finds `MS-2026-000012`); too short
//!     to be a useful piece of a NIK.
//!   - 4–6 digits: the end of a NIK, or the running part of a case number (`000012`).
//!   - 7–15 digits: the end of a NIK.
//!   - more than 16: refused (a NIK has 16 digits).
//! - Anything else: the beginnings of words of the patient's name, in any order and letter
//!   case ([`name_words`]): `mar bri` finds Maria Bria and Bria Maria Goreti, not Damaris. It
//!   must hold a letter or a digit.

use super::action::FieldError;

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// A complete case number, upper case (`MS-2026-000012`).
    CaseNumber(String),
    /// A complete 16-digit NIK.
    Nik(String),
    /// Trailing digits (1–15): the end of a NIK (4 digits or more) and/or the running part of a
    /// case number (6 digits or fewer), see [`SearchTerm::matches_nik_end`] and
    /// [`SearchTerm::case_sequence`].
    Digits(String),
    /// Part of a name, lower case.
    Name(String),
}

impl SearchTerm {
    /// Reads a search box (`field` names it in a refusal); `None` when empty.
    pub fn parse(field: &'static str, raw: &str) -> Result<Option<SearchTerm>, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if let Some(number) = case_number(s) {
            return Ok(Some(SearchTerm::CaseNumber(number)));
        }
        let numeric = s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-'));
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if numeric && !digits.is_empty() {
            return match digits.len() {
                16 => Ok(Some(SearchTerm::Nik(digits))),
                1..=15 => Ok(Some(SearchTerm::Digits(digits))),
                n => Err(FieldError {
                    field,
                    message: format!("Pencarian: NIK terdiri dari 16 angka; yang diisi {n} angka."),
                }),
            };
        }
        let name = s.to_lowercase();
        if name_words(&name).next().is_none() {
            return Err(FieldError {
                field,
                message:
                    "Pencarian: tulis sebagian nama (huruf atau angka), NIK, atau nomor kasus."
                        .into(),
            });
        }
        Ok(Some(SearchTerm::Name(name)))
    }

    /// For [`SearchTerm::Digits`] of 4 digits or more: they may be the end of a NIK.
    pub fn matches_nik_end(&self) -> bool {
        matches!(self, SearchTerm::Digits(d) if d.len() >= 4)
    }

    /// For [`SearchTerm::Digits`] of 6 digits or fewer: the running part of a case number they
    /// stand for, zero-padded (`12` → `000012`).
    pub fn case_sequence(&self) -> Option<String> {
        match self {
            SearchTerm::Digits(d) if d.len() <= 6 => Some(format!("{d:0>6}")),
            _ => None,
        }
    }
}

/// The words of a name search: what lies between the ASCII characters that are neither letters
/// nor digits (spaces, `'`, `-`, `.`, …) and other spaces (a no-break space pasted from a
/// message); letters beyond ASCII (`é`) belong to words. A name matches when each of these
/// words begins one of its own words, split the same way (the database
/// function `name_search_keys`, which stores the words' beginnings with the pair keys of
/// [`word_pairs`] in the column `cases.name_keys` for the search). Both lower-case by
/// Unicode's rules (the database through ICU's root collation).
pub fn name_words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| c.is_whitespace() || (c.is_ascii() && !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
}

/// How many letters of a word begin a pair key ([`word_pairs`]).
pub const PAIR_LETTERS: usize = 3;

/// The pair keys of a name's words, as the database function `name_search_keys` makes them for
/// the stored names (`cases.name_keys`): for each two words of [`PAIR_LETTERS`] letters or more
/// whose first [`PAIR_LETTERS`] letters differ, those two beginnings, the smaller first (byte
/// order, the database's `COLLATE "C"`), joined by a space (`maria bria` → `bri mar`). Each once,
/// in no particular order.
///
/// A name matching a search has, for any two typed words with different beginnings, two
/// different words beginning so: its own keys hold the typed words' pair keys. So the pair keys
/// narrow a search without losing a match, and a search of two common words (`maria bria`:
/// about 20,000 cases each among a million, 384 both) reads the few thousand cases of its pair
/// key through the name index rather than intersecting the two long lists.
pub fn word_pairs<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut beginnings: Vec<&str> = words
        .into_iter()
        .filter_map(|w| {
            let end = w.char_indices().nth(PAIR_LETTERS - 1)?;
            Some(&w[..end.0 + end.1.len_utf8()])
        })
        .collect();
    beginnings.sort_unstable();
    beginnings.dedup();
    let mut pairs = Vec::new();
    for (i, first) in beginnings.iter().enumerate() {
        for second in &beginnings[i + 1..] {
            pairs.push(format!("{first} {second}"));
        }
    }
    pairs
}

/// `MS-YYYY-NNNNNN`, upper-cased, when `s` is one.
fn case_number(s: &str) -> Option<String> {
    let upper = s.to_uppercase();
    let rest = upper.strip_prefix("MS-")?;
    let (year, seq) = rest.split_once('-')?;
    let all_digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    (year.len() == 4 && all_digits(year) && seq.len() >= 6 && all_digits(seq)).then_some(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<SearchTerm> {
        SearchTerm::parse("q", s).expect("valid")
    }

    #[test]
    fn each_form_of_search() {
        use SearchTerm::*;
        let cases = [
            ("", None),
            ("   ", None),
            ("5371014103900001", Some(Nik("5371014103900001".into()))),
            (
                " 5371 0141 0390 0001 ",
                Some(Nik("5371014103900001".into())),
            ),
            ("53.71.01.410390.0001", Some(Nik("5371014103900001".into()))),
            ("0001", Some(Digits("0001".into()))),
            ("390 0001", Some(Digits("3900001".into()))),
            ("12", Some(Digits("12".into()))),
            ("ms-2026-000012", Some(CaseNumber("MS-2026-000012".into()))),
            ("MS-2026-000012", Some(CaseNumber("MS-2026-000012".into()))),
            ("Markus", Some(Name("markus".into()))),
            ("TEFA", Some(Name("tefa".into()))),
            ("MS-20", Some(Name("ms-20".into()))),
            ("Maria Bria", Some(Name("maria bria".into()))),
            ("😀", Some(Name("😀".into()))),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), expected, "{input:?}");
        }
    }

    #[test]
    fn digits_match_nik_end_from_four_and_case_sequence_up_to_six() {
        let d = |s: &str| SearchTerm::Digits(s.into());
        assert!(!d("123").matches_nik_end());
        assert!(d("1234").matches_nik_end());
        assert_eq!(d("12").case_sequence().as_deref(), Some("000012"));
        assert_eq!(d("000012").case_sequence().as_deref(), Some("000012"));
        assert_eq!(d("1234567").case_sequence(), None);
    }

    #[test]
    fn name_words_split_on_ascii_signs_only() {
        fn words(s: &str) -> Vec<&str> {
            name_words(s).collect()
        }
        assert_eq!(words("maria  bria"), ["maria", "bria"]);
        assert_eq!(words(" o'neil-tefa. "), ["o", "neil", "tefa"]);
        assert_eq!(words("josé ñaño"), ["josé", "ñaño"]);
        assert_eq!(words("maria\u{a0}bria"), ["maria", "bria"]);
        assert_eq!(words("ms-20"), ["ms", "20"]);
        assert!(words("- . '").is_empty());
    }

    #[test]
    fn pair_keys_of_the_beginnings_of_long_enough_different_words() {
        fn pairs(s: &str) -> Vec<String> {
            let mut p = word_pairs(name_words(s));
            p.sort();
            p
        }
        assert_eq!(pairs("maria bria"), ["bri mar"]);
        assert_eq!(pairs("bria maria"), ["bri mar"]);
        // Three words: each two; words sharing a beginning count once; short words none.
        assert_eq!(
            pairs("maria goreti bria"),
            ["bri gor", "bri mar", "gor mar"]
        );
        assert_eq!(pairs("maria marta bria"), ["bri mar"]);
        assert_eq!(pairs("mar marta"), Vec::<String>::new());
        assert_eq!(pairs("da ko bria"), Vec::<String>::new());
        assert_eq!(pairs("maria"), Vec::<String>::new());
        // Letters, not bytes; byte order.
        assert_eq!(pairs("ñañez josé"), ["jos ñañ"]);
        assert_eq!(pairs("😀😀😀x abc"), ["abc 😀😀😀"]);
    }

    #[test]
    fn a_name_search_without_a_letter_or_digit_is_refused_with_a_message() {
        for input in [".", "- '", "%%", "(!)"] {
            let e = SearchTerm::parse("q", input).expect_err(input);
            assert_eq!(e.field, "q");
            assert!(e.message.contains("huruf atau angka"), "{}", e.message);
        }
    }

    #[test]
    fn more_than_sixteen_digits_is_refused_with_a_message() {
        let e = SearchTerm::parse("q", "53710141039000011").expect_err("refused");
        assert_eq!(e.field, "q");
        assert!(e.message.contains("16 angka"), "{}", e.message);
    }
}
