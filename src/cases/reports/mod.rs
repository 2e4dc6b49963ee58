//! Reports (`/laporan`): the monthly recap of a hospital and the quarterly provincial report
//! (Pergub NTT 55/2025 BAB III C). Who writes and reads which is the domain's rule
//! ([`crate::domain::report::access`]); this module applies it to stored reports, computes a
//! draft's figures where it is read ([`figures`]), freezes them on finalising, opens new
//! versions, and writes the downloads ([`files`]), each of which is recorded in the export log.

pub mod figures;
pub mod files;

use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::CaseError;
use super::service::{CaseService, Result};
use crate::auth::CurrentUser;
use crate::db;
use crate::db::exports::ExportRecord;
use crate::db::reports::{NewReport, ReportFilter, ReportRow};
use crate::domain::report::{self, Narrative, Period, ReportAccess, ReportKind, ReportStatus};
use figures::{Cell, ReportFigures, Table, figure_tables};

/// A report as a reader sees it: the stored version, its figures (frozen or live) and its
/// other versions.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub row: ReportRow,
    pub kind: ReportKind,
    pub status: ReportStatus,
    pub period: Period,
    /// What the reader may do.
    pub access: ReportAccess,
    /// The stored figures of a final report, or those of now for a draft.
    pub figures: ReportFigures,
    /// True when `figures` are the ones stored at finalisation.
    pub frozen: bool,
    /// 14 working days after the period, from today's holiday calendar.
    pub due_date: NaiveDate,
    /// Past its due date with no version final.
    pub overdue: bool,
    /// Every version of this report, newest first (this one included).
    pub versions: Vec<VersionLine>,
}

/// One version in a report's list of versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionLine {
    pub id: Uuid,
    pub version: i32,
    pub status: ReportStatus,
    pub finalised_by_name: Option<String>,
    pub finalised_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reopen_reason: Option<String>,
}

/// A line of the list of reports.
#[derive(Debug, Clone)]
pub struct ReportLine {
    pub row: ReportRow,
    pub kind: ReportKind,
    pub status: ReportStatus,
    pub period: Period,
    pub due_date: NaiveDate,
    pub overdue: bool,
}

impl ReportLine {
    /// The hospital of a monthly recap, or the province.
    pub fn scope(&self) -> String {
        scope_label(&self.row)
    }
}

/// The hospital of a monthly recap, or the province.
fn scope_label(row: &ReportRow) -> String {
    row.hospital_name
        .clone()
        .unwrap_or_else(|| "Provinsi Nusa Tenggara Timur".into())
}

impl ReportView {
    /// "Rekap bulanan rumah sakit — RSUD … — November 2026".
    pub fn title(&self) -> String {
        format!(
            "{} — {} — {}",
            self.kind.label(),
            scope_label(&self.row),
            self.period.label()
        )
    }

    /// The scope: a hospital's name, or the province.
    pub fn scope(&self) -> String {
        scope_label(&self.row)
    }

    /// The realised financing, written `Rp25.000.000`.
    pub fn amount_paid(&self) -> String {
        crate::domain::money::format_rupiah(self.figures.financing.amount_paid.0)
    }

    /// Whether the reader may write this version now (a draft, and the reader writes it).
    pub fn editable(&self) -> bool {
        self.access == ReportAccess::Write && self.status == ReportStatus::Draft
    }

    /// Whether the reader may open a new version from this one (the latest, final).
    pub fn reopenable(&self) -> bool {
        self.access == ReportAccess::Write
            && self.status == ReportStatus::Final
            && self.versions.first().is_some_and(|v| v.id == self.row.id)
    }

    /// Whether the period is over, so the draft can be finalised.
    pub fn finalisable(&self, today: NaiveDate) -> bool {
        self.editable() && self.period.is_over(today)
    }

    /// Every table: the summary, then the figures.
    pub fn tables(&self) -> Vec<Table> {
        let mut tables = vec![self.summary()];
        tables.extend(figure_tables(&self.figures));
        tables
    }

    /// The table `key`, if the report has it.
    pub fn table(&self, key: &str) -> Option<Table> {
        self.tables().into_iter().find(|t| t.key == key)
    }

