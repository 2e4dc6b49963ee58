//! The dashboard's figures, each one query over the cases in a scope (see
//! `cases::Scope::filter`). Counts of open cases read the state index; weekly flows read the
//! indexed creation and closing times of a period only.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use super::cases::ScopeFilter;

/// A labelled count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    /// The code counted (a state, a reason code, a kab/kota code, a hospital code …).
    pub key: String,
    /// Its name, where it has one beyond the code.
    pub label: String,
    pub count: i64,
}

/// Cases per state in the scope.
pub async fn per_state(db: impl PgExecutor<'_>, scope: &ScopeFilter) -> sqlx::Result<Vec<Count>> {
    let rows = sqlx::query!(
        r#"SELECT c.state::text AS "state!", count(*) AS "count!"
           FROM cases c
           WHERE ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           GROUP BY c.state ORDER BY c.state"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Count {
            label: r.state.clone(),
            key: r.state,
            count: r.count,
        })
        .collect())
}

/// Cases registered (`created`) and closed (`closed`) per week, weeks starting on Monday in
/// WITA, from `from` (a Monday) to `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Week {
    pub week_start: NaiveDate,
    pub registered: i64,
    pub closed: i64,
}

/// Inflow and outflow per week over `[from, to)`.
pub async fn weekly_flow(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sqlx::Result<Vec<Week>> {
    let rows = sqlx::query!(
        r#"WITH scoped AS (
               SELECT c.created_at, c.closed_at FROM cases c
               WHERE ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
                 AND (c.created_at >= $4 OR c.closed_at >= $4)
           ),
           weeks AS (
               SELECT generate_series(
                   date_trunc('week', $4::timestamptz AT TIME ZONE 'Asia/Makassar'),
                   date_trunc('week', ($5::timestamptz - interval '1 second') AT TIME ZONE 'Asia/Makassar'),
                   interval '1 week') AS week
           )
           SELECT w.week::date AS "week_start!: NaiveDate",
                  (SELECT count(*) FROM scoped s
                    WHERE date_trunc('week', s.created_at AT TIME ZONE 'Asia/Makassar') = w.week
                      AND s.created_at < $5) AS "registered!",
                  (SELECT count(*) FROM scoped s
                    WHERE s.closed_at IS NOT NULL
                      AND date_trunc('week', s.closed_at AT TIME ZONE 'Asia/Makassar') = w.week
                      AND s.closed_at < $5) AS "closed!"
           FROM weeks w ORDER BY w.week"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
        from as _,
        to as _,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Week {
            week_start: r.week_start,
            registered: r.registered,
            closed: r.closed,
        })
        .collect())
}

/// Closed cases by outcome: handed over (by scheme), rejected, withdrawn (by reason).
pub async fn outcomes(db: impl PgExecutor<'_>, scope: &ScopeFilter) -> sqlx::Result<Vec<Count>> {
    let rows = sqlx::query!(
        r#"SELECT CASE
                    WHEN c.state = 'handed_over' THEN 'handed_over:' || coalesce(c.scheme, '-')
                    WHEN c.state = 'withdrawn' THEN 'withdrawn:' || coalesce(
                        (SELECT h.evidence->>'reason_code' FROM case_history h
                          WHERE h.case_id = c.id AND h.action = 'withdraw'
                          ORDER BY h.id DESC LIMIT 1), '-')
                    ELSE c.state::text
                  END AS "key!",
                  count(*) AS "count!"
           FROM cases c
           WHERE c.state IN ('handed_over', 'rejected', 'withdrawn')
             AND ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           GROUP BY 1 ORDER BY 1"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Count {
            label: r.key.clone(),
            key: r.key,
            count: r.count,
        })
        .collect())
}

/// Beneficiaries (cases handed over to national insurance) per domicile kab/kota.
pub async fn beneficiaries_per_kab_kota(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
) -> sqlx::Result<Vec<Count>> {
    let rows = sqlx::query!(
        r#"SELECT k.code, k.name, count(*) AS "count!"
           FROM cases c JOIN kab_kota k ON k.code = c.domicile_kab_kota_code
           WHERE c.state = 'handed_over'
             AND ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           GROUP BY k.code, k.name ORDER BY count(*) DESC, k.code"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Count {
            key: r.code,
            label: r.name,
            count: r.count,
        })
        .collect())
}

/// Beneficiaries (cases handed over to national insurance) per hospital.
pub async fn beneficiaries_per_hospital(
    db: impl PgExecutor<'_>,
    scope: &ScopeFilter,
) -> sqlx::Result<Vec<Count>> {
    let rows = sqlx::query!(
        r#"SELECT h.code, h.name, count(*) AS "count!"
           FROM cases c JOIN hospitals h ON h.id = c.hospital_id
           WHERE c.state = 'handed_over'
             AND ($1 OR c.hospital_id = $2 OR c.domicile_kab_kota_code = $3)
           GROUP BY h.code, h.name ORDER BY count(*) DESC, h.code"#,
        scope.all,
        scope.hospital_id,
        scope.kab_kota_code,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Count {
            key: r.code,
            label: r.name,
            count: r.count,
        })
        .collect())
}
