//! `merajut-sehat generate --cases N`: a realistic body of generated cases for measuring the
//! service at provincial scale (docs/performance.md, "Generated data").
//!
//! Every case is walked through the workflow the way the desks would take it: the next action
//! is chosen by weights per state, its evidence is parsed from form fields by the same
//! [`ActionData::parse`] the pages use, the domain's [`decide`] names the next state (a step it
//! refuses stops the run), and the columns the service would write (evidence columns, history
//! row, desk stays, guarantee letter, quota charge, claim) are written the same way. Time moves
//! in working days from the holiday table, with a tail of slow desks; a case whose next step
//! would fall after now stays open at its desk, so the open cases are the recent ones, a few
//! percent at each desk, some overdue.
//!
//! Rows are written with `COPY … FROM STDIN` in batches, one transaction per batch, two batches
//! at once on two connections, while the next batch is generated on a blocking thread. The run
//! refuses a database holding cases it did not make (their creator is not a `gen_` user) unless
//! `--force`; the same `--seed` on the same database state gives the same data. Case numbers come from the service's own sequence,
//! so the service numbers its next case after the generated ones.
//!
//! Not written: per-transition audit rows (the audit chain's trigger would hash 8 rows per
//! case one by one; the run itself is audited once), notifications and outbox jobs (all
//! long delivered), and document files (the documents are metadata only, millions of them at
//! scale: downloading one fails as for any missing file).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::GenerateArgs;
use crate::db;
use crate::domain::nik::{mask_json, mask_numbers};
use crate::domain::{
    Action, ActionData, CaseFacts, CaseState, Desil, Role, ScopeKind, decide, sla,
};

/// Batches written at once (see [`run`]).
const WRITERS: usize = 2;

/// The prefix of every user the generator makes; a case created by anyone else is real data.
pub const USER_PREFIX: &str = "gen_";

/// What a run made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub cases: u64,
    pub open_cases: u64,
    pub history_rows: u64,
    pub stays: u64,
    pub documents: u64,
    pub claims: u64,
    pub access_rows: u64,
    pub first_number: String,
    pub last_number: String,
    /// The generated users' password, when the run chose it.
    pub password: Option<String>,
    /// `(username, base32 secret)` of the users whose role needs a second factor.
    pub totp: Vec<(String, String)>,
}

/// Generates `args.cases` cases at `now` (the application's clock) into the service's
/// database. See the module documentation.
pub async fn run(
    pool: &PgPool,
    args: &GenerateArgs,
    now: DateTime<Utc>,
) -> anyhow::Result<Summary> {
    if args.cases == 0 {
        bail!("--cases must be at least 1");
    }
    refuse_real_data(pool, args.force).await?;
    let (password, generated_password) = match &args.password {
        Some(p) if !p.is_empty() => (p.clone(), false),
        _ => (crate::auth::generate_password(), true),
    };
    let reference = Reference::load(pool).await?;
    let (users, totp) = ensure_users(pool, &reference, &password, now).await?;
    let first = reserve_numbers(pool, args.cases).await?;
    let letters = letter_counters(pool).await?;
    let mut summary = Summary {
        password: generated_password.then_some(password),
        totp,
        ..Summary::default()
    };
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(args.seed),
        reference,
        users,
        now,
        today: sla::local_date(now),
        start: now - Duration::days(i64::from(args.years) * 365),
        total: args.cases,
        first_number: first,
        letters,
        quota_used: HashMap::new(),
    };
    let batch = args.batch.max(1);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Batch>>(2);
    let total = args.cases;
    let producer = tokio::task::spawn_blocking(move || {
        let mut k = 0;
        while k < total {
            let n = batch.min(total - k);
            let made = generator.batch(k, n);
            k += n;
            if tx.blocking_send(made).is_err() {
                break;
            }
        }
        generator.letters
    });
    let started = std::time::Instant::now();
    // Batches are written WRITERS at a time, each in its own transaction on its own connection:
    // one COPY keeps one PostgreSQL backend busy, and with one writer the load waited on it
    // while the other core idled. Claim numbers are taken here, in batch order, so they follow
    // the cases' registration as one writer gave them.
    let mut writing = FuturesUnordered::new();
    let mut written = 0u64;
    let mut wrote = |n: u64| {
        written += n;
        tracing::info!(
            cases = written,
            of = total,
            seconds = started.elapsed().as_secs(),
            "generated"
        );
    };
    while let Some(made) = rx.recv().await {
        let made = made?;
        let claims = made.numbered_claims(pool).await?;
        summary.add(&made);
        if writing.len() >= WRITERS
            && let Some(done) = writing.next().await
        {
            wrote(done?);
        }
        writing.push(async move {
            made.write(pool, &claims).await?;
            Ok::<_, anyhow::Error>(made.counts.cases)
        });
    }
    while let Some(done) = writing.next().await {
        wrote(done?);
    }
    let letters = producer.await.context("the generating thread failed")?;
    store_letter_counters(pool, &letters).await?;
    // The dashboard reads past days from the roll-up: roll them up now, as the worker would.
    db::figures::refresh(pool, now).await?;
    db::audit::record(
        pool,
        None,
        "generate",
        None,
        serde_json::json!({"cases": args.cases, "seed": args.seed, "years": args.years}),
    )
    .await?;
    Ok(summary)
}

/// The number the service gives its `n`th case registered in `year`.
fn case_number(year: i32, n: i64) -> String {
    format!("MS-{year}-{n:06}")
}

/// Refuses a database holding cases the generator did not make, unless `force`.
async fn refuse_real_data(pool: &PgPool, force: bool) -> anyhow::Result<()> {
    let pattern = format!("{USER_PREFIX}%");
    let real = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM cases c JOIN users u ON u.id = c.created_by
           WHERE u.username NOT LIKE $1"#,
        pattern
    )
    .fetch_one(pool)
    .await?;
    if real > 0 && !force {
        bail!(
            "this database holds {real} cases not made by the generator (their creator is not \
             a {USER_PREFIX} user): generated cases would mix with real data. Use an empty \
             database, or pass --force if this is a test installation."
        );
    }
    Ok(())
}

/// Takes `n` consecutive numbers from the service's case sequence; the first one.
async fn reserve_numbers(pool: &PgPool, n: u64) -> anyhow::Result<i64> {
    let n = i64::try_from(n)?;
    let r = sqlx::query!(
        r#"SELECT min(v) AS "first!", max(v) AS "last!"
           FROM (SELECT nextval('case_number_seq') AS v FROM generate_series(1, $1::bigint)) s"#,
        n
    )
    .fetch_one(pool)
    .await?;
    if r.last - r.first + 1 != n {
        bail!(
            "the case number sequence moved while numbers were reserved (another process \
             registered cases): run the generator while the service is stopped"
        );
    }
    Ok(r.first)
}

/// The last guarantee letter number of each year.
async fn letter_counters(pool: &PgPool) -> anyhow::Result<HashMap<i32, i32>> {
    Ok(
        sqlx::query!("SELECT year, last_number FROM guarantee_letter_counters")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| (r.year, r.last_number))
            .collect(),
    )
}

