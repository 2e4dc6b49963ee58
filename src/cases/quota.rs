//! The yearly quota per payer, the case service's part (with `domain::quota`, the rules, and
//! `db::quota`, the tables, the one home of the rule):
//!
//! - [`book`]: inside the transaction of `approve_guarantee` and `enrol_pbpu_pemda`, on the
//!   case row already locked, it locks the payer's quota row of the year (`SELECT … FOR
//!   UPDATE`), reads what the other approvals took, lets [`quota::decide`] judge, and books the
//!   charge. Two approvals racing for the last of a quota therefore queue on that row: the
//!   second reads the first's charge once it commits, and is told the quota is exceeded. The
//!   lock order is always case, then quota; changing a limit takes only the quota row.
//! - the figures per payer and year for `/kuota` and `GET /api/v1/kuota`, the changes of the
//!   limits, and setting a limit (`dinkes_prov` any payer's, `dinkes_kab` only its own kab/kota's).
//! - what the approval forms show: what remains of both payers' quotas for the year.
//! - the charges of a case, for the case page and the API.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::CaseError;
use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db::cases::CaseRow;
use crate::db::quota::{self as db_quota, NewCharge, QuotaRow};
use crate::db::{audit, reference};
use crate::domain::quota::{self, OverQuota, QuotaKind, QuotaPayer, Standing};
use crate::domain::{ActionData, Role};

/// Books the approval in `data` against its payer's quota of the year, inside the approval's
/// transaction (see the module documentation). Refuses, as field errors, a guarantee without a
/// ceiling for a payer with a budget, and an approval beyond the quota without the confirmation
/// and its reason. Returns the evidence as it is recorded: the confirmation kept only when the
/// approval did exceed the quota. Other actions pass unchanged.
pub async fn book(
    conn: &mut PgConnection,
    case: &CaseRow,
    user: &CurrentUser,
    data: ActionData,
    now: DateTime<Utc>,
) -> Result<ActionData> {
    let (kind, year, payer, amount, confirmation) = match &data {
        ActionData::ApproveGuarantee {
            start_date,
            payer,
            ceiling,
            over_quota,
            ..
        } => (
            QuotaKind::Guarantee,
            start_date.year(),
            *payer,
            *ceiling,
            over_quota,
        ),
        ActionData::EnrolPbpuPemda {
            payer,
            decided_on,
            over_quota,
            ..
        } => (
            QuotaKind::PbpuPemda,
            decided_on.year(),
            *payer,
            Some(1),
            over_quota,
        ),
        _ => return Ok(data),
    };
    let payer = QuotaPayer::of(payer, &case.patient.domicile_kab_kota_code);
    let code = payer.kab_kota_code();
    let limit = db_quota::lock(&mut *conn, year, code)
        .await?
        .and_then(|row| limit_of(&row, kind));
    let label = payer_label(&mut *conn, &payer).await?;
    if kind == QuotaKind::Guarantee && limit.is_some() && amount.is_none() {
        return Err(CaseError::Invalid(vec![quota::ceiling_required(
            &label, year,
        )]));
    }
    let standing = Standing {
        quota: limit,
        used_before: db_quota::used(&mut *conn, kind.as_str(), year, code, case.id).await?,
        amount: amount.unwrap_or(0),
    };
    let decision =
        quota::decide(kind, standing, confirmation, &label, year).map_err(CaseError::Invalid)?;
    let charge = NewCharge {
        case_id: case.id,
        kind: kind.as_str(),
        year,
        kab_kota_code: code,
        amount,
        quota_at_decision: limit,
        used_before: standing.used_before,
        over_quota_reason: decision.over_quota_reason.as_deref(),
        decided_by: user.id,
        decided_at: now,
    };
    db_quota::charge(&mut *conn, &charge).await?;
    let recorded = OverQuota {
        confirmed: decision.over_quota_reason.is_some(),
        reason: decision.over_quota_reason,
    };
    Ok(with_confirmation(data, recorded))
}

