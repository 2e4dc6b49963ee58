//! Exports of the case lists (queue, hospital cases, monitoring) as CSV and XLSX, on the pages
//! and under `/api/v1`: read back with independent readers (the `csv` crate, `calamine`), with
//! the page's scope, filters and NIK masking, refused to roles without the list, and recorded
//! in the export log.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::*;

/// The XLSX media type.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The headers of every case list export, in order.
const HEADERS: [&str; 13] = [
    "No. kasus",
    "Nama pasien",
    "NIK",
    "Kab/Kota asal",
    "Rumah sakit",
    "Status",
    "Meja",
    "Hari kerja di meja",
    "Batas waktu",
    "Terlambat",
    "Tanggal masuk RS",
    "Terdaftar (WITA)",
    "Plafon jaminan",
];

/// A patient name a spreadsheet would run as a formula if written as it is.
const FORMULA_NAME: &str = "=HYPERLINK(\"http://contoh.invalid\",\"klik\")";

/// Five cases registered on Monday 2026-11-23 10:00 WITA, read on Thursday 2026-11-26 (three
/// working days later, no holiday between):
/// - `a` RSUD-WZJ, Kota Kupang, NIK 5371025205900001, named [`FORMULA_NAME`], at NIK check
///   (due Tuesday 24th: overdue);
/// - `b` RSUD-WZJ, Kota Kupang, NIK …0002, guaranteed with a ceiling of Rp15.000.000 (due
///   Monday 30th, five working days);
/// - `c` RSUD-TCH, Sikka, at NIK check; `d` RSUD-WZJ draft; `e` RSUD-TCH draft.
struct Fixture {
    app: TestApp,
    numbers: std::collections::HashMap<char, String>,
}

async fn fixture() -> Fixture {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()).await;
    let kupang = Team::new(&app).await;
    let sikka = Team::at(&app, "RSUD-TCH", "53.10").await;
    let mut formula = intake_serial(1, "53.71");
    formula["full_name"] = Value::from(FORMULA_NAME);
    let a = kupang.case_in(&formula, "nik_check").await;
    let b = kupang
        .case_in(&intake_serial(2, "53.71"), "guaranteed")
        .await;
    let c = sikka.case_in(&intake_serial(3, "53.10"), "nik_check").await;
    let d = kupang.create(&intake_serial(4, "53.71")).await;
    let e = sikka.create(&intake_serial(5, "53.10")).await;
    app.clock.advance(Duration::days(3));
    let mut numbers = std::collections::HashMap::new();
    for (key, id) in [('a', a), ('b', b), ('c', c), ('d', d), ('e', e)] {
        numbers.insert(key, number_of(&app, id).await);
    }
    Fixture { app, numbers }
}

async fn number_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the case number")
}

impl Fixture {
    fn number(&self, key: char) -> &str {
        &self.numbers[&key]
    }

    /// The case numbers of `keys`, sorted.
    fn numbers_of(&self, keys: &str) -> Vec<String> {
        let mut v: Vec<String> = keys.chars().map(|k| self.number(k).to_string()).collect();
        v.sort();
        v
    }
}

/// One row of the export log.
#[derive(Debug)]
pub(crate) struct Logged {
    pub(crate) user_id: Uuid,
    pub(crate) what: String,
    pub(crate) format: String,
    pub(crate) row_count: i64,
    pub(crate) completed: bool,
    pub(crate) detail: Value,
}

pub(crate) async fn export_log(app: &TestApp) -> Vec<Logged> {
    let rows: Vec<(Uuid, String, String, i64, bool, Value)> = sqlx::query_as(
        "SELECT user_id, what, format, row_count, completed, detail FROM export_log ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("the export log");
    rows.into_iter()
        .map(
            |(user_id, what, format, row_count, completed, detail)| Logged {
                user_id,
                what,
                format,
                row_count,
                completed,
                detail,
            },
        )
        .collect()
}

/// A CSV download: checks the BOM and the header line, returns the data records.
fn csv_records(body: &[u8]) -> Vec<csv::StringRecord> {
    csv_table(body, &HEADERS)
}

/// A CSV download of any list: checks the BOM and that the header line is `headers`, returns
/// the data records.
pub(crate) fn csv_table(body: &[u8], expected: &[&str]) -> Vec<csv::StringRecord> {
    let text = body
        .strip_prefix("\u{feff}".as_bytes())
        .expect("a UTF-8 byte-order mark first");
    let mut reader = csv::Reader::from_reader(text);
    let headers = reader.headers().expect("a header line").clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), expected);
    reader
        .records()
        .map(|r| r.expect("a well-formed CSV record"))
        .collect()
}

