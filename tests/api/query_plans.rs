//! The list queries at provincial scale, checked on the plans PostgreSQL chooses (not on time):
//! with 100,000 cases, most of them closed, every queue, the monitoring and hospital lists and
//! each kind of search read `cases` through an index, never by a sequential scan; the queue of
//! a one-state desk and the monitoring list are read in the index's order (no sort). And the
//! index-friendly forms of the searches find what the plain ones find.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone, Utc};
use futures_util::StreamExt;
use merajut_sehat::cases::Scope;
use merajut_sehat::cases::service::{narrow_to_queue, queue_filter};
use merajut_sehat::db::cases::{self as db_cases, CaseRow, ListFilter, ListRow, ScopeFilter};
use merajut_sehat::domain::search::{SearchTerm, name_words, word_pairs};
use merajut_sehat::domain::{CaseState, Role};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::*;

/// Cases filled in: one in twenty open (spread over the twelve open states), the rest closed;
/// spread over every hospital and kab/kota; NIK `53` + the running number; one in 400 with a
/// desil correction waiting.
const CASES: i64 = 100_000;

const FILL: &str = r#"
INSERT INTO users (username, display_name, role, password_hash)
VALUES ('plan_filler', 'Pengisi', 'admin', 'x');
WITH open_states AS (
    SELECT array['draft','nik_check','nik_referral','identity_recording','desil_check',
                 'sktm_required','guarantee_review','guaranteed','pbi_proposed','pbpu_review',
                 'pbpu_proposed','returned']::case_state[] AS s
), h AS (SELECT array_agg(id ORDER BY code) AS ids FROM hospitals),
k AS (SELECT array_agg(code ORDER BY code) AS codes FROM kab_kota),
u AS (SELECT id FROM users WHERE username = 'plan_filler'),
g AS (
    SELECT i,
           CASE WHEN i % 20 = 0 THEN (SELECT s FROM open_states)[1 + (i / 20) % 12]
                WHEN i % 7 = 0 THEN 'rejected'::case_state
                ELSE 'handed_over'::case_state END AS state
    FROM generate_series(1, $CASES) AS i
)
INSERT INTO cases (number, state, returned_from, hospital_id, created_by, full_name, sex,
    birth_date, has_identity_document, nik, domicile_kab_kota_code, admission_date, service_type,
    ward_class, jkn_status, guarantee_letter_number, guarantee_start, payer, pbpu_payer,
    pbpu_decided_on, desil_correction_pending, state_entered_at, sla_due_date, created_at,
    updated_at, closed_at)
SELECT 'MS-2025-' || lpad(i::text, 6, '0'), g.state,
       CASE WHEN g.state = 'returned' THEN 'nik_check'::case_state END,
       h.ids[1 + i % array_length(h.ids, 1)], u.id,
       'Pasien ' || md5(i::text), CASE WHEN i % 2 = 0 THEN 'L' ELSE 'P' END,
       date '1960-01-01' + (i % 20000), true,
       '53' || lpad(i::text, 14, '0'), k.codes[1 + i % array_length(k.codes, 1)],
       date '2025-01-01' + (i % 600), 'rawat_inap', 'kelas_3', 'tidak_ada',
       'SJ-' || i, date '2025-01-01' + (i % 600), 'pemprov',
       CASE WHEN g.state = 'pbpu_proposed' THEN 'pemprov' END,
       CASE WHEN g.state = 'pbpu_proposed' THEN date '2025-06-01' END,
       i % 400 = 0,
       timestamptz '2025-01-01' + i * interval '5 minutes',
       CASE WHEN g.state NOT IN ('handed_over', 'rejected', 'withdrawn')
            THEN date '2025-01-01' + (i % 700) END,
       timestamptz '2025-01-01' + i * interval '5 minutes',
       timestamptz '2025-01-01' + i * interval '5 minutes',
       CASE WHEN g.state IN ('handed_over', 'rejected', 'withdrawn')
            THEN timestamptz '2025-01-02' + i * interval '5 minutes' END
FROM g, h, k, u;
ANALYZE cases;
"#;