/// `data` with its over-quota confirmation replaced by `recorded`.
fn with_confirmation(mut data: ActionData, recorded: OverQuota) -> ActionData {
    if let ActionData::ApproveGuarantee { over_quota, .. }
    | ActionData::EnrolPbpuPemda { over_quota, .. } = &mut data
    {
        *over_quota = recorded;
    }
    data
}

/// The limit of `kind` in a quota row.
fn limit_of(row: &QuotaRow, kind: QuotaKind) -> Option<i64> {
    match kind {
        QuotaKind::Guarantee => row.guarantee_budget,
        QuotaKind::PbpuPemda => row.pbpu_quota,
    }
}

/// The name of the government that pays ("Pemerintah Kota Kupang").
async fn payer_label(conn: &mut PgConnection, payer: &QuotaPayer) -> Result<String> {
    let name = match payer.kab_kota_code() {
        Some(code) => reference::kab_kota(conn, code).await?.map(|k| k.name),
        None => None,
    };
    Ok(payer.label(name.as_deref()))
}

/// The figures of one limit of one payer for a year.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuotaFigures {
    /// The limit (rupiah or people); `None`: not set, approvals are only counted.
    pub limit: Option<i64>,
    /// What the approvals of the year took: the sum of the approved ceilings, or the people
    /// enrolled.
    pub used: i64,
    /// `limit - used` (negative when approvals beyond the quota overdrew it).
    pub remaining: Option<i64>,
    /// Approvals booked.
    pub approvals: i64,
    /// Of those, approved beyond the quota with a confirmation and a reason.
    pub over_quota_approvals: i64,
    /// Of those, guarantees approved without a ceiling (counted as Rp0; always 0 for PBPU).
    pub approvals_without_ceiling: i64,
}

/// One payer's quota of a year.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaLine {
    /// `pemprov` or `pemkab_asal`, as on a case.
    pub payer: &'static str,
    /// The payer in addresses: `pemprov` or the kab/kota code.
    pub code: String,
    pub kab_kota_code: Option<String>,
    /// "Pemerintah Provinsi NTT", "Pemerintah Kota Kupang".
    pub label: String,
    /// The rupiah budget for temporary guarantees.
    pub guarantee: QuotaFigures,
    /// The people enrolled as PBPU Pemda.
    pub pbpu_pemda: QuotaFigures,
    /// Whether the caller may change this payer's limits.
    pub editable: bool,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

impl QuotaLine {
    /// The figures of `kind`.
    pub fn figures(&self, kind: QuotaKind) -> &QuotaFigures {
        match kind {
            QuotaKind::Guarantee => &self.guarantee,
            QuotaKind::PbpuPemda => &self.pbpu_pemda,
        }
    }
}

/// One recorded change of a limit.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaChange {
    /// The payer's code (`pemprov`, `53.71`).
    pub code: String,
    pub label: String,
    /// `guarantee` or `pbpu_pemda`.
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// The value before (`None`: not set).
    pub old_value: Option<i64>,
    pub new_value: i64,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// Every payer's quota of a year that the caller may see, with the latest changes.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaYear {
    pub year: i32,
    pub items: Vec<QuotaLine>,
    /// The latest changes of these payers' limits in the year, newest first.
    pub changes: Vec<QuotaChange>,
}

/// How many changes the year's page lists.
const RECENT_CHANGES: i64 = 20;

/// What one approval took from a quota, as the case shows it.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaCharge {
    /// `guarantee` or `pbpu_pemda`.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub year: i32,
    /// `pemprov` or `pemkab_asal`.
    pub payer: &'static str,
    pub kab_kota_code: Option<String>,
    pub payer_label: String,
    /// The ceiling (rupiah), or 1 person; `None`: a guarantee without a ceiling.
    pub amount: Option<i64>,
    /// The limit when it was decided (`None`: not set).
    pub quota_at_decision: Option<i64>,
    /// What the other approvals had taken when it was decided.
    pub used_before: i64,
    /// What remained before it (`None` without a limit).
    pub remaining_before: Option<i64>,
    /// Approved beyond the quota, with the confirmation.
    pub over_quota: bool,
    pub over_quota_reason: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl QuotaCharge {
    /// One sentence for the case page.
    pub fn summary(&self) -> String {
        let kind = self
            .kind
            .parse::<QuotaKind>()
            .unwrap_or(QuotaKind::Guarantee);
        let taken = match (kind, self.amount) {
            (QuotaKind::Guarantee, Some(a)) => format!("plafon {}", kind.format(a)),
            (QuotaKind::Guarantee, None) => "tanpa plafon".to_string(),
            (QuotaKind::PbpuPemda, _) => "1 orang".to_string(),
        };
        let standing = match (self.quota_at_decision, self.remaining_before) {
            (Some(q), Some(r)) => format!(
                "; saat disetujui sisa {} dari {}",
                kind.format(r.max(0)),
                kind.format(q)
            ),
            _ => "; kuota belum ditetapkan saat disetujui".to_string(),
        };
        format!(
            "{} {} tahun {}: {taken}{standing}",
            kind.label(),
            self.payer_label,
            self.year
        )
    }
}