/// The sorted case numbers (first column) of CSV records.
fn csv_numbers(records: &[csv::StringRecord]) -> Vec<String> {
    let mut v: Vec<String> = records.iter().map(|r| r[0].to_string()).collect();
    v.sort();
    v
}

pub(crate) fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub(crate) async fn download(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (String, Vec<u8>) {
    let response = app.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let disposition = header(&response, "content-disposition");
    let body = response.bytes().await.expect("the file").to_vec();
    (disposition, body)
}

/// A local (WITA) date and hour as a spreadsheet holds it.
pub(crate) fn at(y: i32, m: u32, d: u32, hour: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("a date and hour")
}

/// The value of a calamine date cell.
pub(crate) fn datetime(cell: &Data) -> chrono::NaiveDateTime {
    match cell {
        Data::DateTime(d) => d.as_datetime().expect("a date-time"),
        other => panic!("expected a date cell, found {other:?}"),
    }
}

#[tokio::test]
async fn monitoring_xlsx_keeps_the_types_and_masks_the_nik() {
    // Arrange
    let f = fixture().await;
    let (client, tim) = f.app.signed_in("tim", None).await;

    // Act
    let response = f.app.get(&client, "/pemantauan/unduh?format=xlsx").await;

    // Assert: a file for the program team, named by list and date only.
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), XLSX);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"pemantauan-2026-11-26.xlsx\""
    );
    assert_eq!(header(&response, "cache-control"), "private, no-store");
    let bytes = response.bytes().await.expect("the file").to_vec();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("an XLSX workbook");
    let sheet = book
        .worksheet_range("Pemantauan kasus")
        .expect("the sheet named after the list");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let titles: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(titles, HEADERS);
    assert_eq!(rows.len(), 1 + 5, "every case of NTT, closed or open");
    let row = |key: char| {
        *rows
            .iter()
            .find(|r| r[0] == Data::String(f.number(key).to_string()))
            .unwrap_or_else(|| panic!("case {key}"))
    };

    let b = row('b');
    assert_eq!(b[1], Data::String("Pasien 2".into()));
    // The NIK is text (a number would lose digits), masked for the team as on the page.
    assert_eq!(b[2], Data::String("5371********0002".into()));
    assert_eq!(b[3], Data::String("Kota Kupang".into()));
    assert_eq!(b[4], Data::String(WZJ_NAME.into()));
    assert_eq!(b[5], Data::String("Dijamin sementara".into()));
    assert_eq!(b[6], Data::String("Dinsos".into()));
    // Monday to Thursday: three working days, a number.
    assert_eq!(b[7], Data::Float(3.0));
    // Guaranteed: five working days from Monday 23rd.
    assert_eq!(datetime(&b[8]), at(2026, 11, 30, 0));
    assert_eq!(b[9], Data::Bool(false));
    assert_eq!(datetime(&b[10]), at(2026, 10, 1, 0));
    assert_eq!(datetime(&b[11]), at(2026, 11, 23, 10));
    assert_eq!(b[12], Data::Float(15_000_000.0));

    let a = row('a');
    // The would-be formula is a plain string cell, exactly as typed.
    assert_eq!(a[1], Data::String(FORMULA_NAME.into()));
    assert_eq!(a[2], Data::String("5371********0001".into()));
    assert_eq!(a[5], Data::String("Verifikasi NIK".into()));
    assert_eq!(a[6], Data::String("Disdukcapil".into()));
    // NIK check: one working day, due Tuesday 24th; overdue on Thursday.
    assert_eq!(datetime(&a[8]), at(2026, 11, 24, 0));
    assert_eq!(a[9], Data::Bool(true));
    assert_eq!(a[12], Data::Empty);

    // The header row is bold, frozen and filtered over the whole table.
    let sheet_xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet_xml.contains("ySplit=\"1\""), "{sheet_xml}");
    assert!(
        sheet_xml.contains("<autoFilter ref=\"A1:M6\"/>"),
        "{sheet_xml}"
    );
    assert!(!sheet_xml.contains("<f>"), "no formula anywhere");
    assert!(zip_entry(&bytes, "xl/styles.xml").contains("<b/>"));
    let amount_format = zip_entry(&bytes, "xl/styles.xml");
    assert!(
        amount_format.contains("&quot;Rp&quot;#,##0"),
        "{amount_format}"
    );

    // Recorded: who, what, format, how many rows, completed.
    let log = export_log(&f.app).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].user_id, tim.id);
    assert_eq!(log[0].what, "monitoring");
    assert_eq!(log[0].format, "xlsx");
    assert_eq!(log[0].row_count, 5);
    assert!(log[0].completed);
    assert_eq!(log[0].detail["search"], Value::Bool(false));
}

