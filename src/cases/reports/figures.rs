//! The figures of a report (Pergub BAB III C.2): beneficiary patients per service type and per
//! kab/kota of origin, realised financing (paid claims) per payer, kab/kota and hospital, and
//! the time at each desk. Computed for the report's own scope (a hospital, or the province)
//! from the same sources as the monitoring pages — `db::milestones` for guarantees and
//! handovers, `db::claims::realised` for paid claims, and the bottleneck module for the time
//! per desk — never from a calculation of their own. A final report keeps them as JSON
//! ([`ReportFigures`] is what is stored), with the definitions it was computed under.
//!
//! [`Table`] is one table of a report as typed cells; the page, the print view, the XLSX
//! workbook and the CSV files are all written from the same tables.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cases::Scope;
use crate::cases::bottleneck::{DeskTime, period_instants};
use crate::cases::service::{CaseService, Result};
use crate::db;
use crate::db::claims::RealisedFilter;
use crate::db::figures::GroupBy;
use crate::domain::report::{
    BENEFICIARY_DEFINITION, DESK_TIME_DEFINITION, FINANCING_DEFINITION, Period,
};
use crate::domain::{Rupiah, ServiceType, locale, money};

/// The version of the stored JSON's shape, for readers of old final reports.
pub const SCHEMA: u32 = 1;

/// Every figure of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFigures {
    /// The shape of this JSON ([`SCHEMA`]).
    pub schema: u32,
    /// When the figures were computed (for a final report: when it was finalised).
    pub computed_at: DateTime<Utc>,
    /// Whose cases: a hospital's name, or the province.
    pub scope: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Who counts as a beneficiary, as the report states it.
    pub beneficiary_definition: String,
    /// Cases given a temporary guarantee in the period (the beneficiaries).
    pub beneficiaries: i64,
    /// Cases handed over to national insurance in the period.
    pub handed_over: i64,
    /// Per service type, every type listed (zero when none).
    pub service_types: Vec<ServiceLine>,
    /// Per kab/kota of the patient's domicile, those with a case only.
    pub origins: Vec<OriginLine>,
    pub financing_definition: String,
    pub financing: Financing,
    pub desk_time_definition: String,
    /// Working days at each desk, in workflow order.
    pub time_per_desk: Vec<DeskLine>,
}

/// Beneficiaries of one service type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLine {
    /// `igd`, `rawat_inap`, `rawat_jalan`.
    pub code: String,
    pub label: String,
    pub guaranteed: i64,
    pub handed_over: i64,
}

/// Beneficiaries from one kab/kota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginLine {
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub guaranteed: i64,
    pub handed_over: i64,
}

/// Realised financing: paid claims by payment date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Financing {
    /// Payer × kab/kota of origin × hospital.
    pub lines: Vec<RealisedLine>,
    /// Per payer, every payer listed (zero when none).
    pub per_payer: Vec<PayerLine>,
    pub claims: i64,
    pub amount_paid: Rupiah,
}

/// Paid claims of one payer, kab/kota of origin and hospital.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealisedLine {
    /// `pemprov` or `pemkab_asal`.
    pub payer: String,
    pub payer_label: String,
    pub kab_kota_code: String,
    pub kab_kota_name: String,
    pub hospital_code: String,
    pub hospital_name: String,
    pub claims: i64,
    pub amount_paid: Rupiah,
}

/// Paid claims of one payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerLine {
    pub payer: String,
    pub label: String,
    pub claims: i64,
    pub amount_paid: Rupiah,
}

/// Working days at one desk (from [`DeskTime`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskLine {
    /// The state (desk) code.
    pub state: String,
    pub desk: String,
    pub stays: i64,
    pub median_days: f64,
    pub p90_days: f64,
}

impl From<DeskTime> for DeskLine {
    fn from(d: DeskTime) -> DeskLine {
        DeskLine {
            state: d.state.to_string(),
            desk: d.desk,
            stays: d.stays as i64,
            median_days: d.median_days,
            p90_days: d.p90_days,
        }
    }
}

