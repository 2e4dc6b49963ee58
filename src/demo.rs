//! `--demo`: one user per role (`demo_<role>`), fourteen cases spread over the workflow
//! (both routes out of the guarantee: PBI JKN and PBPU Pemda), claims of the guaranteed ones in
//! every status (one paid today), two reports (last month's recap of RSUD-WZJ, final, and this
//! quarter's provincial report, a draft) and this year's quotas of the province and Kota
//! Kupang, so a new user sees a living system. Cases are made through the same service calls
//! the pages use, so they carry real history.

use std::collections::HashMap;

use anyhow::Context;
use chrono::Datelike;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::claims::ClaimFile;
use crate::cases::files::FileStore;
use crate::cases::{CaseService, Upload};
use crate::clock::Clock;
use crate::domain::quota::QuotaKind;
use crate::domain::report::{Narrative, Period, ReportKind};
use crate::domain::{Action, CaseState, ClaimAction, ClaimStatus, Role, ScopeKind};
use crate::{auth, db};

/// Seeds the demo users (idempotent), and the demo cases with their documents into `files`
/// (a [`FileStore`], or the local files directory's path). The password comes from `MERAJUT_DEMO_PASSWORD`, or is
/// generated and printed.
pub async fn seed(pool: &PgPool, files: impl Into<FileStore>) -> anyhow::Result<()> {
    let files = files.into();
    let (password, generated) = match std::env::var("MERAJUT_DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (auth::generate_password(), true),
    };
    for role in Role::ALL {
        let username = format!("demo_{}", role.as_str());
        if let Some(problem) = auth::password_problem(&password, &username) {
            anyhow::bail!("MERAJUT_DEMO_PASSWORD: {problem}");
        }
    }
    let hash = auth::hash_password_async(password.clone()).await?;
    let wzj = db::reference::hospital_by_code(pool, "RSUD-WZJ")
        .await?
        .context("hospital RSUD-WZJ missing")?;
    // The second factor of the roles that must have one: kept across restarts (an
    // authenticator app set up once keeps working), printed at every start.
    let mut secrets = vec![];
    for role in Role::ALL {
        let username = format!("demo_{}", role.as_str());
        let (hospital_id, kab) = match role.scope_kind() {
            ScopeKind::Hospital => (Some(wzj.id), None),
            ScopeKind::KabKota => (None, Some("53.71")),
            ScopeKind::None => (None, None),
        };
        match db::users::by_username(pool, &username).await? {
            Some(u) => {
                db::users::set_password(pool, u.id, &hash, false).await?;
                db::users::set_active(pool, u.id, true).await?;
            }
            None => {
                let display_name = format!("Demo {}", role.label());
                let user = db::users::NewUser {
                    username: &username,
                    display_name: &display_name,
                    role: *role,
                    hospital_id,
                    kab_kota_code: kab,
                    password_hash: &hash,
                    must_change_password: false,
                };
                db::users::create(pool, &user).await?;
            }
        }
        if auth::totp::is_mandatory(*role) {
            let user = db::users::by_username(pool, &username)
                .await?
                .context("demo user just stored")?;
            let secret = match db::two_factor::totp_of(pool, user.id).await? {
                Some(t) if t.confirmed => t.secret,
                _ => {
                    let secret = auth::totp::new_secret();
                    let now = Clock::system().now();
                    db::two_factor::set_confirmed(pool, user.id, &secret, now).await?;
                    secret
                }
            };
            secrets.push((username, auth::totp::base32(&secret)));
        }
    }
    seed_cases(pool, &files).await?;
    seed_reports(pool, &files).await?;
    seed_quotas(pool, &files).await?;
    println!();
    println!("  Demo users: demo_<role> (e.g. demo_rsud, demo_dukcapil_prov, demo_dinkes_prov)");
    if generated {
        println!("  Demo password (set MERAJUT_DEMO_PASSWORD to choose one): {password}");
    } else {
        println!("  Demo password: from MERAJUT_DEMO_PASSWORD");
    }
    println!("  Two-factor secrets (add to an authenticator app, or: oathtool --totp -b SECRET):");
    for (username, secret) in &secrets {
        println!("    {username}: {secret}");
    }
    println!();
    Ok(())
}

