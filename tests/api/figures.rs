//! The dashboard's figures read a daily roll-up for the days that are over and count the rest
//! live. These tests check them against a direct count over every case (the plain queries the
//! roll-up replaces) while the clock crosses days and weeks, after a domicile corrected on a
//! rolled day, with the clock set back, and after the roll-up ran twice or twice at once; and
//! that reading them touches the roll-up's rows and the day's events, not every case.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use merajut_sehat::db::cases::ScopeFilter;
use merajut_sehat::db::figures::{self, Refresh};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::*;

/// Wednesday 18 November 2026, 10:00 WITA.
fn wednesday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-18T10:00:00+08:00")
        .expect("valid")
        .with_timezone(&Utc)
}

/// Whose figures: every case, a hospital's (by code), or a kab/kota's.
#[derive(Debug, Clone, Copy)]
enum Of<'a> {
    All,
    Hospital(&'a str),
    KabKota(&'a str),
}

impl Of<'_> {
    fn binds(self) -> (bool, Option<String>, Option<String>) {
        match self {
            Of::All => (true, None, None),
            Of::Hospital(h) => (false, Some(h.into()), None),
            Of::KabKota(k) => (false, None, Some(k.into())),
        }
    }
}

/// `(key, count)` pairs in order.
type Counts = Vec<(String, i64)>;

/// What the dashboard shows, without labels: per state, outcomes, beneficiaries per kab/kota and
/// per hospital, and `(week, registered, closed)` per week.
#[derive(Debug, PartialEq)]
struct Figures {
    per_state: Counts,
    outcomes: Counts,
    per_kab_kota: Counts,
    per_hospital: Counts,
    weekly: Vec<(String, i64, i64)>,
}

fn counts(list: &Value) -> Counts {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["key"].as_str().expect("a key").to_string(),
                c["count"].as_i64().expect("a count"),
            )
        })
        .collect()
}

/// The figures of the API's dashboard reply.
fn shown(d: &Value) -> Figures {
    Figures {
        per_state: counts(&d["per_state"]),
        outcomes: counts(&d["outcomes"]),
        per_kab_kota: counts(&d["beneficiaries_per_kab_kota"]),
        per_hospital: counts(&d["beneficiaries_per_hospital"]),
        weekly: d["weekly"]
            .as_array()
            .expect("weeks")
            .iter()
            .map(|w| {
                (
                    w["week_start"].as_str().expect("a date").to_string(),
                    w["registered"].as_i64().expect("a count"),
                    w["closed"].as_i64().expect("a count"),
                )
            })
            .collect(),
    }
}

