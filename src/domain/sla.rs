//! Working-day clock for desk service levels (docs/domain.md §5). The program runs on
//! WITA (UTC+8); working days are Monday–Friday minus national holidays.

use std::collections::BTreeSet;
use std::ops::Bound;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, Utc, Weekday,
};

use super::workflow::CaseState;

/// WITA, Waktu Indonesia Tengah (UTC+8), the program timezone.
pub fn wita() -> FixedOffset {
    // 8 hours is always a valid offset; fall back to UTC only in theory.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The WITA calendar date of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&wita()).date_naive()
}

/// The instant `time` of `day` in WITA (for example 00:00 or 07:00 of a WITA date).
pub fn wita_instant(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    day.and_time(time).and_utc() - Duration::seconds(i64::from(wita().local_minus_utc()))
}

/// Monday–Friday and not a holiday.
pub fn is_working_day(d: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d)
}

/// Number of working days strictly after `from` up to and including `to`
/// ("days at this desk"); 0 when `to <= from`.
pub fn working_days_between(from: NaiveDate, to: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> i64 {
    if to <= from {
        return 0;
    }
    // Counted, not walked day by day: the bottleneck page and the reports measure every desk
    // stay of a period (hundreds of thousands at provincial scale). Whole weeks hold five
    // weekdays each, the remaining days (at most six) are looked at, and the holidays on
    // weekdays within (from, to] come off.
    let days = (to - from).num_days();
    let rest_from = from + Duration::days(days / 7 * 7);
    let rest = rest_from
        .iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as i64;
    let off = holidays
        .range((Bound::Excluded(from), Bound::Included(to)))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as i64;
    days / 7 * 5 + rest - off
}

/// The date `n` working days after `from` (the due date); `from` when `n == 0`.
pub fn add_working_days(from: NaiveDate, n: u32, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        match d.checked_add_signed(Duration::days(1)) {
            Some(next) => d = next,
            None => return d,
        }
        if is_working_day(d, holidays) {
            left -= 1;
        }
    }
    d
}

/// Default SLA of a desk in working days (editable by admin); `None` for
/// states without a service level.
pub fn default_sla_days(state: CaseState) -> Option<u32> {
    match state {
        CaseState::NikCheck => Some(1),
        CaseState::NikReferral => Some(3),
        CaseState::IdentityRecording => Some(5),
        CaseState::DesilCheck => Some(1),
        CaseState::SktmRequired => Some(3),
        CaseState::GuaranteeReview => Some(1),
        CaseState::Guaranteed => Some(5),
        CaseState::PbiProposed => Some(30),
        CaseState::PbpuReview => Some(5),
        CaseState::PbpuProposed => Some(30),
        CaseState::Draft
        | CaseState::Returned
        | CaseState::HandedOver
        | CaseState::Rejected
        | CaseState::Withdrawn => None,
    }
}

