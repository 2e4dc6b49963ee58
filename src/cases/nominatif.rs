//! The daftar nominatif (docs/domain.md, "Daftar nominatif"): Dinkes prov builds a batch of
//! eligible beneficiaries for a period, adds and removes cases while it is a draft, records the
//! Governor's decree (which closes it) or cancels it with a reason. Pages and the API call the
//! same operations; who may do what is [`crate::access`]'s `NOMINATIF_*` lists, checked here
//! again.
//!
//! Personal data: the decree annex names each beneficiary with the full NIK and KK number —
//! that is its purpose (the decree sets *these* people as beneficiaries), so the roles that
//! export it (`dinkes_prov`, and `dinkes_kab` for the cases of its kab/kota) get them in full in
//! the annex itself: the print page and the XLSX file. On the screens (the batch page and
//! `GET /api/v1/nominatif/{id}`) NIK and KK are masked for every role, as everywhere else
//! (`cases::policy`); `tim` sees no KK and no address and cannot export or print. Every read
//! of a batch's cases goes to the case access log (a print or XLSX file as an `export` of each
//! case); every export or print also to the export log (`what = "nominatif"`, the batch id as
//! detail, never personal data).

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use futures_util::TryStreamExt;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::access::Access;
use super::error::CaseError;
use super::service::{CaseService, Result};
use super::{Scope, Visibility, mask};
use crate::access;
use crate::auth::CurrentUser;
use crate::db::access_log::AccessKind;
use crate::db::exports::{self, ExportRecord};
use crate::db::nominatif::{self as db_nominatif, AnnexRow, BatchRow, Candidate};
use crate::db::{self, audit};
use crate::domain::action::FieldError;
use crate::domain::nominatif::{
    Basis, BatchRequest, BatchStatus, batch_number, parse_cancel_reason, parse_decree, payer_name,
};
use crate::domain::{Payer, Role, Sex, locale};

/// How many candidates a draft's page offers at once.
const CANDIDATES_SHOWN: i64 = 500;

/// A batch as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub id: Uuid,
    /// `DN-2026-001`.
    pub number: String,
    /// `jaminan_sementara` / `pbpu_pemda`.
    pub basis: String,
    pub basis_label: &'static str,
    /// `pemprov` / `pemkab_asal`; `null`: every payer.
    pub payer: Option<String>,
    pub payer_label: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `draft` / `closed` / `cancelled`.
    pub status: String,
    pub status_label: &'static str,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Nomor Keputusan Gubernur, once recorded.
    pub decree_number: Option<String>,
    pub decree_date: Option<NaiveDate>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Beneficiaries in the reader's scope (all of them for provincial roles).
    pub rows: i64,
}

impl BatchView {
    fn new(b: BatchRow, rows: i64) -> BatchView {
        let basis = b.basis.parse::<Basis>().unwrap_or(Basis::JaminanSementara);
        let status = b
            .status
            .parse::<BatchStatus>()
            .unwrap_or(BatchStatus::Draft);
        let payer_label = b
            .payer
            .as_deref()
            .and_then(|p| p.parse::<Payer>().ok())
            .map_or("Semua penanggung", |p| p.label());
        BatchView {
            id: b.id,
            number: b.number,
            basis: b.basis,
            basis_label: basis.label(),
            payer: b.payer,
            payer_label,
            period_start: b.period_start,
            period_end: b.period_end,
            status: b.status,
            status_label: status.label(),
            created_by: b.created_by_name,
            created_at: b.created_at,
            decree_number: b.decree_number,
            decree_date: b.decree_date,
            closed_at: b.closed_at,
            cancel_reason: b.cancel_reason,
            cancelled_at: b.cancelled_at,
            rows,
        }
    }

    /// Whether cases can still be added, removed, the decree recorded or the batch cancelled.
    pub fn is_draft(&self) -> bool {
        self.status == BatchStatus::Draft.as_str()
    }

    /// The basis, typed.
    pub fn basis(&self) -> Basis {
        self.basis.parse().unwrap_or(Basis::JaminanSementara)
    }

    /// "01-11-2026 s.d. 30-11-2026".
    pub fn period_text(&self) -> String {
        format!(
            "{} s.d. {}",
            locale::date(self.period_start),
            locale::date(self.period_end)
        )
    }
}

