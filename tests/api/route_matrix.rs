//! The route × role matrix: every route of the pages and of the API, requested by a user of
//! every role (`Role::ALL`) and by an anonymous visitor, with real ids of a fixture case in the
//! users' scope. Each route names the role list of `merajut_sehat::access` its router is guarded
//! with; a test reads the routers' source and fails when a route is missing here, so a new
//! route cannot escape the matrix.
//!
//! Outcomes: anonymous → pages 303 to `/masuk`, API 401 JSON; a role outside the list → 403
//! (the "Akses ditolak" page, or a JSON 403), never 200, never 5xx, whatever the id or body;
//! a role inside → never 401/403 from the guard, never 5xx (GET: the page, or 404 for an
//! object outside its own). Cross-scope swaps: another hospital's or kab/kota's ids answer
//! 404, with the same body as an id that does not exist.

use std::collections::BTreeSet;
use std::path::Path;

use merajut_sehat::access::{
    AUDITORS, CASE_ROLES, CLAIM_ROLES, EVERYONE, MONITORS, NOMINATIF_BUILDERS, NOMINATIF_EXPORTERS,
    NOMINATIF_READERS, QUEUE_ROLES, QUOTA_EDITORS, QUOTA_READERS, STATUS_COUNT_READERS,
};
use merajut_sehat::cases::Visibility;
use merajut_sehat::domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// Who may use a route.
#[derive(Clone, Copy)]
enum Who {
    /// No guard: sign-in, sign-out, health checks, static files, favicon and manifest, the
    /// public letter check, the API description and its JSON 404.
    Open,
    /// The roles of one list of `access`.
    Roles(&'static [Role]),
}

use Who::{Open, Roles};

const ADMIN: Who = Roles(merajut_sehat::access::ADMIN);
const RSUD: Who = Roles(merajut_sehat::access::RSUD);
const CASES: Who = Roles(CASE_ROLES);
const ALL: Who = Roles(EVERYONE);

/// Every route: method (as registered), path (as registered), who may use it.
const ROUTES: &[(&str, &str, Who)] = &[
    // Open
    ("GET", "/healthz", Open),
    ("GET", "/readyz", Open),
    ("GET", "/verifikasi/surat/{token}", Open),
    ("GET", "/static/{file}", Open),
    ("GET", "/favicon.ico", Open),
    ("GET", "/manifest.webmanifest", Open),
    ("GET", "/status", Open),
    ("POST", "/status", Open),
    ("GET", "/sw.js", Open),
    ("GET", "/masuk", Open),
    ("POST", "/masuk", Open),
    ("POST", "/keluar", Open),
    ("GET", "/masuk/kode", Open),
    ("POST", "/masuk/kode", Open),
    ("GET", "/aktivasi", Open),
    ("POST", "/aktivasi", Open),
    // Every signed-in user
    ("GET", "/", ALL),
    ("GET", "/akun", ALL),
    ("POST", "/akun", ALL),
    ("GET", "/akun/kata-sandi", ALL),
    ("POST", "/akun/kata-sandi", ALL),
    ("POST", "/akun/keluar-semua", ALL),
    ("GET", "/akun/dua-langkah", ALL),
    ("POST", "/akun/dua-langkah", ALL),
    ("POST", "/akun/dua-langkah/kode-pemulihan", ALL),
    ("POST", "/akun/dua-langkah/nonaktifkan", ALL),
    // The data protection officer
    ("GET", "/audit/akses", Roles(AUDITORS)),
    ("POST", "/audit/akses", Roles(AUDITORS)),
    ("GET", "/audit/pasien", Roles(AUDITORS)),
    ("POST", "/audit/pasien", Roles(AUDITORS)),
    ("GET", "/audit/pasien/unduh", Roles(AUDITORS)),
    ("GET", "/audit/peristiwa", Roles(AUDITORS)),
    // Case roles
    ("GET", "/akun/notifikasi", CASES),
    ("POST", "/akun/notifikasi", CASES),
    ("GET", "/dasbor", CASES),
    ("GET", "/hambatan", CASES),
    ("GET", "/hambatan/unduh", CASES),
    ("GET", "/token-api", CASES),
    ("POST", "/token-api", CASES),
    ("POST", "/token-api/{id}/cabut", CASES),
    ("GET", "/antrean", CASES),
    ("POST", "/antrean", CASES),
    ("GET", "/antrean/unduh", Roles(QUEUE_ROLES)),
    ("GET", "/pemantauan", Roles(MONITORS)),
    ("POST", "/pemantauan", Roles(MONITORS)),
    ("GET", "/pemantauan/unduh", Roles(MONITORS)),
    ("GET", "/kasus/{id}", CASES),
    ("POST", "/kasus/{id}/ungkap", CASES),
    ("POST", "/kasus/{id}/tindakan/{action}", CASES),
    ("GET", "/kasus/{id}/dokumen/{document_id}", CASES),
    ("GET", "/kasus/{id}/surat-jaminan", CASES),
    ("GET", "/notifikasi", CASES),
    ("GET", "/notifikasi/ringkasan", CASES),
    ("POST", "/notifikasi/baca-semua", CASES),
    ("POST", "/notifikasi/{id}/buka", CASES),
    ("GET", "/laporan", CASES),
    ("POST", "/laporan", CASES),
    ("GET", "/laporan/unduh", CASES),
    ("GET", "/laporan/{id}", CASES),
    ("POST", "/laporan/{id}", CASES),
    ("POST", "/laporan/{id}/final", CASES),
    ("POST", "/laporan/{id}/versi-baru", CASES),
    ("GET", "/laporan/{id}/cetak", CASES),
    ("GET", "/laporan/{id}/xlsx", CASES),
    ("GET", "/laporan/{id}/csv", CASES),
    // Hospital PICs
    ("GET", "/kasus/baru", RSUD),
    ("POST", "/kasus/baru", RSUD),
    ("GET", "/kasus/{id}/ubah", RSUD),
    ("POST", "/kasus/{id}/ubah", RSUD),
    ("POST", "/kasus/{id}/dokumen", RSUD),
    ("POST", "/kasus/{id}/dokumen/{document_id}/ganti", RSUD),
    ("POST", "/kasus/{id}/dokumen/{document_id}/hapus", RSUD),
    ("POST", "/kasus/{id}/kode-status", RSUD),
    ("POST", "/kasus/{id}/kode-status/cabut", RSUD),
    ("GET", "/kasus-saya", RSUD),
    ("POST", "/kasus-saya", RSUD),
    ("GET", "/kasus-saya/unduh", RSUD),
    ("GET", "/klaim/baru", RSUD),
    ("POST", "/klaim/baru", RSUD),
    ("POST", "/klaim/{id}/ajukan-ulang", RSUD),
    // Claims
    ("GET", "/klaim", Roles(CLAIM_ROLES)),
    ("GET", "/klaim/unduh", Roles(CLAIM_ROLES)),
    ("GET", "/klaim/realisasi", Roles(CLAIM_ROLES)),
    ("GET", "/klaim/{id}", Roles(CLAIM_ROLES)),
    ("POST", "/klaim/{id}/tindakan/{action}", Roles(CLAIM_ROLES)),
    ("GET", "/klaim/{id}/berkas", Roles(CLAIM_ROLES)),
    // Quotas
    ("GET", "/kuota", Roles(QUOTA_READERS)),
    ("GET", "/kuota/unduh", Roles(QUOTA_READERS)),
    ("GET", "/kuota/{tahun}/{pembayar}", Roles(QUOTA_READERS)),
    ("POST", "/kuota/{tahun}/{pembayar}", Roles(QUOTA_EDITORS)),
    // Daftar nominatif
    ("GET", "/nominatif", Roles(NOMINATIF_READERS)),
    ("GET", "/nominatif/unduh", Roles(NOMINATIF_READERS)),
    ("GET", "/nominatif/{id}", Roles(NOMINATIF_READERS)),
    ("POST", "/nominatif/baru", Roles(NOMINATIF_BUILDERS)),
    ("POST", "/nominatif/{id}/tambah", Roles(NOMINATIF_BUILDERS)),
    (
        "POST",
        "/nominatif/{id}/keluarkan",
        Roles(NOMINATIF_BUILDERS),
    ),
    (
        "POST",
        "/nominatif/{id}/keputusan",
        Roles(NOMINATIF_BUILDERS),
    ),
    ("POST", "/nominatif/{id}/batal", Roles(NOMINATIF_BUILDERS)),
    ("GET", "/nominatif/{id}/xlsx", Roles(NOMINATIF_EXPORTERS)),
    ("GET", "/nominatif/{id}/cetak", Roles(NOMINATIF_EXPORTERS)),
    // The families' status page: its daily counts
    ("GET", "/kode-status", Roles(STATUS_COUNT_READERS)),
    // Administration
    ("GET", "/admin/pengguna", ADMIN),
    ("POST", "/admin/pengguna/{id}/keluar-semua", ADMIN),
    ("GET", "/admin/retensi", ADMIN),
    ("POST", "/admin/retensi", ADMIN),
    ("GET", "/admin/pengguna/baru", ADMIN),
    ("POST", "/admin/pengguna/baru", ADMIN),
    ("GET", "/admin/pengguna/{id}", ADMIN),
    ("POST", "/admin/pengguna/{id}", ADMIN),
    ("POST", "/admin/pengguna/{id}/nonaktifkan", ADMIN),
    ("POST", "/admin/pengguna/{id}/aktifkan", ADMIN),
    ("POST", "/admin/pengguna/{id}/reset-sandi", ADMIN),
    ("GET", "/admin/rumah-sakit", ADMIN),
    ("GET", "/admin/rumah-sakit/baru", ADMIN),
    ("POST", "/admin/rumah-sakit/baru", ADMIN),
    ("GET", "/admin/rumah-sakit/{id}", ADMIN),
    ("POST", "/admin/rumah-sakit/{id}", ADMIN),
    ("GET", "/admin/kabkota", ADMIN),
    ("GET", "/admin/hari-libur", ADMIN),
    ("POST", "/admin/hari-libur", ADMIN),
    ("POST", "/admin/hari-libur/hapus", ADMIN),
    ("GET", "/admin/sla", ADMIN),
    ("POST", "/admin/sla", ADMIN),
    ("GET", "/admin/tugas-latar", ADMIN),
    ("POST", "/admin/tugas-latar/{id}/coba-lagi", ADMIN),
    // API: open
    ("GET", "/api/v1/openapi.json", Open),
    ("ANY", "/api/{*rest}", Open),
    // API: case roles
    ("GET", "/api/v1/me", CASES),
    ("GET", "/api/v1/me/notification-preferences", CASES),
    ("PUT", "/api/v1/me/notification-preferences", CASES),
    ("GET", "/api/v1/queue", CASES),
    ("GET", "/api/v1/dasbor", CASES),
    ("GET", "/api/v1/hambatan", CASES),
    ("GET", "/api/v1/laporan", CASES),
    ("GET", "/api/v1/laporan/export", CASES),
    ("GET", "/api/v1/laporan/{id}", CASES),
    ("GET", "/api/v1/cases/{id}", CASES),
    ("PUT", "/api/v1/cases/{id}", CASES),
    ("POST", "/api/v1/cases/{id}/reveal", CASES),
    ("POST", "/api/v1/cases/{id}/actions/{action}", CASES),
    ("GET", "/api/v1/cases/{id}/letter", CASES),
    ("GET", "/api/v1/cases/{id}/documents/{document_id}", CASES),
    ("GET", "/api/v1/queue/export", Roles(QUEUE_ROLES)),
    ("GET", "/api/v1/monitoring/export", Roles(MONITORS)),
    ("POST", "/api/v1/cases", RSUD),
    ("POST", "/api/v1/cases/{id}/documents", RSUD),
    // API: quotas, nominatif, claims
    ("GET", "/api/v1/kuota", Roles(QUOTA_READERS)),
    ("GET", "/api/v1/kuota/export", Roles(QUOTA_READERS)),
    (
        "GET",
        "/api/v1/kuota/{tahun}/{pembayar}",
        Roles(QUOTA_READERS),
    ),
    (
        "PUT",
        "/api/v1/kuota/{tahun}/{pembayar}",
        Roles(QUOTA_EDITORS),
    ),
    ("GET", "/api/v1/nominatif", Roles(NOMINATIF_READERS)),
    ("GET", "/api/v1/nominatif/export", Roles(NOMINATIF_READERS)),
    ("GET", "/api/v1/nominatif/{id}", Roles(NOMINATIF_READERS)),
    (
        "GET",
        "/api/v1/nominatif/{id}/xlsx",
        Roles(NOMINATIF_EXPORTERS),
    ),
    ("GET", "/api/v1/klaim", Roles(CLAIM_ROLES)),
    ("POST", "/api/v1/klaim", Roles(CLAIM_ROLES)),
    ("GET", "/api/v1/klaim/realisasi", Roles(CLAIM_ROLES)),
    ("GET", "/api/v1/klaim/export", Roles(CLAIM_ROLES)),
    ("GET", "/api/v1/klaim/{id}", Roles(CLAIM_ROLES)),
    ("POST", "/api/v1/klaim/{id}/resubmit", Roles(CLAIM_ROLES)),
    (
        "POST",
        "/api/v1/klaim/{id}/actions/{action}",
        Roles(CLAIM_ROLES),
    ),
    ("GET", "/api/v1/klaim/{id}/document", Roles(CLAIM_ROLES)),
];

/// The routes serving a document or a claim file.
const DOCUMENT_ROUTES: &[&str] = &[
    "/kasus/{id}/dokumen/{document_id}",
    "/api/v1/cases/{id}/documents/{document_id}",
    "/klaim/{id}/berkas",
    "/api/v1/klaim/{id}/document",
];

/// Paths whose requests end the session or sign in: asked last, so they do not disturb the
/// other requests of the same client.
const LAST: &[&str] = &["/masuk", "/keluar", "/akun/keluar-semua"];

// ---------------------------------------------------------------------------------------------
// Every route of the source is in the list
// ---------------------------------------------------------------------------------------------

/// `(METHOD, path)` of every `.route(` call under `src/`: the path is the call's first
/// argument (a string literal, or `verification::ROUTE`), the methods are the `get(`, `post(`,
/// `put(`, `delete(`, `patch(` and `any(` method routers in the call.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut files = Vec::new();
    collect_rs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    for file in files {
        let source = std::fs::read_to_string(&file).expect("reading a source file");
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            let call = &rest[at + ".route(".len()..];
            let end = closing_paren(call);
            let args = &call[..end];
            rest = &call[end..];
            let first = args.trim_start();
            let path = if let Some(lit) = first.strip_prefix('"') {
                lit[..lit.find('"').expect("a closed string")].to_string()
            } else if first.starts_with("verification::ROUTE") {
                merajut_sehat::web::verification::ROUTE.to_string()
            } else {
                panic!(
                    "{}: a route whose path is not a literal: {first:.60}",
                    file.display()
                );
            };
            let mut methods = method_routers(args);
            if methods.is_empty() {
                // A method router built elsewhere (`.route("/masuk", sign_in)`): the path must
                // be listed, with whatever methods.
                methods.push("*".to_string());
            }
            for m in methods {
                found.insert((m, path.clone()));
            }
        }
    }
    found
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The index of the `)` closing a call whose arguments start at `s[0]`.
fn closing_paren(s: &str) -> usize {
    let mut depth = 1;
    let mut in_string = false;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
        prev = c;
    }
    panic!("an unclosed .route( call");
}