/// A 1×1 PNG, standing in for a photographed document (the tests use it too).
pub const DEMO_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x38, 0x61, 0xA3, 0xF1,
    0x1F, 0x00, 0x05, 0x28, 0x02, 0x2C, 0xF8, 0xA4, 0x13, 0xCB, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A one-page PDF, standing in for a claim's document (the tests use it too).
pub const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>\nendobj\nxref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n184\n%%EOF\n";

/// `jpeg` (a JPEG file) with an APP1 Exif segment carrying a GPS position right after its SOI
/// marker, as a phone camera writes it: what the upload check must strip (its unit tests and
/// the API tests use this one builder).
pub fn with_exif_gps(jpeg: &[u8]) -> Vec<u8> {
    let mut exif = b"Exif\0\0II*\0\x08\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPSLatitude S 10 10 38 GPSLongitude E 123 36 25");
    // The segment's length counts its two length bytes; this one is far below 64 KiB.
    let length = u16::try_from(exif.len() + 2).unwrap_or(u16::MAX);
    let mut out = jpeg[..2.min(jpeg.len())].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(jpeg.get(2..).unwrap_or_default());
    out
}

/// A demo patient, and how far the case goes.
struct DemoPatient {
    name: &'static str,
    /// `L` or `P`.
    sex: &'static str,
    birth_date: &'static str,
    /// `None`: registered without an identity document (Pergub C.1).
    nik: Option<&'static str>,
    /// The steps taken after the hospital registers the draft, each by its desk.
    path: &'static [Step],
    /// Where the path leaves the case (checked, so the table cannot silently go stale).
    reaches: CaseState,
}

/// One named step of a demo case: a desk's action with plausible evidence (see
/// [`Step::plan`]).
#[derive(Debug, Clone, Copy)]
enum Step {
    Submit,
    ReferToKab,
    RequireRecording,
    VerifyNik,
    /// Dinsos records the desil found in DTSEN.
    RecordDesil(u8),
    /// The hospital uploads and submits an SKTM.
    SubmitSktm,
    /// Dinsos kab/kota did not correct the desil.
    DesilNotCorrected,
    ApproveGuarantee,
    ProposePbi,
    RecordPbiActive,
    RecordPbiRefused,
    ProposePbpu,
    EnrolPbpuPemda,
    ReturnToRsud,
    Withdraw,
}

use Step::*;

