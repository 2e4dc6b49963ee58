//! Fuzzing of the JSON API from its own OpenAPI document: `schemathesis` (pinned in
//! `.ci/pytools.sh`, installed on first use) generates requests for every operation from the
//! document served at `/api/v1/openapi.json` (valid ones, and invalid ones that break the
//! schemas) and checks every answer: no 5xx, a status code the document lists, the content type
//! it lists, a body that matches its schema.
//!
//! Each role runs against an application of its own, seeded with the demo data (cases in every
//! state, claims in every status, a final and a draft report, quotas), with a bearer token of
//! that role's demo user, so what one role's run changes cannot disturb another's.
//!
//! The run is bounded for CI: `MERAJUT_FUZZ_SECONDS` (default [`DEFAULT_SECONDS`]) is the whole
//! test's time budget, shared equally by the roles, and `MERAJUT_FUZZ_EXAMPLES` (default
//! [`DEFAULT_EXAMPLES`]) the most requests per operation and phase. A longer hunt:
//!
//! ```sh
//! MERAJUT_FUZZ_SECONDS=1800 MERAJUT_FUZZ_EXAMPLES=500 cargo test --test api fuzz -- --nocapture
//! ```
//!
//! A failure prints schemathesis's report, with a `curl` command reproducing each failing
//! request and the seed of the run (`MERAJUT_FUZZ_SEED` repeats a run's generation). When
//! schemathesis cannot be installed or started, the test fails.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::helpers::*;

/// The roles fuzzed: a hospital, a provincial verifier, the provincial health office (which
/// approves guarantees, claims and quotas) and the monitoring team.
const ROLES: [&str; 4] = ["rsud", "dukcapil_prov", "dinkes_prov", "tim"];
/// The whole test's time budget in seconds, unless `MERAJUT_FUZZ_SECONDS` says otherwise.
const DEFAULT_SECONDS: u64 = 240;
/// Requests per operation and phase, unless `MERAJUT_FUZZ_EXAMPLES` says otherwise.
const DEFAULT_EXAMPLES: u64 = 25;
/// What schemathesis checks on every answer.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";
/// Beyond its own budget, how long a run may take (start-up, shrinking a failure) before the
/// test gives up on it.
const GRACE: Duration = Duration::from_secs(180);

/// A positive whole number from the environment variable `name`, else `default`.
fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Err(_) => default,
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| panic!("{name} must be a positive whole number, not {v:?}")),
    }
}

/// The schemathesis program of the pinned Python environment, installing it when missing.
async fn schemathesis() -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/pytools.sh");
    let out = tokio::process::Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed ({}), so the API cannot be fuzzed:\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let program = PathBuf::from(bin).join("schemathesis");
    assert!(
        program.is_file(),
        "{} printed no directory holding schemathesis (got {})",
        script.display(),
        program.display()
    );
    program
}

/// One role's application: the demo data and a bearer token of the role's demo user.
async fn seeded_app(role: &str) -> (TestApp, String) {
    let app = spawn_app().await;
    merajut_sehat::demo::seed(&app.pool, &app.settings.files_dir())
        .await
        .expect("seeding the demo data");
    let username = format!("demo_{role}");
    let user = merajut_sehat::db::users::by_username(&app.pool, &username)
        .await
        .expect("reading the demo user")
        .unwrap_or_else(|| panic!("the demo has no user {username}"));
    let token = app.api_token(user.id).await;
    (app, token)
}

/// The ids of `sql`'s rows (one `uuid` column), as TOML strings.
async fn ids(app: &TestApp, sql: &str) -> Vec<String> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(sql)
        .fetch_all(&app.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert!(!ids.is_empty(), "the demo data has no rows for {sql}");
    ids.iter().map(|id| format!("\"{id}\"")).collect()
}

/// A schemathesis configuration that draws most path ids (and case and claim versions) from
/// the app's real rows, so generated requests reach real cases, claims, reports and batches
/// instead of only answering 404; the rest stays random.
async fn config(app: &TestApp) -> String {
    let cases = ids(app, "SELECT id FROM cases").await;
    let documents = ids(app, "SELECT id FROM documents").await;
    let claims = ids(app, "SELECT id FROM claims").await;
    let reports = ids(app, "SELECT id FROM reports").await;
    let batches = ids(app, "SELECT id FROM nominatif_batches").await;
    let year = chrono::Datelike::year(&app.clock.today());
    let bind = |parameter: &str, dictionary: &str| {
        format!("\"{parameter}\" = {{ dictionary = \"{dictionary}\", probability = 0.8 }}")
    };
    let operations = [
        (
            "^/api/v1/cases/",
            vec![
                bind("path.id", "cases"),
                bind("path.document_id", "documents"),
                bind("body.version", "versions"),
            ],
        ),
        (
            "^/api/v1/klaim",
            vec![bind("path.id", "claims"), bind("body.version", "versions")],
        ),
        ("^/api/v1/laporan/", vec![bind("path.id", "reports")]),
        ("^/api/v1/nominatif/", vec![bind("path.id", "batches")]),
        (
            "^/api/v1/kuota/",
            vec![bind("path.tahun", "years"), bind("path.pembayar", "payers")],
        ),
    ];
    let mut toml = format!(
        "[dictionaries.cases]\nvalues = [{}]\n\n[dictionaries.documents]\nvalues = [{}]\n\n\
         [dictionaries.claims]\nvalues = [{}]\n\n[dictionaries.reports]\nvalues = [{}]\n\n\
         [dictionaries.batches]\nvalues = [{}]\n\n[dictionaries.versions]\nvalues = [{}]\n\n\
         [dictionaries.years]\nvalues = [{year}]\n\n\
         [dictionaries.payers]\nvalues = [\"pemprov\", \"53.71\"]\n",
        cases.join(", "),
        documents.join(", "),
        claims.join(", "),
        reports.join(", "),
        batches.join(", "),
        (1..=12)
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    );
    for (regex, parameters) in operations {
        toml.push_str(&format!(
            "\n[[operations]]\ninclude-path-regex = \"{regex}\"\nparameters = {{ {} }}\n",
            parameters.join(", ")
        ));
    }
    toml
}