/// The method routers named in a `.route(` call's arguments, upper-cased.
fn method_routers(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    for name in ["get", "post", "put", "delete", "patch", "any"] {
        let needle = format!("{name}(");
        let mut from = 0;
        while let Some(i) = args[from..].find(&needle) {
            let at = from + i;
            let before = args[..at].chars().next_back().unwrap_or(' ');
            if !(before.is_alphanumeric() || before == '_') {
                out.push(name.to_uppercase());
            }
            from = at + needle.len();
        }
    }
    out
}

#[test]
fn every_route_of_the_source_is_in_the_matrix() {
    // Arrange
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();

    // Act
    let in_source = routes_in_source();

    // Assert ("*": methods not readable from the call; any listed method of the path counts)
    let same_path = |a: &(String, String), b: &(String, String)| {
        a.1 == b.1 && (a.0 == b.0 || a.0 == "*" || b.0 == "*")
    };
    let missing: Vec<_> = in_source
        .iter()
        .filter(|s| !listed.iter().any(|l| same_path(s, l)))
        .collect();
    let stale: Vec<_> = listed
        .iter()
        .filter(|l| !in_source.iter().any(|s| same_path(s, l)))
        .collect();
    assert!(
        missing.is_empty(),
        "routes not in the route × role matrix (add them to ROUTES in tests/api/route_matrix.rs \
         with the role list of their router): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "routes in the matrix that no router serves: {stale:?}"
    );
    assert_eq!(ROUTES.len(), listed.len(), "a route is listed twice");
}