/// The fourteen demo cases, each in a state of its own.
const PATIENTS: &[DemoPatient] = &[
    DemoPatient {
        name: "Yohana Bria",
        sex: "P",
        birth_date: "1988-03-14",
        nik: Some("5371025403880001"),
        path: &[],
        reaches: CaseState::Draft,
    },
    DemoPatient {
        name: "Markus Tefa",
        sex: "L",
        birth_date: "1975-11-02",
        nik: Some("5371020211750002"),
        path: &[Submit],
        reaches: CaseState::NikCheck,
    },
    DemoPatient {
        name: "Tanpa Identitas (laki-laki, ±40 th)",
        sex: "L",
        birth_date: "1986-01-01",
        nik: None,
        path: &[Submit, ReferToKab],
        reaches: CaseState::NikReferral,
    },
    DemoPatient {
        name: "Tanpa Identitas (perempuan, ±60 th)",
        sex: "P",
        birth_date: "1966-01-01",
        nik: None,
        path: &[Submit, ReferToKab, RequireRecording],
        reaches: CaseState::IdentityRecording,
    },
    DemoPatient {
        name: "Fransiska Lake",
        sex: "P",
        birth_date: "1992-07-21",
        nik: Some("5371026107920003"),
        path: &[Submit, VerifyNik],
        reaches: CaseState::DesilCheck,
    },
    DemoPatient {
        name: "Agustinus Nenobais",
        sex: "L",
        birth_date: "1960-12-09",
        nik: Some("5371020912600004"),
        path: &[Submit, VerifyNik, RecordDesil(8)],
        reaches: CaseState::SktmRequired,
    },
    DemoPatient {
        name: "Maria Goreti Seran",
        sex: "P",
        birth_date: "2001-05-30",
        nik: Some("5371027005010005"),
        path: &[Submit, VerifyNik, RecordDesil(3)],
        reaches: CaseState::GuaranteeReview,
    },
    DemoPatient {
        name: "Yosef Manehat",
        sex: "L",
        birth_date: "1955-02-17",
        nik: Some("5371021702550006"),
        path: &[Submit, VerifyNik, RecordDesil(3), ApproveGuarantee],
        reaches: CaseState::Guaranteed,
    },
    DemoPatient {
        name: "Elisabeth Nope",
        sex: "P",
        birth_date: "1970-09-05",
        nik: Some("5371024509700007"),
        path: &[
            Submit,
            VerifyNik,
            RecordDesil(3),
            ApproveGuarantee,
            ProposePbi,
        ],
        reaches: CaseState::PbiProposed,
    },
    DemoPatient {
        name: "Petrus Lay",
        sex: "L",
        birth_date: "1983-04-11",
        nik: Some("5371021104830008"),
        path: &[Submit, VerifyNik, ReturnToRsud],
        reaches: CaseState::Returned,
    },
    DemoPatient {
        name: "Katarina Fobia",
        sex: "P",
        birth_date: "1995-08-19",
        nik: Some("5371025908950009"),
        path: &[
            Submit,
            VerifyNik,
            RecordDesil(3),
            ApproveGuarantee,
            ProposePbi,
            RecordPbiActive,
        ],
        reaches: CaseState::HandedOver,
    },
    DemoPatient {
        name: "Simon Tallo",
        sex: "L",
        birth_date: "1948-10-23",
        nik: Some("5371022310480010"),
        path: &[Submit, Withdraw],
        reaches: CaseState::Withdrawn,
    },
    // PBI refused by BPJS: Dinkes decides PBPU Pemda.
    DemoPatient {
        name: "Theresia Bana",
        sex: "P",
        birth_date: "1979-06-08",
        nik: Some("5371024806790011"),
        path: &[
            Submit,
            VerifyNik,
            RecordDesil(3),
            ApproveGuarantee,
            ProposePbi,
            RecordPbiRefused,
        ],
        reaches: CaseState::PbpuReview,
    },
    // Desil 9, not corrected after the SKTM: Dinsos proposes PBPU Pemda, Dinkes enrols.
    DemoPatient {
        name: "Yakobus Nalle",
        sex: "L",
        birth_date: "1966-03-25",
        nik: Some("5371022503660012"),
        path: &[
            Submit,
            VerifyNik,
            RecordDesil(9),
            SubmitSktm,
            DesilNotCorrected,
            ApproveGuarantee,
            ProposePbpu,
            EnrolPbpuPemda,
        ],
        reaches: CaseState::PbpuProposed,
    },
];

