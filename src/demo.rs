//! `--demo`: one user per role (`demo_<role>`) and a dozen cases spread over the workflow, so
//! a new user sees a living system. Cases are made through the same service calls the pages
//! use, so they carry real history.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::cases::files::FileStore;
use crate::cases::{CaseService, Upload};
use crate::clock::Clock;
use crate::domain::{Action, Role, ScopeKind};
use crate::{auth, db};

/// Seeds the demo users (idempotent). The password comes from `MERAJUT_DEMO_PASSWORD`, or is
/// generated and printed.
pub async fn seed(pool: &PgPool, files_dir: &Path) -> anyhow::Result<()> {
    let (password, generated) = match std::env::var("MERAJUT_DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (auth::generate_password(), true),
    };
    if let Some(problem) = auth::password_problem(&password) {
        anyhow::bail!("MERAJUT_DEMO_PASSWORD: {problem}");
    }
    let hash = auth::hash_password_async(password.clone()).await?;
    let wzj = db::reference::hospital_by_code(pool, "RSUD-WZJ")
        .await?
        .context("hospital RSUD-WZJ missing")?;
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
    }
    seed_cases(pool, files_dir).await?;
    println!();
    println!("  Demo users: demo_<role> (e.g. demo_rsud, demo_dukcapil_prov, demo_dinkes_prov)");
    if generated {
        println!("  Demo password (set MERAJUT_DEMO_PASSWORD to choose one): {password}");
    } else {
        println!("  Demo password: from MERAJUT_DEMO_PASSWORD");
    }
    println!();
    Ok(())
}