// ---------------------------------------------------------------------------------------------
// The fixture
// ---------------------------------------------------------------------------------------------

/// Real ids of objects in the scope of the matrix users (RSUD-WZJ, kab/kota 53.71).
struct Ids {
    case: Uuid,
    document: Uuid,
    claim: Uuid,
    report: String,
    batch: String,
    letter_token: String,
    /// A user the administrator's buttons act on (not one of the matrix users).
    victim_user: Uuid,
    /// A token of the victim (the revoke button of other users finds none).
    victim_token: String,
    hospital: String,
    job: String,
    notification: String,
}

impl Ids {
    /// The path with its placeholders replaced by the fixture's ids.
    fn fill(&self, path: &str) -> String {
        let id = if path.starts_with("/kasus") || path.starts_with("/api/v1/cases") {
            self.case.to_string()
        } else if path.starts_with("/klaim") || path.starts_with("/api/v1/klaim") {
            self.claim.to_string()
        } else if path.starts_with("/laporan") || path.starts_with("/api/v1/laporan") {
            self.report.clone()
        } else if path.starts_with("/nominatif") || path.starts_with("/api/v1/nominatif") {
            self.batch.clone()
        } else if path.starts_with("/admin/pengguna") {
            self.victim_user.to_string()
        } else if path.starts_with("/admin/rumah-sakit") {
            self.hospital.clone()
        } else if path.starts_with("/admin/tugas-latar") {
            self.job.clone()
        } else if path.starts_with("/token-api") {
            self.victim_token.clone()
        } else if path.starts_with("/notifikasi") {
            self.notification.clone()
        } else {
            String::new()
        };
        let action = if path.contains("klaim") {
            "accept"
        } else {
            "verify_nik"
        };
        let filled = path
            .replace("{id}", &id)
            .replace("{document_id}", &self.document.to_string())
            .replace("{action}", action)
            .replace("{tahun}", "2026")
            .replace("{pembayar}", "pemprov")
            .replace("{token}", &self.letter_token)
            .replace("{*rest}", "v1/tidak-ada")
            .replace(
                "{file}",
                merajut_sehat::web::assets::url("app.css").trim_start_matches("/static/"),
            );
        // The query a download, a report's CSV and the claim form need.
        if filled.ends_with("/unduh") || filled.ends_with("/export") {
            format!("{filled}?format=csv")
        } else if filled.starts_with("/laporan/") && filled.ends_with("/csv") {
            format!("{filled}?tabel=ringkasan")
        } else if filled == "/klaim/baru" {
            format!("{filled}?kasus={}", self.case)
        } else {
            filled
        }
    }
}