/// One beneficiary as the reader may see it (one annex row): the row, with NIK and KK masked
/// but in the annex itself, the KK number and address left out for `tim`, and what the annex
/// prints of its codes.
#[derive(Debug, Clone, Serialize)]
pub struct AnnexLine {
    /// "No." of the annex, from 1.
    pub no: usize,
    #[serde(flatten)]
    pub row: AnnexRow,
    pub sex_label: &'static str,
    /// "Pemerintah Provinsi NTT (APBD)", "Pemerintah Kabupaten Sikka" …
    pub payer_name: String,
    /// True when the case was withdrawn or rejected after it was added (a draft must drop it
    /// before the decree is recorded).
    pub no_longer_eligible: bool,
}

impl AnnexLine {
    /// The line of `row` as `vis` may see it on `sheet`: NIK and KK masked on the screen (the
    /// page and the API), in full only in the decree annex of those who export it
    /// ([`Visibility::annex`]); KK and address only for the roles that see them.
    fn new(no: usize, mut row: AnnexRow, vis: Visibility, sheet: Sheet) -> AnnexLine {
        let full = sheet == Sheet::Annex && vis.annex;
        if !full {
            row.nik = row.nik.as_deref().map(mask);
            row.kk_number = row.kk_number.as_deref().map(mask);
        }
        if !vis.kk {
            row.kk_number = None;
        }
        if !vis.address {
            row.address = None;
        }
        let payer = row.payer.as_deref().and_then(|p| p.parse::<Payer>().ok());
        AnnexLine {
            no,
            sex_label: row.sex.parse::<Sex>().map_or("—", |s| s.label()),
            payer_name: payer_name(payer, &row.kab_kota_name),
            no_longer_eligible: matches!(row.case_state.as_str(), "withdrawn" | "rejected"),
            row,
        }
    }

    /// "01-11-2026 s.d. 30-11-2026", an open end as "berakhirnya jaminan".
    pub fn guarantee_period(&self) -> String {
        match (self.row.guarantee_start, self.row.guarantee_end) {
            (Some(s), Some(e)) => format!("{} s.d. {}", locale::date(s), locale::date(e)),
            (Some(s), None) => format!("{} s.d. terbit kepesertaan JKN", locale::date(s)),
            _ => "—".into(),
        }
    }
}

/// Where annex lines are shown: what decides whether NIK and KK are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheet {
    /// The batch page and the API: masked like every other screen.
    Screen,
    /// The decree annex itself (print page, XLSX): the full numbers the decree needs.
    Annex,
}

/// A batch with its beneficiaries in the reader's scope.
#[derive(Debug, Clone, Serialize)]
pub struct BatchDetail {
    pub batch: BatchView,
    /// `null` for provincial roles; the kab/kota name for `dinkes_kab` (only its cases).
    pub scope: Option<String>,
    pub lines: Vec<AnnexLine>,
    /// Eligible cases not in any batch, for a draft, to Dinkes prov only.
    #[serde(skip)]
    pub candidates: Vec<Candidate>,
}

/// Why a batch is read: what gets logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The batch page: the read is logged per case.
    Page,
    /// The print page (the decree annex): exporters only; logged as an export `print`.
    Print,
    /// `GET /api/v1/nominatif/{id}`: logged per case and as an export `json`.
    Api,
}

/// An XLSX file ready to send; the temporary file is removed when this is dropped.
pub struct XlsxFile {
    pub file: tempfile::NamedTempFile,
    /// `daftar-nominatif-DN-2026-001.xlsx`: no personal data.
    pub filename: String,
    pub rows: i64,
}

/// A refusal about the batch as it is now.
fn conflict(message: impl Into<String>) -> CaseError {
    CaseError::Conflict(message.into())
}

const NOT_DRAFT: &str =
    "Daftar nominatif ini sudah ditetapkan atau dibatalkan; isinya tidak dapat diubah lagi.";

/// The kab/kota a reader is limited to (`None`: every case), or refused.
fn reader_scope(user: &CurrentUser, roles: &[Role]) -> Result<Option<String>> {
    if !roles.contains(&user.role) {
        return Err(CaseError::NotYourAction);
    }
    match Scope::of(user) {
        Scope::All => Ok(None),
        Scope::KabKota(k) => Ok(Some(k)),
        Scope::Hospital(_) | Scope::Nothing => Err(CaseError::NotYourAction),
    }
}

/// A batch locked for the rest of the transaction, refused unless it is a draft.
async fn lock_draft(conn: &mut PgConnection, id: Uuid) -> Result<BatchRow> {
    let batch = db_nominatif::lock(conn, id)
        .await?
        .ok_or(CaseError::NotFound)?;
    if batch.status != BatchStatus::Draft.as_str() {
        return Err(conflict(NOT_DRAFT));
    }
    Ok(batch)
}