    /// The report's facts and narrative as a two-column table (the first worksheet).
    fn summary(&self) -> Table {
        let r = &self.row;
        let f = &self.figures;
        let text = |s: &str| Cell::Text(s.to_string());
        let optional = |s: &Option<String>| s.as_deref().map_or(Cell::Empty, text);
        let rows: Vec<(&str, Cell)> = vec![
            ("Jenis laporan", text(self.kind.label())),
            ("Cakupan", text(&self.scope())),
            ("Periode", text(&self.period.label())),
            ("Periode mulai", Cell::Date(self.period.start)),
            ("Periode akhir", Cell::Date(self.period.end)),
            ("Batas penyampaian", Cell::Date(self.due_date)),
            ("Versi", Cell::Count(i64::from(r.version))),
            ("Status", text(self.status.label())),
            ("Difinalkan oleh", optional(&r.finalised_by_name)),
            (
                "Difinalkan pada",
                r.finalised_at.map_or(Cell::Empty, Cell::Time),
            ),
            ("Alasan versi baru", optional(&r.reopen_reason)),
            ("Angka dihitung pada", Cell::Time(f.computed_at)),
            ("Pasien penerima manfaat", Cell::Count(f.beneficiaries)),
            ("Diserahkan ke BPJS", Cell::Count(f.handed_over)),
            ("Klaim dibayar", Cell::Count(f.financing.claims)),
            (
                "Realisasi pembiayaan (Rp)",
                Cell::Money(f.financing.amount_paid),
            ),
            ("Definisi penerima manfaat", text(&f.beneficiary_definition)),
            (
                "Definisi realisasi pembiayaan",
                text(&f.financing_definition),
            ),
            ("Definisi waktu per meja", text(&f.desk_time_definition)),
            ("Permasalahan yang ditemukan", text(&r.problems)),
            ("Tindak lanjut", text(&r.follow_up)),
            ("Rekomendasi", text(&r.recommendations)),
        ];
        Table {
            key: "ringkasan",
            title: "Ringkasan laporan",
            sheet: "Ringkasan",
            columns: vec!["Keterangan", "Isi"],
            rows: rows
                .into_iter()
                .map(|(label, value)| vec![text(label), value])
                .collect(),
            footer: None,
        }
    }
}

/// The message when a final report is asked to change.
const FINAL_IS_FROZEN: &str =
    "Laporan ini sudah final dan tidak dapat diubah; buka versi baru untuk mengoreksinya.";
/// The message when a draft changed since the form was opened.
const CHANGED_MEANWHILE: &str = "Laporan ini sudah diubah oleh orang lain sejak halaman dibuka; \
     salin teks Anda, muat ulang halaman, lalu ulangi perubahan.";

/// A download to record in the export log.
#[derive(Debug, Clone, Copy)]
pub struct Download<'a> {
    /// `xlsx`, `csv`, `print` or `json`.
    pub format: &'a str,
    /// The CSV table, if one.
    pub table: Option<&'a str>,
    pub rows: usize,
}

impl CaseService {
    /// What `user` may do with `row`, if it may see it at all.
    fn report_access(user: &CurrentUser, row: &ReportRow) -> Option<ReportAccess> {
        let own = row.hospital_id.is_some() && row.hospital_id == user.hospital_id;
        report::access(user.role, row.kind.0, own)
    }

    /// The reports `user` may read, newest period first, every version listed.
    pub async fn reports(&self, user: &CurrentUser) -> Result<Vec<ReportLine>> {
        let reads = |kind| report::access(user.role, kind, true).is_some();
        let filter = ReportFilter {
            quarterly: reads(ReportKind::Quarterly),
            all_monthly: report::reads_every_monthly(user.role),
            hospital_id: user.hospital_id.filter(|_| reads(ReportKind::Monthly)),
        };
        let holidays = db::cases::holidays(&self.pool).await?;
        let today = self.today();
        let rows = db::reports::list(&self.pool, &filter).await?;
        Ok(rows
            .into_iter()
            .filter(|row| Self::report_access(user, row).is_some())
            .filter_map(|row| {
                let period = Period::starting(row.kind.0, row.period_start)?;
                let due_date = period.due_date(&holidays);
                Some(ReportLine {
                    kind: row.kind.0,
                    status: row.status.0,
                    overdue: !row.delivered && today > due_date,
                    period,
                    due_date,
                    row,
                })
            })
            .collect())
    }