/// The text of one file inside a zip archive.
fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut file = archive.by_name(name).expect(name);
    let mut text = String::new();
    file.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

#[tokio::test]
async fn monitoring_csv_through_the_api_follows_the_filters_and_guards_formulas() {
    // Arrange
    let f = fixture().await;
    let tim = actor(&f.app, "tim", None).await;

    // Act
    let response = tim
        .get_raw("/api/v1/monitoring/export?format=csv&kab=53.71")
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"pemantauan-2026-11-26.csv\""
    );
    let body = response.bytes().await.expect("the file");
    assert!(
        body.windows(2).filter(|w| w == b"\r\n").count() == 4,
        "CRLF line ends: a header and three rows"
    );
    let records = csv_records(&body);
    assert_eq!(
        csv_numbers(&records),
        f.numbers_of("abd"),
        "Kota Kupang only"
    );
    let row = |key: char| {
        records
            .iter()
            .find(|r| &r[0] == f.number(key))
            .unwrap_or_else(|| panic!("case {key}"))
    };
    let a = row('a');
    // A leading ' keeps a spreadsheet from running the name as a formula.
    assert_eq!(&a[1], format!("'{FORMULA_NAME}"));
    assert_eq!(&a[2], "5371********0001");
    assert_eq!(&a[8], "2026-11-24");
    assert_eq!(&a[9], "Ya");
    assert_eq!(&a[12], "");
    let b = row('b');
    assert_eq!(
        b.iter().skip(1).collect::<Vec<_>>(),
        [
            "Pasien 2",
            "5371********0002",
            "Kota Kupang",
            WZJ_NAME,
            "Dijamin sementara",
            "Dinsos",
            "3",
            "2026-11-30",
            "Tidak",
            "2026-10-01",
            "2026-11-23 10:00",
            "15000000",
        ]
    );
    let log = export_log(&f.app).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (
            log[0].what.as_str(),
            log[0].format.as_str(),
            log[0].row_count
        ),
        ("monitoring", "csv", 3)
    );
    assert!(log[0].completed);
    assert_eq!(log[0].detail["kab"], Value::from("53.71"));
}

#[tokio::test]
async fn the_api_takes_the_format_from_the_accept_header() {
    // Arrange
    let f = fixture().await;
    let tim = actor(&f.app, "tim", None).await;

    // Act
    let csv = tim
        .http
        .get(f.app.url("/api/v1/monitoring/export?state=nik_check"))
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("GET");
    let xlsx = tim
        .http
        .get(f.app.url("/api/v1/monitoring/export"))
        .header("Accept", XLSX)
        .send()
        .await
        .expect("GET");

    // Assert
    assert_eq!(csv.status(), StatusCode::OK);
    let records = csv_records(&csv.bytes().await.expect("CSV"));
    assert_eq!(csv_numbers(&records), f.numbers_of("ac"));
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(header(&xlsx, "content-type"), XLSX);
}

#[tokio::test]
async fn every_export_holds_only_the_users_scope() {
    // Arrange
    let f = fixture().await;
    let (wzj, _) = f.app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (sikka_dinkes, _) = f.app.signed_in("dinkes_kab", Some("53.10")).await;
    let (dukcapil, _) = f.app.signed_in("dukcapil_prov", None).await;

    // Act
    let (disposition, own) = download(&f.app, &wzj, "/kasus-saya/unduh?format=csv").await;
    let (_, queue) = download(&f.app, &wzj, "/antrean/unduh?format=csv").await;
    let (_, watched) = download(&f.app, &sikka_dinkes, "/pemantauan/unduh?format=csv").await;
    let (_, nik_desk) = download(&f.app, &dukcapil, "/antrean/unduh?format=csv").await;

    // Assert: the hospital sees its own cases, its queue its drafts; the kab/kota Dinkes its
    // kab/kota; the provincial NIK desk the NIK checks of every hospital.
    assert_eq!(
        disposition,
        "attachment; filename=\"kasus-rumah-sakit-2026-11-26.csv\""
    );
    assert_eq!(csv_numbers(&csv_records(&own)), f.numbers_of("abd"));
    assert_eq!(csv_numbers(&csv_records(&queue)), f.numbers_of("d"));
    assert_eq!(csv_numbers(&csv_records(&watched)), f.numbers_of("ce"));
    assert_eq!(csv_numbers(&csv_records(&nik_desk)), f.numbers_of("ac"));
    let log = export_log(&f.app).await;
    let whats: Vec<(&str, i64)> = log.iter().map(|l| (l.what.as_str(), l.row_count)).collect();
    assert_eq!(
        whats,
        [
            ("hospital_cases", 3),
            ("queue", 1),
            ("monitoring", 2),
            ("queue", 2)
        ]
    );
}