/// What remains of one payer's quota, for an approval form.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaHint {
    /// The payer option of the form (`pemprov`, `pemkab_asal`).
    pub payer: &'static str,
    pub label: String,
    /// "sisa Rp10.000.000 dari Rp100.000.000 (terpakai Rp90.000.000)".
    pub text: String,
    /// Nothing remains (the next approval needs the confirmation).
    pub exhausted: bool,
}

/// The payers whose quotas `user` sees (`None`: all), or a refusal for other roles.
fn visible(user: &CurrentUser) -> Result<Option<Vec<QuotaPayer>>> {
    if !crate::access::QUOTA_READERS.contains(&user.role) {
        return Err(CaseError::NotYourAction);
    }
    Ok(match (user.role, &user.kab_kota_code) {
        (Role::DinkesKab, Some(own)) => {
            Some(vec![QuotaPayer::Province, QuotaPayer::KabKota(own.clone())])
        }
        (Role::DinkesKab, None) => Some(vec![]),
        _ => None,
    })
}

/// Whether `user` may change `payer`'s limits: Dinkes prov every payer's, Dinkes kab/kota its
/// own kab/kota's.
fn may_edit(user: &CurrentUser, payer: &QuotaPayer) -> bool {
    match user.role {
        Role::DinkesProv => true,
        Role::DinkesKab => {
            user.kab_kota_code.is_some() && payer.kab_kota_code() == user.kab_kota_code.as_deref()
        }
        _ => false,
    }
}

/// The field error of a year outside [`quota::YEARS`].
fn check_year(year: i32) -> Result<()> {
    quota::parse_year(&year.to_string())
        .map(|_| ())
        .map_err(|message| CaseError::field("tahun", message))
}

impl CaseService {
    /// Every payer's quota of `year` that `user` sees (the province first, then the kab/kota in
    /// code order), with the latest changes.
    pub async fn quota_year(&self, user: &CurrentUser, year: i32) -> Result<QuotaYear> {
        let visible = visible(user)?;
        check_year(year)?;
        let rows = db_quota::of_year(&self.pool, year).await?;
        let usage = db_quota::usage(&self.pool, year).await?;
        let kab = reference::list_kab_kota(&self.pool).await?;
        let mut payers = vec![(QuotaPayer::Province, None)];
        payers.extend(
            kab.into_iter()
                .map(|k| (QuotaPayer::KabKota(k.code), Some(k.name))),
        );
        let items: Vec<QuotaLine> = payers
            .into_iter()
            .filter(|(p, _)| visible.as_ref().is_none_or(|v| v.contains(p)))
            .map(|(payer, name)| line(user, payer, name.as_deref(), &rows, &usage))
            .collect();
        let codes: Option<Vec<String>> = visible.map(|v| {
            v.iter()
                .map(|p| p.kab_kota_code().unwrap_or_default().to_string())
                .collect()
        });
        let labels: HashMap<String, String> = items
            .iter()
            .map(|l| (l.code.clone(), l.label.clone()))
            .collect();
        let changes = db_quota::changes(&self.pool, year, codes.as_deref(), RECENT_CHANGES)
            .await?
            .into_iter()
            .map(|c| change(c, &labels))
            .collect();
        Ok(QuotaYear {
            year,
            items,
            changes,
        })
    }