/// Whether a case that arrived at a desk on `arrived` is past its SLA today.
pub fn is_overdue(
    arrived: NaiveDate,
    today: NaiveDate,
    sla_days: u32,
    holidays: &BTreeSet<NaiveDate>,
) -> bool {
    working_days_between(arrived, today, holidays) > i64::from(sla_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn wita_date() {
        // 2025-10-15 17:30 UTC is 2025-10-16 01:30 WITA.
        let t = Utc
            .with_ymd_and_hms(2025, 10, 15, 17, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(local_date(t), d(2025, 10, 16));
        let t = Utc
            .with_ymd_and_hms(2025, 10, 15, 15, 59, 0)
            .single()
            .expect("valid");
        assert_eq!(local_date(t), d(2025, 10, 15));
        assert_eq!(wita().local_minus_utc(), 8 * 3600);
        let seven = NaiveTime::from_hms_opt(7, 0, 0).expect("valid");
        assert_eq!(
            wita_instant(d(2025, 10, 16), seven).to_rfc3339(),
            "2025-10-15T23:00:00+00:00"
        );
        assert_eq!(
            local_date(wita_instant(d(2025, 10, 16), NaiveTime::MIN)),
            d(2025, 10, 16)
        );
    }

    #[test]
    fn weekends_and_holidays() {
        let none = BTreeSet::new();
        // Fri 2025-10-17 → Mon 2025-10-20: one working day (Monday).
        assert_eq!(
            working_days_between(d(2025, 10, 17), d(2025, 10, 20), &none),
            1
        );
        assert_eq!(
            working_days_between(d(2025, 10, 17), d(2025, 10, 19), &none),
            0
        );
        assert_eq!(
            working_days_between(d(2025, 10, 20), d(2025, 10, 17), &none),
            0
        );
        assert_eq!(
            working_days_between(d(2025, 10, 20), d(2025, 10, 20), &none),
            0
        );
        assert_eq!(
            working_days_between(d(2025, 10, 13), d(2025, 10, 24), &none),
            9
        );
        assert_eq!(add_working_days(d(2025, 10, 17), 1, &none), d(2025, 10, 20));
        assert_eq!(add_working_days(d(2025, 10, 17), 0, &none), d(2025, 10, 17));
        assert_eq!(add_working_days(d(2025, 10, 18), 1, &none), d(2025, 10, 20));

        // Christmas 2025 is Thursday; cuti bersama Friday 26th.
        let holidays: BTreeSet<_> = [d(2025, 12, 25), d(2025, 12, 26)].into_iter().collect();
        assert!(!is_working_day(d(2025, 12, 25), &holidays));
        assert!(is_working_day(d(2025, 12, 24), &holidays));
        assert!(!is_working_day(d(2025, 12, 27), &holidays));
        assert_eq!(
            add_working_days(d(2025, 12, 24), 1, &holidays),
            d(2025, 12, 29)
        );
        assert_eq!(
            working_days_between(d(2025, 12, 24), d(2025, 12, 29), &holidays),
            1
        );
        // Arrived Wed 24th with SLA 1: not overdue on Mon 29th, overdue Tue 30th.
        assert!(!is_overdue(d(2025, 12, 24), d(2025, 12, 29), 1, &holidays));
        assert!(is_overdue(d(2025, 12, 24), d(2025, 12, 30), 1, &holidays));
        // Due date and overdue agree.
        for n in 0..10 {
            let due = add_working_days(d(2025, 12, 20), n, &holidays);
            assert!(!is_overdue(d(2025, 12, 20), due, n, &holidays));
        }
    }

    #[test]
    fn default_slas() {
        assert_eq!(default_sla_days(CaseState::NikCheck), Some(1));
        assert_eq!(default_sla_days(CaseState::PbiProposed), Some(30));
        assert_eq!(default_sla_days(CaseState::PbpuReview), Some(5));
        assert_eq!(default_sla_days(CaseState::PbpuProposed), Some(30));
        assert_eq!(default_sla_days(CaseState::Draft), None);
        assert_eq!(default_sla_days(CaseState::HandedOver), None);
    }

    #[test]
    fn counted_working_days_match_a_walk_day_by_day() {
        let holidays: BTreeSet<NaiveDate> = [
            (2026, 1, 1),
            (2026, 3, 19),
            (2026, 3, 21),
            (2026, 12, 25),
            (2027, 1, 1),
        ]
        .iter()
        .map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("date"))
        .collect();
        let walked = |from: NaiveDate, to: NaiveDate| {
            from.iter_days()
                .skip(1)
                .take_while(|d| *d <= to)
                .filter(|d| is_working_day(*d, &holidays))
                .count() as i64
        };
        let start = NaiveDate::from_ymd_opt(2025, 12, 20).expect("date");
        for offset in 0..120 {
            let from = start + Duration::days(offset);
            for length in -3..400 {
                let to = from + Duration::days(length);
                assert_eq!(
                    working_days_between(from, to, &holidays),
                    walked(from, to),
                    "{from} → {to}"
                );
            }
        }
    }
}
