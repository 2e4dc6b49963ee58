//! `--demo`: one user per role (`demo_<role>`) so a new user sees a living system.

use anyhow::Context;
use sqlx::PgPool;

use crate::domain::{Role, ScopeKind};
use crate::{auth, db};

/// Seeds the demo users (idempotent). The password comes from `MERAJUT_DEMO_PASSWORD`, or is
/// generated and printed.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
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
                db::users::insert(
                    pool,
                    &db::users::NewUser {
                        username: &username,
                        display_name: &format!("Demo {}", role.label()),
                        role: *role,
                        hospital_id,
                        kab_kota_code: kab,
                        password_hash: &hash,
                        must_change_password: false,
                    },
                )
                .await?;
            }
        }
    }
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