#[tokio::test]
async fn a_role_without_the_list_is_refused_and_nothing_is_logged() {
    // Arrange
    let f = fixture().await;
    let (tim, _) = f.app.signed_in("tim", None).await;
    let (rsud, _) = f.app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let (admin, _) = f.app.signed_in("admin", None).await;
    let tim_api = actor(&f.app, "tim", None).await;
    let rsud_api = actor(&f.app, "rsud", Some("RSUD-WZJ")).await;
    let anonymous = f.app.client();

    // Act / Assert
    for (client, path) in [
        (&tim, "/antrean/unduh?format=csv"),
        (&tim, "/kasus-saya/unduh?format=xlsx"),
        (&rsud, "/pemantauan/unduh?format=csv"),
        (&admin, "/pemantauan/unduh?format=csv"),
        (&admin, "/antrean/unduh?format=xlsx"),
    ] {
        let response = f.app.get(client, path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let page = response.text().await.expect("page");
        assert_eq!(
            text(&page, "h1").as_deref(),
            Some("Akses ditolak"),
            "{path}"
        );
    }
    assert_redirect(
        &f.app.get(&anonymous, "/pemantauan/unduh?format=csv").await,
        "/masuk",
    );
    tim_api
        .get("/api/v1/queue/export?format=csv")
        .await
        .expect(StatusCode::FORBIDDEN);
    rsud_api
        .get("/api/v1/monitoring/export?format=xlsx")
        .await
        .expect(StatusCode::FORBIDDEN);
    let no_token = reqwest::Client::new()
        .get(f.app.url("/api/v1/monitoring/export?format=csv"))
        .send()
        .await
        .expect("GET");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert!(export_log(&f.app).await.is_empty());
}

#[tokio::test]
async fn the_search_travels_as_its_id_and_is_logged_without_its_words() {
    // Arrange: the team searches a name on the monitoring page.
    let f = fixture().await;
    let (client, _) = f.app.signed_in("tim", None).await;
    let response = f
        .app
        .post_form(&client, "/pemantauan", &[("q", "pasien 2"), ("state", "")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = location(&response).expect("the list with its search id");
    let id = list.strip_prefix("/pemantauan?cari=").expect("a search id");

    // Act: the page offers the downloads of what it shows.
    let page = f.app.get_html(&client, &list).await;
    let xlsx = attr(&page, "#download-xlsx", "href").expect("an XLSX link");
    let csv = attr(&page, "#download-csv", "href").expect("a CSV link");
    let (_, body) = download(&f.app, &client, &csv).await;

    // Assert
    assert_eq!(xlsx, format!("/pemantauan/unduh?format=xlsx&cari={id}"));
    assert_eq!(csv, format!("/pemantauan/unduh?format=csv&cari={id}"));
    assert_eq!(csv_numbers(&csv_records(&body)), f.numbers_of("b"));
    let log = export_log(&f.app).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].row_count, 1);
    assert_eq!(log[0].detail["search"], Value::Bool(true));
    let detail = log[0].detail.to_string().to_lowercase();
    assert!(!detail.contains("pasien"), "{detail}");
}

#[tokio::test]
async fn bad_export_requests_are_refused_by_field_and_not_logged() {
    // Arrange
    let f = fixture().await;
    let (client, _) = f.app.signed_in("tim", None).await;
    let tim = actor(&f.app, "tim", None).await;
    let long = "9".repeat(5_000);

    // Act / Assert: pages.
    for (path, status) in [
        ("/pemantauan/unduh?format=pdf", StatusCode::BAD_REQUEST),
        ("/pemantauan/unduh", StatusCode::BAD_REQUEST),
        (
            "/pemantauan/unduh?format=csv&cari=00000000000000000000000000000000",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let response = f.app.get(&client, path).await;
        assert_eq!(response.status(), status, "{path}");
    }
    // Act / Assert: the API names the parameter.
    for (query, field) in [
        ("format=pdf", "format"),
        ("", "format"),
        ("format=csv&q=Maria", "q"),
        ("format=csv&from=-9999-01-01", "from"),
        ("format=csv&from=2026-12-01&to=2026-11-01", "to"),
        ("format=csv&state=bukan", "state"),
        ("format=csv&state=%F0%9F%98%80", "state"),
        ("format=csv&kab=53.71%00", "kab"),
        ("format=csv&overdue=2", "overdue"),
        ("format=csv&desk=admin", "desk"),
    ] {
        let reply = tim.get(&format!("/api/v1/monitoring/export?{query}")).await;
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.error_fields(), [field], "{query}");
    }
    let reply = tim
        .get(&format!(
            "/api/v1/monitoring/export?format=csv&hospital={long}"
        ))
        .await;
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.error_fields(), ["hospital"]);
    assert!(export_log(&f.app).await.is_empty());
}