    /// One payer's quota of `year` (by its code, `pemprov` or `53.71`) with every change of
    /// its limits; [`CaseError::NotFound`] for a payer that does not exist or that `user` does
    /// not see.
    pub async fn quota_of(
        &self,
        user: &CurrentUser,
        year: i32,
        code: &str,
    ) -> Result<(QuotaLine, Vec<QuotaChange>)> {
        let payer = self.payer(user, code).await?;
        let all = self.quota_year(user, year).await?;
        let line = all
            .items
            .into_iter()
            .find(|l| l.code == payer.code())
            .ok_or(CaseError::NotFound)?;
        let labels = HashMap::from([(line.code.clone(), line.label.clone())]);
        let only = [payer.kab_kota_code().unwrap_or_default().to_string()];
        let changes = db_quota::changes(&self.pool, year, Some(&only), i64::MAX)
            .await?
            .into_iter()
            .map(|c| change(c, &labels))
            .collect();
        Ok((line, changes))
    }

    /// The payer with `code` that `user` sees, or [`CaseError::NotFound`].
    async fn payer(&self, user: &CurrentUser, code: &str) -> Result<QuotaPayer> {
        let visible = visible(user)?;
        let payer = QuotaPayer::parse(code).ok_or(CaseError::NotFound)?;
        if let Some(kab) = payer.kab_kota_code()
            && reference::kab_kota(&self.pool, kab).await?.is_none()
        {
            return Err(CaseError::NotFound);
        }
        if visible.is_some_and(|v| !v.contains(&payer)) {
            return Err(CaseError::NotFound);
        }
        Ok(payer)
    }

    /// Sets `payer`'s limits for `year` (each `(kind, value)`, the value already read with
    /// [`QuotaKind::parse_limit`]) and records each change (who, when, old and new value) and
    /// an audit row, all in one transaction. 404 for a payer `user` does not see, 403 for one it
    /// may not change.
    pub async fn set_quota(
        &self,
        user: &CurrentUser,
        year: i32,
        code: &str,
        limits: &[(QuotaKind, i64)],
    ) -> Result<QuotaLine> {
        let payer = self.payer(user, code).await?;
        if !may_edit(user, &payer) {
            return Err(CaseError::NotYourAction);
        }
        check_year(year)?;
        let mut tx = self.pool.begin().await?;
        let kab = payer.kab_kota_code();
        let now = self.clock.now();
        let target = format!("{year}/{}", payer.code());
        for (kind, value) in limits {
            let old = db_quota::set_limit(&mut tx, year, kab, kind.as_str(), *value, user.id, now)
                .await?;
            let detail = serde_json::json!({"kind": kind.as_str(), "old": old, "new": value});
            audit::record(&mut *tx, Some(user.id), "quota.set", Some(&target), detail).await?;
        }
        tx.commit().await?;
        let (line, _) = self.quota_of(user, year, payer.code()).await?;
        Ok(line)
    }

    /// What remains of the quota of `kind` for `year` of both payers an approval form offers
    /// for `case` (the province, and the kab/kota of the patient's domicile), leaving out the
    /// case's own earlier charge as booking would.
    pub async fn quota_hints(
        &self,
        case: &CaseRow,
        kind: QuotaKind,
        year: i32,
    ) -> Result<Vec<QuotaHint>> {
        let rows = db_quota::of_year(&self.pool, year).await?;
        let mut hints = vec![];
        for payer in [
            QuotaPayer::Province,
            QuotaPayer::KabKota(case.patient.domicile_kab_kota_code.clone()),
        ] {
            let mut conn = self.pool.acquire().await?;
            let label = payer_label(&mut conn, &payer).await?;
            let code = payer.kab_kota_code();
            let limit = rows
                .iter()
                .find(|r| r.kab_kota_code.as_deref() == code)
                .and_then(|r| limit_of(r, kind));
            let used = db_quota::used(&mut *conn, kind.as_str(), year, code, case.id).await?;
            let standing = Standing {
                quota: limit,
                used_before: used,
                amount: 0,
            };
            let (text, exhausted) = match standing.remaining() {
                Some(r) => (
                    format!(
                        "sisa {} dari {} (terpakai {})",
                        kind.format(r),
                        kind.format(limit.unwrap_or_default()),
                        kind.format(used)
                    ),
                    r <= 0,
                ),
                None => (
                    format!("belum ditetapkan (terpakai {})", kind.format(used)),
                    false,
                ),
            };
            hints.push(QuotaHint {
                payer: payer.payer().as_str(),
                label,
                text,
                exhausted,
            });
        }
        Ok(hints)
    }