impl CaseService {
    /// The figures of `period` for a hospital's recap (`hospital`) or the province (`None`),
    /// as of now.
    pub async fn report_figures(
        &self,
        hospital: Option<(Uuid, &str)>,
        period: &Period,
    ) -> Result<ReportFigures> {
        let scope = hospital.map_or(Scope::All, |(id, _)| Scope::Hospital(id));
        period_instants(period.start, period.end)?;
        let figures = self
            .desk_figures(
                &scope.filter(),
                (period.start, period.end),
                GroupBy::KabKota,
            )
            .await?;
        let mut service_types: Vec<ServiceLine> = ServiceType::ALL
            .iter()
            .map(|t| ServiceLine {
                code: t.as_str().into(),
                label: t.label().into(),
                guaranteed: 0,
                handed_over: 0,
            })
            .collect();
        for line in &mut service_types {
            if let Some((g, h)) = figures.service_types.get(&line.code) {
                line.guaranteed += g;
                line.handed_over += h;
            }
        }
        let count =
            |hist: &crate::cases::desk_figures::Histogram| hist.values().sum::<u64>() as i64;
        let origins: Vec<OriginLine> = figures
            .milestones
            .iter()
            .map(|(code, cell)| OriginLine {
                kab_kota_code: code.clone(),
                kab_kota_name: cell.name.clone(),
                guaranteed: count(&cell.to_guarantee),
                handed_over: count(&cell.to_handover),
            })
            .collect();
        // The desks of every kab/kota together: one read of the figures serves both tables.
        let time_per_desk = crate::cases::bottleneck::per_desk(&figures.ungrouped())
            .into_iter()
            .map(DeskLine::from)
            .collect();
        Ok(ReportFigures {
            schema: SCHEMA,
            computed_at: self.clock.now(),
            scope: hospital.map_or_else(
                || "Provinsi Nusa Tenggara Timur".to_string(),
                |(_, name)| name.to_string(),
            ),
            period_start: period.start,
            period_end: period.end,
            beneficiary_definition: BENEFICIARY_DEFINITION.into(),
            beneficiaries: service_types.iter().map(|l| l.guaranteed).sum(),
            handed_over: service_types.iter().map(|l| l.handed_over).sum(),
            service_types,
            origins,
            financing_definition: FINANCING_DEFINITION.into(),
            financing: self
                .realised_financing(hospital.map(|(id, _)| id), period)
                .await?,
            desk_time_definition: DESK_TIME_DEFINITION.into(),
            time_per_desk,
        })
    }

    /// The paid claims of the period (by payment date), with names.
    async fn realised_financing(
        &self,
        hospital_id: Option<Uuid>,
        period: &Period,
    ) -> Result<Financing> {
        let filter = RealisedFilter {
            from: period.start,
            to: period.end,
            hospital_id,
            kab_kota_code: None,
        };
        let rows = db::claims::realised(&self.pool, &filter).await?;
        let kab: BTreeMap<String, String> = db::reference::list_kab_kota(&self.pool)
            .await?
            .into_iter()
            .map(|k| (k.code, k.name))
            .collect();
        let hospitals: BTreeMap<Uuid, (String, String)> = db::reference::list_hospitals(&self.pool)
            .await?
            .into_iter()
            .map(|h| (h.id, (h.code, h.name)))
            .collect();
        let mut per_payer: Vec<PayerLine> = crate::domain::Payer::ALL
            .iter()
            .map(|p| PayerLine {
                payer: p.as_str().into(),
                label: p.label().into(),
                claims: 0,
                amount_paid: Rupiah(0),
            })
            .collect();
        let mut lines = vec![];
        for r in rows {
            if let Some(p) = per_payer.iter_mut().find(|p| p.payer == r.payer.as_str()) {
                p.claims += r.claims;
                p.amount_paid = Rupiah(p.amount_paid.0 + r.amount_paid.0);
            }
            let (hospital_code, hospital_name) =
                hospitals.get(&r.hospital_id).cloned().unwrap_or_default();
            lines.push(RealisedLine {
                payer: r.payer.as_str().into(),
                payer_label: r.payer.label().into(),
                kab_kota_name: kab.get(&r.kab_kota_code).cloned().unwrap_or_default(),
                kab_kota_code: r.kab_kota_code,
                hospital_code,
                hospital_name,
                claims: r.claims,
                amount_paid: r.amount_paid,
            });
        }
        Ok(Financing {
            claims: per_payer.iter().map(|p| p.claims).sum(),
            amount_paid: Rupiah(per_payer.iter().map(|p| p.amount_paid.0).sum()),
            lines,
            per_payer,
        })
    }
}

/// A value in a report table, typed so that every output writes it as what it is: numbers as
/// numbers, dates as dates.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A count (cases, claims, stays, a version).
    Count(i64),
    Money(Rupiah),
    /// Working days, one decimal.
    Days(f64),
    Date(NaiveDate),
    /// An instant, written in WITA.
    Time(DateTime<Utc>),
    /// Nothing (a report not finalised yet has no finalisation time).
    Empty,
}