/// 100,000 cases written straight into the table (as a migration from an older system would):
/// open ones at the NIK desk and at guarantee review, and closed ones, across two hospitals.
async fn insert_cases(app: &TestApp, n: i64) {
    sqlx::query(
        "INSERT INTO cases (number, state, hospital_id, created_by, full_name, sex, birth_date, \
           has_identity_document, nik, domicile_kab_kota_code, admission_date, service_type, \
           ward_class, jkn_status, state_entered_at, sla_due_date, created_at, closed_at) \
         SELECT 'MS-2025-' || lpad(i::text, 6, '0'), s.state::case_state, h.id, u.id, \
                'Pasien ' || i, 'P', '1990-05-12', true, '5371' || lpad(i::text, 12, '0'), \
                h.kab_kota_code, '2026-10-01', 'igd', 'kelas_3', 'tidak_ada', \
                $1 - interval '1 day', \
                CASE WHEN s.state <> 'withdrawn' THEN date '2026-11-20' END, \
                $1 - i * interval '1 second', \
                CASE WHEN s.state = 'withdrawn' THEN $1 END \
         FROM generate_series(1, $2) i \
         CROSS JOIN LATERAL (SELECT (ARRAY['nik_check', 'guarantee_review', 'withdrawn'])[1 + i % 3] AS state) s \
         CROSS JOIN LATERAL (SELECT id, kab_kota_code FROM hospitals \
                             WHERE code = CASE WHEN i % 2 = 0 THEN 'RSUD-WZJ' ELSE 'RSUD-TCH' END) h \
         CROSS JOIN (SELECT id FROM users ORDER BY username LIMIT 1) u",
    )
    .bind(app.clock.now())
    .bind(n)
    .execute(&app.pool)
    .await
    .expect("the cases");
}