/// The same figures counted directly over every case, for the weeks of `[from, to]` (WITA).
async fn direct(pool: &PgPool, of: Of<'_>, from: NaiveDate, to: NaiveDate) -> Figures {
    let (all, hospital, kab) = of.binds();
    let scoped = "FROM cases c JOIN hospitals h ON h.id = c.hospital_id \
                  WHERE ($1 OR h.code = $2 OR c.domicile_kab_kota_code = $3)";
    let grouped = |sql: String| {
        let (hospital, kab) = (hospital.clone(), kab.clone());
        async move {
            sqlx::query_as::<_, (String, i64)>(&sql)
                .bind(all)
                .bind(hospital)
                .bind(kab)
                .fetch_all(pool)
                .await
                .expect("a direct count")
        }
    };
    let per_state = grouped(format!(
        "SELECT c.state::text, count(*) {scoped} GROUP BY c.state ORDER BY c.state"
    ))
    .await;
    let outcomes = grouped(format!(
        "SELECT CASE WHEN c.state = 'handed_over' THEN 'handed_over:' || coalesce(c.scheme, '-') \
                     WHEN c.state = 'withdrawn' THEN 'withdrawn:' || coalesce( \
                         (SELECT x.evidence->>'reason_code' FROM case_history x \
                           WHERE x.case_id = c.id AND x.action = 'withdraw' \
                           ORDER BY x.id DESC LIMIT 1), '-') \
                     ELSE c.state::text END, count(*) \
         {scoped} AND c.state IN ('handed_over', 'rejected', 'withdrawn') GROUP BY 1 ORDER BY 1"
    ))
    .await;
    let per_kab_kota = grouped(format!(
        "SELECT c.domicile_kab_kota_code, count(*) {scoped} AND c.state = 'handed_over' \
         GROUP BY 1 ORDER BY count(*) DESC, 1"
    ))
    .await;
    let per_hospital = grouped(format!(
        "SELECT h.code, count(*) {scoped} AND c.state = 'handed_over' \
         GROUP BY 1 ORDER BY count(*) DESC, 1"
    ))
    .await;
    let weekly = sqlx::query_as::<_, (String, i64, i64)>(&format!(
        "SELECT w::date::text, \
           (SELECT count(*) {scoped} \
              AND c.created_at >= w AT TIME ZONE 'Asia/Makassar' \
              AND c.created_at < least(w + interval '1 week', $5::date::timestamp) \
                                 AT TIME ZONE 'Asia/Makassar'), \
           (SELECT count(*) {scoped} \
              AND c.closed_at >= w AT TIME ZONE 'Asia/Makassar' \
              AND c.closed_at < least(w + interval '1 week', $5::date::timestamp) \
                                AT TIME ZONE 'Asia/Makassar') \
         FROM generate_series($4::date::timestamp, $5::date::timestamp - interval '1 day', \
                              interval '1 week') w ORDER BY w"
    ))
    .bind(all)
    .bind(hospital.clone())
    .bind(kab.clone())
    .bind(from)
    .bind(to + Duration::days(1))
    .fetch_all(pool)
    .await
    .expect("a direct weekly count");
    Figures {
        per_state,
        outcomes,
        per_kab_kota,
        per_hospital,
        weekly,
    }
}

/// The viewers of the fixture: the program team (all NTT), Kota Kupang's and Kabupaten
/// Kupang's health offices, and the hospital in Maumere.
struct Viewers {
    tim: Actor,
    kota_kupang: Actor,
    kab_kupang: Actor,
    maumere: Actor,
}

impl Viewers {
    async fn new(app: &TestApp) -> Viewers {
        Viewers {
            tim: actor(app, "tim", None).await,
            kota_kupang: actor(app, "dinkes_kab", Some("53.71")).await,
            kab_kupang: actor(app, "dinkes_kab", Some("53.03")).await,
            maumere: actor(app, "rsud", Some("RSUD-TCH")).await,
        }
    }

    /// Every viewer's dashboard equals the direct count of its scope; returns the program
    /// team's reply.
    async fn check(&self, app: &TestApp, when: &str) -> Value {
        let mut team = Value::Null;
        for (viewer, of) in [
            (&self.tim, Of::All),
            (&self.kota_kupang, Of::KabKota("53.71")),
            (&self.kab_kupang, Of::KabKota("53.03")),
            (&self.maumere, Of::Hospital("RSUD-TCH")),
        ] {
            let reply = viewer.get("/api/v1/dasbor").await;
            reply.expect(StatusCode::OK);
            let date = |k: &str| {
                reply.body[k]
                    .as_str()
                    .and_then(|d| d.parse::<NaiveDate>().ok())
                    .expect("a date")
            };
            let expected = direct(&app.pool, of, date("from"), date("to")).await;
            assert_eq!(shown(&reply.body), expected, "{when}, {of:?}");
            if matches!(of, Of::All) {
                team = reply.body.clone();
            }
        }
        team
    }
}

fn count(list: &Value, key: &str) -> i64 {
    counts(list)
        .into_iter()
        .find(|(k, _)| k == key)
        .map_or(0, |(_, n)| n)
}

/// Events rolled up so far, and the watermark.
async fn rolled(pool: &PgPool) -> (i64, Option<NaiveDate>) {
    sqlx::query_as(
        "SELECT (SELECT coalesce(sum(n), 0)::bigint FROM case_flow_daily), \
                (SELECT rolled_until FROM case_flow_watermark)",
    )
    .fetch_one(pool)
    .await
    .expect("the roll-up")
}

