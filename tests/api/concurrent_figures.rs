//! The figures stay true while cases move concurrently: many cases driven at once over real
//! HTTP, some desks racing for the same case, while the bottleneck and dashboard figures are
//! read; then no stay is lost or counted twice, and the figures equal what each case's path
//! says by hand.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::*;

/// Cases per hospital.
const PER_TEAM: u32 = 12;

/// Monday 16 November 2026, 09:00 WITA.
fn monday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-16T09:00:00+08:00")
        .expect("valid")
        .with_timezone(&Utc)
}

/// Where one case ended, and how many desk stays its path opened.
struct Outcome {
    id: Uuid,
    kab: &'static str,
    state: &'static str,
    stays: i64,
}

/// Two answers to the same action on the same version: exactly one is taken.
fn one_wins(a: &Reply, b: &Reply) -> bool {
    let statuses = [a.status, b.status];
    statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT)
}

/// Drives case `serial` of `team` along path `serial % 4`, racing desks on the way.
async fn drive(team: Arc<Team>, serial: u32, kab: &'static str) -> Outcome {
    let id = team.create(&intake_serial(serial, kab)).await;
    team.drive(id, "draft", "nik_check").await;
    let version = team.dukcapil_prov.case(id).await.version();
    let verify = || {
        team.dukcapil_prov
            .act(id, "verify_nik", version, valid_fields("verify_nik"))
    };
    match serial % 4 {
        // The NIK desk answers twice at once (a double click): one verification, one stay.
        0 => {
            let (a, b) = tokio::join!(verify(), verify());
            assert!(one_wins(&a, &b), "{} / {}: {}", a.status, b.status, b.body);
            team.drive(id, "desil_check", "guaranteed").await;
            Outcome {
                id,
                kab,
                state: "guaranteed",
                stays: 5,
            }
        }
        // The hospital withdraws while the NIK desk verifies: whichever comes first stands.
        1 => {
            let withdraw = team
                .rsud
                .act(id, "withdraw", version, valid_fields("withdraw"));
            let (w, v) = tokio::join!(withdraw, verify());
            assert!(one_wins(&w, &v), "{} / {}", w.status, v.status);
            if w.status == StatusCode::OK {
                Outcome {
                    id,
                    kab,
                    state: "withdrawn",
                    stays: 2,
                }
            } else {
                Outcome {
                    id,
                    kab,
                    state: "desil_check",
                    stays: 3,
                }
            }
        }
        // All the way to the handover.
        2 => {
            team.drive(id, "nik_check", "pbi_proposed").await;
            team.bpjs.step(id, "record_pbi_active").await;
            Outcome {
                id,
                kab,
                state: "handed_over",
                stays: 6,
            }
        }
        // Waits at the desil desk.
        _ => {
            let (a, b) = tokio::join!(verify(), verify());
            assert!(one_wins(&a, &b), "{} / {}", a.status, b.status);
            Outcome {
                id,
                kab,
                state: "desil_check",
                stays: 3,
            }
        }
    }
}