impl Cell {
    /// Text for a page: `Rp25.000.000`, `3,5`, `30-11-2026`, `05-12-2026 10:00 WITA`.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Money(r) => money::format_rupiah(r.0),
            Cell::Days(d) => locale::decimal(*d),
            Cell::Date(d) => locale::date(*d),
            Cell::Time(t) => locale::time(*t),
            Cell::Empty => "—".into(),
        }
    }

    /// Whether it is a number (right-aligned on a page).
    pub fn is_number(&self) -> bool {
        matches!(self, Cell::Count(_) | Cell::Money(_) | Cell::Days(_))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// One table of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Its code (`?tabel=` of the CSV download, the file name).
    pub key: &'static str,
    /// Its heading.
    pub title: &'static str,
    /// Its worksheet's name (at most 31 characters, no `/`).
    pub sheet: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// The totals, when the table has them.
    pub footer: Option<Vec<Cell>>,
}

impl Table {
    /// The data rows and the totals, as every output writes them.
    pub fn all_rows(&self) -> impl Iterator<Item = &Vec<Cell>> {
        self.rows.iter().chain(self.footer.iter())
    }

    /// Whether column `col` holds numbers (right-aligned on a page, heading included).
    pub fn is_numeric(&self, col: &usize) -> bool {
        self.all_rows()
            .any(|r| r.get(*col).is_some_and(Cell::is_number))
    }
}

/// The figure tables of a report (the summary is built by the caller, which knows the
/// report's status).
pub fn figure_tables(f: &ReportFigures) -> Vec<Table> {
    vec![
        Table {
            key: "layanan",
            title: "Penerima manfaat per jenis layanan",
            sheet: "Jenis layanan",
            columns: vec!["Jenis layanan", "Jaminan disetujui", "Diserahkan ke BPJS"],
            rows: f
                .service_types
                .iter()
                .map(|l| {
                    vec![
                        l.label.as_str().into(),
                        Cell::Count(l.guaranteed),
                        Cell::Count(l.handed_over),
                    ]
                })
                .collect(),
            footer: Some(vec![
                "Jumlah".into(),
                Cell::Count(f.beneficiaries),
                Cell::Count(f.handed_over),
            ]),
        },
        Table {
            key: "asal",
            title: "Penerima manfaat per kabupaten/kota asal",
            sheet: "Kab-Kota asal",
            columns: vec![
                "Kode",
                "Kabupaten/Kota",
                "Jaminan disetujui",
                "Diserahkan ke BPJS",
            ],
            rows: f
                .origins
                .iter()
                .map(|l| {
                    vec![
                        l.kab_kota_code.as_str().into(),
                        l.kab_kota_name.as_str().into(),
                        Cell::Count(l.guaranteed),
                        Cell::Count(l.handed_over),
                    ]
                })
                .collect(),
            footer: Some(vec![
                "Jumlah".into(),
                Cell::Empty,
                Cell::Count(f.beneficiaries),
                Cell::Count(f.handed_over),
            ]),
        },
        Table {
            key: "penanggung",
            title: "Realisasi pembiayaan per penanggung biaya",
            sheet: "Per penanggung",
            columns: vec!["Penanggung biaya", "Klaim dibayar", "Jumlah dibayar (Rp)"],
            rows: f
                .financing
                .per_payer
                .iter()
                .map(|p| {
                    vec![
                        p.label.as_str().into(),
                        Cell::Count(p.claims),
                        Cell::Money(p.amount_paid),
                    ]
                })
                .collect(),
            footer: Some(vec![
                "Jumlah".into(),
                Cell::Count(f.financing.claims),
                Cell::Money(f.financing.amount_paid),
            ]),
        },
        Table {
            key: "pembiayaan",
            title: "Realisasi pembiayaan per penanggung, kabupaten/kota asal dan rumah sakit",
            sheet: "Pembiayaan rinci",
            columns: vec![
                "Penanggung biaya",
                "Kabupaten/Kota asal",
                "Rumah sakit",
                "Klaim dibayar",
                "Jumlah dibayar (Rp)",
            ],
            rows: f
                .financing
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.payer_label.as_str().into(),
                        format!("{} ({})", l.kab_kota_name, l.kab_kota_code).into(),
                        l.hospital_name.as_str().into(),
                        Cell::Count(l.claims),
                        Cell::Money(l.amount_paid),
                    ]
                })
                .collect(),
            footer: Some(vec![
                "Jumlah".into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Count(f.financing.claims),
                Cell::Money(f.financing.amount_paid),
            ]),
        },
        Table {
            key: "meja",
            title: "Waktu per meja (hari kerja)",
            sheet: "Waktu per meja",
            columns: vec!["Meja", "Masa tinggal", "Median", "Persentil 90"],
            rows: f
                .time_per_desk
                .iter()
                .map(|d| {
                    vec![
                        d.desk.as_str().into(),
                        Cell::Count(d.stays),
                        Cell::Days(d.median_days),
                        Cell::Days(d.p90_days),
                    ]
                })
                .collect(),
            footer: None,
        },
    ]
}