/// Corrects the domicile of draft `id` (at the hospital's desk) to `kab`.
pub(crate) async fn move_domicile(
    app: &TestApp,
    rsud: &Actor,
    id: Uuid,
    intake: &Value,
    kab: &str,
) {
    let (_, version) = app.case_state(id).await;
    let mut edit = intake.clone();
    edit["version"] = json!(version);
    edit["domicile_kab_kota_code"] = json!(kab);
    rsud.put(&format!("/api/v1/cases/{id}"), &edit)
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn figures_equal_a_direct_count_as_days_and_weeks_pass() {
    // Arrange: hospitals in Kota Kupang and Maumere, patients of three kab/kota.
    let app = spawn_app_at(wednesday()).await;
    let kupang = Team::new(&app).await;
    let maumere = Team::at(&app, "RSUD-TCH", "53.10").await;
    let viewers = Viewers::new(&app).await;

    // Wednesday 18 November: a PBI handover, a withdrawal (paid privately), a draft of a
    // patient entered as living in Kabupaten Kupang.
    let a = kupang
        .case_in(&intake_serial(1, "53.71"), "pbi_proposed")
        .await;
    kupang.bpjs.step(a, "record_pbi_active").await;
    let b = maumere.create(&intake_serial(2, "53.10")).await;
    maumere
        .rsud
        .step_with(
            b,
            "withdraw",
            json!({"reason_code": "bayar_mandiri", "reason_text": "Keluarga membayar"}),
        )
        .await;
    let draft_intake = intake_serial(3, "53.03");
    let c = kupang.create(&draft_intake).await;
    viewers.check(&app, "the first day, all live").await;
    assert_eq!(rolled(&app.pool).await.0, 0, "nothing is over yet");

    // Thursday: a rejected guarantee in Maumere, a Kupang patient who died.
    app.clock.advance(Duration::days(1));
    let d = maumere
        .case_in(&intake_serial(4, "53.10"), "guarantee_review")
        .await;
    maumere.dinkes_prov.step(d, "reject_guarantee").await;
    let e = kupang.create(&intake_serial(5, "53.71")).await;
    kupang.rsud.step(e, "withdraw").await;
    viewers.check(&app, "Thursday, Wednesday rolled").await;
    assert_eq!(
        rolled(&app.pool).await,
        (5, "2026-11-19".parse().ok()),
        "Wednesday's three registrations, one handover and one withdrawal"
    );

    // Next Wednesday (a new week): the draft of the first day turns out to live in Kota
    // Kupang; a PBPU Pemda handover in Maumere.
    app.clock.advance(Duration::days(6));
    move_domicile(&app, &kupang.rsud, c, &draft_intake, "53.71").await;
    let f = maumere
        .case_in(&intake_serial(6, "53.10"), "pbpu_proposed")
        .await;
    maumere.bpjs.step(f, "record_pbpu_active").await;
    let team = viewers.check(&app, "next week, the draft moved").await;

    // Assert, by hand as well: every outcome, the moved draft counted where it lives now.
    assert_eq!(count(&team["outcomes"], "handed_over:pbi_jkn"), 1, "{team}");
    assert_eq!(count(&team["outcomes"], "handed_over:pbpu_pemda"), 1);
    assert_eq!(count(&team["outcomes"], "withdrawn:bayar_mandiri"), 1);
    assert_eq!(count(&team["outcomes"], "withdrawn:meninggal"), 1);
    assert_eq!(count(&team["outcomes"], "rejected"), 1);
    assert_eq!(count(&team["beneficiaries_per_hospital"], "RSUD-WZJ"), 1);
    assert_eq!(count(&team["beneficiaries_per_hospital"], "RSUD-TCH"), 1);
    assert_eq!(count(&team["beneficiaries_per_kab_kota"], "53.10"), 1);
    let kota = viewers.kota_kupang.get("/api/v1/dasbor").await;
    assert_eq!(count(&kota.body["per_state"], "draft"), 1, "{}", kota.body);
    let kab = viewers.kab_kupang.get("/api/v1/dasbor").await;
    assert_eq!(kab.body["per_state"], json!([]), "{}", kab.body);
    let week = |start: &str| {
        team["weekly"]
            .as_array()
            .expect("weeks")
            .iter()
            .find(|w| w["week_start"] == start)
            .cloned()
    };
    assert_eq!(
        week("2026-11-16"),
        Some(json!({"week_start": "2026-11-16", "registered": 5, "closed": 4}))
    );
    assert_eq!(
        week("2026-11-23"),
        Some(json!({"week_start": "2026-11-23", "registered": 1, "closed": 1}))
    );

    // Half an hour after midnight: yesterday is still counted live (it may still be
    // committing), a registration of the new day too.
    app.clock.set(
        DateTime::parse_from_rfc3339("2026-11-26T00:30:00+08:00")
            .expect("valid")
            .with_timezone(&Utc),
    );
    kupang.create(&intake_serial(7, "53.03")).await;
    viewers.check(&app, "just after midnight").await;
    assert_eq!(rolled(&app.pool).await.1, "2026-11-25".parse().ok());

    // The clock set back to Thursday (tests do it; so may a lagging instance): the days
    // rolled since are handed back to the live count, and new cases count at once.
    app.clock
        .set(wednesday() + Duration::days(1) + Duration::hours(2));
    kupang.create(&intake_serial(8, "53.71")).await;
    viewers.check(&app, "the clock set back").await;
    assert_eq!(rolled(&app.pool).await.1, "2026-11-19".parse().ok());
}

#[tokio::test]
async fn rolling_up_twice_or_twice_at_once_counts_each_event_once() {
    // Arrange: three cases on Wednesday, one of them withdrawn; the clock a week later.
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    let viewers = Viewers::new(&app).await;
    team.create(&intake_serial(1, "53.71")).await;
    team.create(&intake_serial(2, "53.03")).await;
    let withdrawn = team.create(&intake_serial(3, "53.71")).await;
    team.rsud.step(withdrawn, "withdraw").await;
    app.clock.advance(Duration::days(7));
    let (one, two) = (app.cases.clone(), app.cases.clone());

    // Act: two at once, then twice more.
    let (first, second) = tokio::join!(one.refresh_figures(), two.refresh_figures());
    let third = app.cases.refresh_figures().await.expect("a roll-up");
    let fourth = app.cases.refresh_figures().await.expect("a roll-up");

    // Assert: one of the two rolled the week, the other found it busy or done; then nothing
    // was left to roll, and every event is in the roll-up once.
    let until: NaiveDate = "2026-11-25".parse().expect("a date");
    let mut outcomes = [first.expect("a roll-up"), second.expect("a roll-up")];
    outcomes.sort_by_key(|r| format!("{r:?}"));
    assert!(
        matches!(
            outcomes,
            [Refresh::Busy, Refresh::Rolled { from: None, .. }]
                | [Refresh::Rolled { from: None, .. }, Refresh::UpToDate { .. }]
        ),
        "{outcomes:?}"
    );
    assert_eq!(third, Refresh::UpToDate { until });
    assert_eq!(fourth, Refresh::UpToDate { until });
    assert_eq!(rolled(&app.pool).await, (4, Some(until)));
    let team_view = viewers.check(&app, "after the roll-ups").await;
    assert_eq!(count(&team_view["per_state"], "draft"), 2, "{team_view}");
    assert_eq!(count(&team_view["outcomes"], "withdrawn:meninggal"), 1);
}

/// Sequential scans of `table`, and index entries read from its indexes, that this connection
/// has not yet reported to the statistics collector. It reports when a transaction ends (at most
/// once a second), so a difference within one transaction counts what happened in between.
pub(crate) async fn reads_of(conn: &mut sqlx::PgConnection, table: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT pg_stat_get_xact_numscans($1::regclass), \
                (SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(i.indexrelid)), 0) \
                 FROM pg_index i WHERE i.indrelid = $1::regclass)::bigint",
    )
    .bind(table)
    .fetch_one(conn)
    .await
    .expect("the transaction's statistics")
}