/// What a step does: who acts, which action, with which fields.
struct Plan {
    desk: Role,
    action: Action,
    fields: Vec<(&'static str, String)>,
}

impl Step {
    /// The plan of this step for `patient`'s case; `today` is the date every dated field gets,
    /// except the guarantee, which starts on the day the patient was `admitted`.
    fn plan(self, patient: &DemoPatient, today: &str, admitted: &str) -> Plan {
        let plan = |desk, action, fields| Plan {
            desk,
            action,
            fields,
        };
        let nik = patient.nik.unwrap_or_default();
        match self {
            Submit => plan(Role::Rsud, Action::Submit, vec![]),
            ReferToKab => plan(
                Role::DukcapilProv,
                Action::ReferToKab,
                vec![(
                    "reason",
                    "Tidak ditemukan di SIAK; perlu penelusuran".into(),
                )],
            ),
            RequireRecording => plan(
                Role::DukcapilKab,
                Action::RequireRecording,
                vec![("reason", "Belum pernah direkam; perekaman di tempat".into())],
            ),
            VerifyNik => plan(
                Role::DukcapilProv,
                Action::VerifyNik,
                vec![
                    ("source_system", "siak".into()),
                    (
                        "registry_data",
                        format!(
                            "{}, lahir {}, Kota Kupang",
                            patient.name, patient.birth_date
                        ),
                    ),
                ],
            ),
            RecordDesil(desil) => plan(
                Role::DinsosProv,
                Action::RecordDesil,
                vec![
                    ("source_system", "siks_ng".into()),
                    ("desil", desil.to_string()),
                    ("registry_data", format!("Terdaftar DTSEN desil {desil}")),
                ],
            ),
            SubmitSktm => plan(
                Role::Rsud,
                Action::SubmitSktm,
                vec![
                    ("sktm_number", "470/31/KEL-OESAPA/2026".into()),
                    ("sktm_date", today.into()),
                    ("issued_by", "Kelurahan Oesapa".into()),
                ],
            ),
            DesilNotCorrected => plan(
                Role::DinsosKab,
                Action::RecordDesilCorrection,
                vec![
                    ("corrected", "tidak".into()),
                    ("note", "Tidak memenuhi kriteria penurunan desil".into()),
                ],
            ),
            ApproveGuarantee => plan(
                Role::DinkesProv,
                Action::ApproveGuarantee,
                vec![
                    ("start_date", admitted.into()),
                    ("payer", "pemprov".into()),
                    ("ceiling", DEMO_CEILING.into()),
                ],
            ),
            ProposePbi => plan(
                Role::DinsosProv,
                Action::ProposePbi,
                vec![("proposed_on", today.into())],
            ),
            RecordPbiActive => plan(
                Role::Bpjs,
                Action::RecordPbiActive,
                vec![
                    (
                        "bpjs_card_number",
                        format!("0001{}", nik.get(7..16).unwrap_or_default()),
                    ),
                    ("effective_date", today.into()),
                ],
            ),
            RecordPbiRefused => plan(
                Role::Bpjs,
                Action::RecordPbiRefused,
                vec![(
                    "reason",
                    "Tidak masuk kuota PBI JKN Kemensos bulan ini".into(),
                )],
            ),
            ProposePbpu => plan(
                Role::DinsosProv,
                Action::ProposePbpu,
                vec![
                    ("proposed_on", today.into()),
                    ("proposal_reference", "USUL-PBPU/2026/004".into()),
                ],
            ),
            EnrolPbpuPemda => plan(
                Role::DinkesProv,
                Action::EnrolPbpuPemda,
                vec![
                    ("payer", "pemprov".into()),
                    ("decided_on", today.into()),
                    ("decision_reference", "ND/440/PBPU/2026/012".into()),
                ],
            ),
            ReturnToRsud => plan(
                Role::DinsosProv,
                Action::ReturnToRsud,
                vec![
                    ("reason_code", "foto_tidak_terbaca".into()),
                    ("reason_text", "Foto KTP buram, mohon unggah ulang".into()),
                ],
            ),
            Withdraw => plan(
                Role::Rsud,
                Action::Withdraw,
                vec![("reason_code", "pulang_sebelum_jaminan".into())],
            ),
        }
    }

    /// The document the hospital uploads before this step, if any.
    fn document(self) -> Option<Upload<'static>> {
        match self {
            SubmitSktm => Some(Upload {
                kind: "sktm",
                bytes: DEMO_PNG,
                original_name: Some("sktm.png"),
            }),
            _ => None,
        }
    }
}

async fn demo_user(pool: &PgPool, role: Role) -> anyhow::Result<CurrentUser> {
    let name = format!("demo_{}", role.as_str());
    Ok(db::users::by_username(pool, &name)
        .await?
        .with_context(|| format!("{name} missing"))?
        .into())
}

fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Seeds the demo cases once (when the database has no case yet).
/// The case service the demo seeds through, as the pages would use it.
fn demo_service(pool: &PgPool, files: &FileStore) -> CaseService {
    CaseService {
        pool: pool.clone(),
        files: files.clone(),
        clock: Clock::system(),
        max_upload_bytes: usize::MAX,
        // The demo's cases tell the demo users in the application only.
        outbox: Default::default(),
        figures_memo: Default::default(),
        reference: Default::default(),
    }
}