async fn store_letter_counters(pool: &PgPool, letters: &HashMap<i32, i32>) -> anyhow::Result<()> {
    for (year, last) in letters {
        sqlx::query!(
            "INSERT INTO guarantee_letter_counters (year, last_number) VALUES ($1, $2) \
             ON CONFLICT (year) DO UPDATE SET last_number = \
                 greatest(guarantee_letter_counters.last_number, excluded.last_number)",
            year,
            last
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// A hospital and where it is.
#[derive(Debug, Clone)]
struct Hospital {
    id: Uuid,
    code: String,
    kab_kota_code: String,
}

/// Reference data the generator draws from.
#[derive(Debug, Clone)]
struct Reference {
    kab_kota: Vec<String>,
    hospitals: Vec<Hospital>,
    holidays: BTreeSet<NaiveDate>,
    sla_days: HashMap<CaseState, u32>,
}

impl Reference {
    async fn load(pool: &PgPool) -> anyhow::Result<Reference> {
        let kab_kota: Vec<String> = db::reference::list_kab_kota(pool)
            .await?
            .into_iter()
            .map(|k| k.code)
            .collect();
        let hospitals: Vec<Hospital> = db::reference::list_hospitals(pool)
            .await?
            .into_iter()
            .filter(|h| h.active)
            .map(|h| Hospital {
                id: h.id,
                code: h.code,
                kab_kota_code: h.kab_kota_code,
            })
            .collect();
        if kab_kota.is_empty() || hospitals.is_empty() {
            bail!("the reference data holds no kab/kota or no active hospital");
        }
        Ok(Reference {
            kab_kota,
            hospitals,
            holidays: db::cases::holidays(pool).await?,
            sla_days: db::cases::sla_days(pool).await?,
        })
    }

    /// The hospitals a patient of `kab` goes to: the ones in the same region, else all.
    fn hospitals_for(&self, kab: &str) -> Vec<usize> {
        let region = region_of(kab);
        let near: Vec<usize> = (0..self.hospitals.len())
            .filter(|i| region_of(&self.hospitals[*i].kab_kota_code) == region)
            .collect();
        if near.is_empty() {
            (0..self.hospitals.len()).collect()
        } else {
            near
        }
    }
}

/// The island group of a kab/kota (patients go to a hospital on their own island, or to the
/// provincial referral hospital in Kupang).
fn region_of(kab: &str) -> u8 {
    match kab {
        "53.01" | "53.02" | "53.16" | "53.17" => 1,
        "53.13" | "53.15" | "53.19" | "53.12" | "53.18" => 2,
        "53.07" | "53.08" | "53.09" | "53.10" | "53.11" => 3,
        "53.05" | "53.06" | "53.21" => 4,
        _ => 0,
    }
}

/// Relative population of each kab/kota (thousands, BPS 2024, rounded): where patients live.
fn population(kab: &str) -> u32 {
    match kab {
        "53.01" => 150,
        "53.02" => 260,
        "53.03" => 380,
        "53.04" => 480,
        "53.05" => 270,
        "53.06" => 230,
        "53.07" => 220,
        "53.08" => 150,
        "53.09" => 290,
        "53.10" => 330,
        "53.11" => 280,
        "53.12" => 170,
        "53.13" => 350,
        "53.14" => 150,
        "53.15" => 270,
        "53.16" => 90,
        "53.17" => 340,
        "53.18" => 150,
        "53.19" => 290,
        "53.20" => 95,
        "53.21" => 190,
        "53.71" => 470,
        _ => 100,
    }
}

/// The users cases are created and acted on by: one per provincial role, one per hospital for
/// `rsud`, one per kab/kota for each `*_kab` role.
#[derive(Debug, Clone, Default)]
struct Users {
    provincial: HashMap<Role, Uuid>,
    hospital: HashMap<Uuid, Uuid>,
    kab: HashMap<(Role, String), Uuid>,
}

impl Users {
    /// The user of `role` who acts on a case of `hospital` and `kab`.
    fn actor(&self, role: Role, hospital: Uuid, kab: &str) -> Uuid {
        let found = match role.scope_kind() {
            ScopeKind::Hospital => self.hospital.get(&hospital),
            ScopeKind::KabKota => self.kab.get(&(role, kab.to_string())),
            ScopeKind::None => self.provincial.get(&role),
        };
        // Every combination is created by `ensure_users`.
        found.copied().unwrap_or_default()
    }
}

/// The username of a generated user.
fn username(role: Role, scope: Option<&str>) -> String {
    match scope {
        Some(s) => format!(
            "{USER_PREFIX}{}_{}",
            role.as_str(),
            s.trim_start_matches("RSUD-")
                .replace('.', "")
                .to_lowercase()
        ),
        None => format!("{USER_PREFIX}{}", role.as_str()),
    }
}

/// Creates the generator's users (or gives the existing ones `password`), with a confirmed
/// second factor for the roles that need one.
async fn ensure_users(
    pool: &PgPool,
    reference: &Reference,
    password: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(Users, Vec<(String, String)>)> {
    let hash = crate::auth::hash_password_async(password.to_string()).await?;
    let mut wanted: Vec<(Role, Option<Uuid>, Option<String>, String)> = vec![];
    for role in Role::ALL {
        match role.scope_kind() {
            ScopeKind::None => wanted.push((*role, None, None, username(*role, None))),
            ScopeKind::Hospital => {
                for h in &reference.hospitals {
                    wanted.push((*role, Some(h.id), None, username(*role, Some(&h.code))));
                }
            }
            ScopeKind::KabKota => {
                for k in &reference.kab_kota {
                    wanted.push((*role, None, Some(k.clone()), username(*role, Some(k))));
                }
            }
        }
    }
    let mut users = Users::default();
    let mut totp = vec![];
    for (role, hospital_id, kab, name) in wanted {
        if let Some(problem) = crate::auth::password_problem(password, &name) {
            bail!("--password: {problem}");
        }
        let id = match db::users::by_username(pool, &name).await? {
            Some(u) => {
                db::users::set_password(pool, u.id, &hash, false).await?;
                u.id
            }
            None => {
                let display = format!("Generator {}", role.label());
                let new = db::users::NewUser {
                    username: &name,
                    display_name: &display,
                    role,
                    hospital_id,
                    kab_kota_code: kab.as_deref(),
                    password_hash: &hash,
                    must_change_password: false,
                };
                db::users::create(pool, &new).await?
            }
        };
        if crate::auth::totp::is_mandatory(role) {
            let secret = match db::two_factor::totp_of(pool, id).await? {
                Some(t) if t.confirmed => t.secret,
                _ => {
                    let secret = crate::auth::totp::new_secret();
                    db::two_factor::set_confirmed(pool, id, &secret, now).await?;
                    secret
                }
            };
            totp.push((name.clone(), crate::auth::totp::base32(&secret)));
        }
        match (hospital_id, kab) {
            (Some(h), _) => users.hospital.insert(h, id),
            (None, Some(k)) => users.kab.insert((role, k), id),
            (None, None) => users.provincial.insert(role, id),
        };
    }
    Ok((users, totp))
}

/// The rows of one batch, as `COPY` text.
#[derive(Debug, Default)]
struct Batch {
    cases: String,
    history: String,
    stays: String,
    documents: String,
    access: String,
    letters: String,
    charges: String,
    claims: String,
    claim_history: String,
    counts: Summary,
}

impl Batch {
    /// Writes the batch in one transaction, parents before children, with its claim rows
    /// numbered ([`Batch::numbered_claims`]).
    async fn write(&self, pool: &PgPool, claims: &str) -> anyhow::Result<()> {
        let mut tx = pool.begin().await?;
        let tables: [(&str, &str); 9] = [
            (
                "cases (id, number, state, version, returned_from, hospital_id, created_by, \
                 full_name, sex, birth_place, birth_date, has_identity_document, nik, kk_number, \
                 address, desa, kecamatan, domicile_kab_kota_code, family_phone, admission_date, \
                 service_type, ward_class, clinical_reason, jkn_status, desil, desil_corrected, \
                 desil_correction_pending, guarantee_letter_number, guarantee_start, \
                 guarantee_end, payer, guarantee_ceiling, scheme, bpjs_card_number, \
                 coverage_effective_date, pbpu_payer, pbpu_decided_on, pbpu_decision_reference, \
                 identity_verified_at, verified_nik, verified_kk, state_entered_at, sla_due_date, \
                 created_at, updated_at, submitted_at, closed_at)",
                &self.cases,
            ),
            (
                "documents (id, case_id, kind, content_type, size_bytes, sha256, original_name, \
                 uploaded_by, uploaded_at)",
                &self.documents,
            ),
            (
                "case_history (case_id, action, from_state, to_state, from_version, actor_id, \
                 actor_role, at, evidence, reason)",
                &self.history,
            ),
            (
                "desk_stays (case_id, state, domicile_kab_kota_code, hospital_id, entered_at, \
                 left_at, sla_due_date, overdue_notified_at)",
                &self.stays,
            ),
            (
                "case_access_log (case_id, user_id, at, what, via, role, kind)",
                &self.access,
            ),
            (
                "guarantee_letters (case_id, year, sequence, approved_at, token, token_hash)",
                &self.letters,
            ),
            (
                "quota_charges (case_id, kind, year, kab_kota_code, amount, used_before, \
                 decided_by, decided_at)",
                &self.charges,
            ),
            (
                "claims (id, number, case_id, hospital_id, status, version, payer, kab_kota_code, \
                 care_start, care_end, amount_claimed, ina_cbg_code, document_id, paid_on, \
                 amount_paid, payment_reference, submitted_by, submitted_at, verified_by, \
                 verified_at, paid_by, paid_recorded_at, created_at, updated_at)",
                claims,
            ),
            (
                "claim_history (claim_id, action, from_status, to_status, from_version, \
                 actor_id, actor_role, at, detail)",
                &self.claim_history,
            ),
        ];
        for (target, rows) in tables {
            if rows.is_empty() {
                continue;
            }
            let mut copy = tx
                .copy_in_raw(&format!("COPY {target} FROM STDIN"))
                .await
                .with_context(|| format!("COPY {target}"))?;
            copy.send(rows.as_bytes()).await?;
            copy.finish()
                .await
                .with_context(|| format!("COPY {target}"))?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Stands in a claim row for the number taken from the service's claim sequence when the
/// batch is written.
const CLAIM_SEQUENCE: char = '\u{1}';

impl Batch {
    /// The claim rows with their numbers, taken from `claim_number_seq` as the service takes
    /// them (`KLM-2026-000123`).
    async fn numbered_claims(&self, db: &PgPool) -> anyhow::Result<String> {
        let n = i64::try_from(self.counts.claims)?;
        if n == 0 {
            return Ok(String::new());
        }
        let numbers = sqlx::query_scalar!(
            r#"SELECT nextval('claim_number_seq') AS "n!" FROM generate_series(1, $1::bigint)"#,
            n
        )
        .fetch_all(db)
        .await?;
        let mut parts = self.claims.split(CLAIM_SEQUENCE);
        let mut out = String::with_capacity(self.claims.len() + numbers.len() * 8);
        out.push_str(parts.next().unwrap_or_default());
        for (part, number) in parts.zip(numbers) {
            let _ = write!(out, "{number:06}");
            out.push_str(part);
        }
        Ok(out)
    }
}

impl Summary {
    fn add(&mut self, b: &Batch) {
        let c = &b.counts;
        self.cases += c.cases;
        self.open_cases += c.open_cases;
        self.history_rows += c.history_rows;
        self.stays += c.stays;
        self.documents += c.documents;
        self.claims += c.claims;
        self.access_rows += c.access_rows;
        if self.first_number.is_empty() {
            self.first_number.clone_from(&c.first_number);
        }
        self.last_number.clone_from(&c.last_number);
    }
}

/// One row of `COPY` text: values separated by tabs, `\N` for NULL, the rest escaped.
struct Row<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Row<'a> {
    fn new(out: &'a mut String) -> Self {
        Row { out, first: true }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push('\t');
        }
        self.first = false;
    }

    fn s(mut self, v: &str) -> Self {
        self.sep();
        for c in v.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\t' => self.out.push_str("\\t"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                c => self.out.push(c),
            }
        }
        self
    }

    fn opt(self, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.s(v),
            None => self.null(),
        }
    }

    fn null(mut self) -> Self {
        self.sep();
        self.out.push_str("\\N");
        self
    }

    fn n(mut self, v: impl std::fmt::Display) -> Self {
        self.sep();
        let _ = write!(self.out, "{v}");
        self
    }

    fn on(self, v: Option<impl std::fmt::Display>) -> Self {
        match v {
            Some(v) => self.n(v),
            None => self.null(),
        }
    }

    fn t(self, v: DateTime<Utc>) -> Self {
        self.n(v.format("%Y-%m-%d %H:%M:%S%.6f+00"))
    }

    fn ot(self, v: Option<DateTime<Utc>>) -> Self {
        match v {
            Some(v) => self.t(v),
            None => self.null(),
        }
    }

    fn b(self, v: bool) -> Self {
        self.n(if v { "t" } else { "f" })
    }

    fn bytes(mut self, v: &[u8]) -> Self {
        self.sep();
        self.out.push_str("\\\\x");
        self.out.push_str(&hex::encode(v));
        self
    }

    fn end(self) {
        self.out.push('\n');
    }
}

/// A case as the generator walks it (the columns the workflow reads and writes).
#[derive(Debug, Clone)]
struct Sim {
    id: Uuid,
    hospital: usize,
    kab: String,
    state: CaseState,
    returned_from: Option<CaseState>,
    version: i32,
    sex: &'static str,
    name: String,
    birth: NaiveDate,
    has_id: bool,
    nik: Option<String>,
    kk: Option<String>,
    admission: NaiveDate,
    desil: Option<Desil>,
    desil_corrected: Option<Desil>,
    correction_pending: bool,
    letter: Option<String>,
    guarantee_start: Option<NaiveDate>,
    guarantee_end: Option<NaiveDate>,
    payer: Option<&'static str>,
    ceiling: Option<i64>,
    scheme: Option<&'static str>,
    card: Option<String>,
    effective: Option<NaiveDate>,
    pbpu_payer: Option<&'static str>,
    pbpu_decided_on: Option<NaiveDate>,
    pbpu_reference: Option<String>,
    verified_at: Option<DateTime<Utc>>,
    state_entered_at: DateTime<Utc>,
    sla_due: Option<NaiveDate>,
    submitted_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl Sim {
    fn facts(&self) -> CaseFacts {
        CaseFacts {
            state: self.state,
            returned_from: self.returned_from,
            effective_desil: self.desil_corrected.or(self.desil),
            desil_correction_pending: self.correction_pending,
            nik_verifiable: self.nik.is_some() && self.has_id,
            identity_changed: false,
        }
    }
}

/// The generator's state across batches.
struct Generator {
    rng: StdRng,
    reference: Reference,
    users: Users,
    now: DateTime<Utc>,
    today: NaiveDate,
    /// When the first generated case was registered.
    start: DateTime<Utc>,
    total: u64,
    /// The sequence number of the first generated case.
    first_number: i64,
    /// The last letter number issued per year.
    letters: HashMap<i32, i32>,
    /// Quota used per (kind, year, payer's kab/kota) so far.
    quota_used: HashMap<(&'static str, i32, Option<String>), i64>,
}

const GIVEN_MALE: &[&str] = &[
    "Yohanes",
    "Markus",
    "Petrus",
    "Yosef",
    "Agustinus",
    "Simon",
    "Yakobus",
    "Fransiskus",
    "Paulus",
    "Antonius",
    "Dominikus",
    "Stefanus",
    "Aloysius",
    "Benediktus",
    "Kornelis",
    "Daniel",
    "Yeremias",
    "Marthen",
    "Obed",
    "Herman",
    "Umbu",
    "Rudolof",
    "Lukas",
    "Matius",
];
const GIVEN_FEMALE: &[&str] = &[
    "Maria",
    "Yohana",
    "Fransiska",
    "Elisabeth",
    "Katarina",
    "Theresia",
    "Agnes",
    "Anastasia",
    "Margaretha",
    "Yuliana",
    "Veronika",
    "Serlina",
    "Dorkas",
    "Ester",
    "Rambu",
    "Lusia",
    "Martha",
    "Regina",
    "Klara",
    "Bernadeta",
    "Sofia",
    "Naomi",
    "Rosalina",
    "Adriana",
];
const FAMILY: &[&str] = &[
    "Bria",
    "Tefa",
    "Lake",
    "Nenobais",
    "Seran",
    "Manehat",
    "Nope",
    "Lay",
    "Fobia",
    "Tallo",
    "Bana",
    "Nalle",
    "Ndun",
    "Kiuk",
    "Dethan",
    "Pello",
    "Bessie",
    "Riwu",
    "Kana",
    "Lado",
    "Wadu",
    "Radja",
    "Dima",
    "Sogen",
    "Parera",
    "Fernandez",
    "Da Silva",
    "Wungo",
    "Dapa",
    "Malo",
    "Rihi",
    "Tode",
    "Bunga",
    "Hurint",
    "Kewa",
    "Making",
    "Koten",
    "Wolo",
    "Mbete",
    "Djara",
    "Lende",
    "Ratu",
    "Tanggu",
    "Hambandima",
    "Lewar",
    "Bataona",
    "Sabon",
    "Nahak",
    "Klau",
    "Mau",
];
const REASONS: &[&str] = &[
    "Pneumonia, perlu rawat inap",
    "Diare akut dengan dehidrasi",
    "Demam berdarah dengue",
    "Persalinan dengan penyulit",
    "Malaria berat",
    "Tuberkulosis paru",
    "Gagal jantung",
    "Patah tulang akibat kecelakaan",
    "Stroke",
    "Gizi buruk pada balita",
];

/// Working hours in which the desks act (WITA).
const OFFICE_OPEN: u32 = 8 * 60;
const OFFICE_CLOSE: u32 = 16 * 60;

impl Generator {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.r#gen()).into_uuid()
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    /// A kab/kota by population.
    fn kab(&mut self) -> String {
        let total: u32 = self.reference.kab_kota.iter().map(|k| population(k)).sum();
        let mut r = self.rng.gen_range(0..total.max(1));
        for k in &self.reference.kab_kota {
            let p = population(k);
            if r < p {
                return k.clone();
            }
            r -= p;
        }
        self.reference.kab_kota[0].clone()
    }

    /// A time in office hours on a working day `days` working days after `from` (the same
    /// day, later, for 0 when there is time left), never before `from`.
    fn after(&mut self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let holidays = &self.reference.holidays;
        let local = from + Duration::hours(8);
        let date = sla::local_date(from);
        let minute = local
            .time()
            .signed_duration_since(NaiveTime::MIN)
            .num_minutes() as u32;
        let same_day = days == 0
            && sla::is_working_day(date, holidays)
            && minute + 30 < OFFICE_CLOSE
            && minute >= OFFICE_OPEN;
        if same_day {
            let at = self.rng.gen_range(minute + 10..OFFICE_CLOSE);
            return sla::wita_instant(date, minute_time(at)).max(from + Duration::minutes(5));
        }
        let day = if sla::is_working_day(date, holidays) && minute < OFFICE_OPEN {
            sla::add_working_days(date, days.saturating_sub(1), holidays).max(date)
        } else {
            sla::add_working_days(date, days.max(1), holidays)
        };
        let day = if sla::is_working_day(day, holidays) {
            day
        } else {
            sla::add_working_days(day, 1, holidays)
        };
        let at = self.rng.gen_range(OFFICE_OPEN..OFFICE_CLOSE);
        sla::wita_instant(day, minute_time(at)).max(from + Duration::minutes(5))
    }

    /// Working days a desk takes: mostly within its service level, a fifth late, a few very
    /// late.
    fn desk_days(&mut self, state: CaseState) -> u32 {
        let sla = match state {
            CaseState::Draft => 0,
            CaseState::Returned => 2,
            s => self.reference.sla_days.get(&s).copied().unwrap_or(3),
        };
        let r = self.rng.gen_range(0..100);
        match state {
            CaseState::PbiProposed | CaseState::PbpuProposed => {
                if r < 85 {
                    self.rng.gen_range(sla / 4..=sla)
                } else {
                    self.rng.gen_range(sla..=sla * 2)
                }
            }
            _ if r < 70 => self.rng.gen_range(0..=sla),
            _ if r < 93 => self.rng.gen_range(sla + 1..=sla * 2 + 1),
            _ => self.rng.gen_range(sla * 2 + 2..=sla * 4 + 3),
        }
    }

    /// A NIK for the `serial`th generated patient: kab/kota of `kab`, born `birth`.
    fn nik(&self, kab: &str, birth: NaiveDate, sex: &str, serial: i64) -> String {
        let kab_digits = kab.replace('.', "");
        let kec = (serial / 9999) % 99 + 1;
        let seq = serial % 9999 + 1;
        let day = birth.day() + if sex == "P" { 40 } else { 0 };
        format!(
            "{kab_digits}{kec:02}{day:02}{:02}{:02}{seq:04}",
            birth.month(),
            birth.year() % 100
        )
    }

    /// Generates cases `k..k + n` of the run.
    fn batch(&mut self, k: u64, n: u64) -> anyhow::Result<Batch> {
        let mut batch = Batch::default();
        for i in k..k + n {
            self.case(i, &mut batch)?;
        }
        Ok(batch)
    }

    /// When the `i`th case was registered: evenly over the span, a little jitter.
    fn registered_at(&mut self, i: u64) -> DateTime<Utc> {
        let span = (self.now - self.start).num_seconds().max(1);
        let step = span as f64 / self.total as f64;
        let offset = (i as f64 * step) as i64 + self.rng.gen_range(0..step.max(1.0) as i64);
        (self.start + Duration::seconds(offset)).min(self.now - Duration::minutes(1))
    }

    fn case(&mut self, i: u64, batch: &mut Batch) -> anyhow::Result<()> {
        let serial = self.first_number + i64::try_from(i)?;
        let created = self.registered_at(i);
        let kab = self.kab();
        let hospital = if self.chance(15) {
            // The provincial referral hospital takes patients from everywhere.
            (0..self.reference.hospitals.len())
                .find(|h| self.reference.hospitals[*h].code == "RSUD-WZJ")
                .unwrap_or(0)
        } else {
            let near = self.reference.hospitals_for(&kab);
            *self.pick(&near)
        };
        let sex = if self.chance(50) { "L" } else { "P" };
        let given = if sex == "L" {
            *self.pick(GIVEN_MALE)
        } else {
            *self.pick(GIVEN_FEMALE)
        };
        let family = *self.pick(FAMILY);
        let created_on = sla::local_date(created);
        let age_days = self.rng.gen_range(30..85 * 365);
        let birth = created_on - Duration::days(age_days);
        let has_id = !self.chance(4);
        let name = if has_id {
            format!("{given} {family}")
        } else {
            format!(
                "Tanpa Identitas ({}, ±{} th)",
                if sex == "L" { "laki-laki" } else { "perempuan" },
                age_days / 365
            )
        };
        let nik = has_id.then(|| self.nik(&kab, birth, sex, serial));
        let kk = has_id.then(|| {
            format!(
                "{}{:012}",
                kab.replace('.', ""),
                (serial * 7919) % 1_000_000_000_000
            )
        });
        let admission = created_on - Duration::days(self.rng.gen_range(0..3));
        let mut sim = Sim {
            id: self.uuid(),
            hospital,
            kab,
            state: CaseState::Draft,
            returned_from: None,
            version: 1,
            sex,
            name,
            birth,
            has_id,
            nik,
            kk,
            admission,
            desil: None,
            desil_corrected: None,
            correction_pending: false,
            letter: None,
            guarantee_start: None,
            guarantee_end: None,
            payer: None,
            ceiling: None,
            scheme: None,
            card: None,
            effective: None,
            pbpu_payer: None,
            pbpu_decided_on: None,
            pbpu_reference: None,
            verified_at: None,
            state_entered_at: created,
            sla_due: None,
            submitted_at: None,
            closed_at: None,
            updated_at: created,
        };
        let hospital_id = self.reference.hospitals[hospital].id;
        let rsud = self.users.actor(Role::Rsud, hospital_id, &sim.kab);
        self.history(
            batch,
            &sim,
            "create",
            None,
            CaseState::Draft,
            None,
            rsud,
            Role::Rsud,
            created,
            &serde_json::json!({}),
            None,
        );
        let mut stay = (CaseState::Draft, created, None::<NaiveDate>);
        // Documents at intake: the KTP and KK photos of a patient who has them.
        if sim.has_id {
            self.document(batch, &sim, "ktp", rsud, created);
            self.document(batch, &sim, "kk", rsud, created);
        }
        if self.chance(30) {
            self.document(batch, &sim, "rujukan", rsud, created);
        }
        let mut at = created;
        let mut steps = 0;
        while !sim.state.is_terminal() && steps < 40 {
            steps += 1;
            let (role, action, fields) = self.next_action(&sim);
            let wait = if action == Action::RecordDesilCorrection {
                self.rng.gen_range(1..=5)
            } else {
                self.desk_days(sim.state)
            };
            let when = if sim.state == CaseState::Draft && wait == 0 {
                at + Duration::minutes(self.rng.gen_range(15..240))
            } else {
                self.after(at, wait)
            };
            if when >= self.now {
                break;
            }
            if action == Action::SubmitSktm {
                self.document(batch, &sim, "sktm", rsud, when - Duration::minutes(3));
            }
            let actor = self.users.actor(role, hospital_id, &sim.kab);
            let next = self.apply(batch, &mut sim, role, actor, action, &fields, when)?;
            if next != stay.0 {
                self.stay(batch, &sim, stay, Some(when));
                stay = (next, when, sim.sla_due);
            }
            at = when;
        }
        if !sim.state.is_terminal() {
            self.stay(batch, &sim, stay, None);
            batch.counts.open_cases += 1;
        }
        if sim.scheme.is_some() && sim.guarantee_start.is_some() && self.chance(90) {
            self.claim(batch, &sim, rsud, at)?;
        }
        self.access(batch, &sim, at);
        let number = case_number(sla::local_date(created).year(), serial);
        self.write_case(batch, &sim, &number, rsud, created);
        if batch.counts.first_number.is_empty() {
            batch.counts.first_number.clone_from(&number);
        }
        batch.counts.last_number = number;
        batch.counts.cases += 1;
        Ok(())
    }

    /// The next action on `sim`, by whom, with its form fields.
    fn next_action(&mut self, sim: &Sim) -> (Role, Action, Vec<(&'static str, String)>) {
        use Action as A;
        use CaseState as S;
        let r = self.rng.gen_range(0..1000);
        let withdraw = |g: &mut Generator, role| {
            let codes = [
                "meninggal",
                "pulang_sebelum_jaminan",
                "bayar_mandiri",
                "jkn_aktif",
                "pindah_luar_ntt",
                "duplikat",
            ];
            let code = *g.pick(&codes);
            (role, A::Withdraw, vec![("reason_code", code.to_string())])
        };
        let back = |g: &mut Generator, role| {
            let codes = ["foto_tidak_terbaca", "data_tidak_sesuai", "dokumen_kurang"];
            let code = *g.pick(&codes);
            (
                role,
                A::ReturnToRsud,
                vec![
                    ("reason_code", code.to_string()),
                    ("reason_text", "Mohon perbaiki dan kirim ulang".to_string()),
                ],
            )
        };
        let note = |s: &str| vec![("reason", s.to_string())];
        match sim.state {
            S::Draft if r < 20 => withdraw(self, Role::Rsud),
            S::Draft => (Role::Rsud, A::Submit, vec![]),
            S::NikCheck if !sim.facts().nik_verifiable => (
                Role::DukcapilProv,
                A::ReferToKab,
                note("Pasien tanpa dokumen identitas; perlu penelusuran"),
            ),
            S::NikCheck if r < 60 => (
                Role::DukcapilProv,
                A::ReferToKab,
                note("Tidak ditemukan di SIAK; perlu penelusuran"),
            ),
            S::NikCheck if r < 100 => back(self, Role::DukcapilProv),
            S::NikCheck if r < 110 => withdraw(self, Role::DinkesProv),
            S::NikCheck => (Role::DukcapilProv, A::VerifyNik, self.verify_fields(sim)),
            S::NikReferral if !sim.facts().nik_verifiable || r < 250 => (
                Role::DukcapilKab,
                A::RequireRecording,
                note("Belum pernah direkam; perekaman di tempat"),
            ),
            S::NikReferral if r < 280 => back(self, Role::DukcapilKab),
            S::NikReferral => (Role::DukcapilKab, A::VerifyNik, self.verify_fields(sim)),
            S::IdentityRecording if r < 20 => withdraw(self, Role::Rsud),
            S::IdentityRecording => {
                let serial = i64::from(self.rng.gen_range(0..9_000_000));
                let nik = self.nik(&sim.kab, sim.birth, sim.sex, serial);
                (
                    Role::DukcapilKab,
                    A::RecordIdentity,
                    vec![
                        ("new_nik", nik),
                        ("ktp_el_issued", "ya".into()),
                        ("recorded_on", "{today}".into()),
                    ],
                )
            }
            S::DesilCheck if r < 40 => back(self, Role::DinsosProv),
            S::DesilCheck if r < 60 => withdraw(self, Role::Rsud),
            S::DesilCheck => {
                let d = self.rng.gen_range(0..100);
                let desil = match d {
                    0..72 => self.rng.gen_range(1..=5).to_string(),
                    72..92 => self.rng.gen_range(6..=10).to_string(),
                    _ => "tidak_terdaftar".to_string(),
                };
                let data = format!("Terdaftar DTSEN desil {desil}");
                (
                    Role::DinsosProv,
                    A::RecordDesil,
                    vec![
                        ("source_system", "siks_ng".into()),
                        ("desil", desil),
                        ("registry_data", data),
                    ],
                )
            }
            S::SktmRequired if r < 70 => withdraw(self, Role::Rsud),
            S::SktmRequired => {
                let number = format!(
                    "470/{}/KEL/{}",
                    self.rng.gen_range(1..999),
                    sla::local_date(self.now).year()
                );
                (
                    Role::Rsud,
                    A::SubmitSktm,
                    vec![
                        ("sktm_number", number),
                        ("sktm_date", "{today}".into()),
                        ("issued_by", "Kelurahan setempat".into()),
                    ],
                )
            }
            S::GuaranteeReview | S::Guaranteed
                if sim.correction_pending && (sim.state == S::Guaranteed || r < 500) =>
            {
                if self.chance(60) {
                    let desil = self.rng.gen_range(1..=5).to_string();
                    (
                        Role::DinsosKab,
                        A::RecordDesilCorrection,
                        vec![
                            ("corrected", "ya".into()),
                            ("new_desil", desil),
                            ("corrected_on", "{today}".into()),
                        ],
                    )
                } else {
                    (
                        Role::DinsosKab,
                        A::RecordDesilCorrection,
                        vec![
                            ("corrected", "tidak".into()),
                            ("note", "Tidak memenuhi kriteria penurunan desil".into()),
                        ],
                    )
                }
            }
            S::GuaranteeReview if r < 40 => (
                Role::DinkesProv,
                A::RejectGuarantee,
                note("Tidak memenuhi syarat program"),
            ),
            S::GuaranteeReview if r < 70 => back(self, Role::DinkesProv),
            S::GuaranteeReview if r < 90 => withdraw(self, Role::DinkesProv),
            S::GuaranteeReview => {
                let payer = if self.chance(70) {
                    "pemprov"
                } else {
                    "pemkab_asal"
                };
                let ceiling = self.rng.gen_range(5..=40) * 1_000_000;
                (
                    Role::DinkesProv,
                    A::ApproveGuarantee,
                    vec![
                        ("start_date", sim.admission.to_string()),
                        ("payer", payer.into()),
                        ("ceiling", ceiling.to_string()),
                    ],
                )
            }
            S::Guaranteed if r < 25 => withdraw(self, Role::DinkesProv),
            S::Guaranteed if sim.facts().effective_desil.is_some_and(|d| d.is_eligible()) => (
                Role::DinsosProv,
                A::ProposePbi,
                vec![("proposed_on", "{today}".into())],
            ),
            S::Guaranteed => (
                Role::DinsosProv,
                A::ProposePbpu,
                vec![("proposed_on", "{today}".into())],
            ),
            S::PbiProposed if r < 80 => (
                Role::Bpjs,
                A::RecordPbiRefused,
                note("Tidak masuk kuota PBI JKN Kemensos bulan ini"),
            ),
            S::PbiProposed if r < 100 => withdraw(self, Role::DinkesProv),
            S::PbiProposed => (Role::Bpjs, A::RecordPbiActive, self.coverage_fields()),
            S::PbpuReview if r < 40 => withdraw(self, Role::DinkesProv),
            S::PbpuReview => {
                let payer = if self.chance(50) {
                    "pemprov"
                } else {
                    "pemkab_asal"
                };
                let reference = format!("ND/440/PBPU/{}", self.rng.gen_range(1..9999));
                (
                    Role::DinkesProv,
                    A::EnrolPbpuPemda,
                    vec![
                        ("payer", payer.into()),
                        ("decided_on", "{today}".into()),
                        ("decision_reference", reference),
                    ],
                )
            }
            S::PbpuProposed if r < 30 => withdraw(self, Role::DinkesProv),
            S::PbpuProposed => (Role::Bpjs, A::RecordPbpuActive, self.coverage_fields()),
            S::Returned if r < 80 => withdraw(self, Role::Rsud),
            S::Returned => (
                Role::Rsud,
                A::Resubmit,
                vec![("note", "Sudah diperbaiki".into())],
            ),
            S::HandedOver | S::Rejected | S::Withdrawn => withdraw(self, Role::Rsud),
        }
    }

    fn verify_fields(&mut self, sim: &Sim) -> Vec<(&'static str, String)> {
        vec![
            ("source_system", "siak".into()),
            (
                "registry_data",
                format!("{}, lahir {}", sim.name, sim.birth),
            ),
        ]
    }

    fn coverage_fields(&mut self) -> Vec<(&'static str, String)> {
        let card = format!(
            "{:013}",
            self.rng.gen_range(1_000_000_000_000u64..9_999_999_999_999)
        );
        vec![
            ("bpjs_card_number", card),
            ("effective_date", "{today}".into()),
        ]
    }

    /// Takes `action` on `sim` at `when` as the service would: parse, decide, write.
    #[expect(clippy::too_many_arguments, reason = "one step's every input")]
    fn apply(
        &mut self,
        batch: &mut Batch,
        sim: &mut Sim,
        role: Role,
        actor: Uuid,
        action: Action,
        fields: &[(&'static str, String)],
        when: DateTime<Utc>,
    ) -> anyhow::Result<CaseState> {
        let today = sla::local_date(when);
        let input: HashMap<String, String> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.replace("{today}", &today.to_string())))
            .collect();
        let data = ActionData::parse(action, &input, today).map_err(|errors| {
            anyhow::anyhow!("generated {} refused: {errors:?}", action.as_str())
        })?;
        let dates = crate::domain::action::CaseDates {
            admission: sim.admission,
            guarantee_start: sim.guarantee_start,
        };
        let problems = data.case_date_problems(&dates);
        if !problems.is_empty() {
            bail!("generated {} refused: {problems:?}", action.as_str());
        }
        let next = decide(&sim.facts(), action, role, true, data.recorded_desil())
            .map_err(|r| anyhow::anyhow!("generated {} refused: {r}", action.as_str()))?;
        let from = sim.state;
        let version = sim.version;
        self.evidence(batch, sim, &data, next, actor, when)?;
        if next != from {
            sim.state_entered_at = when;
            sim.sla_due = self
                .reference
                .sla_days
                .get(&next)
                .map(|d| sla::add_working_days(today, *d, &self.reference.holidays));
        }
        sim.returned_from = (next == CaseState::Returned).then_some(from);
        if from == CaseState::Draft && next == CaseState::NikCheck && sim.submitted_at.is_none() {
            sim.submitted_at = Some(when);
        }
        if next.is_terminal() {
            sim.closed_at = Some(when);
        }
        sim.state = next;
        sim.version += 1;
        sim.updated_at = when;
        let evidence = serde_json::to_value(&data)?;
        let reason = data.reason();
        self.history(
            batch,
            sim,
            action.as_str(),
            Some(from),
            next,
            Some(version),
            actor,
            role,
            when,
            &evidence,
            reason.as_deref(),
        );
        Ok(next)
    }

    /// What `data` records on the case (see `cases::evidence`).
    fn evidence(
        &mut self,
        batch: &mut Batch,
        sim: &mut Sim,
        data: &ActionData,
        next: CaseState,
        actor: Uuid,
        when: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        match data {
            ActionData::VerifyNik { .. } => sim.verified_at = Some(when),
            ActionData::RecordIdentity { new_nik, .. } => {
                if !sim.has_id {
                    sim.sex = if new_nik.sex().as_str() == "P" {
                        "P"
                    } else {
                        "L"
                    };
                    sim.birth = new_nik
                        .birth_date(sla::local_date(when))
                        .unwrap_or(sim.birth);
                }
                sim.nik = Some(new_nik.as_str().to_string());
                sim.verified_at = Some(when);
            }
            ActionData::Resubmit { .. } | ActionData::SubmitSktm { .. }
                if next == CaseState::NikCheck =>
            {
                sim.desil = None;
                sim.desil_corrected = None;
                sim.correction_pending = false;
            }
            ActionData::SubmitSktm { .. } if next == CaseState::GuaranteeReview => {
                sim.correction_pending = true;
            }
            ActionData::RecordDesil { desil, .. } => sim.desil = Some(*desil),
            ActionData::RecordDesilCorrection {
                corrected,
                new_desil,
                ..
            } => {
                sim.correction_pending = false;
                if *corrected && new_desil.is_some() {
                    sim.desil_corrected = *new_desil;
                }
            }
            ActionData::ApproveGuarantee {
                start_date,
                payer,
                ceiling,
                ..
            } => {
                let approved_on = sla::local_date(when);
                let year = approved_on.year();
                let sequence = self.letters.entry(year).or_insert(0);
                *sequence += 1;
                let sequence = *sequence;
                let number = crate::domain::guarantee::letter_number(sequence, approved_on);
                let token_bytes: [u8; 32] = self.rng.r#gen();
                let token = {
                    use base64::Engine;
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token_bytes)
                };
                Row::new(&mut batch.letters)
                    .n(sim.id)
                    .n(year)
                    .n(sequence)
                    .t(when)
                    .s(&token)
                    .bytes(&Sha256::digest(token.as_bytes()))
                    .end();
                sim.letter = Some(number);
                sim.guarantee_start = Some(*start_date);
                sim.payer = Some(payer.as_str());
                sim.ceiling = *ceiling;
                self.charge(
                    batch,
                    sim,
                    "guarantee",
                    start_date.year(),
                    payer.as_str(),
                    *ceiling,
                    actor,
                    when,
                );
            }
            ActionData::EnrolPbpuPemda {
                payer,
                decided_on,
                decision_reference,
                ..
            } => {
                sim.pbpu_payer = Some(payer.as_str());
                sim.pbpu_decided_on = Some(*decided_on);
                sim.pbpu_reference = decision_reference.clone();
                self.charge(
                    batch,
                    sim,
                    "pbpu_pemda",
                    decided_on.year(),
                    payer.as_str(),
                    Some(1),
                    actor,
                    when,
                );
            }
            ActionData::RecordPbiActive {
                bpjs_card_number,
                effective_date,
            }
            | ActionData::RecordPbpuActive {
                bpjs_card_number,
                effective_date,
            } => {
                sim.scheme = Some(if matches!(data, ActionData::RecordPbiActive { .. }) {
                    "pbi_jkn"
                } else {
                    "pbpu_pemda"
                });
                sim.card = Some(bpjs_card_number.clone());
                sim.effective = Some(*effective_date);
                sim.guarantee_end = Some(crate::domain::guarantee::GuaranteePeriod::end_before(
                    *effective_date,
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// A quota charge, as `cases::quota::book` books it when no quota is set.
    #[expect(clippy::too_many_arguments, reason = "one charge's every column")]
    fn charge(
        &mut self,
        batch: &mut Batch,
        sim: &Sim,
        kind: &'static str,
        year: i32,
        payer: &str,
        amount: Option<i64>,
        actor: Uuid,
        when: DateTime<Utc>,
    ) {
        let code = (payer == "pemkab_asal").then(|| sim.kab.clone());
        let used = self
            .quota_used
            .entry((kind, year, code.clone()))
            .or_insert(0);
        let before = *used;
        *used += amount.unwrap_or(0);
        Row::new(&mut batch.charges)
            .n(sim.id)
            .s(kind)
            .n(year)
            .opt(code.as_deref())
            .on(amount)
            .n(before)
            .n(actor)
            .t(when)
            .end();
    }

    #[expect(clippy::too_many_arguments, reason = "one history row's every column")]
    fn history(
        &mut self,
        batch: &mut Batch,
        sim: &Sim,
        action: &str,
        from: Option<CaseState>,
        to: CaseState,
        from_version: Option<i32>,
        actor: Uuid,
        role: Role,
        at: DateTime<Utc>,
        evidence: &serde_json::Value,
        reason: Option<&str>,
    ) {
        let evidence = mask_json(evidence).to_string();
        let reason = reason.map(mask_numbers);
        Row::new(&mut batch.history)
            .n(sim.id)
            .s(action)
            .opt(from.map(|s| s.as_str()))
            .s(to.as_str())
            .on(from_version)
            .n(actor)
            .s(role.as_str())
            .t(at)
            .s(&evidence)
            .opt(reason.as_deref())
            .end();
        batch.counts.history_rows += 1;
    }

    /// A desk stay from `entered` (with its due date) until `left` (open when `None`).
    fn stay(
        &mut self,
        batch: &mut Batch,
        sim: &Sim,
        (state, entered, due): (CaseState, DateTime<Utc>, Option<NaiveDate>),
        left: Option<DateTime<Utc>>,
    ) {
        // The daily sweep (07:00 WITA) announced an open stay the morning after its due date.
        let notified = match (left, due) {
            (None, Some(due)) if due < self.today => Some(sla::wita_instant(
                due + Duration::days(1),
                minute_time(7 * 60),
            ))
            .filter(|t| *t <= self.now),
            _ => None,
        };
        Row::new(&mut batch.stays)
            .n(sim.id)
            .s(state.as_str())
            .s(&sim.kab)
            .n(self.reference.hospitals[sim.hospital].id)
            .t(entered)
            .ot(left)
            .on(due)
            .ot(notified)
            .end();
        batch.counts.stays += 1;
    }

    /// A document's row (metadata only: no file is written).
    fn document(
        &mut self,
        batch: &mut Batch,
        sim: &Sim,
        kind: &str,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Uuid {
        let id = self.uuid();
        let (content_type, bytes, name): (&str, &[u8], String) = if kind == "klaim" {
            ("application/pdf", crate::demo::DEMO_PDF, "klaim.pdf".into())
        } else {
            ("image/png", crate::demo::DEMO_PNG, format!("{kind}.png"))
        };
        Row::new(&mut batch.documents)
            .n(id)
            .n(sim.id)
            .s(kind)
            .s(content_type)
            .n(bytes.len())
            .bytes(&Sha256::digest(bytes))
            .s(&name)
            .n(by)
            .t(at)
            .end();
        batch.counts.documents += 1;
        id
    }

    /// The hospital's claim of a handed-over case's guarantee, submitted, accepted and paid.
    fn claim(
        &mut self,
        batch: &mut Batch,
        sim: &Sim,
        rsud: Uuid,
        closed: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let (Some(start), Some(payer)) = (sim.guarantee_start, sim.payer) else {
            return Ok(());
        };
        let end = sim.guarantee_end.unwrap_or(start).max(start);
        let care_end = (start + Duration::days(self.rng.gen_range(1..=14))).min(end);
        let days = self.rng.gen_range(1..=10);
        let submitted = self.after(closed, days);
        if submitted >= self.now {
            return Ok(());
        }
        let amount = self.rng.gen_range(2_000..=30_000) * 1_000;
        let dinkes = self.users.actor(Role::DinkesProv, Uuid::nil(), "");
        let days = self.rng.gen_range(1..=10);
        let accepted = self.after(submitted, days);
        let days = self.rng.gen_range(5..=30);
        let paid = self.after(accepted, days);
        let status = if paid < self.now {
            "paid"
        } else if accepted < self.now {
            "accepted"
        } else {
            "submitted"
        };
        let document = self.document(batch, sim, "klaim", rsud, submitted - Duration::minutes(2));
        let id = self.uuid();
        let hospital_id = self.reference.hospitals[sim.hospital].id;
        // The sequence part is filled in when the batch is written (`CLAIM_SEQUENCE`).
        let number = format!("KLM-{}-{CLAIM_SEQUENCE}", sla::local_date(submitted).year());
        let amount_paid = amount - amount / 20 * i64::from(self.rng.gen_range(0..2));
        let is_paid = status == "paid";
        let is_accepted = status != "submitted";
        let version = match status {
            "paid" => 3,
            "accepted" => 2,
            _ => 1,
        };
        let last = match status {
            "paid" => paid,
            "accepted" => accepted,
            _ => submitted,
        };
        Row::new(&mut batch.claims)
            .n(id)
            .s(&number)
            .n(sim.id)
            .n(hospital_id)
            .s(status)
            .n(version)
            .s(payer)
            .s(&sim.kab)
            .n(start)
            .n(care_end)
            .n(amount)
            .s("J-1-20-II")
            .n(document)
            .on(is_paid.then(|| sla::local_date(paid)))
            .on(is_paid.then_some(amount_paid))
            .opt(is_paid.then_some("SP2D/2026/001"))
            .n(rsud)
            .t(submitted)
            .on(is_accepted.then_some(dinkes))
            .ot(is_accepted.then_some(accepted))
            .on(is_paid.then_some(dinkes))
            .ot(is_paid.then_some(paid))
            .t(submitted)
            .t(last)
            .end();
        let detail = serde_json::json!({
            "care_start": start, "care_end": care_end, "amount_claimed": amount,
            "ina_cbg_code": "J-1-20-II", "document": document,
        });
        let mut step = |action: &str,
                        from: Option<&str>,
                        to: &str,
                        v: Option<i32>,
                        actor,
                        role: Role,
                        at,
                        detail: &serde_json::Value| {
            Row::new(&mut batch.claim_history)
                .n(id)
                .s(action)
                .opt(from)
                .s(to)
                .on(v)
                .n(actor)
                .s(role.as_str())
                .t(at)
                .s(&detail.to_string())
                .end();
        };
        step(
            "submit",
            None,
            "submitted",
            None,
            rsud,
            Role::Rsud,
            submitted,
            &detail,
        );
        if is_accepted {
            step(
                "accept",
                Some("submitted"),
                "accepted",
                Some(1),
                dinkes,
                Role::DinkesProv,
                accepted,
                &serde_json::json!({}),
            );
        }
        if is_paid {
            let detail = serde_json::json!({"paid_on": sla::local_date(paid), "amount_paid": amount_paid, "payment_reference": "SP2D/2026/001"});
            step(
                "pay",
                Some("accepted"),
                "paid",
                Some(2),
                dinkes,
                Role::DinkesProv,
                paid,
                &detail,
            );
        }
        batch.counts.claims += 1;
        Ok(())
    }

    /// Reads of the case page by the desks that handled it (the access log).
    fn access(&mut self, batch: &mut Batch, sim: &Sim, last: DateTime<Utc>) {
        let hospital_id = self.reference.hospitals[sim.hospital].id;
        let reads = self.rng.gen_range(1..=3);
        for _ in 0..reads {
            let role = *self.pick(&[
                Role::Rsud,
                Role::DukcapilProv,
                Role::DinsosProv,
                Role::DinkesProv,
                Role::Tim,
            ]);
            let user = self.users.actor(role, hospital_id, &sim.kab);
            let at = (last + Duration::minutes(self.rng.gen_range(1..600))).min(self.now);
            Row::new(&mut batch.access)
                .n(sim.id)
                .n(user)
                .t(at)
                .s("case")
                .s("web")
                .s(role.as_str())
                .s("read")
                .end();
            batch.counts.access_rows += 1;
        }
    }

    fn write_case(
        &mut self,
        batch: &mut Batch,
        sim: &Sim,
        number: &str,
        rsud: Uuid,
        created: DateTime<Utc>,
    ) {
        let service = *self.pick(&["igd", "rawat_inap", "rawat_inap", "rawat_jalan"]);
        let reason = *self.pick(REASONS);
        let phone = format!(
            "08{:010}",
            self.rng.gen_range(1_000_000_000u64..9_999_999_999)
        );
        let desil = |d: Option<Desil>| d.map(|d| d.to_db());
        let verified = sim.verified_at.is_some();
        Row::new(&mut batch.cases)
            .n(sim.id)
            .s(number)
            .s(sim.state.as_str())
            .n(sim.version)
            .opt(sim.returned_from.map(|s| s.as_str()))
            .n(self.reference.hospitals[sim.hospital].id)
            .n(rsud)
            .s(&sim.name)
            .s(sim.sex)
            .s("Kupang")
            .n(sim.birth)
            .b(sim.has_id)
            .opt(sim.nik.as_deref())
            .opt(sim.kk.as_deref())
            .s("Jl. Timor Raya")
            .s("Oesapa")
            .s("Kelapa Lima")
            .s(&sim.kab)
            .s(&phone)
            .n(sim.admission)
            .s(service)
            .s("kelas_3")
            .s(reason)
            .s("tidak_ada")
            .on(desil(sim.desil))
            .on(desil(sim.desil_corrected))
            .b(sim.correction_pending)
            .opt(sim.letter.as_deref())
            .on(sim.guarantee_start)
            .on(sim.guarantee_end)
            .opt(sim.payer)
            .on(sim.ceiling)
            .opt(sim.scheme)
            .opt(sim.card.as_deref())
            .on(sim.effective)
            .opt(sim.pbpu_payer)
            .on(sim.pbpu_decided_on)
            .opt(sim.pbpu_reference.as_deref())
            .ot(sim.verified_at)
            .opt(sim.nik.as_deref().filter(|_| verified))
            .opt(sim.kk.as_deref().filter(|_| verified))
            .t(sim.state_entered_at)
            .on(sim.sla_due)
            .t(created)
            .t(sim.updated_at)
            .ot(sim.submitted_at)
            .ot(sim.closed_at)
            .end();
    }
}

/// `minutes` after midnight as a time of day.
fn minute_time(minutes: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0).unwrap_or(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut out = String::new();
        Row::new(&mut out).s("a\tb\\c\nd").null().n(5).b(true).end();
        assert_eq!(out, "a\\tb\\\\c\\nd\t\\N\t5\tt\n");
    }

    #[test]
    fn generated_usernames_are_valid_and_name_their_scope() {
        for (role, scope, want) in [
            (Role::Rsud, Some("RSUD-WZJ"), "gen_rsud_wzj"),
            (Role::DukcapilKab, Some("53.71"), "gen_dukcapil_kab_5371"),
            (Role::Tim, None, "gen_tim"),
        ] {
            let name = username(role, scope);
            assert_eq!(name, want);
            assert!(crate::auth::valid_username(&name));
        }
    }
}