/// The audit row of a change to batch `id` (`detail`: numbers and ids, nothing personal).
async fn log_change(
    conn: &mut PgConnection,
    user: &CurrentUser,
    event: &str,
    id: Uuid,
    detail: serde_json::Value,
) -> Result<()> {
    audit::record(conn, Some(user.id), event, Some(&id.to_string()), detail).await?;
    Ok(())
}

/// A cancelled batch is no annex of anything: it is neither exported nor printed.
fn refuse_cancelled_export(batch: &BatchRow) -> Result<()> {
    if batch.status == BatchStatus::Cancelled.as_str() {
        return Err(conflict(
            "Daftar nominatif ini dibatalkan; lampirannya tidak dapat diunduh atau dicetak.",
        ));
    }
    Ok(())
}

fn require_builder(user: &CurrentUser) -> Result<()> {
    if access::NOMINATIF_BUILDERS.contains(&user.role) {
        Ok(())
    } else {
        Err(CaseError::NotYourAction)
    }
}

impl CaseService {
    /// Every batch, newest first, with the number of its cases in the reader's scope.
    pub async fn nominatif_list(&self, user: &CurrentUser) -> Result<Vec<BatchView>> {
        let kab = reader_scope(user, access::NOMINATIF_READERS)?;
        Ok(db_nominatif::list(&self.pool, kab.as_deref())
            .await?
            .into_iter()
            .map(|s| BatchView::new(s.batch, s.rows))
            .collect())
    }