#[tokio::test]
async fn the_figures_read_the_roll_up_and_the_days_since_not_every_case() {
    // Arrange: 6,000 cases closed over the past year (made directly, as a migration from an
    // older system would), three open cases, the roll-up done, the statistics fresh.
    let app = spawn_app_at(wednesday()).await;
    let team = Team::new(&app).await;
    for serial in 1..=3 {
        team.create(&intake_serial(serial, "53.71")).await;
    }
    sqlx::query(
        "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, birth_date, \
           has_identity_document, domicile_kab_kota_code, admission_date, service_type, \
           ward_class, jkn_status, created_at, closed_at, scheme) \
         SELECT 'LAMA-' || i, \
                (ARRAY['handed_over', 'rejected', 'withdrawn'])[1 + i % 3]::case_state, \
                h.id, u.id, 'Pasien lama', 'P', '1990-05-12', false, h.kab_kota_code, \
                '2026-01-05', 'igd', 'kelas_3', 'tidak_ada', \
                $1 - (i % 360 + 2) * interval '1 day', $1 - (i % 360 + 1) * interval '1 day', \
                CASE WHEN i % 3 = 0 THEN 'pbi_jkn' END \
         FROM generate_series(1, 6000) i \
         CROSS JOIN (SELECT id, kab_kota_code FROM hospitals WHERE code = 'RSUD-WZJ') h \
         CROSS JOIN (SELECT id FROM users ORDER BY username LIMIT 1) u",
    )
    .bind(wednesday())
    .execute(&app.pool)
    .await
    .expect("the old cases");
    app.cases.refresh_figures().await.expect("a roll-up");
    for table in ["cases", "case_flow_daily", "case_history"] {
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
    let from = today - Duration::weeks(12);

    let until = figures::watermark(&app.pool)
        .await
        .expect("the watermark")
        .until
        .expect("rolled up");
    let since = merajut_sehat::domain::sla::wita_instant(until, chrono::NaiveTime::MIN);

    // Act: what the dashboard reads of registrations and closings (the rolled days once per
    // watermark, the live events on every view), in one transaction whose statistics we read.
    let mut tx = app.pool.begin().await.expect("a transaction");
    let before = reads_of(&mut tx, "cases").await;
    let rolled = figures::flow_rolled(&mut *tx, &all, until)
        .await
        .expect("the rolled days");
    let weeks = figures::weeks_rolled(&mut *tx, &all, from, until)
        .await
        .expect("the rolled weeks");
    let live = figures::flow_live(&mut *tx, &all, (since, None))
        .await
        .expect("the live events");
    let after = reads_of(&mut tx, "cases").await;
    let (seq_scans, index_entries) = (after.0 - before.0, after.1 - before.1);
    tx.rollback().await.expect("rolled back");

    // Assert: every case counted (registered: the 6,000 rolled and today's three live; closed:
    // the 6,000), the twelve weeks' closings among them, yet no statement scanned the cases
    // table and the indexes gave up only today's registrations.
    let sum = |events: &[figures::FlowCount], registered: bool| {
        events
            .iter()
            .filter(|e| (e.event == "registered") == registered)
            .map(|e| e.n)
            .sum::<i64>()
    };
    assert_eq!(sum(&rolled, true) + sum(&live, true), 6003, "{live:?}");
    assert_eq!(sum(&live, true), 3);
    assert_eq!(sum(&rolled, false) + sum(&live, false), 6000);
    assert!(weeks.iter().map(|w| w.closed).sum::<i64>() > 0, "{weeks:?}");
    assert_eq!(seq_scans, 0, "a sequential scan of cases");
    assert!(index_entries <= 3 * 2, "{index_entries} index entries read");
}