/// A database of its own with [`CASES`] cases, analysed.
async fn filled() -> (TestDatabase, PgPool) {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    sqlx::raw_sql(&FILL.replace("$CASES", &CASES.to_string()))
        .execute(&pool)
        .await
        .expect("filling the cases");
    (db, pool)
}

/// Every node of a plan (`EXPLAIN (FORMAT JSON)`), depth first.
fn nodes(plan: &Value) -> Vec<&Value> {
    let mut out = vec![];
    let mut stack = vec![&plan[0]["Plan"]];
    while let Some(node) = stack.pop() {
        out.push(node);
        if let Some(children) = node["Plans"].as_array() {
            stack.extend(children);
        }
    }
    out
}

/// The plan of a page of the list `filter` in `scope`, checked: `cases` is read through an
/// index and never scanned whole. Returns the plan's nodes' types, for further checks.
async fn assert_indexed(
    pool: &PgPool,
    what: &str,
    scope: &ScopeFilter,
    filter: &ListFilter,
) -> Vec<String> {
    let filter = ListFilter {
        limit: 51,
        ..filter.clone()
    };
    let plan = db_cases::explain_list(pool, scope, &filter)
        .await
        .unwrap_or_else(|e| panic!("{what}: EXPLAIN failed: {e}"));
    let nodes = nodes(&plan);
    let on_cases: Vec<&&Value> = nodes
        .iter()
        .filter(|n| n["Relation Name"] == "cases")
        .collect();
    assert!(
        on_cases.iter().all(|n| n["Node Type"] != "Seq Scan"),
        "{what}: a sequential scan of cases:\n{plan:#}"
    );
    assert!(
        on_cases.iter().any(|n| {
            ["Index Scan", "Index Only Scan", "Bitmap Heap Scan"]
                .contains(&n["Node Type"].as_str().unwrap_or(""))
        }),
        "{what}: cases not read through an index:\n{plan:#}"
    );
    nodes
        .iter()
        .map(|n| n["Node Type"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A pool on the same database whose planner avoids sorting wherever an index can give the
/// order (`enable_sort = off`): its plan shows whether such an index exists.
async fn unsorted_planner(pool: &PgPool) -> PgPool {
    let options = (*pool.connect_options())
        .clone()
        .options([("enable_sort", "off")]);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("connecting with enable_sort = off")
}

async fn hospital_id(pool: &PgPool, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM hospitals WHERE code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .expect("hospital")
}

/// The scope of `role` (hospital RSUD-WZJ, kab/kota 53.71 for the roles that need one).
fn scope_of(role: Role, hospital: Uuid) -> ScopeFilter {
    let scope = match role.scope_kind() {
        merajut_sehat::domain::ScopeKind::Hospital => Scope::Hospital(hospital),
        merajut_sehat::domain::ScopeKind::KabKota => Scope::KabKota("53.71".into()),
        merajut_sehat::domain::ScopeKind::None => Scope::All,
    };
    scope.filter()
}

#[tokio::test]
async fn every_queue_reads_cases_through_an_index() {
    // Arrange
    let (db, pool) = filled().await;
    let wzj = hospital_id(&pool, "RSUD-WZJ").await;

    for role in Role::ALL.iter().copied() {
        // Act: the queue as the service asks for it (the page and the API alike).
        let Some(filter) = narrow_to_queue(role, queue_filter(role)) else {
            continue;
        };
        let scope = scope_of(role, wzj);
        let what = format!("queue of {}", role.as_str());
        assert_indexed(&pool, &what, &scope, &filter).await;

        // Assert: an index gives the queue in its order, so a page is read without sorting
        // every case of the desk — a desk of several states too, through the index on exactly
        // its states. Asked with sorting priced out: on this small data set the planner may
        // rightly sort a few hundred rows instead, which at a million cases it does not.
        let unsorted = unsorted_planner(&pool).await;
        let types = assert_indexed(&unsorted, &what, &scope, &filter).await;
        unsorted.close().await;
        assert!(
            !types.iter().any(|t| t == "Sort"),
            "{what}: no index gives the queue's order: {types:?}"
        );

        // Each state the queue offers as a filter, too.
        for state in filter.states.clone() {
            let narrowed = narrow_to_queue(
                role,
                ListFilter {
                    states: vec![state],
                    ..queue_filter(role)
                },
            )
            .expect("a desk");
            assert_indexed(
                &pool,
                &format!("{what}, {}", state.as_str()),
                &scope,
                &narrowed,
            )
            .await;
        }
    }
    pool.close().await;
    db.remove();
}

#[tokio::test]
async fn the_monitoring_and_hospital_lists_read_cases_in_index_order() {
    // Arrange
    let (db, pool) = filled().await;
    let wzj = hospital_id(&pool, "RSUD-WZJ").await;
    let every_state = ListFilter {
        states: CaseState::ALL.to_vec(),
        ..Default::default()
    };
    let scopes = [
        ("provincial", Scope::All.filter()),
        ("kab/kota", Scope::KabKota("53.71".into()).filter()),
        ("hospital", Scope::Hospital(wzj).filter()),
    ];

    for (name, scope) in &scopes {
        // Act / Assert: newest first from the index, no sort.
        let types =
            assert_indexed(&pool, &format!("monitoring, {name}"), scope, &every_state).await;
        assert!(
            !types.iter().any(|t| t == "Sort"),
            "monitoring, {name}: sorted: {types:?}"
        );
        // The next page (keyset cursor after some case).
        let after = sqlx::query_scalar::<_, Uuid>(
            "SELECT id FROM cases ORDER BY created_at DESC, id DESC OFFSET 500 LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .expect("a case");
        let next = ListFilter {
            after: Some((db_cases::NO_DUE_DATE, after)),
            ..every_state.clone()
        };
        assert_indexed(
            &pool,
            &format!("monitoring, {name}, next page"),
            scope,
            &next,
        )
        .await;
        // One state, one desk.
        let one = ListFilter {
            states: vec![CaseState::GuaranteeReview],
            ..Default::default()
        };
        assert_indexed(
            &pool,
            &format!("monitoring, {name}, one state"),
            scope,
            &one,
        )
        .await;
    }
    pool.close().await;
    db.remove();
}

fn search(raw: &str) -> SearchTerm {
    SearchTerm::parse("q", raw)
        .expect("a valid search")
        .expect("not empty")
}

/// A search by digits reads its matches through the NIK-end and case-sequence indexes, never by
/// walking a list's order index. For digits at the top of the range ("9999") PostgreSQL's
/// estimate for the reversed NIK is a hundredth of the table, far above the hundred cases that
/// match; it then walked the monitoring list's order index filtering every case, 230 ms at a
/// million cases instead of 1 ms.
#[tokio::test]
async fn a_search_by_digits_reads_its_matches_through_their_indexes() {
    // Arrange
    let (db, pool) = filled().await;
    let wzj = hospital_id(&pool, "RSUD-WZJ").await;
    let own = BTreeSet::from([
        "cases_nik_reversed_idx".to_string(),
        "cases_number_sequence_idx".to_string(),
    ]);

    for digits in ["9999", "99999", "999999", "12345", "0001", "12"] {
        for (what, scope) in [
            ("provincial", Scope::All.filter()),
            ("hospital", Scope::Hospital(wzj).filter()),
        ] {
            // Act
            let filter = ListFilter {
                states: CaseState::ALL.to_vec(),
                search: Some(search(digits)),
                limit: 51,
                ..Default::default()
            };
            let plan = db_cases::explain_list(&pool, &scope, &filter)
                .await
                .expect("EXPLAIN");

            // Assert
            let on_cases: BTreeSet<String> = nodes(&plan)
                .iter()
                .filter_map(|n| n["Index Name"].as_str())
                .filter(|name| name.starts_with("cases_"))
                .map(str::to_string)
                .collect();
            assert!(
                !on_cases.is_empty() && on_cases.is_subset(&own),
                "{digits}, {what}: cases read through {on_cases:?}:\n{plan:#}"
            );
        }
    }
    pool.close().await;
    db.remove();
}

#[tokio::test]
async fn every_kind_of_search_reads_cases_through_an_index() {
    // Arrange
    let (db, pool) = filled().await;
    let wzj = hospital_id(&pool, "RSUD-WZJ").await;
    let searches = [
        ("whole NIK", search("5300000000012345")),
        ("end of a NIK", search("12345")),
        ("end of a NIK, long", search("0000012345")),
        ("case sequence", search("12")),
        ("case number", search("MS-2025-012345")),
        ("name", search("a1b2")),
    ];

    for (what, term) in searches {
        // Act / Assert: on the monitoring list of a provincial role and of a hospital, and in
        // the queue of a provincial desk.
        let monitoring = ListFilter {
            states: CaseState::ALL.to_vec(),
            search: Some(term.clone()),
            ..Default::default()
        };
        assert_indexed(
            &pool,
            &format!("{what}, provincial"),
            &Scope::All.filter(),
            &monitoring,
        )
        .await;
        assert_indexed(
            &pool,
            &format!("{what}, hospital"),
            &Scope::Hospital(wzj).filter(),
            &monitoring,
        )
        .await;
        let queue = narrow_to_queue(
            Role::DinkesProv,
            ListFilter {
                search: Some(term),
                ..queue_filter(Role::DinkesProv)
            },
        )
        .expect("a desk");
        assert_indexed(
            &pool,
            &format!("{what}, queue"),
            &Scope::All.filter(),
            &queue,
        )
        .await;
    }
    pool.close().await;
    db.remove();
}

/// The ids a search finds on the provincial monitoring list (all of them).
async fn found(pool: &PgPool, term: SearchTerm) -> BTreeSet<Uuid> {
    let filter = ListFilter {
        states: CaseState::ALL.to_vec(),
        search: Some(term),
        limit: CASES,
        ..Default::default()
    };
    db_cases::list::<ListRow>(pool, &Scope::All.filter(), &filter)
        .await
        .expect("listing")
        .into_iter()
        .map(|c| c.id)
        .collect()
}

async fn ids_where(pool: &PgPool, condition: &str, value: &str) -> BTreeSet<Uuid> {
    sqlx::query_scalar::<_, Uuid>(&format!("SELECT id FROM cases WHERE {condition}"))
        .bind(value)
        .fetch_all(pool)
        .await
        .expect("reference query")
        .into_iter()
        .collect()
}

#[tokio::test]
async fn the_indexed_searches_find_what_the_plain_conditions_find() {
    // Arrange
    let (db, pool) = filled().await;
    let checks = [
        // The end of a NIK, including a 9 as the last digit typed (the range's upper bound
        // raises it) and a run of nines.
        ("2349", "nik LIKE '%' || $1"),
        ("99999", "nik LIKE '%' || $1"),
        ("0000012345", "nik LIKE '%' || $1"),
        ("5300000000012345", "nik = $1"),
    ];

    for (typed, condition) in checks {
        // Act
        let got = found(&pool, search(typed)).await;
        // Assert
        let expected = ids_where(&pool, condition, typed).await;
        assert!(!expected.is_empty(), "{typed}: nothing to find");
        // 4–6 digits also find the case whose running number they are.
        let by_number = if (4..=6).contains(&typed.len()) {
            ids_where(&pool, "number LIKE 'MS-____-' || lpad($1, 6, '0')", typed).await
        } else {
            BTreeSet::new()
        };
        let expected: BTreeSet<Uuid> = expected.union(&by_number).copied().collect();
        assert_eq!(got, expected, "{typed}");
    }
    // The running part of a case number, typed short.
    let got = found(&pool, search("77")).await;
    assert_eq!(
        got,
        ids_where(&pool, "number LIKE 'MS-____-0000' || $1", "77").await
    );
    assert_eq!(got.len(), 1);
    pool.close().await;
    db.remove();
}

/// The ids of a page of the provincial monitoring list found by `typed` as a name, after the
/// case `after`, newest first.
async fn name_page(
    pool: &PgPool,
    scope: &ScopeFilter,
    typed: &str,
    after: Option<Uuid>,
) -> Vec<Uuid> {
    let filter = ListFilter {
        states: CaseState::ALL.to_vec(),
        search: Some(search(typed)),
        after: after.map(|id| (db_cases::NO_DUE_DATE, id)),
        limit: 51,
        ..Default::default()
    };
    db_cases::list::<ListRow>(pool, scope, &filter)
        .await
        .expect("listing")
        .into_iter()
        .map(|c| c.id)
        .collect()
}

/// The same page by the plain condition (each typed word begins a word of the name, the
/// names' words being separated by spaces), in the list's order.
async fn name_page_expected(
    pool: &PgPool,
    hospital: Option<Uuid>,
    typed: &str,
    after: Option<Uuid>,
) -> Vec<Uuid> {
    let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
    sqlx::query_scalar(
        "SELECT id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[]) w \
             WHERE (' ' || lower(c.full_name)) NOT LIKE '% ' || w || '%') \
         AND ($2::uuid IS NULL OR hospital_id = $2) \
         AND ($3::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM cases WHERE id = $3)) \
         ORDER BY created_at DESC, id DESC LIMIT 51",
    )
    .bind(words)
    .bind(hospital)
    .bind(after)
    .fetch_all(pool)
    .await
    .expect("reference query")
}

#[tokio::test]
async fn a_name_search_pages_alike_whether_the_name_is_common_or_rare() {
    // Arrange: names are `Pasien <md5>`. One in 16 has an md5 beginning with `a`: more than
    // NAME_PROBE cases, a common name, whose page is found walking the list's order. One in 256
    // begins with `ab` and one in 65,536 with `abcd`: rare names, whose pages are their matches
    // sorted. None with `zz`, and `sien` begins no word.
    let (db, pool) = filled().await;
    let wzj = hospital_id(&pool, "RSUD-WZJ").await;
    let scopes = [
        (None, Scope::All.filter()),
        (Some(wzj), Scope::Hospital(wzj).filter()),
    ];

    for typed in [
        "pasien a",
        "pasien ab",
        "abcd pasien",
        "PASIEN 0f",
        "zz",
        "sien",
    ] {
        for (hospital, scope) in &scopes {
            let what = format!("{typed}, hospital {hospital:?}");
            // Act: two pages.
            let first = name_page(&pool, scope, typed, None).await;
            let second = name_page(&pool, scope, typed, first.last().copied()).await;
            // Assert
            let expected_first = name_page_expected(&pool, *hospital, typed, None).await;
            assert_eq!(first, expected_first, "{what}: first page");
            let expected_second =
                name_page_expected(&pool, *hospital, typed, expected_first.last().copied()).await;
            assert_eq!(second, expected_second, "{what}: second page");
        }
    }
    // The pages had something to compare: a full page of the common name, and the rare one,
    // its words typed in another order than the name's.
    assert_eq!(
        name_page(&pool, &Scope::All.filter(), "pasien a", None)
            .await
            .len(),
        51
    );
    let rare = name_page(&pool, &Scope::All.filter(), "abcd pasien", None).await;
    assert!(
        (1..51).contains(&rare.len()),
        "pasien abcd…: {}",
        rare.len()
    );
    assert!(
        name_page(&pool, &Scope::All.filter(), "sien", None)
            .await
            .is_empty()
    );

    // The first step reads the matches through the name index, and sorts its page from them;
    // a common name's page walks the list's order index. Neither reads the whole table.
    let filter = ListFilter {
        states: CaseState::ALL.to_vec(),
        search: Some(search("pasien ab")),
        limit: 51,
        ..Default::default()
    };
    let on_cases = |plan: &Value| -> Vec<Value> {
        nodes(plan)
            .into_iter()
            .filter(|n| n["Relation Name"] == "cases")
            .cloned()
            .collect()
    };
    for (_, scope) in &scopes {
        let plans = db_cases::explain_name_search(&pool, scope, &filter)
            .await
            .expect("EXPLAIN")
            .expect("a name search");
        assert!(
            nodes(&plans.matches)
                .iter()
                .any(|n| n["Index Name"] == "cases_name_keys_idx"),
            "the first step without the name index:\n{:#}",
            plans.matches
        );
        let matches = on_cases(&plans.matches);
        assert!(
            !matches.is_empty() && matches.iter().all(|n| n["Node Type"] == "Bitmap Heap Scan"),
            "the first step reading cases otherwise than through the name index:\n{:#}",
            plans.matches
        );
        let walking = on_cases(&plans.walking);
        assert!(
            !walking.is_empty()
                && walking
                    .iter()
                    .all(|n| n["Node Type"] == "Index Scan" && n["Scan Direction"] == "Backward"),
            "a common name's page not walking an order index:\n{:#}",
            plans.walking
        );
    }
    pool.close().await;
    db.remove();
}

/// How often the prepared statement like `pattern` on the pool's one connection was run with
/// its generic plan, and how often planned for its values.
async fn plans_of(one: &PgPool, pattern: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE $1",
    )
    .bind(pattern)
    .fetch_one(one)
    .await
    .expect("the search's prepared statement")
}

/// A pool of one connection to the database of `pool`, so that every search meets the same
/// prepared statement.
async fn one_connection(pool: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("one connection")
}

#[tokio::test]
async fn a_search_by_digits_keeps_one_plan_for_every_search() {
    let (db, pool) = filled().await;
    let one = one_connection(&pool).await;

    // Act: ten searches by the end of a NIK, each with other digits (and a case sequence).
    for n in 0..10 {
        let typed = format!("{:04}", 1234 + n * 111);
        let term = search(&typed);
        assert!(matches!(term, SearchTerm::Digits(_)), "{typed}");
        assert!(
            !found(&one, term).await.is_empty(),
            "{typed}: no match to read"
        );
    }

    // Assert: planned for their values five times, then the generic plan kept.
    assert_eq!(
        plans_of(&one, "%reverse(c.nik)%").await,
        (5, 5),
        "generic and custom plans"
    );
    one.close().await;
    pool.close().await;
    db.remove();
}

#[tokio::test]
async fn a_name_search_keeps_one_plan_for_every_name() {
    // Arrange: one connection, so that every search meets the same prepared statement.
    let (db, pool) = filled().await;
    let one = one_connection(&pool).await;

    // Act: ten searches of rare names, each with other words.
    for typed in [
        "pasien ab",
        "pasien 0f",
        "pasien c3",
        "pasien 9a",
        "pasien 12",
        "pasien e7",
        "pasien 5b",
        "pasien d0",
        "pasien 44",
        "pasien f1",
    ] {
        assert!(
            !name_page(&one, &Scope::All.filter(), typed, None)
                .await
                .is_empty(),
            "{typed}: no match to read"
        );
    }

    // Assert: PostgreSQL planned the first five for their words, as it always does, and then
    // kept the statement's generic plan. With the words in sight of the planner, it planned
    // each search again.
    assert_eq!(
        plans_of(&one, "%name_matches AS MATERIALIZED%").await,
        (5, 5),
        "generic and custom plans"
    );
    one.close().await;
    pool.close().await;
    db.remove();
}

#[tokio::test]
async fn the_service_and_the_database_key_a_names_words_alike() {
    // Arrange: the database's keys of a stored name (`name_search_keys`) and the ones the
    // service reads for its words typed whole (each word, the beginnings of the name's words;
    // `word_pairs`) must follow the same rules, or a search misses names. Letters beyond ASCII
    // in capitals, and spaces beyond ASCII, among them.
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let sixty = (0..60)
        .map(|i| format!("w{i:02}"))
        .collect::<Vec<_>>()
        .join(" ");
    for name in [
        "Maria Goreti Bria",
        "maria marta BRIA",
        "ÑAÑEZ José da Costa",
        "ÉLODIE O'Neil-Tefa",
        "Maria\u{a0}Bria\u{3000}Tefa",
        "😀😀😀x Abc 😀😀😀y",
        "ab cd",
        "MS-2026-000012 Tefa",
        sixty.as_str(),
    ] {
        // Act
        let stored: BTreeSet<String> =
            sqlx::query_scalar::<_, Vec<String>>("SELECT name_search_keys($1)")
                .bind(name)
                .fetch_one(&pool)
                .await
                .expect("the database's keys")
                .into_iter()
                .collect();

        // Assert
        let lower = name.to_lowercase();
        let words: Vec<&str> = name_words(&lower).collect();
        let mut expected: BTreeSet<String> = words
            .iter()
            .flat_map(|w| {
                w.char_indices()
                    .map(|(i, c)| w[..i + c.len_utf8()].to_string())
            })
            .collect();
        expected.extend(word_pairs(words.iter().copied()));
        assert_eq!(stored, expected, "{name}");
        if name == sixty {
            // Sixty words, each two: a name's length (200 letters at most) bounds its keys.
            assert_eq!(
                stored.iter().filter(|k| k.contains(' ')).count(),
                60 * 59 / 2
            );
        }
    }
    pool.close().await;
    db.remove();
}

#[tokio::test]
async fn a_name_search_filters_its_matches_as_the_plain_statement_does() {
    // Arrange: a rare name (about 390 of the cases), whose page is sorted from its matches as
    // the first step keeps them (`ListColumns::MATCHED`), under each filter of a list; the
    // plain statement (the export's) finds the same cases in the same order.
    let (db, pool) = filled().await;
    let wzj = hospital_id(&pool, "RSUD-WZJ").await;
    let open: Vec<CaseState> = CaseState::ALL
        .iter()
        .copied()
        .filter(|s| !s.is_terminal())
        .collect();
    let base = ListFilter {
        states: CaseState::ALL.to_vec(),
        search: Some(search("pasien ab")),
        limit: 51,
        ..Default::default()
    };
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let filters = [
        ("no other filter", base.clone()),
        (
            "open states, by due date",
            ListFilter {
                states: open.clone(),
                by_due_date: true,
                ..base.clone()
            },
        ),
        (
            "overdue",
            ListFilter {
                overdue_on: Some(day(2025, 9, 1)),
                ..base.clone()
            },
        ),
        (
            "registered in a period",
            ListFilter {
                created_from: Some(Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap()),
                created_before: Some(Utc.with_ymd_and_hms(2025, 9, 1, 0, 0, 0).unwrap()),
                ..base.clone()
            },
        ),
        (
            "a kab/kota and a hospital",
            ListFilter {
                kab_kota_code: Some("53.71".into()),
                hospital_id: Some(wzj),
                ..base.clone()
            },
        ),
        (
            "guaranteed, a desil correction pending",
            ListFilter {
                states: vec![CaseState::Guaranteed, CaseState::DesilCheck],
                correction_pending: true,
                guaranteed_without_pending_correction: true,
                ..base.clone()
            },
        ),
    ];
    let mut listed = 0;
    for (what, f) in &filters {
        for scope in [Scope::All.filter(), Scope::Hospital(wzj).filter()] {
            // Act
            let rows: Vec<Uuid> = db_cases::list::<ListRow>(&pool, &scope, f)
                .await
                .expect(what)
                .into_iter()
                .map(|c| c.id)
                .collect();
            let whole: Vec<Uuid> = db_cases::list::<CaseRow>(&pool, &scope, f)
                .await
                .expect(what)
                .into_iter()
                .map(|c| c.id)
                .collect();
            let plain: Vec<Uuid> = db_cases::stream::<ListRow>(pool.clone(), &scope, f)
                .take(51)
                .map(|r| r.expect(what).id)
                .collect()
                .await;

            // Assert
            assert_eq!(rows, plain, "{what}, {scope:?}");
            assert_eq!(whole, plain, "{what}, {scope:?}: whole cases");
            listed += plain.len();
        }
    }
    // The next page of a queue, after a cursor of its due date.
    let queue = ListFilter {
        states: open,
        by_due_date: true,
        limit: 5,
        ..base.clone()
    };
    let first = db_cases::list::<ListRow>(&pool, &Scope::All.filter(), &queue)
        .await
        .expect("the first page");
    let last = first.last().expect("a full first page");
    let next: Vec<Uuid> = db_cases::list::<ListRow>(
        &pool,
        &Scope::All.filter(),
        &ListFilter {
            after: Some((last.sla_due_date.unwrap_or(db_cases::NO_DUE_DATE), last.id)),
            ..queue.clone()
        },
    )
    .await
    .expect("the next page")
    .into_iter()
    .map(|c| c.id)
    .collect();
    let plain: Vec<Uuid> = db_cases::stream::<ListRow>(pool.clone(), &Scope::All.filter(), &queue)
        .skip(5)
        .take(5)
        .map(|r| r.expect("the plain statement").id)
        .collect()
        .await;
    assert_eq!(next, plain);
    assert!(listed > 100, "too few cases to compare: {listed}");
    pool.close().await;
    db.remove();
}