/// Reads the figures until told to stop; every answer must be whole and self-consistent.
async fn read_until(tim: Arc<Actor>, stop: Arc<AtomicBool>) -> usize {
    let mut reads = 0;
    while !stop.load(Ordering::Relaxed) {
        for path in [
            "/api/v1/hambatan?kelompok=rs",
            "/api/v1/hambatan",
            "/api/v1/dasbor",
        ] {
            let reply = tim.get(path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
            for row in reply.body["rows"].as_array().into_iter().flatten() {
                let n = |k: &str| row[k].as_i64().unwrap_or(-1);
                assert!(
                    0 <= n("overdue") && n("overdue") <= n("open") && n("open") <= n("stays"),
                    "{row}"
                );
            }
            reads += 1;
        }
    }
    reads
}

/// Sum of `open` per state over the rows of a bottleneck answer.
fn open_per_state(body: &Value) -> BTreeMap<String, i64> {
    let mut open = BTreeMap::new();
    for row in body["rows"].as_array().into_iter().flatten() {
        let state = row["state"].as_str().unwrap_or_default().to_string();
        *open.entry(state).or_default() += row["open"].as_i64().unwrap_or_default();
    }
    open.retain(|_, n| *n > 0);
    open
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn figures_stay_true_while_cases_move_concurrently() {
    // Arrange
    let app = spawn_app_at(monday()).await;
    let wzj = Arc::new(Team::new(&app).await);
    let tch = Arc::new(Team::at(&app, "RSUD-TCH", "53.10").await);
    let tim = Arc::new(actor(&app, "tim", None).await);
    let stop = Arc::new(AtomicBool::new(false));

    // Act: every case in a task of its own, two readers, and the clock moving meanwhile.
    let readers: Vec<_> = (0..2)
        .map(|_| tokio::spawn(read_until(tim.clone(), stop.clone())))
        .collect();
    let mut writers = vec![];
    for serial in 1..=PER_TEAM {
        writers.push(tokio::spawn(drive(wzj.clone(), serial, "53.71")));
        writers.push(tokio::spawn(drive(tch.clone(), 100 + serial, "53.10")));
    }
    for _ in 0..4 {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        app.clock.advance(Duration::minutes(30));
    }
    let mut outcomes = vec![];
    for w in writers {
        outcomes.push(w.await.expect("a writer finished"));
    }
    stop.store(true, Ordering::Relaxed);
    let mut reads = 0;
    for r in readers {
        reads += r.await.expect("a reader finished");
    }
    app.clock.advance(Duration::minutes(1));

    // Assert: the figures were read while the cases moved.
    assert!(reads >= 3, "only {reads} reads");

    // Assert: each case has as many stays as its path opened, at most one open, none
    // overlapping the next, and the open one is at the case's state (none once it is closed).
    for o in &outcomes {
        let stays: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT state::text, entered_at, left_at FROM desk_stays \
             WHERE case_id = $1 ORDER BY entered_at, id",
        )
        .bind(o.id)
        .fetch_all(&app.pool)
        .await
        .expect("stays");
        assert_eq!(
            stays.len() as i64,
            o.stays,
            "{} ended {}: {stays:?}",
            o.id,
            o.state
        );
        for pair in stays.windows(2) {
            let left = pair[0].2.expect("only the last stay may be open");
            assert!(left <= pair[1].1, "stays overlap: {stays:?}");
        }
        let open: Vec<_> = stays.iter().filter(|s| s.2.is_none()).collect();
        let terminal = ["withdrawn", "handed_over", "rejected"].contains(&o.state);
        if terminal {
            assert!(open.is_empty(), "{stays:?}");
        } else {
            assert_eq!(open.len(), 1, "{stays:?}");
            assert_eq!(open[0].0, o.state);
        }
        assert_eq!(snapshot(&app, o.id).await.state, o.state);
    }

    // Assert: the figures equal the count by hand, per state and per kab/kota.
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    let mut expected_kab: BTreeMap<(String, &str), i64> = BTreeMap::new();
    for o in &outcomes {
        *expected.entry(o.state.to_string()).or_default() += 1;
        *expected_kab
            .entry((o.state.to_string(), o.kab))
            .or_default() += 1;
    }
    let by_kab = tim.get("/api/v1/hambatan").await;
    let by_rs = tim.get("/api/v1/hambatan?kelompok=rs").await;
    let open_now: BTreeMap<String, i64> = expected
        .iter()
        .filter(|(s, _)| !["withdrawn", "handed_over", "rejected"].contains(&s.as_str()))
        .map(|(s, n)| (s.clone(), *n))
        .collect();
    assert_eq!(open_per_state(&by_kab.body), open_now);
    assert_eq!(open_per_state(&by_rs.body), open_now);
    for row in by_kab.body["rows"].as_array().expect("rows") {
        let state = row["state"].as_str().unwrap_or_default().to_string();
        let kab = row["kab_kota_code"].as_str().unwrap_or_default();
        let want = expected_kab
            .iter()
            .find(|((s, k), _)| *s == state && *k == kab)
            .map_or(0, |(_, n)| *n);
        assert_eq!(row["open"].as_i64(), Some(want), "{row}");
        // Every case went through the draft and NIK desks exactly once.
        if state == "draft" || state == "nik_check" {
            assert_eq!(row["stays"].as_i64(), Some(i64::from(PER_TEAM)), "{row}");
        }
    }
    let dashboard = tim.get("/api/v1/dasbor").await;
    let per_state: BTreeMap<String, i64> = dashboard.body["per_state"]
        .as_array()
        .expect("per_state")
        .iter()
        .filter_map(|c| Some((c["key"].as_str()?.to_string(), c["count"].as_i64()?)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(per_state, expected, "{}", dashboard.body);
}