/// What one schemathesis run said, and whether it passed.
struct Run {
    passed: bool,
    report: String,
}

impl Run {
    /// The operations selected and those tested, from the run's summary.
    fn operations(&self) -> Option<(u32, u32)> {
        let number = |label: &str| {
            self.report
                .lines()
                .find_map(|l| l.trim().strip_prefix(label))
                .and_then(|rest| rest.trim().split('/').next()?.trim().parse::<u32>().ok())
        };
        Some((number("Selected:")?, number("Tested:")?))
    }
}

/// Runs schemathesis against `app`'s document as the owner of `token`, for at most `seconds`.
async fn fuzz(program: &PathBuf, app: &TestApp, token: &str, seconds: u64, examples: u64) -> Run {
    // Its working files (configuration, reports) go to the app's scratch directory.
    std::fs::create_dir_all(&app.data_dir).expect("creating the app's data directory");
    let config_file = app.data_dir.join("schemathesis.toml");
    std::fs::write(&config_file, config(app).await)
        .expect("writing the schemathesis configuration");
    let mut command = tokio::process::Command::new(program);
    command
        .arg("--config-file")
        .arg(&config_file)
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--url", &app.address])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", &examples.to_string()])
        .args(["--max-time", &seconds.to_string()])
        // One worker: with two threads, Hypothesis parses lambdas' source with `ast` in both at
        // once, and CPython 3.11's AST constructor keeps its recursion depth per interpreter,
        // not per thread (python/cpython#106905): now and then a spurious `SystemError: AST
        // constructor recursion depth mismatch` ended a run as a "Runtime Error" with every
        // test case passed.
        .args(["--workers", "1", "--request-timeout", "30"])
        .args(["--generation-database", "none", "--no-color"])
        .args(["--output-truncate", "false"]);
    if let Ok(seed) = std::env::var("MERAJUT_FUZZ_SEED") {
        command.args(["--seed", seed.trim()]);
    }
    let child = command
        .current_dir(&app.data_dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let limit = Duration::from_secs(seconds) + GRACE;
    let out = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {limit:?}"))
        .expect("waiting for schemathesis");
    Run {
        passed: out.status.success(),
        report: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_of_every_role_get_documented_answers_and_never_a_server_error() {
    // Arrange
    let program = schemathesis().await;
    let seconds = (setting("MERAJUT_FUZZ_SECONDS", DEFAULT_SECONDS) / ROLES.len() as u64).max(1);
    let examples = setting("MERAJUT_FUZZ_EXAMPLES", DEFAULT_EXAMPLES);
    let mut failures = vec![];

    for role in ROLES {
        let (app, token) = seeded_app(role).await;

        // Act
        let run = fuzz(&program, &app, &token, seconds, examples).await;

        // Assert (after every role has run, so one report shows every failure)
        // Shown with `--nocapture`: what was tested, also when it passed.
        let summary = ["= WARNINGS =", "= SUMMARY ="]
            .iter()
            .find_map(|heading| run.report.find(heading))
            .map_or("", |i| &run.report[i..]);
        let verdict = if run.passed { "passed" } else { "FAILED" };
        eprintln!("schemathesis as {role}: {verdict}\n{summary}");
        let heading = format!("===== schemathesis as {role} =====");
        match run.operations() {
            _ if !run.passed => failures.push(format!("{heading}\n{}", run.report)),
            Some((selected, tested)) if tested < selected => failures.push(format!(
                "{heading}\nonly {tested} of {selected} operations were tested in {seconds} s: \
                 raise MERAJUT_FUZZ_SECONDS\n{summary}"
            )),
            Some(_) => {}
            None => failures.push(format!(
                "{heading}\nno summary of the operations tested:\n{}",
                run.report
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "schemathesis found answers the OpenAPI document does not allow (each with a curl command \
         reproducing it):\n\n{}",
        failures.join("\n\n")
    );
}