#[tokio::test]
async fn a_hundred_thousand_rows_export_completely_in_both_formats_or_are_logged_incomplete() {
    // Arrange
    const N: i64 = 100_000;
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap()).await;
    let tim = actor(&app, "tim", None).await;
    insert_cases(&app, N).await;

    // Act
    let started = std::time::Instant::now();
    let csv = tim.get_raw("/api/v1/monitoring/export?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.bytes().await.expect("the CSV");
    let csv_took = started.elapsed();
    let started = std::time::Instant::now();
    let xlsx = tim.get_raw("/api/v1/monitoring/export?format=xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let xlsx = xlsx.bytes().await.expect("the XLSX").to_vec();
    let xlsx_took = started.elapsed();
    eprintln!(
        "100,000 rows: CSV {} bytes in {csv_took:?}, XLSX {} bytes in {xlsx_took:?}",
        csv.len(),
        xlsx.len()
    );

    // Assert
    let records = csv_records(&csv);
    assert_eq!(records.len() as i64, N);
    assert_eq!(&records[0][0], "MS-2025-000001", "newest first");
    assert_eq!(&records[0][2], "5371********0001");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx)).expect("XLSX");
    let sheet = book.worksheet_range("Pemantauan kasus").expect("the sheet");
    assert_eq!(sheet.height() as i64, N + 1);
    assert_eq!(
        sheet.get((N as usize, 0)),
        Some(&Data::String("MS-2025-100000".into()))
    );
    // Guarantee review since Wednesday: one working day.
    assert_eq!(sheet.get((N as usize, 7)), Some(&Data::Float(1.0)));
    let log = export_log(&app).await;
    let counts: Vec<(&str, i64, bool)> = log
        .iter()
        .map(|l| (l.format.as_str(), l.row_count, l.completed))
        .collect();
    assert_eq!(counts, [("csv", N, true), ("xlsx", N, true)]);

    // Act: a download abandoned after its first chunk (15 MB cannot sit whole in the sockets'
    // buffers, so the server notices).
    let mut response = tim.get_raw("/api/v1/monitoring/export?format=csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let first = response.chunk().await.expect("a chunk").expect("data");
    assert!(!first.is_empty());
    drop(response);
    drop(tim);

    // Assert: its row is written once the server notices, with the rows sent so far.
    let mut log = vec![];
    for _ in 0..100 {
        log = export_log(&app).await;
        if log.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(log.len(), 3, "one row for the abandoned download");
    assert!(!log[2].completed);
    assert!(log[2].row_count < N, "{}", log[2].row_count);
}

#[tokio::test]
async fn the_bottleneck_table_exports_as_shown() {
    // Arrange: as in `bottleneck.rs`: A and B submitted on Monday 16 November 2026 (09:00
    // WITA), B verified on Wednesday and waiting at Dinsos; read on Monday 23 November.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 16, 1, 0, 0).unwrap()).await;
    let (_team, _a, _b) = crate::bottleneck::submitted_and_one_verified(&app).await;
    app.clock.advance(Duration::days(5));
    let (client, _) = app.signed_in("tim", None).await;
    let (admin, _) = app.signed_in("admin", None).await;
    let period = "dari=2026-11-01&sampai=2026-11-23";

    // Act
    let csv = app
        .get(&client, &format!("/hambatan/unduh?format=csv&{period}"))
        .await;
    let xlsx = app
        .get(
            &client,
            &format!("/hambatan/unduh?format=xlsx&{period}&meja=nik_check"),
        )
        .await;
    let refused = app
        .get(&admin, &format!("/hambatan/unduh?format=csv&{period}"))
        .await;
    let bad = app
        .get(&client, "/hambatan/unduh?format=csv&dari=-9999-01-01")
        .await;

    // Assert: nik_check [2, 5] working days → median 3.5, p90 4.7; desil_check B alone.
    assert_eq!(
        header(&csv, "content-disposition"),
        "attachment; filename=\"hambatan-2026-11-23.csv\""
    );
    let body = csv.bytes().await.expect("CSV");
    let text = std::str::from_utf8(&body).expect("UTF-8");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Meja,Kode kelompok,Kab/Kota atau rumah sakit,Di meja sekarang,Terlambat,\
         Median hari kerja,P90 hari kerja,Kasus dihitung"
    );
    let nik = lines
        .iter()
        .find(|l| l.starts_with("Verifikasi NIK"))
        .expect("the NIK desk");
    assert!(nik.ends_with(",53.71,Kota Kupang,1,1,3.5,4.7,2"), "{nik}");
    let desil = lines
        .iter()
        .find(|l| l.starts_with("Cek desil"))
        .expect("the desil desk");
    assert!(
        desil.ends_with(",53.71,Kota Kupang,1,1,3.0,3.0,1"),
        "{desil}"
    );

    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.expect("XLSX").to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("XLSX");
    let sheet = book.worksheet_range("Hambatan").expect("the sheet");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 2, "the chosen desk only: {rows:?}");
    let row = rows[1];
    assert_eq!(row[1], Data::String("53.71".into()));
    assert_eq!(row[3], Data::Float(1.0));
    assert_eq!(row[4], Data::Float(1.0));
    let number = |c: &Data| match c {
        Data::Float(x) => *x,
        other => panic!("expected a number, found {other:?}"),
    };
    assert!((number(&row[5]) - 3.5).abs() < 1e-9);
    assert!((number(&row[6]) - 4.7).abs() < 1e-9);
    assert_eq!(row[7], Data::Float(2.0));

    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let log = export_log(&app).await;
    let rows_logged: Vec<(&str, &str, i64)> = log
        .iter()
        .map(|l| (l.what.as_str(), l.format.as_str(), l.row_count))
        .collect();
    assert_eq!(
        rows_logged,
        [
            ("bottlenecks", "csv", lines.len() as i64 - 1),
            ("bottlenecks", "xlsx", 1)
        ]
    );
    assert_eq!(log[1].detail["desk"], Value::from("nik_check"));
}

/// The sheet `name` of an XLSX download, read with `calamine`.
pub(crate) fn xlsx_sheet(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    book.worksheet_range(name).expect("the sheet of the list")
}