/// A PDF as the upload check judges it.
const PDF: &[u8] = crate::helpers::TEST_PDF;

/// A guaranteed case of `team`'s hospital from `intake`, with a KTP photo and a submitted
/// claim: (case, its first document, the claim).
async fn guaranteed_case_with_claim(
    app: &TestApp,
    team: &Team,
    intake: &serde_json::Value,
) -> (Uuid, Uuid, Uuid) {
    let case = team.case_in(intake, "guaranteed").await;
    let read = team.rsud.case(case).await;
    let document: Uuid = read.body["documents"][0]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no document in {}", read.body));
    let form = reqwest::multipart::Form::new()
        .text("case_id", case.to_string())
        .text("care_start", PAST)
        .text("care_end", "2026-10-05")
        .text("amount_claimed", "5.000.000")
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("klaim.pdf"),
        );
    let response = team
        .rsud
        .http
        .post(app.url("/api/v1/klaim"))
        .multipart(form)
        .send()
        .await
        .expect("POST /api/v1/klaim");
    let r = reply(response).await;
    r.expect(StatusCode::CREATED);
    let claim = r.body["claim"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no claim id in {}", r.body));
    (case, document, claim)
}

async fn scalar_text(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar(sql)
        .fetch_optional(&app.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn arrange_ids(app: &TestApp, team: &Team) -> Ids {
    let (case, document, claim) = guaranteed_case_with_claim(app, team, &intake_woman()).await;
    let (dinkes, _) = app.signed_in("dinkes_prov", None).await;
    let (tim, _) = app.signed_in("tim", None).await;
    let report = app
        .post_form(&tim, "/laporan", &[("year", "2026"), ("part", "3")])
        .await;
    let report = location(&report)
        .and_then(|l| l.strip_prefix("/laporan/").map(str::to_string))
        .unwrap_or_else(|| panic!("the report was not opened: {}", report.status()));
    let batch = app
        .post_form_from(
            &dinkes,
            "/nominatif",
            "/nominatif/baru",
            &[
                ("basis", "jaminan_sementara"),
                ("payer", "pemprov"),
                ("period_start", PAST),
                ("period_end", &app.clock.today().to_string()),
            ],
        )
        .await;
    let batch = location(&batch)
        .and_then(|l| l.strip_prefix("/nominatif/").map(str::to_string))
        .unwrap_or_else(|| panic!("the nominatif batch was not built: {}", batch.status()));
    let victim = app.create_test_user("dinsos_prov", None).await;
    app.api_token(victim.id).await;
    let text_of = |sql: &'static str| scalar_text(app, sql);
    Ids {
        case,
        document,
        claim,
        report,
        batch,
        letter_token: text_of("SELECT token FROM guarantee_letters LIMIT 1")
            .await
            .expect("a guarantee letter"),
        victim_user: victim.id,
        victim_token: scalar_text(
            app,
            &format!(
                "SELECT id::text FROM api_tokens WHERE user_id = '{}'",
                victim.id
            ),
        )
        .await
        .expect("the victim's token"),
        hospital: text_of("SELECT id::text FROM hospitals WHERE code = 'RSUD-WZJ'")
            .await
            .expect("RSUD-WZJ"),
        job: text_of("SELECT id::text FROM jobs LIMIT 1")
            .await
            .unwrap_or_else(|| "1".to_string()),
        notification: text_of("SELECT id::text FROM notifications LIMIT 1")
            .await
            .unwrap_or_else(|| Uuid::new_v4().to_string()),
    }
}

/// The scope a matrix user of `role` gets: RSUD-WZJ, kab/kota 53.71, or none.
fn scope_of(role: Role) -> Option<&'static str> {
    match role.as_str() {
        "rsud" => Some("RSUD-WZJ"),
        c if c.ends_with("_kab") => Some("53.71"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// One answer, judged against the route's list.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    json: bool,
    body: String,
}

/// What is wrong with `answer` to `method path` by `role` (`None`: anonymous), if anything.
fn judge(
    method: &str,
    path: &str,
    who: Who,
    role: Option<Role>,
    answer: &Answer,
) -> Option<String> {
    let api = path.starts_with("/api/");
    let status = answer.status;
    if status.is_server_error() {
        return Some(format!("{status}: {:.300}", answer.body));
    }
    let refused_page =
        |a: &Answer| a.status == StatusCode::FORBIDDEN && a.body.contains("Akses ditolak");
    match (who, role) {
        (Open, _) => (status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN)
            .then(|| format!("{status} on an open route")),
        (Roles(_), None) if api => (status != StatusCode::UNAUTHORIZED || !answer.json)
            .then(|| format!("{status} (json {}), expected a 401 JSON", answer.json)),
        (Roles(_), None) => (status != StatusCode::SEE_OTHER
            || answer.location.as_deref() != Some("/masuk"))
        .then(|| format!("{status} to {:?}, expected 303 to /masuk", answer.location)),
        (Roles(roles), Some(r)) if !roles.contains(&r) => {
            let ok = if api {
                status == StatusCode::FORBIDDEN && answer.json
            } else {
                refused_page(answer)
            };
            (!ok).then(|| format!("{status}, expected 403 (refused role)"))
        }
        (Roles(_), Some(_)) => {
            // Signing out of every device leads, rightly, to the sign-in page.
            let signs_out = path == "/akun/keluar-semua";
            if status == StatusCode::UNAUTHORIZED
                || (answer.location.as_deref() == Some("/masuk") && !signs_out)
            {
                return Some(format!(
                    "{status} to {:?} for a permitted role",
                    answer.location
                ));
            }
            if method != "GET" {
                return None;
            }
            // A document or claim file: only roles that see documents (`Visibility`).
            if DOCUMENT_ROUTES.contains(&path) {
                let expected = if role.is_some_and(|r| Visibility::of(r).documents) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                return (status != expected)
                    .then(|| format!("{status}, expected {expected} (documents)"));
            }
            let with_id = path.contains('{');
            let ok = status == StatusCode::OK
                || (status == StatusCode::SEE_OTHER && answer.location.is_some())
                || (with_id && status == StatusCode::NOT_FOUND);
            (!ok).then(|| {
                format!(
                    "{status} to {:?} for a permitted role: {:.200}",
                    answer.location, answer.body
                )
            })
        }
    }
}

/// A matrix user: a signed-in page client and an API client.
struct Subject {
    pages: TestClient,
    api: reqwest::Client,
    csrf: String,
}

async fn subject(app: &TestApp, role: Option<Role>) -> Subject {
    match role {
        None => {
            let pages = app.client();
            let csrf = app.csrf(&pages, "/masuk").await;
            Subject {
                pages,
                api: anonymous_api(),
                csrf,
            }
        }
        Some(r) => {
            let (pages, user) = app.signed_in(r.as_str(), scope_of(r)).await;
            let csrf = app.csrf(&pages, "/akun").await;
            let token = app.api_token(user.id).await;
            Subject {
                pages,
                api: app.bearer_client(&token),
                csrf,
            }
        }
    }
}

/// `method path` as `s`: pages with the CSRF token and nothing else, the API with `{}`.
async fn ask(app: &TestApp, s: &Subject, method: &str, path: &str) -> Answer {
    ask_with(app, s, method, path, &json!({})).await
}

/// `method path` as `s`, an API write with `body`.
async fn ask_with(
    app: &TestApp,
    s: &Subject,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> Answer {
    let url = app.url(path);
    let request = if path.starts_with("/api/") {
        match method {
            "GET" | "ANY" => s.api.get(&url),
            "PUT" => s.api.put(&url).json(body),
            _ => s.api.post(&url).json(body),
        }
    } else {
        match method {
            "GET" => s.pages.get(&url),
            _ => s.pages.post(&url).form(&[("csrf_token", s.csrf.as_str())]),
        }
    };
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status();
    let location = location(&response);
    let json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let body = response.text().await.unwrap_or_default();
    Answer {
        status,
        location,
        json,
        body,
    }
}

/// A client without any credentials.
fn anonymous_api() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building the HTTP client")
}

/// Every route × every role and anonymous (see the module comment for the expected answers).
#[tokio::test]
async fn every_route_answers_each_role_as_its_list_says() {
    // Arrange
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    let ids = arrange_ids(&app, &team).await;
    let mut order: Vec<&(&str, &str, Who)> = ROUTES.iter().collect();
    order.sort_by_key(|(m, p, _)| (LAST.contains(p), *p == "/keluar", *m != "GET"));
    let mut failures = Vec::new();
    let mut checks = 0;

    for role in std::iter::once(None).chain(Role::ALL.iter().copied().map(Some)) {
        let s = subject(&app, role).await;
        for (method, path, who) in &order {
            // Act
            let answer = ask(&app, &s, method, &ids.fill(path)).await;
            checks += 1;

            // Assert (collected, so one run names every wrong cell)
            if let Some(wrong) = judge(method, path, *who, role, &answer) {
                let name = role.map_or("anonymous", |r| r.as_str());
                failures.push(format!("{name} {method} {path}: {wrong}"));
            }
        }
    }

    println!(
        "route × role matrix: {checks} checks over {} routes",
        ROUTES.len()
    );
    assert!(
        failures.is_empty(),
        "{} wrong cells:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checks, ROUTES.len() * (Role::ALL.len() + 1));
}

// ---------------------------------------------------------------------------------------------
// Cross-scope swaps
// ---------------------------------------------------------------------------------------------

/// The body with the ids of a request replaced and the request id (which differs per request)
/// dropped, so two refusals can be compared.
fn comparable(body: &str, ids: &[String]) -> String {
    let mut out = body.to_string();
    for id in ids {
        out = out.replace(id.as_str(), "<id>");
    }
    match serde_json::from_str::<serde_json::Value>(&out) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("request_id");
            }
            v.to_string()
        }
        Err(_) => out,
    }
}

/// A hospital asking for another hospital's case, document, letter and claim, and a kab/kota
/// user asking for another kab/kota's, through the pages and the API, is told "not found" —
/// the very answer an id that does not exist gets — never "forbidden", which would confirm it
/// exists.
#[tokio::test]
async fn ids_of_another_hospital_or_kab_kota_answer_404_like_unknown_ids() {
    // Arrange: hospital A (RSUD-WZJ, patients of 53.71) and hospital B (RSUD-TCH, a patient of
    // Kab. Sikka 53.10) each with a guaranteed case, its KTP photo, its letter and a claim.
    let app = spawn_app().await;
    let team_a = Team::new(&app).await;
    let team_b = Team::at(&app, "RSUD-TCH", "53.10").await;
    guaranteed_case_with_claim(&app, &team_a, &intake_woman()).await;
    let (case, document, claim) =
        guaranteed_case_with_claim(&app, &team_b, &intake_serial(7, "53.10")).await;
    let (unknown, unknown_document, unknown_claim) =
        (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let paths = |case: Uuid, document: Uuid, claim: Uuid| {
        vec![
            ("GET", format!("/kasus/{case}")),
            ("GET", format!("/kasus/{case}/surat-jaminan")),
            ("GET", format!("/kasus/{case}/dokumen/{document}")),
            ("GET", format!("/kasus/{case}/ubah")),
            ("POST", format!("/kasus/{case}/ubah")),
            ("GET", format!("/klaim/baru?kasus={case}")),
            ("GET", format!("/klaim/{claim}")),
            ("GET", format!("/klaim/{claim}/berkas")),
            ("GET", format!("/api/v1/cases/{case}")),
            ("PUT", format!("/api/v1/cases/{case}")),
            ("GET", format!("/api/v1/cases/{case}/letter")),
            ("GET", format!("/api/v1/cases/{case}/documents/{document}")),
            ("GET", format!("/api/v1/klaim/{claim}")),
            ("GET", format!("/api/v1/klaim/{claim}/document")),
        ]
    };
    let swapped = paths(case, document, claim);
    let unknowns = paths(unknown, unknown_document, unknown_claim);
    let id_strings: Vec<String> = [
        case,
        document,
        claim,
        unknown,
        unknown_document,
        unknown_claim,
    ]
    .iter()
    .map(Uuid::to_string)
    .collect();
    // A valid edit, so that only the scope can refuse it.
    let mut edit = intake_serial(7, "53.10");
    edit["version"] = json!(4);
    let mut failures = Vec::new();
    let mut checks = 0;

    for role in [
        Role::Rsud,
        Role::DukcapilKab,
        Role::DinsosKab,
        Role::DinkesKab,
    ] {
        let s = subject(&app, Some(role)).await;
        for ((method, path), (_, unknown_path)) in swapped.iter().zip(&unknowns) {
            let bare = path.split('?').next().unwrap_or(path);
            let route = ROUTES
                .iter()
                .find(|(m, p, _)| {
                    (*m == *method || *m == "ANY")
                        && p.split('/').count() == bare.split('/').count()
                        && p.split('/')
                            .zip(bare.split('/'))
                            .all(|(a, b)| a == b || a.starts_with('{'))
                })
                .unwrap_or_else(|| panic!("no route for {method} {bare}"));
            // Refused by the role guard alike for every id: the matrix's part.
            if let Roles(roles) = route.2
                && !roles.contains(&role)
            {
                continue;
            }

            // Act
            let swap = ask_with(&app, &s, method, path, &edit).await;
            let none = ask_with(&app, &s, method, unknown_path, &edit).await;
            checks += 1;

            // Assert
            if swap.status != StatusCode::NOT_FOUND {
                failures.push(format!(
                    "{} {method} {path}: {}",
                    role.as_str(),
                    swap.status
                ));
            } else if comparable(&swap.body, &id_strings) != comparable(&none.body, &id_strings)
                || none.status != StatusCode::NOT_FOUND
            {
                failures.push(format!(
                    "{} {method} {path}: differs from an unknown id ({})",
                    role.as_str(),
                    none.status
                ));
            }
        }
    }

    println!("cross-scope swaps: {checks} checks");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checks >= 30, "only {checks} swaps were tried");
}