    /// A report `user` may read, with its figures: stored for a final report, computed now
    /// for a draft. [`CaseError::NotFound`] for one the user may not see.
    pub async fn report(&self, user: &CurrentUser, id: Uuid) -> Result<ReportView> {
        let row = db::reports::by_id(&self.pool, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        let access = Self::report_access(user, &row).ok_or(CaseError::NotFound)?;
        let period = Period::starting(row.kind.0, row.period_start)
            .ok_or_else(|| anyhow::anyhow!("report {id} has no calendar period"))?;
        let (figures, frozen) = match &row.figures {
            Some(stored) => (
                serde_json::from_value::<ReportFigures>(stored.clone())
                    .map_err(anyhow::Error::from)?,
                true,
            ),
            None => (self.figures_of(&row, &period).await?, false),
        };
        let holidays = db::cases::holidays(&self.pool).await?;
        let due_date = period.due_date(&holidays);
        let versions =
            db::reports::versions(&self.pool, row.kind.0, row.hospital_id, row.period_start)
                .await?
                .into_iter()
                .map(|v| VersionLine {
                    id: v.id,
                    version: v.version,
                    status: v.status.0,
                    finalised_by_name: v.finalised_by_name,
                    finalised_at: v.finalised_at,
                    reopen_reason: v.reopen_reason,
                })
                .collect();
        Ok(ReportView {
            kind: row.kind.0,
            status: row.status.0,
            overdue: !row.delivered && self.today() > due_date,
            period,
            access,
            figures,
            frozen,
            due_date,
            versions,
            row,
        })
    }

    /// The live figures of a stored report.
    async fn figures_of(&self, row: &ReportRow, period: &Period) -> Result<ReportFigures> {
        let hospital = row.hospital_id.zip(row.hospital_name.as_deref());
        self.report_figures(hospital, period).await
    }

    /// A report the user writes, or the refusal: 404 when it may not see it, 403 when it only
    /// reads it.
    async fn writable_report(&self, user: &CurrentUser, id: Uuid) -> Result<ReportRow> {
        let row = db::reports::by_id(&self.pool, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        match Self::report_access(user, &row) {
            None => Err(CaseError::NotFound),
            Some(ReportAccess::Read) => Err(CaseError::NotYourAction),
            Some(ReportAccess::Write) => Ok(row),
        }
    }

    /// Opens the first version of the report of `user`'s kind (a hospital's recap for `rsud`,
    /// the provincial report for `tim`) for the period typed (`year` and `part`: month or
    /// quarter); its id. Refused with a field error for a period not started, or one whose
    /// report exists already.
    pub async fn create_report(&self, user: &CurrentUser, year: &str, part: &str) -> Result<Uuid> {
        let kind = report::written_by(user.role).ok_or(CaseError::NotYourAction)?;
        let hospital_id = match kind {
            ReportKind::Monthly => Some(user.hospital_id.ok_or(CaseError::NotYourAction)?),
            ReportKind::Quarterly => None,
        };
        let period = report::parse_period(kind, year, part, self.today())
            .map_err(|e| CaseError::Invalid(vec![e]))?;
        let now = self.clock.now();
        let new = NewReport {
            kind,
            hospital_id,
            period_start: period.start,
            period_end: period.end,
            version: 1,
            reopen_reason: None,
            narrative: &Narrative::default(),
            by: user.id,
            at: now,
        };
        let mut tx = self.pool.begin().await?;
        let Some(id) = db::reports::insert(&mut *tx, &new).await? else {
            let field = match kind {
                ReportKind::Monthly => "month",
                ReportKind::Quarterly => "quarter",
            };
            return Err(CaseError::field(
                field,
                format!(
                    "Laporan periode {} sudah ada; bukalah dari daftar laporan.",
                    period.label()
                ),
            ));
        };
        let detail = json!({"kind": kind.as_str(), "period": period.code(), "version": 1});
        db::audit::record(
            &mut *tx,
            Some(user.id),
            "report.create",
            Some(&id.to_string()),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves the narrative of a draft the user writes, if it is still at `revision`.
    pub async fn save_report_narrative(
        &self,
        user: &CurrentUser,
        id: Uuid,
        revision: i32,
        narrative: &Narrative,
    ) -> Result<()> {
        let row = self.writable_report(user, id).await?;
        if row.status.0 == ReportStatus::Final {
            return Err(CaseError::NotNow(FINAL_IS_FROZEN));
        }
        let saved = db::reports::save_narrative(
            &self.pool,
            id,
            revision,
            narrative,
            user.id,
            self.clock.now(),
        )
        .await?;
        if saved {
            Ok(())
        } else {
            Err(self.why_not_saved(id).await)
        }
    }

    /// Why a statement that named a draft's revision changed nothing.
    async fn why_not_saved(&self, id: Uuid) -> CaseError {
        match db::reports::by_id(&self.pool, id).await {
            Ok(Some(r)) if r.status.0 == ReportStatus::Final => CaseError::NotNow(FINAL_IS_FROZEN),
            Ok(_) => CaseError::NotNow(CHANGED_MEANWHILE),
            Err(e) => e.into(),
        }
    }

    /// Finalises a draft the user writes (at `revision`) once its period is over: its figures
    /// of now are stored, with who finalised it and when, and it never changes again.
    pub async fn finalise_report(&self, user: &CurrentUser, id: Uuid, revision: i32) -> Result<()> {
        let row = self.writable_report(user, id).await?;
        if row.status.0 == ReportStatus::Final {
            return Err(CaseError::NotNow(FINAL_IS_FROZEN));
        }
        let period = Period::starting(row.kind.0, row.period_start)
            .ok_or_else(|| anyhow::anyhow!("report {id} has no calendar period"))?;
        if !period.is_over(self.today()) {
            return Err(CaseError::NotNow(
                "Periode laporan ini belum berakhir; laporan dapat difinalkan mulai hari \
                 setelah akhir periodenya.",
            ));
        }
        let figures = self.figures_of(&row, &period).await?;
        let stored = serde_json::to_value(&figures).map_err(anyhow::Error::from)?;
        let mut tx = self.pool.begin().await?;
        let done = db::reports::finalise(
            &mut *tx,
            id,
            revision,
            &stored,
            user.id,
            figures.computed_at,
        )
        .await?;
        if !done {
            drop(tx);
            return Err(self.why_not_saved(id).await);
        }
        let detail = json!({"version": row.version, "period": period.code()});
        db::audit::record(
            &mut *tx,
            Some(user.id),
            "report.finalise",
            Some(&id.to_string()),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens the next version of a final report the user writes, giving the reason; the new
    /// draft's id. The final stays as it is, readable; the draft starts from its narrative.
    pub async fn reopen_report(&self, user: &CurrentUser, id: Uuid, reason: &str) -> Result<Uuid> {
        let row = self.writable_report(user, id).await?;
        let reason = report::parse_reason(reason).map_err(|e| CaseError::Invalid(vec![e]))?;
        if row.status.0 != ReportStatus::Final {
            return Err(CaseError::NotNow(
                "Hanya laporan final yang dapat dibuka versi barunya; draf ini masih dapat diubah.",
            ));
        }
        let new = NewReport {
            kind: row.kind.0,
            hospital_id: row.hospital_id,
            period_start: row.period_start,
            period_end: row.period_end,
            version: row.version + 1,
            reopen_reason: Some(&reason),
            narrative: &row.narrative(),
            by: user.id,
            at: self.clock.now(),
        };
        let mut tx = self.pool.begin().await?;
        let Some(new_id) = db::reports::insert(&mut *tx, &new).await? else {
            return Err(CaseError::NotNow(
                "Versi yang lebih baru dari laporan ini sudah ada; bukalah dari daftar versi.",
            ));
        };
        let detail = json!({"from": id, "version": new.version});
        db::audit::record(
            &mut *tx,
            Some(user.id),
            "report.reopen",
            Some(&new_id.to_string()),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(new_id)
    }

    /// Records a download of a report in the export log (who, when, which report and version,
    /// which format and table, how many rows).
    pub async fn record_report_download(
        &self,
        user: &CurrentUser,
        view: &ReportView,
        download: Download<'_>,
    ) -> Result<()> {
        let detail = json!({
            "report_id": view.row.id,
            "version": view.row.version,
            "kind": view.kind.as_str(),
            "period": view.period.code(),
            "table": download.table,
        });
        self.log_export(user, "report", download.format, &detail)
            .await?;
        db::exports::record(
            &self.pool,
            &ExportRecord {
                user_id: user.id,
                at: self.clock.now(),
                what: "report",
                format: download.format,
                row_count: download.rows as i64,
                completed: true,
                detail,
            },
        )
        .await?;
        Ok(())
    }
}