/// A 1×1 PNG, standing in for a photographed document.
const DEMO_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xF8, 0xFF, 0xFF, 0x3F,
    0x00, 0x05, 0xFE, 0x02, 0xFE, 0xDC, 0xCC, 0x59, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

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
async fn seed_cases(pool: &PgPool, files_dir: &Path) -> anyhow::Result<()> {
    let any = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM cases) AS "any!""#)
        .fetch_one(pool)
        .await?;
    if any {
        return Ok(());
    }
    let cases = CaseService {
        pool: pool.clone(),
        files: FileStore::new(files_dir.to_path_buf()),
        clock: Clock::system(),
        max_upload_bytes: usize::MAX,
    };
    let cases = &cases;
    let rsud = demo_user(pool, Role::Rsud).await?;
    let dukcapil = demo_user(pool, Role::DukcapilProv).await?;
    let dukcapil_kab = demo_user(pool, Role::DukcapilKab).await?;
    let dinsos = demo_user(pool, Role::DinsosProv).await?;
    let dinkes = demo_user(pool, Role::DinkesProv).await?;
    let bpjs = demo_user(pool, Role::Bpjs).await?;
    let today = cases.today().to_string();

    // (name, sex, birth date, NIK or "" for no identity document, how far it goes)
    let patients: &[(&str, &str, &str, &str, &str)] = &[
        (
            "Yohana Bria",
            "P",
            "1988-03-14",
            "5371025403880001",
            "draft",
        ),
        (
            "Markus Tefa",
            "L",
            "1975-11-02",
            "5371020211750002",
            "nik_check",
        ),
        (
            "Tanpa Identitas (laki-laki, ±40 th)",
            "L",
            "1986-01-01",
            "",
            "nik_referral",
        ),
        (
            "Tanpa Identitas (perempuan, ±60 th)",
            "P",
            "1966-01-01",
            "",
            "identity_recording",
        ),
        (
            "Fransiska Lake",
            "P",
            "1992-07-21",
            "5371026107920003",
            "desil_check",
        ),
        (
            "Agustinus Nenobais",
            "L",
            "1960-12-09",
            "5371020912600004",
            "sktm_required",
        ),
        (
            "Maria Goreti Seran",
            "P",
            "2001-05-30",
            "5371027005010005",
            "guarantee_review",
        ),
        (
            "Yosef Manehat",
            "L",
            "1955-02-17",
            "5371021702550006",
            "guaranteed",
        ),
        (
            "Elisabeth Nope",
            "P",
            "1970-09-05",
            "5371024509700007",
            "pbi_proposed",
        ),
        (
            "Petrus Lay",
            "L",
            "1983-04-11",
            "5371021104830008",
            "returned",
        ),
        (
            "Katarina Fobia",
            "P",
            "1995-08-19",
            "5371025908950009",
            "handed_over",
        ),
        (
            "Simon Tallo",
            "L",
            "1948-10-23",
            "5371022310480010",
            "withdrawn",
        ),
    ];
    for (name, sex, birth, nik, goal) in patients {
        let has_id = if nik.is_empty() { "tidak" } else { "ya" };
        let input = form(&[
            ("full_name", name),
            ("sex", sex),
            ("birth_place", "Kupang"),
            ("birth_date", birth),
            ("has_identity_document", has_id),
            ("nik", nik),
            ("address", "Jl. Timor Raya"),
            ("desa", "Oesapa"),
            ("kecamatan", "Kelapa Lima"),
            ("domicile_kab_kota_code", "53.71"),
            ("family_phone", "0812-3456-7890"),
            ("admission_date", &today),
            ("service_type", "rawat_inap"),
            ("ward_class", "kelas_3"),
            ("clinical_reason", "Pneumonia, perlu rawat inap"),
            ("jkn_status", "tidak_ada"),
        ]);
        let fields = cases
            .parse_patient(&input)
            .await
            .map_err(|e| anyhow::anyhow!("demo patient {name}: {e}"))?;
        let id = cases
            .create_draft(&rsud, &fields, Some(Uuid::new_v4()))
            .await
            .map_err(|e| anyhow::anyhow!("demo patient {name}: {e}"))?;
        if has_id == "ya" {
            let ktp = Upload {
                kind: "ktp",
                bytes: DEMO_PNG,
                original_name: Some("ktp.png"),
            };
            cases
                .add_document(&rsud, id, &ktp)
                .await
                .map_err(|e| anyhow::anyhow!("demo document: {e}"))?;
        }
        let step = |user: CurrentUser, action: Action, pairs: Vec<(&'static str, String)>| async move {
            let case = cases
                .visible_case(&user, id)
                .await
                .map_err(|e| anyhow::anyhow!("demo case: {e}"))?;
            let input: HashMap<String, String> =
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            cases
                .perform(&user, id, case.version, action, &input)
                .await
                .map_err(|e| anyhow::anyhow!("demo {}: {e:?}", action.as_str()))
        };
        let path: &[&str] = match *goal {
            "draft" => &[],
            "nik_check" => &["submit"],
            "nik_referral" => &["submit", "refer"],
            "identity_recording" => &["submit", "refer", "recording"],
            "desil_check" => &["submit", "verify"],
            "sktm_required" => &["submit", "verify", "desil8"],
            "guarantee_review" => &["submit", "verify", "desil3"],
            "guaranteed" => &["submit", "verify", "desil3", "approve"],
            "pbi_proposed" => &["submit", "verify", "desil3", "approve", "propose"],
            "returned" => &["submit", "verify", "return"],
            "handed_over" => &["submit", "verify", "desil3", "approve", "propose", "active"],
            _ => &["submit", "withdraw"],
        };
        for s in path {
            match *s {
                "submit" => step(rsud.clone(), Action::Submit, vec![]).await?,
                "refer" => {
                    step(
                        dukcapil.clone(),
                        Action::ReferToKab,
                        vec![(
                            "reason",
                            "Tidak ditemukan di SIAK; perlu penelusuran".into(),
                        )],
                    )
                    .await?
                }
                "recording" => {
                    step(
                        dukcapil_kab.clone(),
                        Action::RequireRecording,
                        vec![("reason", "Belum pernah direkam; perekaman di tempat".into())],
                    )
                    .await?
                }
                "verify" => {
                    step(
                        dukcapil.clone(),
                        Action::VerifyNik,
                        vec![
                            ("source_system", "siak".into()),
                            (
                                "registry_data",
                                format!("{name}, lahir {birth}, Kota Kupang"),
                            ),
                        ],
                    )
                    .await?
                }
                "desil8" => {
                    step(
                        dinsos.clone(),
                        Action::RecordDesil,
                        vec![
                            ("source_system", "siks_ng".into()),
                            ("desil", "8".into()),
                            ("registry_data", "Terdaftar DTSEN desil 8".into()),
                        ],
                    )
                    .await?
                }
                "desil3" => {
                    step(
                        dinsos.clone(),
                        Action::RecordDesil,
                        vec![
                            ("source_system", "siks_ng".into()),
                            ("desil", "3".into()),
                            ("registry_data", "Terdaftar DTSEN desil 3".into()),
                        ],
                    )
                    .await?
                }
                "approve" => {
                    step(
                        dinkes.clone(),
                        Action::ApproveGuarantee,
                        vec![
                            ("letter_number", format!("440/{}/DINKES/2026", &nik[12..])),
                            ("start_date", today.clone()),
                            ("payer", "pemprov".into()),
                        ],
                    )
                    .await?
                }
                "propose" => {
                    step(
                        dinsos.clone(),
                        Action::ProposePbi,
                        vec![("proposed_on", today.clone())],
                    )
                    .await?
                }
                "active" => {
                    step(
                        bpjs.clone(),
                        Action::RecordPbiActive,
                        vec![
                            ("bpjs_card_number", format!("0001{}", &nik[7..16])),
                            ("effective_date", today.clone()),
                        ],
                    )
                    .await?
                }
                "return" => {
                    step(
                        dinsos.clone(),
                        Action::ReturnToRsud,
                        vec![
                            ("reason_code", "foto_tidak_terbaca".into()),
                            ("reason_text", "Foto KTP buram, mohon unggah ulang".into()),
                        ],
                    )
                    .await?
                }
                _ => {
                    step(
                        rsud.clone(),
                        Action::Withdraw,
                        vec![("reason_code", "pulang_sebelum_jaminan".into())],
                    )
                    .await?
                }
            };
        }
    }
    Ok(())
}