    /// A batch with its beneficiaries as the reader may see them; the read is logged.
    pub async fn nominatif_detail(
        &self,
        user: &CurrentUser,
        id: Uuid,
        reading: Reading,
    ) -> Result<BatchDetail> {
        let roles = match reading {
            Reading::Print => access::NOMINATIF_EXPORTERS,
            Reading::Page | Reading::Api => access::NOMINATIF_READERS,
        };
        let kab = reader_scope(user, roles)?;
        let batch = db_nominatif::by_id(&self.pool, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        if reading == Reading::Print {
            refuse_cancelled_export(&batch)?;
        }
        let vis = Visibility::of(user.role);
        let sheet = match reading {
            Reading::Print => Sheet::Annex,
            Reading::Page | Reading::Api => Sheet::Screen,
        };
        let lines: Vec<AnnexLine> = db_nominatif::rows(&self.pool, id, kab.as_deref())
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .enumerate()
            .map(|(i, r)| AnnexLine::new(i + 1, r, vis, sheet))
            .collect();
        let now = self.clock.now();
        let via = if reading == Reading::Api {
            "api"
        } else {
            "web"
        };
        let mut tx = self.pool.begin().await?;
        // The annex with full numbers is an export of each case; the masked screens a read.
        let kind = match sheet {
            Sheet::Annex => AccessKind::Export,
            Sheet::Screen => AccessKind::Read,
        };
        let access = Access {
            kind: Some(kind),
            what: "nominatif",
            ..Access::default()
        };
        let reader = super::access::entry(user, via, now, &access);
        db_nominatif::log_reads(&mut *tx, id, kab.as_deref(), &reader).await?;
        let format = match reading {
            Reading::Page => None,
            Reading::Print => Some("print"),
            Reading::Api => Some("json"),
        };
        if let Some(format) = format {
            self.log_export(user, "nominatif", format, &json!({"batch_id": id}))
                .await?;
            exports::record(
                &mut *tx,
                &ExportRecord {
                    user_id: user.id,
                    at: now,
                    what: "nominatif",
                    format,
                    row_count: lines.len() as i64,
                    completed: true,
                    detail: json!({"batch_id": id}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        let candidates = if batch.status == BatchStatus::Draft.as_str()
            && access::NOMINATIF_BUILDERS.contains(&user.role)
        {
            db_nominatif::candidates(
                &self.pool,
                &batch.basis,
                batch.payer.as_deref(),
                batch.period_start,
                batch.period_end,
                CANDIDATES_SHOWN,
            )
            .await?
        } else {
            vec![]
        };
        let scope = match &kab {
            Some(code) => Some(
                db::reference::list_kab_kota(&self.pool)
                    .await?
                    .into_iter()
                    .find(|k| &k.code == code)
                    .map_or_else(|| code.clone(), |k| k.name),
            ),
            None => None,
        };
        Ok(BatchDetail {
            batch: BatchView::new(batch, lines.len() as i64),
            scope,
            lines,
            candidates,
        })
    }

    /// Builds a draft batch of every eligible case of `req`: refused (a field error on the
    /// period) when there is none. Two builds at once never list a case twice.
    pub async fn build_batch(&self, user: &CurrentUser, req: &BatchRequest) -> Result<Uuid> {
        require_builder(user)?;
        let now = self.clock.now();
        let year = self.today().year();
        let mut tx = self.pool.begin().await?;
        let seq = db_nominatif::next_number(&mut tx, year).await?;
        let number = batch_number(year, seq);
        let id = db_nominatif::insert(
            &mut tx,
            &db_nominatif::NewBatch {
                number: &number,
                basis: req.basis.as_str(),
                payer: req.payer.map(|p| p.as_str()),
                period_start: req.period_start,
                period_end: req.period_end,
                created_by: user.id,
                created_at: now,
            },
        )
        .await?;
        let added = db_nominatif::add_eligible(&mut tx, id, None, user.id, now).await?;
        if added.is_empty() {
            // Dropping the transaction rolls the batch and its number back.
            return Err(CaseError::field(
                "period_start",
                format!(
                    "Tidak ada kasus yang memenuhi syarat ({}) pada periode {} s.d. {} yang belum \
                     masuk daftar nominatif lain.",
                    req.basis.label().to_lowercase(),
                    locale::date(req.period_start),
                    locale::date(req.period_end)
                ),
            ));
        }
        log_change(
            &mut tx,
            user,
            "nominatif_build",
            id,
            json!({"number": number, "basis": req.basis.as_str(), "cases": added.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds cases to a draft batch, all or none: each must be eligible for the batch and in no
    /// other batch (a conflict naming the batch that holds it otherwise).
    pub async fn add_to_batch(
        &self,
        user: &CurrentUser,
        id: Uuid,
        case_ids: &[Uuid],
    ) -> Result<usize> {
        require_builder(user)?;
        if case_ids.is_empty() {
            return Err(CaseError::field(
                "case_id",
                "Pilih minimal satu kasus untuk ditambahkan.",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let batch = lock_draft(&mut tx, id).await?;
        let added = db_nominatif::add_eligible(&mut tx, id, Some(case_ids), user.id, now).await?;
        let missing: Vec<Uuid> = case_ids
            .iter()
            .copied()
            .filter(|c| !added.contains(c))
            .collect();
        if !missing.is_empty() {
            drop(tx);
            let reasons: Vec<String> = db_nominatif::holders(&self.pool, &missing)
                .await?
                .into_iter()
                .map(|(case, holder)| match holder {
                    Some(b) if b == batch.number => {
                        format!("Kasus {case} sudah ada di daftar ini.")
                    }
                    Some(b) => format!(
                        "Kasus {case} sudah ada di daftar nominatif {b}; satu kasus hanya boleh \
                         berada di satu daftar yang aktif."
                    ),
                    None => format!(
                        "Kasus {case} tidak memenuhi syarat daftar ini (dasar atau periode \
                         berbeda, atau kasusnya dicabut/ditolak)."
                    ),
                })
                .collect();
            if reasons.is_empty() {
                return Err(CaseError::NotFound);
            }
            return Err(conflict(reasons.join(" ")));
        }
        log_change(
            &mut tx,
            user,
            "nominatif_add",
            id,
            json!({"number": batch.number, "cases": added.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(added.len())
    }

    /// Removes a case from a draft batch.
    pub async fn remove_from_batch(
        &self,
        user: &CurrentUser,
        id: Uuid,
        case_id: Uuid,
    ) -> Result<()> {
        require_builder(user)?;
        let mut tx = self.pool.begin().await?;
        let batch = lock_draft(&mut tx, id).await?;
        if !db_nominatif::remove(&mut tx, id, case_id).await? {
            return Err(CaseError::NotFound);
        }
        log_change(
            &mut tx,
            user,
            "nominatif_remove",
            id,
            json!({"number": batch.number, "case_id": case_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the Governor's decree on a draft batch and closes it: the annex rows are copied
    /// as they are now, and the batch is read-only from then on.
    pub async fn record_decree(
        &self,
        user: &CurrentUser,
        id: Uuid,
        number: &str,
        date: &str,
    ) -> Result<()> {
        require_builder(user)?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let batch = lock_draft(&mut tx, id).await?;
        let decree = parse_decree(number, date, batch.period_start, self.today())
            .map_err(CaseError::Invalid)?;
        let dropped = db_nominatif::no_longer_eligible(&mut tx, id).await?;
        if !dropped.is_empty() {
            return Err(conflict(format!(
                "Kasus {} sudah dicabut atau ditolak sejak dimasukkan; keluarkan dari daftar \
                 sebelum mencatat keputusan.",
                dropped.join(", ")
            )));
        }
        let rows = db_nominatif::freeze_annex(&mut tx, id).await?;
        if rows == 0 {
            return Err(conflict(
                "Daftar ini kosong; tambahkan kasus atau batalkan daftar.",
            ));
        }
        match db_nominatif::close(&mut tx, id, &decree.number, decree.date, user.id, now).await {
            Ok(true) => {}
            Ok(false) => return Err(conflict(NOT_DRAFT)),
            Err(e) if db::is_constraint(&e, "nominatif_batches_decree_key") => {
                return Err(CaseError::Invalid(vec![FieldError {
                    field: "decree_number",
                    message: "Nomor Keputusan Gubernur ini sudah dicatat pada daftar nominatif \
                              lain; periksa kembali nomornya."
                        .into(),
                }]));
            }
            Err(e) => return Err(e.into()),
        }
        log_change(
            &mut tx,
            user,
            "nominatif_decree",
            id,
            json!({"number": batch.number, "rows": rows}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cancels a draft batch with a reason; its cases can go into another batch.
    pub async fn cancel_batch(&self, user: &CurrentUser, id: Uuid, reason: &str) -> Result<()> {
        require_builder(user)?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let batch = lock_draft(&mut tx, id).await?;
        let reason = parse_cancel_reason(reason).map_err(|e| CaseError::Invalid(vec![e]))?;
        if !db_nominatif::cancel(&mut tx, id, &reason, user.id, now).await? {
            return Err(conflict(NOT_DRAFT));
        }
        log_change(
            &mut tx,
            user,
            "nominatif_cancel",
            id,
            json!({"number": batch.number}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The decree annex as an XLSX workbook in a temporary file (constant memory: rows are
    /// streamed from PostgreSQL into the sheet), recorded in the export log with its row count.
    pub async fn nominatif_xlsx(&self, user: &CurrentUser, id: Uuid) -> Result<XlsxFile> {
        let kab = reader_scope(user, access::NOMINATIF_EXPORTERS)?;
        let batch = db_nominatif::by_id(&self.pool, id)
            .await?
            .ok_or(CaseError::NotFound)?;
        refuse_cancelled_export(&batch)?;
        let batch = BatchView::new(batch, 0);
        let mut book = AnnexWorkbook::new(&batch).map_err(xlsx_error)?;
        let mut rows = db_nominatif::rows(&self.pool, id, kab.as_deref());
        let mut count: usize = 0;
        while let Some(row) = rows.try_next().await? {
            count += 1;
            book.write(
                count,
                &AnnexLine::new(count, row, Visibility::of(user.role), Sheet::Annex),
            )
            .map_err(xlsx_error)?;
        }
        drop(rows);
        let file = tokio::task::spawn_blocking(move || book.save())
            .await
            .map_err(|e| CaseError::Internal(e.into()))?
            .map_err(CaseError::Internal)?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        // Every case of the file, full numbers and all, in the access log.
        let access = Access {
            kind: Some(AccessKind::Export),
            what: "nominatif",
            ..Access::default()
        };
        let reader = super::access::entry(user, "web", now, &access);
        db_nominatif::log_reads(&mut *tx, id, kab.as_deref(), &reader).await?;
        self.log_export(user, "nominatif", "xlsx", &json!({"batch_id": id}))
            .await?;
        exports::record(
            &mut *tx,
            &ExportRecord {
                user_id: user.id,
                at: now,
                what: "nominatif",
                format: "xlsx",
                row_count: count as i64,
                completed: true,
                detail: json!({"batch_id": id}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(XlsxFile {
            file,
            filename: format!("daftar-nominatif-{}.xlsx", batch.number),
            rows: count as i64,
        })
    }
}

fn xlsx_error(e: XlsxError) -> CaseError {
    CaseError::Internal(e.into())
}

/// Columns of the annex, in order (header text, width in characters).
const COLUMNS: &[(&str, f64)] = &[
    ("No.", 5.0),
    ("Nama", 28.0),
    ("NIK", 19.0),
    ("No. KK", 19.0),
    ("Jenis kelamin", 12.0),
    ("Tanggal lahir", 12.0),
    ("Alamat", 34.0),
    ("Kabupaten/Kota", 18.0),
    ("Rumah sakit", 30.0),
    ("Masa jaminan mulai", 12.0),
    ("Masa jaminan selesai", 12.0),
    ("Penanggung biaya", 30.0),
];
/// The row of the column headers (0-based); the title lines are above it.
pub const HEADER_ROW: u32 = 4;

/// The decree annex being written: a constant-memory worksheet (each row goes to a temporary
/// file as it is written), NIK and KK as text, dates as Excel dates, "No." as a number.
struct AnnexWorkbook {
    book: Workbook,
    text: Format,
    date: Format,
    number: Format,
}

impl AnnexWorkbook {
    fn new(batch: &BatchView) -> std::result::Result<AnnexWorkbook, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_border(FormatBorder::Thin)
            .set_background_color("#F3F5F7");
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name("Daftar nominatif")?;
        sheet.set_landscape();
        // 9: A4.
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        sheet.set_footer("&CHalaman &P dari &N");
        for (col, (_, width)) in COLUMNS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        sheet.write_string_with_format(
            0,
            0,
            format!(
                "DAFTAR NOMINATIF {}",
                batch.basis().annex_subject().to_uppercase()
            ),
            &bold,
        )?;
        sheet.write_string(
            1,
            0,
            format!(
                "Nomor daftar: {} · Periode: {} · Penanggung biaya: {}",
                batch.number,
                batch.period_text(),
                batch.payer_label
            ),
        )?;
        let decree = match (&batch.decree_number, batch.decree_date) {
            (Some(n), Some(d)) => format!(
                "Lampiran Keputusan Gubernur Nusa Tenggara Timur Nomor {n} tanggal {}",
                locale::date(d)
            ),
            _ => format!(
                "{} — belum ditetapkan dengan Keputusan Gubernur",
                batch.status_label
            ),
        };
        sheet.write_string(2, 0, decree)?;
        for (col, (title, _)) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(HEADER_ROW, col as u16, *title, &header)?;
        }
        Ok(AnnexWorkbook {
            book,
            text: Format::new().set_text_wrap(),
            date: Format::new().set_num_format("dd-mm-yyyy"),
            number: Format::new().set_num_format("0"),
        })
    }

    /// Writes the `n`-th beneficiary (from 1) below the header.
    fn write(&mut self, n: usize, line: &AnnexLine) -> std::result::Result<(), XlsxError> {
        let row = HEADER_ROW + n as u32;
        let sheet = self.book.worksheet_from_index(0)?;
        sheet.write_number_with_format(row, 0, line.no as f64, &self.number)?;
        sheet.write_string_with_format(row, 1, &line.row.full_name, &self.text)?;
        // NIK and KK are text: 16 digits do not fit a spreadsheet number. Missing values stay
        // blank cells.
        if let Some(nik) = &line.row.nik {
            sheet.write_string(row, 2, nik)?;
        }
        if let Some(kk) = &line.row.kk_number {
            sheet.write_string(row, 3, kk)?;
        }
        sheet.write_string(row, 4, line.sex_label)?;
        sheet.write_datetime_with_format(row, 5, line.row.birth_date, &self.date)?;
        if let Some(address) = &line.row.address {
            sheet.write_string_with_format(row, 6, address, &self.text)?;
        }
        sheet.write_string(row, 7, &line.row.kab_kota_name)?;
        sheet.write_string_with_format(row, 8, &line.row.hospital_name, &self.text)?;
        if let Some(s) = line.row.guarantee_start {
            sheet.write_datetime_with_format(row, 9, s, &self.date)?;
        }
        if let Some(e) = line.row.guarantee_end {
            sheet.write_datetime_with_format(row, 10, e, &self.date)?;
        }
        sheet.write_string_with_format(row, 11, &line.payer_name, &self.text)?;
        Ok(())
    }

    /// Saves the workbook into a temporary file (blocking: call it off the async threads).
    fn save(mut self) -> anyhow::Result<tempfile::NamedTempFile> {
        let mut file = tempfile::Builder::new()
            .prefix("merajut-export-")
            .suffix(".xlsx")
            .tempfile()?;
        self.book.save_to_writer(file.as_file_mut())?;
        file.as_file_mut().flush()?;
        Ok(file)
    }
}
