//! Time at desks and lead times keep their frozen part in memory (the stays and milestones of
//! the rolled days, the stays open at the watermark) and count the rest live. These tests check
//! them against a direct count over every stay and case (the per-stay computation they
//! replace), for several scopes, groupings and periods, while days pass with stays crossing
//! the watermark, after a domicile corrected on an open stay, a holiday entered later and the
//! clock set back; and that an unchanged figure is read from memory.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use merajut_sehat::cases::desk_figures::{DeskFigures, FENCE_LAG, desk_order};
use merajut_sehat::db::cases::{ScopeFilter, holidays};
use merajut_sehat::db::figures::GroupBy;
use merajut_sehat::domain::{CaseState, sla};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::figures::{move_domicile, reads_of};
use crate::helpers::*;

/// Wednesday 18 November 2026, 10:00 WITA.
fn wednesday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-18T10:00:00+08:00")
        .expect("valid")
        .with_timezone(&Utc)
}

/// The group of a row: code and name.
fn group_of(group: GroupBy, kab: (&str, &str), hospital: (&str, &str)) -> (String, String) {
    let (code, name) = match group {
        GroupBy::Nothing => ("", ""),
        GroupBy::KabKota => kab,
        GroupBy::Hospital => hospital,
    };
    (code.to_string(), name.to_string())
}

type StayRow = (
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<NaiveDate>,
);