async fn seed_cases(pool: &PgPool, files: &FileStore) -> anyhow::Result<()> {
    let any = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM cases) AS "any!""#)
        .fetch_one(pool)
        .await?;
    if any {
        return Ok(());
    }
    let cases = demo_service(pool, files);
    let mut desks = HashMap::new();
    for role in Role::ALL {
        desks.insert(*role, demo_user(pool, *role).await?);
    }
    let demo = Demo {
        cases: &cases,
        desks: &desks,
        today: cases.today().to_string(),
        admitted: (cases.today() - chrono::Duration::days(3)).to_string(),
    };
    for patient in PATIENTS {
        demo.walk(patient).await?;
    }
    demo.claims().await?;
    seed_nominatif(&cases, demo.desk(Role::DinkesProv)?).await?;
    Ok(())
}

/// The demo claims, one per guaranteed case in turn: `(days of care, amount, how far it goes)`.
/// Care starts when the guarantee does (on admission, three days ago).
const CLAIMS: &[(i64, &str, ClaimStatus)] = &[
    (2, "8.750.000", ClaimStatus::Paid),
    (1, "4.125.000", ClaimStatus::Accepted),
    (2, "6.300.000", ClaimStatus::Returned),
    (1, "2.480.000", ClaimStatus::Submitted),
];
/// Seeds two reports once (when there is none yet): last month's recap of RSUD-WZJ, finalised
/// by its PIC, and this quarter's provincial report as the team's draft.
async fn seed_reports(pool: &PgPool, files: &FileStore) -> anyhow::Result<()> {
    let any = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM reports) AS "any!""#)
        .fetch_one(pool)
        .await?;
    if any {
        return Ok(());
    }
    let cases = demo_service(pool, files);
    let failed = |what: &str, e: crate::cases::CaseError| anyhow::anyhow!("demo {what}: {e}");
    let today = cases.today();
    let rsud = demo_user(pool, Role::Rsud).await?;
    let month = Period::containing(ReportKind::Monthly, today)
        .and_then(|p| p.previous())
        .context("no previous month")?;
    let (year, part) = (
        month.start.year().to_string(),
        month.start.month().to_string(),
    );
    let id = cases
        .create_report(&rsud, &year, &part)
        .await
        .map_err(|e| failed("monthly report", e))?;
    let narrative = Narrative {
        problems: "Dua berkas SKTM terlambat diserahkan keluarga pasien.".into(),
        follow_up: "PIC RSUD mendampingi keluarga ke kelurahan pada hari yang sama.".into(),
        recommendations: "Dinsos kab/kota menyediakan formulir SKTM di rumah sakit.".into(),
    };
    cases
        .save_report_narrative(&rsud, id, 1, &narrative)
        .await
        .map_err(|e| failed("monthly report", e))?;
    cases
        .finalise_report(&rsud, id, 2)
        .await
        .map_err(|e| failed("monthly report", e))?;
    let tim = demo_user(pool, Role::Tim).await?;
    let quarter = Period::containing(ReportKind::Quarterly, today).context("no quarter")?;
    let quarter_part = ((quarter.start.month() - 1) / 3 + 1).to_string();
    let id = cases
        .create_report(&tim, &quarter.start.year().to_string(), &quarter_part)
        .await
        .map_err(|e| failed("quarterly report", e))?;
    let narrative = Narrative {
        problems: "Verifikasi desil menunggu pemutakhiran DTSEN.".into(),
        follow_up: String::new(),
        recommendations: String::new(),
    };
    cases
        .save_report_narrative(&tim, id, 1, &narrative)
        .await
        .map_err(|e| failed("quarterly report", e))?;
    Ok(())
}

/// The ceiling of every demo guarantee.
const DEMO_CEILING: &str = "15.000.000";
/// The demo's limits for the current year: the province and Kota Kupang (the demo kab/kota
/// users' scope), as (payer code, guarantee budget in rupiah, PBPU Pemda quota in people).
const DEMO_QUOTAS: &[(&str, i64, i64)] =
    &[("pemprov", 500_000_000, 100), ("53.71", 150_000_000, 25)];

