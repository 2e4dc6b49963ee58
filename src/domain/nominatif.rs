//! The daftar nominatif (nominative list) of beneficiaries that the Governor sets by decree
//! (Pergub NTT 55/2025 B.1.3; Kepgub NTT 99/2025 for PBPU Pemda): what a batch is built on,
//! its states, and the checks of what Dinkes types (period, decree number and date, reason to
//! cancel). Pure rules; the queries are in `db::nominatif`, the operations in
//! `cases::nominatif`.
//!
//! **Eligible** (docs/domain.md, "Daftar nominatif"): a case not withdrawn or rejected, in no
//! other batch that is not cancelled, and
//! - basis [`Basis::JaminanSementara`]: its temporary guarantee (approved by Dinkes, so the
//!   patient's identity and welfare were verified on the way) starts in the period;
//! - basis [`Basis::PbpuPemda`]: Dinkes enrolled it in PBPU Pemda (Kepgub 99/2025:
//!   the enrolment is set by decree before BPJS registers it) with a decision date in the
//!   period;
//!
//! and, when the batch names a payer, paid by that payer (the guarantee's payer, or the
//! premium's payer for PBPU Pemda).

use chrono::NaiveDate;

use super::action::FieldError;
use super::date::{self, DateRange};
use super::reference::{Payer, code_enum};
use super::text::{self, Lines};

code_enum! {
    /// Which beneficiaries a batch lists.
    pub enum Basis {
        /// Cases whose temporary guarantee starts in the period (Pergub 55/2025 B.1.3).
        JaminanSementara => ("jaminan_sementara", "Penerima jaminan sementara"),
        /// Cases enrolled in PBPU Pemda in the period (Kepgub 99/2025).
        PbpuPemda => ("pbpu_pemda", "Peserta PBPU Pemda"),
    }
}

code_enum! {
    /// Where a batch is.
    pub enum BatchStatus {
        /// Being put together: cases can be added and removed, the batch can be cancelled.
        Draft => ("draft", "Draf"),
        /// The decree is recorded; read-only.
        Closed => ("closed", "Ditetapkan"),
        /// Cancelled with a reason; its cases are free for another batch.
        Cancelled => ("cancelled", "Dibatalkan"),
    }
}

impl Basis {
    /// What the decree annex is about, for its title.
    pub fn annex_subject(&self) -> &'static str {
        match self {
            Basis::JaminanSementara => {
                "Penerima Manfaat Jaminan Pembiayaan Kesehatan Sementara Program Merajut Sehat"
            }
            Basis::PbpuPemda => {
                "Peserta Jaminan Kesehatan Nasional Pekerja Bukan Penerima Upah dan Bukan \
                 Pekerja yang Didaftarkan Pemerintah Daerah (PBPU Pemda)"
            }
        }
    }
}

/// Longest period of one batch, in days (a year).
pub const MAX_PERIOD_DAYS: i64 = 366;
/// Longest decree number.
pub const DECREE_NUMBER_MAX: usize = 100;
/// Longest reason to cancel.
pub const CANCEL_REASON_MAX: usize = 500;

/// What Dinkes asks for when building a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRequest {
    pub basis: Basis,
    /// `None`: every payer.
    pub payer: Option<Payer>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// The decree that closes a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decree {
    pub number: String,
    pub date: NaiveDate,
}

fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Parses the build form (`basis`, `payer`, `period_start`, `period_end`); every problem is a
/// field error naming its field.
pub fn parse_request(
    basis: &str,
    payer: &str,
    start: &str,
    end: &str,
    today: NaiveDate,
) -> Result<BatchRequest, Vec<FieldError>> {
    let mut errors = vec![];
    let basis = basis.trim().parse::<Basis>().map_err(|_| {
        field_error(
            "basis",
            "Dasar daftar wajib dipilih: penerima jaminan sementara atau peserta PBPU Pemda.",
        )
    });
    let payer = match payer.trim() {
        "" => Ok(None),
        code => code.parse::<Payer>().map(Some).map_err(|_| {
            field_error(
                "payer",
                "Penanggung biaya tidak dikenali; pilih dari daftar atau kosongkan untuk semua.",
            )
        }),
    };
    // A period may end in the future (this month's batch) but not start after today.
    let period = DateRange {
        months_back: Some(120),
        months_ahead: Some(12),
    };
    let start = date::check("Awal periode", start, today, period)
        .map_err(|m| field_error("period_start", m))
        .and_then(|d| {
            if d > today {
                Err(field_error(
                    "period_start",
                    "Awal periode tidak boleh di masa depan.",
                ))
            } else {
                Ok(d)
            }
        });
    let end =
        date::check("Akhir periode", end, today, period).map_err(|m| field_error("period_end", m));
    let (basis, payer, start, end) = match (basis, payer, start, end) {
        (Ok(b), Ok(p), Ok(s), Ok(e)) => (b, p, s, e),
        (b, p, s, e) => {
            errors.extend(b.err());
            errors.extend(p.err());
            errors.extend(s.err());
            errors.extend(e.err());
            return Err(errors);
        }
    };
    if end < start {
        return Err(vec![field_error(
            "period_end",
            "Akhir periode tidak boleh sebelum awal periode.",
        )]);
    }
    if (end - start).num_days() > MAX_PERIOD_DAYS {
        return Err(vec![field_error(
            "period_end",
            format!("Periode paling panjang {MAX_PERIOD_DAYS} hari (satu tahun)."),
        )]);
    }
    Ok(BatchRequest {
        basis,
        payer,
        period_start: start,
        period_end: end,
    })
}

/// Parses the decree form: the number (one line, at most [`DECREE_NUMBER_MAX`] characters,
/// e.g. `188.4/KEP/HK/2026`) and the date (not in the future, not before the period starts: a
/// decree sets beneficiaries the period already has).
pub fn parse_decree(
    number: &str,
    date_text: &str,
    period_start: NaiveDate,
    today: NaiveDate,
) -> Result<Decree, Vec<FieldError>> {
    let mut errors = vec![];
    let number = number.trim();
    if let Some(m) =
        text::required_text_problem("Nomor Keputusan Gubernur", number, DECREE_NUMBER_MAX)
    {
        errors.push(field_error("decree_number", m));
    } else if !number.chars().any(|c| c.is_ascii_digit()) {
        errors.push(field_error(
            "decree_number",
            "Nomor Keputusan Gubernur harus memuat angka, mis. 188.4/KEP/HK/2026.",
        ));
    }
    let range = DateRange {
        months_back: Some(120),
        months_ahead: Some(0),
    };
    let date = match date::check("Tanggal keputusan", date_text, today, range) {
        Ok(d) if d < period_start => {
            errors.push(field_error(
                "decree_date",
                format!(
                    "Tanggal keputusan tidak boleh sebelum awal periode ({}).",
                    super::locale::date(period_start)
                ),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            errors.push(field_error("decree_date", m));
            None
        }
    };
    match date {
        Some(date) if errors.is_empty() => Ok(Decree {
            number: number.to_string(),
            date,
        }),
        _ => Err(errors),
    }
}

/// Parses the reason to cancel a draft batch: required, at most [`CANCEL_REASON_MAX`]
/// characters, line breaks allowed.
pub fn parse_cancel_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(field_error("reason", "Alasan pembatalan wajib diisi."));
    }
    text::check(
        "reason",
        "Alasan pembatalan",
        reason,
        CANCEL_REASON_MAX,
        Lines::Many,
    )?;
    Ok(reason.to_string())
}

/// The batch number of the `seq`-th batch of `year`: `DN-2026-001`.
pub fn batch_number(year: i32, seq: i32) -> String {
    format!("DN-{year:04}-{seq:03}")
}