type CaseRow = (
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The figures counted stay by stay and case by case, as of `today`.
async fn direct(
    pool: &PgPool,
    scope: &ScopeFilter,
    (from, to): (NaiveDate, NaiveDate),
    group: GroupBy,
    today: NaiveDate,
) -> DeskFigures {
    let calendar: BTreeSet<NaiveDate> = holidays(pool).await.expect("holidays");
    let days = |a: NaiveDate, b: NaiveDate| sla::working_days_between(a, b, &calendar);
    let stays: Vec<StayRow> = sqlx::query_as(
        "SELECT s.state::text, k.code, k.name, h.code, h.name, s.entered_at, s.left_at, \
                s.sla_due_date \
         FROM desk_stays s JOIN kab_kota k ON k.code = s.domicile_kab_kota_code \
         JOIN hospitals h ON h.id = s.hospital_id \
         WHERE $1 OR s.hospital_id = $2 OR s.domicile_kab_kota_code = $3",
    )
    .bind(scope.all)
    .bind(scope.hospital_id)
    .bind(scope.kab_kota_code.clone())
    .fetch_all(pool)
    .await
    .expect("the stays");
    let mut figures = DeskFigures::default();
    for (state, kab, kab_name, hospital, hospital_name, entered, left, due) in stays {
        let entered = sla::local_date(entered);
        let left = left.map(sla::local_date);
        let state: CaseState = state.parse().expect("a state");
        if left.is_none() && entered > to {
            *figures.open_after.entry(desk_order(state)).or_default() += 1;
            continue;
        }
        if entered > to || left.is_some_and(|l| l < from || l > to) {
            continue;
        }
        let (code, name) = group_of(group, (&kab, &kab_name), (&hospital, &hospital_name));
        let cell = figures.desks.entry((desk_order(state), code)).or_default();
        cell.name = name;
        *cell
            .days
            .entry(days(entered, left.unwrap_or(today)))
            .or_default() += 1;
        if left.is_none() {
            cell.open += 1;
            cell.overdue += u64::from(due.is_some_and(|d| today > d));
        }
    }
    let cases: Vec<CaseRow> = sqlx::query_as(
        "SELECT k.code, k.name, h.code, h.name, c.service_type, c.created_at, \
                (SELECT x.at FROM case_history x \
                  WHERE x.case_id = c.id AND x.action = 'approve_guarantee' \
                  ORDER BY x.id LIMIT 1), \
                CASE WHEN c.state = 'handed_over' THEN c.closed_at END \
         FROM cases c JOIN kab_kota k ON k.code = c.domicile_kab_kota_code \
         JOIN hospitals h ON h.id = c.hospital_id \
         WHERE $1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3",
    )
    .bind(scope.all)
    .bind(scope.hospital_id)
    .bind(scope.kab_kota_code.clone())
    .fetch_all(pool)
    .await
    .expect("the cases");
    for (kab, kab_name, hospital, hospital_name, service, created, guaranteed, handed_over) in cases
    {
        let registered = sla::local_date(created);
        let (code, name) = group_of(group, (&kab, &kab_name), (&hospital, &hospital_name));
        for (at, is_guarantee) in [(guaranteed, true), (handed_over, false)] {
            let Some(day) = at.map(sla::local_date).filter(|d| (from..=to).contains(d)) else {
                continue;
            };
            let cell = figures.milestones.entry(code.clone()).or_default();
            cell.name.clone_from(&name);
            let per_type = figures.service_types.entry(service.clone()).or_default();
            let hist = if is_guarantee {
                per_type.0 += 1;
                &mut cell.to_guarantee
            } else {
                per_type.1 += 1;
                &mut cell.to_handover
            };
            *hist.entry(days(registered, day)).or_default() += 1;
        }
    }
    figures
}

/// Every scope × grouping × period checked against the direct count; then the same again,
/// which must come from memory.
async fn check(app: &TestApp, when: &str) {
    let maumere: Uuid = sqlx::query_scalar("SELECT id FROM hospitals WHERE code = 'RSUD-TCH'")
        .fetch_one(&app.pool)
        .await
        .expect("the hospital");
    let scopes = [
        ScopeFilter {
            all: true,
            hospital_id: None,
            kab_kota_code: None,
        },
        ScopeFilter {
            all: false,
            hospital_id: Some(maumere),
            kab_kota_code: None,
        },
        ScopeFilter {
            all: false,
            hospital_id: None,
            kab_kota_code: Some("53.71".into()),
        },
    ];
    let today = app.clock.today();
    let periods = [
        (today - Duration::days(30), today),
        // A period over before today (a report's), and one of a single day.
        (
            "2026-11-16".parse().expect("a date"),
            "2026-11-19".parse().expect("a date"),
        ),
        (today, today),
    ];
    for scope in &scopes {
        for period in periods {
            let mut ungrouped = None;
            for group in [GroupBy::Nothing, GroupBy::KabKota, GroupBy::Hospital] {
                let shown = app
                    .cases
                    .desk_figures(scope, period, group)
                    .await
                    .expect("the figures");
                let expected = direct(&app.pool, scope, period, group, today).await;
                assert_eq!(shown, expected, "{when}: {scope:?} {group:?} {period:?}");
                // Groups merged are the figures not grouped (the reports read them so).
                match &ungrouped {
                    None => ungrouped = Some(shown),
                    Some(whole) => assert_eq!(&shown.ungrouped(), whole, "{when}: {group:?}"),
                }
            }
        }
    }
    let kept = app.cases.figures_memo.len();
    assert!(kept > 0, "{when}: nothing kept");
    app.cases
        .desk_figures(&scopes[0], periods[0], GroupBy::KabKota)
        .await
        .expect("the figures");
    assert_eq!(
        app.cases.figures_memo.len(),
        kept,
        "{when}: read again, not from memory"
    );
    // The dashboard's counts of registrations and closings, kept and moved with the fence
    // like the stays: what every case says, per event, detail, kab/kota and hospital.
    for scope in &scopes {
        let (_, flow) = app
            .cases
            .dashboard_figures(scope, today - Duration::days(84))
            .await
            .expect("the dashboard's figures");
        let mut shown: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
        for e in &flow.events {
            let key = (
                e.event.clone(),
                e.detail.clone(),
                e.kab_kota_code.clone(),
                e.hospital_code.clone(),
            );
            *shown.entry(key).or_default() += e.n;
        }
        shown.retain(|_, n| *n != 0);
        let expected: BTreeMap<(String, String, String, String), i64> =
            sqlx::query_as::<_, (String, String, String, String, i64)>(
                "SELECT e.event, e.detail, e.kab_kota_code, h.code, count(*) \
             FROM case_flow_events e JOIN hospitals h ON h.id = e.hospital_id \
             WHERE $1 OR e.hospital_id = $2 OR e.kab_kota_code = $3 GROUP BY 1, 2, 3, 4",
            )
            .bind(scope.all)
            .bind(scope.hospital_id)
            .bind(scope.kab_kota_code.clone())
            .fetch_all(&app.pool)
            .await
            .expect("the events")
            .into_iter()
            .map(|(event, detail, kab, hospital, n)| ((event, detail, kab, hospital), n))
            .collect();
        assert_eq!(shown, expected, "{when}: the dashboard's counts, {scope:?}");
    }
}

/// Teams of a hospital in Kota Kupang and one in Maumere (Sikka), with a case of the first at
/// the guarantee review and one of the second at the decile check.
async fn two_hospitals(app: &TestApp) -> (Team, Team, Uuid, Uuid) {
    let kupang = Team::new(app).await;
    let maumere = Team::at(app, "RSUD-TCH", "53.10").await;
    let a = kupang
        .case_in(&intake_serial(1, "53.71"), "guarantee_review")
        .await;
    let b = maumere
        .case_in(&intake_serial(2, "53.10"), "desil_check")
        .await;
    (kupang, maumere, a, b)
}

#[tokio::test]
async fn desk_figures_equal_a_direct_count_as_days_pass() {
    // Arrange: hospitals in Kota Kupang and Maumere, cases at several desks on Wednesday.
    let app = spawn_app_at(wednesday()).await;
    let (kupang, maumere, a, b) = two_hospitals(&app).await;
    let draft = intake_serial(3, "53.03");
    let c = kupang.create(&draft).await;
    let d = kupang
        .case_in(&intake_serial(4, "53.71"), "pbi_proposed")
        .await;
    check(&app, "the first day, all live").await;

    // Thursday: Wednesday is rolled up; stays open at the watermark end, new ones begin.
    app.clock.advance(Duration::days(1));
    check(&app, "Thursday, before any step").await;
    kupang.dinkes_prov.step(a, "approve_guarantee").await;
    maumere.dinsos_prov.step(b, "record_desil").await;
    kupang.bpjs.step(d, "record_pbi_active").await;
    let e = maumere
        .case_in(&intake_serial(5, "53.10"), "nik_check")
        .await;
    check(&app, "Thursday, stays crossed the watermark").await;

    // Next Wednesday: the draft of the first day (open at the watermark) turns out to live in
    // Kota Kupang; more steps, one case overdue by now.
    app.clock.advance(Duration::days(6));
    check(&app, "next week, before any step").await;
    move_domicile(&app, &kupang.rsud, c, &draft, "53.71").await;
    check(&app, "the draft moved").await;
    kupang.dinsos_prov.step(a, "propose_pbi").await;
    maumere.dukcapil_prov.step(e, "verify_nik").await;
    maumere
        .rsud
        .step_with(
            b,
            "withdraw",
            json!({"reason_code": "bayar_mandiri", "reason_text": "Keluarga membayar"}),
        )
        .await;
    check(&app, "next week").await;

    // A holiday entered afterwards, on a day the stays span.
    sqlx::query("INSERT INTO holidays (day, name) VALUES ('2026-11-20', 'Libur daerah')")
        .execute(&app.pool)
        .await
        .expect("a holiday");
    check(&app, "a holiday entered later").await;

    // The clock set back to Thursday: the rolled days go back to the live count.
    app.clock
        .set(wednesday() + Duration::days(1) + Duration::hours(2));
    kupang.create(&intake_serial(6, "53.71")).await;
    check(&app, "the clock set back").await;
}

#[tokio::test]
async fn the_live_part_reads_the_days_since_the_watermark_not_every_stay() {
    // Arrange: one case with 40,000 ended stays over the past year (made directly), two open
    // cases, the roll-up done, the statistics fresh; then one more step today.
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    let old = team.create(&intake_serial(1, "53.71")).await;
    let open = team.case_in(&intake_serial(2, "53.71"), "nik_check").await;
    sqlx::query(
        "INSERT INTO desk_stays (case_id, state, domicile_kab_kota_code, hospital_id, \
                                 entered_at, left_at) \
         SELECT c.id, (ARRAY['nik_check', 'desil_check', 'guarantee_review'])[1 + i % 3]::case_state, \
                c.domicile_kab_kota_code, c.hospital_id, \
                $2 - (i % 360 + 3) * interval '1 day', $2 - (i % 360 + 1) * interval '1 day' \
         FROM generate_series(1, 40000) i, cases c WHERE c.id = $1",
    )
    .bind(old)
    .bind(wednesday())
    .execute(&app.pool)
    .await
    .expect("the old stays");
    app.cases.refresh_figures().await.expect("a roll-up");
    app.clock.advance(Duration::days(1));
    app.cases.refresh_figures().await.expect("a roll-up");
    team.dukcapil_prov.step(open, "verify_nik").await;
    for table in ["desk_stays", "desk_time_daily", "cases", "case_history"] {
        sqlx::query(&format!("VACUUM ANALYZE {table}"))
            .execute(&app.pool)
            .await
            .expect("fresh statistics");
    }
    let all = ScopeFilter {
        all: true,
        hospital_id: None,
        kab_kota_code: None,
    };
    let today = app.clock.today();
    let period = (today - Duration::days(365), today);
    let until = merajut_sehat::db::figures::watermark(&app.pool)
        .await
        .expect("the watermark")
        .until
        .expect("rolled up");
    let since = sla::wita_instant(until, chrono::NaiveTime::MIN);

    // Act: what every view reads (the live part), and what is read once per watermark.
    let mut tx = app.pool.begin().await.expect("a transaction");
    let before = reads_of(&mut tx, "desk_stays").await;
    let touched =
        merajut_sehat::db::stays::touched(&mut *tx, &all, (since, None), GroupBy::KabKota)
            .await
            .expect("the live stays");
    let live = reads_of(&mut tx, "desk_stays").await;
    let rolled = merajut_sehat::db::stays::ended_rolled(
        &mut *tx,
        &all,
        period,
        until,
        GroupBy::KabKota,
        &[],
    )
    .await
    .expect("the rolled stays");
    let frozen = reads_of(&mut tx, "desk_stays").await;
    tx.rollback().await.expect("rolled back");

    // Assert: the live part is today's step (the stay it ended, the one it began) through the
    // indexes; the rolled part is the roll-up's rows, not a read of the stays.
    assert_eq!(touched.iter().map(|c| c.n).sum::<i64>(), 2, "{touched:?}");
    assert_eq!(live.0 - before.0, 0, "a sequential scan of desk_stays");
    assert!(
        live.1 - before.1 <= 4,
        "{} index entries",
        live.1 - before.1
    );
    assert!(
        rolled.iter().map(|c| c.n).sum::<i64>() >= 40_000,
        "every old stay is in the roll-up"
    );
    assert_eq!(frozen, live, "the roll-up read desk_stays");
}

/// The watermark, epoch and fence as they are now.
async fn watermark(app: &TestApp) -> merajut_sehat::db::figures::Watermark {
    merajut_sehat::db::figures::watermark(&app.pool)
        .await
        .expect("the watermark")
}

#[tokio::test]
async fn the_frozen_part_follows_the_fence_and_a_late_stay_moves_the_epoch() {
    // Arrange: Wednesday rolled up, cases at several desks.
    let app = spawn_app_at(wednesday()).await;
    let (kupang, maumere, a, b) = two_hospitals(&app).await;
    app.clock.advance(Duration::days(1));
    check(&app, "Thursday morning").await;
    let first = watermark(&app).await.fence.expect("a view moved the fence");
    assert_eq!(first, app.clock.now() - FENCE_LAG);

    // Act: steps a minute apart, each followed by views, which move the fence past the step:
    // its stays leave the live part for the frozen one.
    kupang.dinkes_prov.step(a, "approve_guarantee").await;
    let c = maumere
        .case_in(&intake_serial(3, "53.10"), "nik_check")
        .await;
    app.clock.advance(Duration::minutes(1));
    check(&app, "a minute after the steps").await;
    let second = watermark(&app).await.fence.expect("the fence");
    assert_eq!(second, app.clock.now() - FENCE_LAG);
    let mut tx = app.pool.begin().await.expect("a transaction");
    let all = ScopeFilter {
        all: true,
        hospital_id: None,
        kab_kota_code: None,
    };
    let between =
        merajut_sehat::db::stays::touched(&mut *tx, &all, (first, Some(second)), GroupBy::Nothing)
            .await
            .expect("the stays between the fences");
    let after = merajut_sehat::db::stays::touched(&mut *tx, &all, (second, None), GroupBy::Nothing)
        .await
        .expect("the stays since the fence");
    tx.rollback().await.expect("rolled back");
    assert!(
        between.iter().map(|c| c.n).sum::<i64>() >= 4,
        "the steps are between the fences: {between:?}"
    );
    assert!(after.is_empty(), "nothing since the fence: {after:?}");
    // A step now ends a stay begun before the fence (on Wednesday): its end is after the fence,
    // so the frozen part is still good (the epoch stays; it would make every transition wait
    // for the one before and every figure be read anew).
    let epoch = watermark(&app).await.epoch;
    maumere.dinsos_prov.step(b, "record_desil").await;
    assert_eq!(
        watermark(&app).await.epoch,
        epoch,
        "a step after the fence moved the epoch"
    );
    app.clock.advance(Duration::minutes(1));
    check(&app, "a minute after another step").await;

    // A late writer: a step stamped before the fence (the clock set back a minute, after the
    // stay it ends began).
    let epoch = watermark(&app).await.epoch;
    app.clock.set(app.clock.now() - Duration::minutes(1));
    maumere.dukcapil_prov.step(c, "verify_nik").await;
    assert!(
        watermark(&app).await.epoch > epoch,
        "a stay stamped before the fence did not move the epoch"
    );
    check(&app, "a step stamped before the fence").await;
}

#[tokio::test]
async fn the_fence_waits_for_writers_gives_up_behind_a_slow_one_and_never_moves_back() {
    use merajut_sehat::db::figures::fence;

    // Arrange: a case at its first desk since Wednesday 10:00; a transaction that has written
    // one of its stays and not ended.
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    let case = team.create(&intake_serial(1, "53.71")).await;
    let mut writer = app.pool.begin().await.expect("a transaction");
    sqlx::query("UPDATE desk_stays SET overdue_notified_at = now() WHERE case_id = $1")
        .bind(case)
        .execute(&mut *writer)
        .await
        .expect("a stay written");

    // Act & assert: the fence does not move past a writer in flight; it does once it ended,
    // and never back.
    assert!(!fence(&app.pool, wednesday()).await.expect("no error"));
    assert_eq!(watermark(&app).await.fence, None);
    writer.commit().await.expect("committed");
    assert!(fence(&app.pool, wednesday()).await.expect("no error"));
    assert!(
        !fence(&app.pool, wednesday() - Duration::hours(1))
            .await
            .expect("no error")
    );
    assert_eq!(watermark(&app).await.fence, Some(wednesday()));

    // A stay that begins or ends before the fence moves the epoch; one after it does not.
    let epoch = watermark(&app).await.epoch;
    let stay = |entered: DateTime<Utc>, left: DateTime<Utc>| {
        sqlx::query(
            "INSERT INTO desk_stays (case_id, state, domicile_kab_kota_code, hospital_id, \
                                     entered_at, left_at) \
             SELECT id, 'nik_check', domicile_kab_kota_code, hospital_id, $2, $3 \
             FROM cases WHERE id = $1",
        )
        .bind(case)
        .bind(entered)
        .bind(left)
    };
    stay(
        wednesday() + Duration::minutes(1),
        wednesday() + Duration::minutes(2),
    )
    .execute(&app.pool)
    .await
    .expect("a stay after the fence");
    assert_eq!(watermark(&app).await.epoch, epoch, "a stay after the fence");
    stay(
        wednesday() - Duration::hours(2),
        wednesday() - Duration::hours(1),
    )
    .execute(&app.pool)
    .await
    .expect("a stay before the fence");
    assert_eq!(
        watermark(&app).await.epoch,
        epoch + 1,
        "a stay before the fence"
    );
    sqlx::query("UPDATE desk_stays SET left_at = $2 WHERE case_id = $1 AND left_at IS NULL")
        .bind(case)
        .bind(wednesday() + Duration::minutes(3))
        .execute(&app.pool)
        .await
        .expect("the open stay ended after the fence");
    assert_eq!(
        watermark(&app).await.epoch,
        epoch + 1,
        "ended after the fence"
    );
    assert!(
        fence(&app.pool, wednesday() + Duration::hours(1))
            .await
            .expect("no error")
    );
    sqlx::query("UPDATE desk_stays SET left_at = $2 WHERE case_id = $1 AND left_at = $3")
        .bind(case)
        .bind(wednesday() + Duration::minutes(4))
        .bind(wednesday() + Duration::minutes(3))
        .execute(&app.pool)
        .await
        .expect("an end moved before the fence");
    assert_eq!(
        watermark(&app).await.epoch,
        epoch + 2,
        "an end moved before the fence"
    );
}

#[tokio::test]
async fn working_days_counted_by_postgresql_equal_the_domains() {
    // Arrange: holidays on weekdays and on a weekend, two of them on consecutive days, one
    // before 2001 (the function's week origin); days from 1999 to 2027.
    let app = spawn_app_at(wednesday()).await;
    let holidays: BTreeSet<NaiveDate> = [
        "2000-12-25",
        "2026-11-20",
        "2026-11-21",
        "2026-12-24",
        "2026-12-25",
        "2027-01-01",
    ]
    .iter()
    .map(|d| d.parse().expect("a date"))
    .collect();
    let weekday = merajut_sehat::db::stays::weekday_holidays(&holidays);
    assert_eq!(weekday.len(), 5, "2026-11-21 is a Saturday");
    let near: Vec<NaiveDate> = (0..70)
        .map(|i| NaiveDate::from_ymd_opt(2026, 11, 1).expect("a date") + Duration::days(i))
        .collect();
    let far: Vec<NaiveDate> = [
        "1999-06-15",
        "2000-12-24",
        "2001-01-01",
        "2001-01-07",
        "2020-02-29",
    ]
    .iter()
    .map(|d| d.parse().expect("a date"))
    .collect();
    let days: Vec<NaiveDate> = near.iter().chain(&far).copied().collect();

    // Act
    let counted: Vec<(NaiveDate, NaiveDate, i64)> = sqlx::query_as(
        "SELECT f, t, greatest(working_day_number(t, $2) - working_day_number(f, $2), 0) \
         FROM unnest($1::date[]) f, unnest($1::date[]) t",
    )
    .bind(&days)
    .bind(&weekday)
    .fetch_all(&app.pool)
    .await
    .expect("counted");

    // Assert
    assert_eq!(counted.len(), days.len() * days.len());
    for (from, to, n) in counted {
        assert_eq!(
            n,
            sla::working_days_between(from, to, &holidays),
            "{from} → {to}"
        );
    }
}