    /// The charges of case `id` (its guarantee, its PBPU Pemda enrolment), for its page and the
    /// API; the caller has already checked that `user` sees the case.
    pub(super) async fn quota_charges(
        db: impl sqlx::PgExecutor<'_>,
        id: uuid::Uuid,
    ) -> Result<Vec<QuotaCharge>> {
        Ok(db_quota::charges_of_case(db, id)
            .await?
            .into_iter()
            .map(|c| {
                let kind = c.kind.parse::<QuotaKind>().unwrap_or(QuotaKind::Guarantee);
                let payer = QuotaPayer::from_kab_kota(c.kab_kota_code.as_deref());
                QuotaCharge {
                    kind: kind.as_str(),
                    kind_label: kind.label(),
                    year: c.year,
                    payer: payer.payer().as_str(),
                    payer_label: payer.label(c.kab_kota_name.as_deref()),
                    kab_kota_code: c.kab_kota_code,
                    amount: c.amount,
                    remaining_before: c.quota_at_decision.map(|q| q - c.used_before),
                    quota_at_decision: c.quota_at_decision,
                    used_before: c.used_before,
                    over_quota: c.over_quota,
                    over_quota_reason: c.over_quota_reason,
                    decided_by: c.decided_by_name,
                    decided_at: c.decided_at,
                }
            })
            .collect())
    }
}

/// The line of `payer` from the year's limits and charges.
fn line(
    user: &CurrentUser,
    payer: QuotaPayer,
    name: Option<&str>,
    rows: &[QuotaRow],
    usage: &[db_quota::UsageRow],
) -> QuotaLine {
    let code = payer.kab_kota_code();
    let row = rows.iter().find(|r| r.kab_kota_code.as_deref() == code);
    let figures = |kind: QuotaKind| {
        let limit = row.and_then(|r| limit_of(r, kind));
        let u = usage
            .iter()
            .find(|u| u.kind == kind.as_str() && u.kab_kota_code.as_deref() == code);
        let used = u.map_or(0, |u| u.used);
        QuotaFigures {
            limit,
            used,
            remaining: limit.map(|l| l - used),
            approvals: u.map_or(0, |u| u.approvals),
            over_quota_approvals: u.map_or(0, |u| u.over_quota),
            approvals_without_ceiling: u.map_or(0, |u| u.without_amount),
        }
    };
    QuotaLine {
        payer: payer.payer().as_str(),
        code: payer.code().to_string(),
        kab_kota_code: code.map(str::to_string),
        label: payer.label(name),
        guarantee: figures(QuotaKind::Guarantee),
        pbpu_pemda: figures(QuotaKind::PbpuPemda),
        editable: may_edit(user, &payer),
        updated_at: row.map(|r| r.updated_at),
        updated_by: row.map(|r| r.updated_by_name.clone()),
    }
}

/// A change as shown, the payer named from `labels` (by code).
fn change(c: db_quota::ChangeRow, labels: &HashMap<String, String>) -> QuotaChange {
    let payer = QuotaPayer::from_kab_kota(c.kab_kota_code.as_deref());
    let kind = c.kind.parse::<QuotaKind>().unwrap_or(QuotaKind::Guarantee);
    QuotaChange {
        label: labels
            .get(payer.code())
            .cloned()
            .unwrap_or_else(|| payer.label(None)),
        code: payer.code().to_string(),
        kind: kind.as_str(),
        kind_label: kind.label(),
        old_value: c.old_value,
        new_value: c.new_value,
        changed_by: c.changed_by_name,
        changed_at: c.changed_at,
    }
}