/// Who pays, as the annex names it: the province, or the government of the patient's
/// kab/kota (names are stored bare, "Sikka", except the city, "Kota Kupang").
pub fn payer_name(payer: Option<Payer>, kab_kota_name: &str) -> String {
    match payer {
        Some(Payer::PemkabAsal) if kab_kota_name.starts_with("Kota ") => {
            format!("Pemerintah {kab_kota_name}")
        }
        Some(Payer::PemkabAsal) => format!("Pemerintah Kabupaten {kab_kota_name}"),
        Some(Payer::Pemprov) => "Pemerintah Provinsi NTT (APBD)".to_string(),
        None => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    const TODAY: &str = "2026-12-05";

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_month_of_guarantees_for_every_payer() {
        let r = parse_request(
            "jaminan_sementara",
            "",
            "2026-11-01",
            "2026-11-30",
            d(TODAY),
        );
        assert_eq!(
            r,
            Ok(BatchRequest {
                basis: Basis::JaminanSementara,
                payer: None,
                period_start: d("2026-11-01"),
                period_end: d("2026-11-30"),
            })
        );
    }

    #[test]
    fn a_period_is_checked_field_by_field() {
        let e = parse_request("x", "y", "-9999-01-01", "\0", d(TODAY)).expect_err("refused");
        assert_eq!(fields(&e), ["basis", "payer", "period_start", "period_end"]);
        let e = parse_request(
            "pbpu_pemda",
            "pemprov",
            "2026-11-30",
            "2026-11-01",
            d(TODAY),
        )
        .expect_err("refused");
        assert_eq!(fields(&e), ["period_end"]);
        assert!(e[0].message.contains("sebelum awal"), "{}", e[0].message);
        let e = parse_request("pbpu_pemda", "", "2025-01-01", "2026-06-30", d(TODAY))
            .expect_err("refused");
        assert!(e[0].message.contains("366 hari"), "{}", e[0].message);
        let e = parse_request("pbpu_pemda", "", "2026-12-06", "2026-12-31", d(TODAY))
            .expect_err("refused");
        assert_eq!(fields(&e), ["period_start"]);
    }

    #[test]
    fn a_decree_needs_a_number_with_digits_and_a_plausible_date() {
        let start = d("2026-11-01");
        assert_eq!(
            parse_decree(" 188.4/KEP/HK/2026 ", "2026-12-01", start, d(TODAY)),
            Ok(Decree {
                number: "188.4/KEP/HK/2026".into(),
                date: d("2026-12-01"),
            })
        );
        for (number, date, field) in [
            ("", "2026-12-01", "decree_number"),
            ("tanpa angka", "2026-12-01", "decree_number"),
            ("188\0/KEP", "2026-12-01", "decree_number"),
            ("188/KEP", "-9999-12-01", "decree_date"),
            ("188/KEP", "2026-12-06", "decree_date"),
            ("188/KEP", "2026-10-31", "decree_date"),
        ] {
            let e = parse_decree(number, date, start, d(TODAY)).expect_err(number);
            assert_eq!(fields(&e), [field], "{number:?} {date:?}");
        }
        let long = "1".repeat(101);
        let e = parse_decree(&long, "2026-12-01", start, d(TODAY)).expect_err("too long");
        assert!(e[0].message.contains("maksimal 100"), "{}", e[0].message);
        // An emoji is a character like any other.
        assert!(parse_decree("188/KEP/2026 ✅", "2026-12-01", start, d(TODAY)).is_ok());
    }

    #[test]
    fn a_cancel_reason_is_required_and_bounded() {
        assert_eq!(
            parse_cancel_reason(" Salah periode\r\nbaris dua "),
            Ok("Salah periode\r\nbaris dua".into())
        );
        assert!(parse_cancel_reason("  ").is_err());
        assert!(parse_cancel_reason("a\0b").is_err());
        assert!(parse_cancel_reason(&"x".repeat(501)).is_err());
    }

    #[test]
    fn numbers_and_payers_read_as_the_annex_prints_them() {
        assert_eq!(batch_number(2026, 7), "DN-2026-007");
        assert_eq!(batch_number(2026, 1234), "DN-2026-1234");
        assert_eq!(
            payer_name(Some(Payer::PemkabAsal), "Sikka"),
            "Pemerintah Kabupaten Sikka"
        );
        assert_eq!(
            payer_name(Some(Payer::PemkabAsal), "Kota Kupang"),
            "Pemerintah Kota Kupang"
        );
        assert_eq!(
            payer_name(Some(Payer::Pemprov), "Sikka"),
            "Pemerintah Provinsi NTT (APBD)"
        );
    }
}