/// Sets the demo's budgets for the current year, as Dinkes prov, unless the year has some
/// already (so a restart in a new year gets that year's).
async fn seed_quotas(pool: &PgPool, files: &FileStore) -> anyhow::Result<()> {
    let cases = demo_service(pool, files);
    let year = chrono::Datelike::year(&cases.today());
    if !db::quota::of_year(pool, year).await?.is_empty() {
        return Ok(());
    }
    let dinkes = demo_user(pool, Role::DinkesProv).await?;
    for (code, budget, people) in DEMO_QUOTAS {
        let limits = [
            (QuotaKind::Guarantee, *budget),
            (QuotaKind::PbpuPemda, *people),
        ];
        cases
            .set_quota(&dinkes, year, code, &limits)
            .await
            .with_context(|| format!("demo quota of {code}"))?;
    }
    Ok(())
}

/// Two daftar nominatif batches: this month's PBPU Pemda enrolments, decreed (closed), and the
/// temporary guarantees of the month so far, a draft.
async fn seed_nominatif(cases: &CaseService, dinkes: &CurrentUser) -> anyhow::Result<()> {
    use crate::domain::nominatif::{Basis, BatchRequest};
    use chrono::Datelike;
    let today = cases.today();
    let month_start = |d: chrono::NaiveDate| d.with_day(1).unwrap_or(d);
    let build = |basis, start| {
        let request = BatchRequest {
            basis,
            payer: None,
            period_start: start,
            period_end: today,
        };
        async move {
            cases
                .build_batch(dinkes, &request)
                .await
                .map_err(|e| anyhow::anyhow!("demo daftar nominatif: {e:?}"))
        }
    };
    let decreed = build(Basis::PbpuPemda, month_start(today)).await?;
    cases
        .record_decree(
            dinkes,
            decreed,
            &format!("188.4/KEP/HK/{}", today.year()),
            &today.to_string(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo Keputusan Gubernur: {e:?}"))?;
    let admitted = today - chrono::Duration::days(3);
    build(Basis::JaminanSementara, month_start(admitted)).await?;
    Ok(())
}

/// Walks demo cases along their paths through the case service, as the pages would.
struct Demo<'a> {
    cases: &'a CaseService,
    /// The demo user of each role.
    desks: &'a HashMap<Role, CurrentUser>,
    today: String,
    /// Admission of every demo patient, three days ago; their guarantees start then, so that
    /// coverage from today ends a guarantee of a few days.
    admitted: String,
}

impl Demo<'_> {
    fn desk(&self, role: Role) -> anyhow::Result<&CurrentUser> {
        self.desks
            .get(&role)
            .with_context(|| format!("demo_{} missing", role.as_str()))
    }

    /// Registers `patient` and takes every step of the path, then checks where the case is.
    async fn walk(&self, patient: &DemoPatient) -> anyhow::Result<()> {
        let id = self.register(patient).await?;
        let mut state = CaseState::Draft;
        for step in patient.path {
            state = self.take(patient, id, *step).await?;
        }
        anyhow::ensure!(
            state == patient.reaches,
            "demo patient {}: ends in {}, not {}",
            patient.name,
            state.as_str(),
            patient.reaches.as_str()
        );
        Ok(())
    }

    /// The hospital's intake of `patient` (with a KTP photo when there is an identity
    /// document); the new draft's id.
    async fn register(&self, patient: &DemoPatient) -> anyhow::Result<Uuid> {
        let name = patient.name;
        let has_id = if patient.nik.is_some() { "ya" } else { "tidak" };
        let input = form(&[
            ("full_name", name),
            ("sex", patient.sex),
            ("birth_place", "Kupang"),
            ("birth_date", patient.birth_date),
            ("has_identity_document", has_id),
            ("nik", patient.nik.unwrap_or_default()),
            ("address", "Jl. Timor Raya"),
            ("desa", "Oesapa"),
            ("kecamatan", "Kelapa Lima"),
            ("domicile_kab_kota_code", "53.71"),
            ("family_phone", "0812-3456-7890"),
            ("admission_date", &self.admitted),
            ("service_type", "rawat_inap"),
            ("ward_class", "kelas_3"),
            ("clinical_reason", "Pneumonia, perlu rawat inap"),
            ("jkn_status", "tidak_ada"),
        ]);
        let rsud = self.desk(Role::Rsud)?;
        let fields = self
            .cases
            .parse_patient(&input)
            .await
            .map_err(|e| anyhow::anyhow!("demo patient {name}: {e}"))?;
        let id = self
            .cases
            .create_draft(rsud, &fields, Some(Uuid::new_v4()))
            .await
            .map_err(|e| anyhow::anyhow!("demo patient {name}: {e}"))?;
        if patient.nik.is_some() {
            let ktp = Upload {
                kind: "ktp",
                bytes: DEMO_PNG,
                original_name: Some("ktp.png"),
            };
            self.upload(id, &ktp).await?;
        }
        Ok(id)
    }

    async fn upload(&self, id: Uuid, upload: &Upload<'_>) -> anyhow::Result<()> {
        self.cases
            .add_document(self.desk(Role::Rsud)?, id, upload)
            .await
            .map_err(|e| anyhow::anyhow!("demo document: {e}"))?;
        Ok(())
    }

    /// Claims of the guaranteed demo cases in each status, so `/klaim` and the realised
    /// financing (paid today) show something.
    async fn claims(&self) -> anyhow::Result<()> {
        let guaranteed = sqlx::query_scalar!(
            "SELECT id FROM cases WHERE guarantee_start IS NOT NULL ORDER BY created_at, id"
        )
        .fetch_all(&self.cases.pool)
        .await?;
        let (rsud, dinkes) = (self.desk(Role::Rsud)?, self.desk(Role::DinkesProv)?);
        let fail = |e: crate::cases::CaseError| anyhow::anyhow!("demo claim: {e}");
        for (case_id, (days, amount, reaches)) in guaranteed.into_iter().zip(CLAIMS) {
            let start: chrono::NaiveDate = self.admitted.parse()?;
            let end = (start + chrono::Duration::days(days - 1)).to_string();
            let input = form(&[
                ("care_start", &self.admitted),
                ("care_end", &end),
                ("amount_claimed", amount),
                ("ina_cbg_code", "J-1-20-II"),
            ]);
            let file = ClaimFile {
                bytes: DEMO_PDF,
                original_name: Some("klaim.pdf"),
            };
            let id = self
                .cases
                .submit_claim(rsud, case_id, &input, Some(&file))
                .await
                .map_err(fail)?;
            let steps: &[(ClaimAction, &[(&str, &str)])] = match reaches {
                ClaimStatus::Submitted => &[],
                ClaimStatus::Returned => &[(
                    ClaimAction::Return,
                    &[("reason", "Rincian biaya per hari belum dilampirkan")],
                )],
                ClaimStatus::Accepted => &[(ClaimAction::Accept, &[])],
                ClaimStatus::Paid => &[
                    (ClaimAction::Accept, &[]),
                    (ClaimAction::Pay, &[("amount_paid", "8.500.000")]),
                ],
            };
            for (version, (action, fields)) in (1..).zip(steps) {
                let mut input = form(fields);
                input.insert("paid_on".into(), self.today.clone());
                self.cases
                    .act_on_claim(dinkes, id, version, *action, &input)
                    .await
                    .map_err(fail)?;
            }
        }
        Ok(())
    }

    /// Takes `step` on the case's current version; the state it leaves the case in.
    async fn take(&self, patient: &DemoPatient, id: Uuid, step: Step) -> anyhow::Result<CaseState> {
        if let Some(document) = step.document() {
            self.upload(id, &document).await?;
        }
        let Plan {
            desk,
            action,
            fields,
        } = step.plan(patient, &self.today, &self.admitted);
        let user = self.desk(desk)?;
        let case = self
            .cases
            .visible_case(user, id)
            .await
            .map_err(|e| anyhow::anyhow!("demo case: {e}"))?;
        let input: HashMap<String, String> = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let case = self
            .cases
            .perform(user, id, case.version, action, &input)
            .await
            .map_err(|e| anyhow::anyhow!("demo {}: {e:?}", action.as_str()))?;
        Ok(case.state.0)
    }
}
