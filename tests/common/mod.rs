//! The integration-test harness shared by every test binary (`tests/api`, later `tests/browser`):
//! one PostgreSQL server per test process, a fresh database per test, the application served on
//! a free port, and HTTP clients that keep cookies and do not follow redirects.
//!
//! Include it from a test binary with
//! `#[path = "../common/mod.rs"] mod common;`.
//!
//! Where the database comes from:
//! - `DATABASE_URL` set: that server is used and nothing is started. Each test gets a database
//!   `test_<uuid>` created on it, owned by the role in the URL, which migrates it: that role
//!   needs `CREATEDB`, and `CREATEROLE` once, to create the service's role `merajut_test_app`
//!   (password `merajut_test_app`; the server's `pg_hba.conf` must let it sign in the way the
//!   URL does), unless that role exists already.
//! - otherwise: an embedded cluster (the application's own [`merajut_sehat::pg`]) is initialised
//!   under `$TMPDIR/merajut-test-<pid>` and started once for the whole test process. Leftovers of
//!   earlier runs whose process is gone are removed first.
//!
//! Each test database is cloned from a template that already holds every migration, so a test
//! pays for `CREATE DATABASE`, not for the migrations.
//!
//! Two roles, as in production (docs/security.md, "Database roles and the audit chain"): the
//! owner migrates (`merajut_owner` on the embedded cluster, the URL's role otherwise) and
//! [`TestApp::pool`] connects as the owner, for arranging and inspecting data; the application
//! runs as the service's restricted role ([`TestApp::app_pool`]).
//!
//! Each test's database is dropped when its [`TestApp`] goes, unless the test failed or
//! `TEST_KEEP_DB` is set. Set `TEST_LOG=1` to see the application's logs (they bypass the test output capture).

// Every test binary includes this file and uses a different part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use merajut_sehat::cases::CaseService;
use merajut_sehat::cases::files::FileStore;
use merajut_sehat::cases::notify::Outbox;
use merajut_sehat::clock::Clock;
use merajut_sehat::config::{LogFormat, Settings, StorageSettings};
use merajut_sehat::db::users::NewUser;
use merajut_sehat::domain::Role;
use merajut_sehat::pg::{ClusterLayout, EmbeddedPostgres};
use merajut_sehat::startup::Application;
use merajut_sehat::{auth, cli, db};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{StatusCode, Url};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::io::AsyncWriteExt;
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore, oneshot};
use uuid::Uuid;

/// A password that every test user gets unless the test says otherwise (long enough for
/// [`auth::password_problem`]).
pub const PASSWORD: &str = "kata-sandi-uji-2026";

/// The TOTP secret of every test user of a role that must use a second factor (admin,
/// dinkes_prov, tim, auditor): the harness enrols them with it and answers the code step of the
/// sign-in from it ([`TestApp::totp_code`]).
pub const TOTP_SECRET: &[u8; 20] = b"merajut-sehat-uji-2f";

/// The bytes of a Base32 secret as the enrolment page shows it (groups of four).
pub fn base32_decode(shown: &str) -> Vec<u8> {
    let compact: String = shown.split_whitespace().collect();
    totp_rs::Secret::try_from_base32(&compact)
        .expect("a Base32 secret")
        .as_bytes()
        .to_vec()
}

/// Name of the session cookie (the tests serve plain HTTP; behind HTTPS it is
/// `__Host-merajut_sid`).
pub const SESSION_COOKIE: &str = "merajut_sid";
/// Name of the CSRF cookie (plain HTTP; `__Host-merajut_csrf` behind HTTPS).
pub const CSRF_COOKIE: &str = "merajut_csrf";

/// The message of a failed sign-in, whatever the reason.
pub const LOGIN_FAILED: &str = "Nama pengguna atau kata sandi salah.";

/// Port number naming the embedded cluster's socket (Unix socket only; no TCP port is opened).
const EMBEDDED_PORT: u16 = 5432;
/// Applications alive at once in one test process. With [`POOL_SIZE`] and [`APP_POOL_SIZE`]
/// this keeps the connections under PostgreSQL's default `max_connections` (100, of which 3
/// are kept for superusers) however many threads the test harness runs.
const MAX_LIVE_APPS: usize = 10;
/// Connections of the owner's pool on a test database (the test's [`TestApp::pool`]).
const POOL_SIZE: u32 = 4;
/// Connections of the application's pool (the service's role).
const APP_POOL_SIZE: u32 = 5;
/// The service's role on an external test server (`DATABASE_URL`).
const EXTERNAL_APP_ROLE: &str = "merajut_test_app";
/// Its password (a throw-away role on a test server).
const EXTERNAL_APP_PASSWORD: &str = "merajut_test_app";
/// Prefix of the per-process scratch directory under the system temporary directory.
const ROOT_PREFIX: &str = "merajut-test-";

// ---------------------------------------------------------------------------------------------
// The PostgreSQL server of this test process
// ---------------------------------------------------------------------------------------------

/// How this test process reaches PostgreSQL.
enum Server {
    /// The embedded cluster started by [`start_embedded`].
    Embedded(ClusterLayout),
    /// The server named by `DATABASE_URL`.
    External(Url),
}

impl Server {
    /// Connection options for `database`, as the owner of its tables.
    fn connect_options(&self, database: &str) -> PgConnectOptions {
        match self {
            Server::Embedded(layout) => {
                layout.connect_options_as(merajut_sehat::pg::OWNER_ROLE, database)
            }
            Server::External(url) => PgConnectOptions::from_str(url.as_str())
                .expect("DATABASE_URL is not a valid PostgreSQL URL")
                .database(database),
        }
    }

    /// Connection options for `database`, as the service's role.
    fn app_options(&self, database: &str) -> PgConnectOptions {
        match self {
            Server::Embedded(layout) => {
                layout.connect_options_as(merajut_sehat::pg::APP_ROLE, database)
            }
            Server::External(_) => self
                .connect_options(database)
                .username(EXTERNAL_APP_ROLE)
                .password(EXTERNAL_APP_PASSWORD),
        }
    }

    /// The service's role.
    fn app_role(&self) -> &'static str {
        match self {
            Server::Embedded(_) => merajut_sehat::pg::APP_ROLE,
            Server::External(_) => EXTERNAL_APP_ROLE,
        }
    }

    /// `OWNER <role>` for `CREATE DATABASE` (the external server's URL role owns what it
    /// creates).
    fn owner_clause(&self) -> String {
        match self {
            Server::Embedded(_) => format!(" OWNER \"{}\"", merajut_sehat::pg::OWNER_ROLE),
            Server::External(_) => String::new(),
        }
    }

    /// Options for administrative statements (`CREATE DATABASE`).
    fn admin_options(&self) -> PgConnectOptions {
        match self {
            Server::Embedded(layout) => layout.connect_options("postgres"),
            // Whatever database the URL names; CREATE DATABASE works from any of them.
            Server::External(url) => {
                PgConnectOptions::from_str(url.as_str()).expect("DATABASE_URL is not valid")
            }
        }
    }

    /// A `postgres://` URL for `database` as the owner, as the command-line tool takes it in
    /// `MERAJUT_MIGRATION_DATABASE_URL` (or alone in `DATABASE_URL`).
    fn url(&self, database: &str) -> String {
        let mut url = match self {
            Server::Embedded(layout) => {
                let mut url = Url::parse(&format!(
                    "postgres://{}@localhost:{}/",
                    merajut_sehat::pg::OWNER_ROLE,
                    layout.port
                ))
                .expect("a valid URL");
                url.query_pairs_mut()
                    .append_pair("host", &layout.socket_dir.to_string_lossy());
                url
            }
            Server::External(url) => url.clone(),
        };
        url.set_path(&format!("/{database}"));
        url.to_string()
    }

    /// A `postgres://` URL for `database` as the service's role (`DATABASE_URL`).
    fn app_url(&self, database: &str) -> String {
        let mut url = Url::parse(&self.url(database)).expect("a valid URL");
        url.set_username(self.app_role())
            .expect("a URL with a host");
        if let Server::External(_) = self {
            url.set_password(Some(EXTERNAL_APP_PASSWORD))
                .expect("a URL with a host");
        }
        url.to_string()
    }
}

/// Creates the service's role on an external test server unless it exists (several test
/// processes may race: a duplicate is fine).
async fn create_external_app_role(url: &Url) {
    let mut conn = PgConnectOptions::from_str(url.as_str())
        .expect("DATABASE_URL is not valid")
        .connect()
        .await
        .expect("cannot connect to DATABASE_URL");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(EXTERNAL_APP_ROLE)
            .fetch_one(&mut conn)
            .await
            .expect("looking up the test service role");
    if !exists {
        let sql = format!(
            "CREATE ROLE {EXTERNAL_APP_ROLE} LOGIN PASSWORD '{EXTERNAL_APP_PASSWORD}' \
             NOSUPERUSER NOCREATEDB NOCREATEROLE"
        );
        if let Err(e) = sqlx::query(&sql).execute(&mut conn).await {
            let duplicate = matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("42710") || d.code().as_deref() == Some("23505"));
            assert!(
                duplicate,
                "cannot create the role {EXTERNAL_APP_ROLE} on DATABASE_URL (the URL's role needs \
                 CREATEROLE once): {e}"
            );
        }
    }
    let _ = conn.close().await;
}

/// The embedded cluster of this test process, or `None` with `DATABASE_URL`.
pub fn embedded_cluster() -> Option<&'static ClusterLayout> {
    match server() {
        Server::Embedded(layout) => Some(layout),
        Server::External(_) => None,
    }
}

/// The server of this process: started (or looked up) on first use.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            Server::External(Url::parse(url.trim()).expect("DATABASE_URL is not a valid URL"))
        }
        _ => Server::Embedded(start_embedded()),
    })
}

/// This process's scratch directory: `$TMPDIR/merajut-test-<pid>`. Holds the embedded cluster
/// (`pg/`) and each test application's data directory (`apps/<db>/`). It is outside the
/// checkout on purpose: the server runs as user `postgres` when the tests run as root, and that
/// user may not be allowed into the checkout's parent directories.
pub fn test_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let tmp = std::env::temp_dir();
        remove_leftovers(&tmp);
        let root = tmp.join(format!("{ROOT_PREFIX}{}", std::process::id()));
        // Same pid as a dead earlier run: whatever is there is stale.
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
        root
    })
}

/// Removes `merajut-test-<pid>` directories of processes that no longer exist.
fn remove_leftovers(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(ROOT_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Initialises and starts the embedded cluster on a thread that lives as long as the process.
///
/// The server gets a parent-death signal bound to the *thread* that spawned it, so that thread
/// must never end while tests run: it parks forever, holding the server. When the test process
/// exits, the thread goes with it and the server receives SIGINT (fast shutdown).
fn start_embedded() -> ClusterLayout {
    let root = test_root().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel::<Result<ClusterLayout, String>>();
    std::thread::Builder::new()
        .name("test-postgres".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(format!("cannot build a runtime: {e}")));
                    return;
                }
            };
            let started = runtime.block_on(async {
                let layout = ClusterLayout::new(&root, EMBEDDED_PORT)?;
                let pg_bin = std::env::var_os("MERAJUT_PG_BIN").map(PathBuf::from);
                let pg = EmbeddedPostgres::start(&layout, pg_bin.as_deref()).await?;
                // A throw-away cluster: durability buys nothing, and skipping it makes
                // CREATE/DROP DATABASE and every commit much cheaper.
                let mut conn = layout.connect_options("postgres").connect().await?;
                for setting in [
                    "fsync = off",
                    "synchronous_commit = off",
                    "full_page_writes = off",
                ] {
                    sqlx::query(&format!("ALTER SYSTEM SET {setting}"))
                        .execute(&mut conn)
                        .await?;
                }
                sqlx::query("SELECT pg_reload_conf()")
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                anyhow::Ok((layout, pg))
            });
            match started {
                Ok((layout, pg)) => {
                    let _ = tx.send(Ok(layout));
                    // Keep the server (and this thread, its parent) alive for good.
                    let _keep = pg;
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("{e:#}")));
                }
            }
        })
        .expect("cannot spawn the PostgreSQL thread");
    match rx.recv() {
        Ok(Ok(layout)) => layout,
        Ok(Err(e)) => panic!(
            "the test PostgreSQL cluster did not start: {e}\n\
             Install the PostgreSQL server (Debian: apt-get install -y postgresql), or set \
             DATABASE_URL to a server where this role may CREATE DATABASE."
        ),
        Err(_) => panic!("the test PostgreSQL thread ended without an answer"),
    }
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

/// A database of its own for one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// `test_<uuid>`.
    pub name: String,
    /// Connection options for it, as the owner of its tables.
    pub options: PgConnectOptions,
    /// A URL for it as the owner, for `MERAJUT_MIGRATION_DATABASE_URL` (or `DATABASE_URL`
    /// alone) of the command-line tool.
    pub url: String,
    /// Connection options for it as the service's restricted role.
    pub app_options: PgConnectOptions,
    /// A URL for it as the service's role, for `DATABASE_URL` of the command-line tool.
    pub app_url: String,
}

impl TestDatabase {
    /// A new database with every migration applied (cloned from the template).
    pub async fn create() -> TestDatabase {
        let template = template().await;
        Self::create_from(Some(template)).await
    }

    /// A new, empty database (no migrations), e.g. to test migrating from nothing.
    pub async fn create_empty() -> TestDatabase {
        Self::create_from(None).await
    }

    async fn create_from(template: Option<&str>) -> TestDatabase {
        Self::create_on(server(), template).await
    }

    /// A new database on `server`, cloned from `template` or empty.
    async fn create_on(server: &Server, template: Option<&str>) -> TestDatabase {
        let name = format!("test_{}", Uuid::new_v4().simple());
        let owner = server.owner_clause();
        let sql = match template {
            Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\"{owner}"),
            None => format!("CREATE DATABASE \"{name}\"{owner}"),
        };
        execute_admin_on(server, &sql).await;
        TestDatabase {
            options: server.connect_options(&name),
            url: server.url(&name),
            app_options: server.app_options(&name),
            app_url: server.app_url(&name),
            name,
        }
    }

    /// A pool on this database as the service's restricted role.
    pub async fn app_pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(APP_POOL_SIZE)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_with(self.app_options.clone())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {} as the service: {e}", self.name))
    }

    /// A pool on this database as the owner, sized for a test (see [`MAX_LIVE_APPS`]).
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_with(self.options.clone())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.name))
    }

    /// Drops this database (for tests that made one without a [`TestApp`], which drops its
    /// own); close its pools first.
    pub fn remove(self) {
        drop_database(&self.name);
    }
}

/// Runs one statement on `server`'s administrative connection.
async fn execute_admin_on(server: &Server, sql: &str) {
    let mut conn = server
        .admin_options()
        .connect()
        .await
        .expect("cannot connect to the test PostgreSQL server");
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
    let _ = conn.close().await;
}

/// The template database of this process: migrations and the session store's schema applied
/// and the service's role granted its rights by the owner, as the service does at start
/// ([`db::prepare`]), every connection to it closed (PostgreSQL refuses to copy a database
/// that is in use).
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            if let Server::External(url) = server() {
                create_external_app_role(url).await;
            }
            let db = TestDatabase::create_empty().await;
            let pool = db.pool().await;
            db::prepare(&pool, Some(server().app_role()))
                .await
                .expect("migrating the template database as its owner");
            pool.close().await;
            db.name
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// The application under test
// ---------------------------------------------------------------------------------------------

/// A running application on its own database.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub address: String,
    /// The port it listens on.
    pub port: u16,
    /// A pool on the application's database as the owner of its tables, for arranging data and
    /// checking what was stored (it may do what the application may not, e.g. backdate history).
    pub pool: PgPool,
    /// The pool the application itself runs on: the service's restricted role.
    pub app_pool: PgPool,
    /// `DATABASE_URL` as the service's role (with [`TestApp::database_url`] as the owner's
    /// `MERAJUT_MIGRATION_DATABASE_URL`, as [`TestApp::run_cli`] passes them).
    pub app_database_url: String,
    /// The database's name (`test_<uuid>`).
    pub db_name: String,
    /// A URL of this database as the owner of its tables (the command-line tool's
    /// `MERAJUT_MIGRATION_DATABASE_URL`, or `DATABASE_URL` alone).
    pub database_url: String,
    /// The application's data directory (uploaded files live under `files/`).
    pub data_dir: PathBuf,
    /// The settings the application was built with.
    pub settings: Settings,
    /// The application's clock: the system's, unless the test built the app with
    /// [`spawn_app_at`] (then `clock.set`/`clock.advance` move the application's time).
    pub clock: Clock,
    /// The case service on the application's database, files and clock, for arranging cases.
    pub cases: CaseService,
    /// The database lives on a cluster of the test's own ([`spawn_app_on_cluster`]), which goes with
    /// the test: nothing to drop on the shared server.
    own_cluster: bool,
    /// Dropping it stops the server (gracefully).
    _shutdown: oneshot::Sender<()>,
    /// Dropping it lets another test start its application (a second instance of one test's
    /// application, [`TestApp::spawn_second_instance`], takes none: it would wait on its own test).
    _slot: Option<OwnedSemaphorePermit>,
    /// Whether dropping this drops the database (not for a second instance on it).
    owns_database: bool,
}

impl Drop for TestApp {
    /// Drops the test's database, so a long run does not fill the disk (or an external server).
    /// A failed test keeps it for inspection and says where it is; `TEST_KEEP_DB=1` keeps all.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "test database kept for inspection: {} (DATABASE_URL={})",
                self.db_name, self.database_url
            );
            return;
        }
        if self.owns_database && !self.own_cluster && std::env::var_os("TEST_KEEP_DB").is_none() {
            drop_database(&self.db_name);
        }
    }
}

/// Drops `name`, closing whatever connections are still open to it. Runs on a thread of its own
/// because `Drop` cannot await.
fn drop_database(name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    let dropped = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?
                    .block_on(async {
                        let mut conn = server()
                            .admin_options()
                            .connect()
                            .await
                            .map_err(|e| e.to_string())?;
                        sqlx::query(&sql)
                            .execute(&mut conn)
                            .await
                            .map_err(|e| e.to_string())?;
                        let _ = conn.close().await;
                        Ok::<(), String>(())
                    })
            })
            .join()
    });
    match dropped {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("could not drop test database {name}: {e}"),
        Err(_) => eprintln!("could not drop test database {name}: the thread panicked"),
    }
}

/// Waits for a free application slot (see [`MAX_LIVE_APPS`]).
async fn app_slot() -> OwnedSemaphorePermit {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS
        .get_or_init(|| Arc::new(Semaphore::new(MAX_LIVE_APPS)))
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed")
}

/// Starts the application on a fresh database with the test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after `configure` adjusted the test settings (e.g. a smaller upload
/// limit or a shorter session).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    build_app(configure, Clock::system()).await
}

/// Starts the application with its clock standing at `at` (WITA dates follow from it); the test
/// moves it with `app.clock.set(..)` / `app.clock.advance(..)`.
pub async fn spawn_app_at(at: chrono::DateTime<chrono::Utc>) -> TestApp {
    build_app(|_| {}, Clock::fixed(at)).await
}

/// [`spawn_app_with`] with the clock standing at `at` (see [`spawn_app_at`]).
pub async fn spawn_app_with_at(
    at: chrono::DateTime<chrono::Utc>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    build_app(configure, Clock::fixed(at)).await
}

/// Starts the application on `database` (e.g. one `merajut-sehat restore` filled) with the data
/// directory `data_dir`, after `configure` adjusted the test settings.
pub async fn spawn_app_on(
    database: TestDatabase,
    data_dir: PathBuf,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let slot = app_slot().await;
    build_app_on(slot, database, data_dir, configure, Clock::system()).await
}

async fn build_app(configure: impl FnOnce(&mut Settings), clock: Clock) -> TestApp {
    init_logs();
    let slot = app_slot().await;
    let database = TestDatabase::create().await;
    serve_app(database, slot, configure, clock).await
}

/// Serves the application on `database` (taking the application slot `slot`).
async fn serve_app(
    database: TestDatabase,
    slot: OwnedSemaphorePermit,
    configure: impl FnOnce(&mut Settings),
    clock: Clock,
) -> TestApp {
    let data_dir = test_root().join("apps").join(&database.name);
    build_app_on(slot, database, data_dir, configure, clock).await
}

async fn build_app_on(
    slot: OwnedSemaphorePermit,
    database: TestDatabase,
    data_dir: PathBuf,
    configure: impl FnOnce(&mut Settings),
    clock: Clock,
) -> TestApp {
    let mut settings = Settings {
        database_url: None,
        migration_database_url: None,
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.clone(),
        pg_bin: None,
        pg_port: EMBEDDED_PORT,
        // The application's pool (`db::PoolSettings::service`): production's limits, but a
        // patient acquire timeout, since a loaded test machine is slow and not down (the tests
        // of database trouble, tests/api/database_trouble.rs, set a short one).
        db_max_connections: APP_POOL_SIZE,
        db_acquire_timeout_ms: 30_000,
        db_statement_timeout_ms: 30_000,
        db_idle_in_transaction_timeout_ms: 60_000,
        log_format: LogFormat::Pretty,
        // Tests move the app clock by days with one browser session; the session tests set
        // the limits they test (`spawn_app_with_at`).
        session_idle_minutes: 60 * 24 * 3650,
        session_max_hours: 24 * 3650,
        secure_cookie: false,
        max_upload_mb: 10,
        public_url: None,
        smtp_url: None,
        smtp_from: None,
        webhook_url: None,
        webhook_secret: None,
        // Tests run the worker's passes themselves (`worker::Worker::run_once`), or switch it
        // on with a short poll interval.
        worker: false,
        worker_poll_ms: 50,
        trusted_proxies: vec![],
        // Many sign-ins from 127.0.0.1 in one test (the route matrix signs in every role);
        // the throttling tests set their own burst.
        sign_in_burst: 10_000,
        sign_in_refill_seconds: 3,
        // Likewise for invalid API tokens (the route matrix and the token tests send some);
        // `tests/api/api_tokens.rs` sets its own.
        api_token_burst: 10_000,
        api_token_refill_seconds: 6,
        // The throttling test of the status page sets its own burst.
        status_lookup_burst: 10_000,
        status_lookup_refill_seconds: 30,
        activation_hours: 24,
        shutdown_grace_seconds: 20,
        // Local files; the storage tests (tests/api/storage.rs) switch to S3.
        storage: StorageSettings::default(),
    };
    configure(&mut settings);
    let pool = database.pool().await;
    // The application's own pool, as the service opens it (size, acquire timeout and the
    // statement limits of every connection from the settings).
    let app_pool = db::connect(
        database.app_options.clone(),
        &db::PoolSettings::service(&settings),
    )
    .await
    .unwrap_or_else(|e| panic!("cannot connect to {} as the service: {e}", database.name));
    let app = Application::build_with_clock(settings.clone(), app_pool.clone(), clock.clone())
        .await
        .expect("building the application");
    let cases = CaseService {
        pool: pool.clone(),
        files: FileStore::from_settings(&settings.storage, settings.files_dir())
            .expect("the test's storage settings"),
        clock: clock.clone(),
        max_upload_bytes: usize::MAX,
        outbox: Outbox {
            email: settings.email_enabled(),
            webhook: settings.webhook_enabled(),
        },
        figures_memo: Default::default(),
        reference: Default::default(),
    };
    let port = app.local_addr().port();
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        // Sent or dropped: either way the test is over.
        let _ = stop.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        pool,
        app_pool,
        app_database_url: database.app_url,
        db_name: database.name,
        database_url: database.url,
        data_dir,
        settings,
        clock,
        cases,
        own_cluster: false,
        _shutdown: shutdown,
        _slot: Some(slot),
        owns_database: true,
    }
}

impl TestApp {
    /// Starts a second instance of this application, as a second server behind a load balancer
    /// runs: its own listener, pool, in-memory state and worker (when `configure` switches it
    /// on), on the same database, data directory (shared storage) and clock. Dropping it stops
    /// it (gracefully) and leaves the database to the first.
    pub async fn spawn_second_instance(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        let options = (*self.app_pool.connect_options()).clone();
        let app_pool = db::connect(options, &db::PoolSettings::service(&settings))
            .await
            .expect("connecting the second instance as the service");
        let app =
            Application::build_with_clock(settings.clone(), app_pool.clone(), self.clock.clone())
                .await
                .expect("building the second instance");
        let port = app.local_addr().port();
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stop.await;
        }));
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            pool: self.pool.clone(),
            app_pool,
            app_database_url: self.app_database_url.clone(),
            db_name: self.db_name.clone(),
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            settings,
            clock: self.clock.clone(),
            cases: self.cases.clone(),
            own_cluster: self.own_cluster,
            _shutdown: shutdown,
            _slot: None,
            owns_database: false,
        }
    }
}

/// Installs the application's log subscriber once, when `TEST_LOG` is set.
fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            merajut_sehat::telemetry::init(LogFormat::Pretty);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// A PostgreSQL cluster of one test's own
// ---------------------------------------------------------------------------------------------

/// A cluster that one test starts, stops and starts again (the shared server must stay up for
/// every other test): the application's own [`EmbeddedPostgres`], under this process's scratch
/// directory, on a Unix socket named by `port` (and on TCP at that port when the settings open
/// `listen_addresses`). Stopped when dropped. Start it from the test itself: the server ends
/// with the thread that started it.
pub struct OwnCluster {
    /// Where it lives (`layout.pg_data` is its data directory).
    pub layout: ClusterLayout,
    /// Server settings given at every start after the service's own
    /// ([`EmbeddedPostgres::start_with`]); change them between [`OwnCluster::stop`] and
    /// [`OwnCluster::start_again`].
    pub settings: Vec<(String, String)>,
    server: Option<EmbeddedPostgres>,
}

impl OwnCluster {
    /// Initialises and starts a new cluster with `settings` (besides fast, non-durable
    /// commits: a throw-away cluster).
    pub async fn start(port: u16, settings: &[(&str, &str)]) -> OwnCluster {
        let dir = test_root()
            .join("clusters")
            .join(Uuid::new_v4().simple().to_string());
        let layout = ClusterLayout::new(&dir, port).expect("a layout for the test's own cluster");
        let all: Vec<(String, String)> = [
            ("fsync", "off"),
            ("synchronous_commit", "off"),
            ("full_page_writes", "off"),
        ]
        .iter()
        .chain(settings)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut cluster = OwnCluster {
            layout,
            settings: all,
            server: None,
        };
        cluster.start_again().await;
        cluster
    }

    /// Stops the server (fast shutdown: open transactions are rolled back, every client
    /// disconnected) and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.stop();
        }
    }

    /// Starts the (stopped) server again, with [`OwnCluster::settings`].
    pub async fn start_again(&mut self) {
        assert!(self.server.is_none(), "the test's own cluster is running");
        let settings: Vec<(&str, &str)> = self
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let pg_bin = std::env::var_os("MERAJUT_PG_BIN").map(PathBuf::from);
        let server = EmbeddedPostgres::start_with(&self.layout, pg_bin.as_deref(), &settings)
            .await
            .unwrap_or_else(|e| panic!("the test's own PostgreSQL cluster did not start: {e:#}"));
        self.server = Some(server);
    }

    /// The user `postgres` (uid, gid) when the tests run as root (the server then runs as
    /// `postgres`, and files it reads must be its own), `None` otherwise.
    pub fn server_user() -> Option<(u32, u32)> {
        if !nix::unistd::Uid::effective().is_root() {
            return None;
        }
        let user = nix::unistd::User::from_name("postgres")
            .expect("looking up the postgres user")
            .expect("running as root, the user postgres must exist");
        Some((user.uid.as_raw(), user.gid.as_raw()))
    }
}

/// Starts the application on a new database of `cluster` (migrated from nothing, as at a first
/// start) after `configure` adjusted the test settings.
pub async fn spawn_app_on_cluster(
    cluster: &OwnCluster,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let slot = app_slot().await;
    let server = Server::Embedded(cluster.layout.clone());
    let database = TestDatabase::create_on(&server, None).await;
    let pool = database.pool().await;
    db::prepare(&pool, Some(server.app_role()))
        .await
        .expect("migrating the test's own database as its owner");
    pool.close().await;
    let mut app = serve_app(database, slot, configure, Clock::system()).await;
    app.own_cluster = true;
    app
}

/// A user created by a test, with the password it signs in with.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub username: String,
    pub password: String,
    pub role: Role,
}

impl TestApp {
    /// The absolute URL of `path` (`"/masuk"`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A browser-like client: keeps cookies, does NOT follow redirects (tests assert the 303
    /// and its `Location`).
    pub fn client(&self) -> TestClient {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .expect("building the HTTP client");
        TestClient {
            http,
            jar,
            base: Url::parse(&self.address).expect("the app address is a URL"),
        }
    }

    /// A client without a cookie jar that sends `Cookie: <cookie>` with every request (to replay
    /// a stolen or old session cookie, e.g. `merajut_sid=…`).
    pub fn client_with_cookie(&self, cookie: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::COOKIE,
            cookie.parse().expect("a valid Cookie header"),
        );
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("building the HTTP client")
    }

    /// A client that sends `Authorization: Bearer <token>` (for `/api/v1`).
    pub fn bearer_client(&self, token: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}")
                .parse()
                .expect("a valid Authorization header"),
        );
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("building the HTTP client")
    }

    /// Creates a user directly in the database; it does not have to change its password.
    /// `scope` is a hospital code (`RSUD-WZJ`) for `rsud` or a kab/kota code (`53.71`) for
    /// `*_kab` roles, as on the command line.
    pub async fn create_user(
        &self,
        username: &str,
        role: &str,
        scope: Option<&str>,
        password: &str,
    ) -> Uuid {
        let role: Role = role
            .parse()
            .unwrap_or_else(|_| panic!("unknown role {role:?}"));
        let (hospital_id, kab_kota_code) = cli::resolve_scope(&self.pool, role, scope)
            .await
            .expect("resolving the scope");
        let hash = auth::hash_password_async(password.to_string())
            .await
            .expect("hashing the password");
        let id = db::users::create(
            &self.pool,
            &NewUser {
                username,
                display_name: &format!("Pengguna {username}"),
                role,
                hospital_id,
                kab_kota_code: kab_kota_code.as_deref(),
                password_hash: &hash,
                must_change_password: false,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("inserting user {username}: {e}"));
        if auth::totp::is_mandatory(role) {
            db::two_factor::set_confirmed(&self.pool, id, TOTP_SECRET, self.clock.now())
                .await
                .expect("enrolling the second factor");
        }
        id
    }

    /// The current TOTP code of `username` (from its stored secret, at the application's
    /// time). Tests sign the same user in many times within one 30-second step, so the step
    /// last used is forgotten first (a real user waits for the next code).
    pub async fn totp_code(&self, username: &str) -> String {
        let secret: Vec<u8> = sqlx::query_scalar(
            "UPDATE user_totp SET last_step = NULL \
             WHERE user_id = (SELECT id FROM users WHERE lower(username) = lower($1)) \
             RETURNING secret",
        )
        .bind(username)
        .fetch_one(&self.pool)
        .await
        .unwrap_or_else(|e| panic!("{username} has no second factor: {e}"));
        auth::totp::code_at(&secret, self.clock.now())
    }

    /// Creates a user with a generated username (`<role>_<random>`) and [`PASSWORD`].
    pub async fn create_test_user(&self, role: &str, scope: Option<&str>) -> TestUser {
        let username = format!("{role}_{}", &Uuid::new_v4().simple().to_string()[..8]);
        let id = self.create_user(&username, role, scope, PASSWORD).await;
        TestUser {
            id,
            username,
            password: PASSWORD.to_string(),
            role: role
                .parse()
                .unwrap_or_else(|_| panic!("unknown role {role:?}")),
        }
    }

    /// A new user of `role` and a client signed in as that user (one client per role, as the
    /// tests read best).
    pub async fn signed_in(&self, role: &str, scope: Option<&str>) -> (TestClient, TestUser) {
        let user = self.create_test_user(role, scope).await;
        let client = self.client();
        let response = self.login(&client, &user.username, &user.password).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "signing in as {} failed",
            user.username
        );
        (client, user)
    }

    /// GET `path`.
    pub async fn get(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET `path` and return the body as text, asserting the status is 200.
    pub async fn get_html(&self, client: &reqwest::Client, path: &str) -> String {
        let response = self.get(client, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.expect("reading the page")
    }

    /// The CSRF token in the form(s) of the page at `path` (the token is per session, so any
    /// page with a form will do).
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let response = self.get(client, path).await;
        let status = response.status();
        let html = response.text().await.expect("reading the page");
        attr(&html, "input[name=csrf_token]", "value")
            .unwrap_or_else(|| panic!("GET {path} ({status}) has no csrf_token field:\n{html}"))
    }

    /// Signs in through the form on `/masuk`, and gives the code of `/masuk/kode` when the user
    /// has a second factor; returns the last answer (303 to `/` or to `/akun/kata-sandi` on
    /// success, 422 on failure).
    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let response = self.login_password(client, username, password).await;
        if location(&response).as_deref() != Some("/masuk/kode") {
            return response;
        }
        let code = self.totp_code(username).await;
        self.post_form(client, "/masuk/kode", &[("code", &code)])
            .await
    }

    /// Issues an activation code for `username` with the command line, as the operator does
    /// (`merajut-sehat user activation-code <username>`), and returns the printed code.
    pub async fn activation_code_cli(&self, username: &str) -> String {
        let out = self
            .run_cli(&["user", "activation-code", username], "")
            .await;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "activation-code failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("activation code for {username}: ")))
            .unwrap_or_else(|| panic!("no code printed: {stdout}"))
            .trim()
            .to_string()
    }

    /// Chooses `password` with an activation code on `/aktivasi`; returns the answer (303 to
    /// `/masuk` when the code worked, 422 otherwise).
    pub async fn activate(
        &self,
        client: &reqwest::Client,
        username: &str,
        code: &str,
        password: &str,
    ) -> reqwest::Response {
        self.post_form(
            client,
            "/aktivasi",
            &[
                ("username", username),
                ("code", code),
                ("new_password", password),
                ("confirm_password", password),
            ],
        )
        .await
    }

    /// Enrols the signed-in user of `client` in two-factor sign-in through
    /// `/akun/dua-langkah`, with the secret the page shows; returns the page of recovery codes.
    pub async fn enrol_second_factor(&self, client: &reqwest::Client) -> String {
        let page = self.get_html(client, "/akun/dua-langkah").await;
        let shown = text(&page, "#totp-secret").expect("the secret in text");
        let secret = base32_decode(&shown);
        let code = auth::totp::code_at(&secret, self.clock.now());
        let response = self
            .post_form(client, "/akun/dua-langkah", &[("code", &code)])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "enrolment refused");
        response.text().await.expect("the recovery codes page")
    }

    /// The first step of signing in only: the form on `/masuk` (303 to `/masuk/kode` for a
    /// user with a second factor).
    pub async fn login_password(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        self.post_form(
            client,
            "/masuk",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Signs out with the form in the page header.
    pub async fn logout(&self, client: &reqwest::Client) -> reqwest::Response {
        self.post_form_from(client, "/", "/keluar", &[]).await
    }

    /// POSTs a form to `path` as the page at `path` would: the CSRF token is read from that
    /// page first.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form_from(client, path, path, fields).await
    }

    /// POSTs a form to `action` with the CSRF token read from the page at `page` (for buttons
    /// such as "Nonaktifkan" whose action has no page of its own).
    pub async fn post_form_from(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(client, page).await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        self.post_raw(client, action, &form).await
    }

    /// POSTs exactly these fields (no CSRF token added).
    pub async fn post_raw(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Creates a personal API token for the user directly in the database and returns it; it
    /// was made now (app clock) and expires in fifty years.
    pub async fn api_token(&self, user_id: Uuid) -> String {
        let (token, hash) = auth::generate_token();
        let now = self.clock.now();
        // Far beyond any clock move of a test (the retention test moves years); the expiry
        // tests make their own tokens.
        let expires_at = now + chrono::Duration::days(365 * 50);
        db::tokens::insert(&self.pool, user_id, "uji", &hash, now, expires_at)
            .await
            .expect("inserting an API token");
        token
    }

    /// Runs the `merajut-sehat` binary with `args` against this app's database, as in
    /// production (`DATABASE_URL` the service's role, `MERAJUT_MIGRATION_DATABASE_URL` the
    /// owner), writing `stdin` to its standard input.
    pub async fn run_cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        run_cli_on(
            Some((&self.app_database_url, &self.database_url)),
            &self.data_dir,
            args,
            stdin,
        )
        .await
    }
}

/// Runs the `merajut-sehat` binary with `args` as in production: with `database` = (the
/// service's role's URL, the owner's URL) as `DATABASE_URL` and `MERAJUT_MIGRATION_DATABASE_URL`,
/// or, with `None`, neither (the embedded cluster of `data_dir`); `stdin` written to its
/// standard input.
pub async fn run_cli_on(
    database: Option<(&str, &str)>,
    data_dir: &Path,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"));
    match database {
        Some((app_url, owner_url)) => command
            .env("DATABASE_URL", app_url)
            .env("MERAJUT_MIGRATION_DATABASE_URL", owner_url),
        None => command
            .env_remove("DATABASE_URL")
            .env_remove("MERAJUT_MIGRATION_DATABASE_URL"),
    };
    let mut child = command
        .args(args)
        .env("MERAJUT_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starting merajut-sehat");
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("writing to the command's stdin");
    drop(input);
    child
        .wait_with_output()
        .await
        .expect("waiting for merajut-sehat")
}

// ---------------------------------------------------------------------------------------------
// Clients and pages
// ---------------------------------------------------------------------------------------------

/// A cookie-keeping client of one test app; derefs to [`reqwest::Client`].
pub struct TestClient {
    http: reqwest::Client,
    jar: Arc<Jar>,
    base: Url,
}

impl Deref for TestClient {
    type Target = reqwest::Client;
    fn deref(&self) -> &reqwest::Client {
        &self.http
    }
}

impl TestClient {
    /// The value of the cookie `name` this client would send to the app.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// The `Location` header of a response.
pub fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Asserts a 303 redirect to `to`.
#[track_caller]
pub fn assert_redirect(response: &reqwest::Response, to: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected 303 to {to}, got {} (Location {:?})",
        response.status(),
        location(response)
    );
    assert_eq!(location(response).as_deref(), Some(to));
}

fn selector(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap_or_else(|e| panic!("bad CSS selector {css:?}: {e}"))
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text (whitespace collapsed) of the first element matching `css`.
pub fn text(html: &str, css: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    doc.select(&selector(css))
        .next()
        .map(|e| normalise(&e.text().collect::<String>()))
}

/// The texts of every element matching `css`.
pub fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    doc.select(&selector(css))
        .map(|e| normalise(&e.text().collect::<String>()))
        .collect()
}

/// The attribute `name` of the first element matching `css`.
pub fn attr(html: &str, css: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    doc.select(&selector(css))
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_string)
}

/// The `value` of the `<option>` of the `<select>` matching `select_css` whose text contains
/// `label` (choosing from a list as a user would).
pub fn option_value(html: &str, select_css: &str, label: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let options = selector(&format!("{select_css} option"));
    doc.select(&options)
        .find(|o| o.text().collect::<String>().contains(label))
        .and_then(|o| o.value().attr("value"))
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Cases: arranged through the same service calls the pages use, so they carry real history
// ---------------------------------------------------------------------------------------------

/// A 1×1 PNG: a stand-in for a photographed document (the server decodes and re-encodes it).
pub const TEST_PNG: &[u8] = merajut_sehat::demo::DEMO_PNG;

/// A one-page PDF that parses (the server refuses PDFs that do not).
pub const TEST_PDF: &[u8] = merajut_sehat::demo::DEMO_PDF;

/// A one-page PDF of exactly `size` bytes (at least 400): a comment line pads it.
pub fn test_pdf_of(size: usize) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ];
    let build = |pad: usize| {
        let mut out = format!("%PDF-1.4\n%{}\n", "x".repeat(pad)).into_bytes();
        let mut offsets = vec![];
        for (i, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).bytes());
        }
        let xref = out.len();
        out.extend(b"xref\n0 4\n0000000000 65535 f \n");
        for offset in offsets {
            out.extend(format!("{offset:010} 00000 n \n").bytes());
        }
        out.extend(
            format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").bytes(),
        );
        out
    };
    let mut pad = size.saturating_sub(build(0).len());
    loop {
        let pdf = build(pad);
        if pdf.len() <= size {
            return pdf;
        }
        pad -= pdf.len() - size;
    }
}

/// A 16×8 JPEG (the server decodes and re-encodes photos, so it must be a real one).
pub fn test_jpeg() -> Vec<u8> {
    let photo = image::RgbImage::from_fn(16, 8, |x, y| {
        image::Rgb([(x * 15) as u8, (y * 30) as u8, 90])
    });
    let mut out = vec![];
    image::DynamicImage::ImageRgb8(photo)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .expect("encoding a JPEG");
    out
}

/// The intake form of a patient with an identity document: every field, as the form sends it.
/// `nik` must agree with `sex` and `birth_date` (`YYYY-MM-DD`); `kab` is the domicile kab/kota
/// code (`53.71`).
pub fn intake_fields(
    name: &str,
    sex: &str,
    birth_date: &str,
    nik: &str,
    kab: &str,
) -> Vec<(String, String)> {
    let today = Clock::system().today().to_string();
    [
        ("full_name", name),
        ("sex", sex),
        ("birth_place", "Kupang"),
        ("birth_date", birth_date),
        ("has_identity_document", "ya"),
        ("nik", nik),
        ("kk_number", ""),
        ("address", "Jl. Timor Raya No. 12"),
        ("desa", "Oesapa"),
        ("kecamatan", "Kelapa Lima"),
        ("domicile_kab_kota_code", kab),
        ("family_phone", "0812-3456-7890"),
        ("admission_date", today.as_str()),
        ("service_type", "rawat_inap"),
        ("ward_class", "kelas_3"),
        ("clinical_reason", "Pneumonia, perlu rawat inap"),
        ("jkn_status", "tidak_ada"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

impl TestApp {
    /// The signed-in form of `user`, for calling the case service directly.
    pub async fn current_user(&self, user: &TestUser) -> merajut_sehat::auth::CurrentUser {
        db::users::by_username(&self.pool, &user.username)
            .await
            .expect("reading the user")
            .unwrap_or_else(|| panic!("no user {}", user.username))
            .into()
    }

    /// A draft case registered by the hospital PIC `pic` with `fields` (see [`intake_fields`])
    /// and a KTP photo, so it can be submitted.
    pub async fn arrange_draft(&self, pic: &TestUser, fields: &[(String, String)]) -> Uuid {
        let user = self.current_user(pic).await;
        let input = fields.iter().cloned().collect();
        let patient = self
            .cases
            .parse_patient(&input)
            .await
            .unwrap_or_else(|e| panic!("arranging a draft: {e:?}"));
        let id = self
            .cases
            .create_draft(&user, &patient, Some(Uuid::new_v4()))
            .await
            .unwrap_or_else(|e| panic!("arranging a draft: {e:?}"));
        let ktp = merajut_sehat::cases::Upload {
            kind: "ktp",
            bytes: TEST_PNG,
            original_name: Some("ktp.png"),
        };
        self.cases
            .add_document(&user, id, &ktp)
            .await
            .unwrap_or_else(|e| panic!("arranging the KTP photo: {e:?}"));
        id
    }

    /// `user` takes `action` (`verify_nik`) on case `id` with `fields`, at the case's current
    /// version, as the action's form would.
    pub async fn arrange_action(
        &self,
        user: &TestUser,
        id: Uuid,
        action: &str,
        fields: &[(&str, &str)],
    ) {
        let current = self.current_user(user).await;
        let action: merajut_sehat::domain::Action = action
            .parse()
            .unwrap_or_else(|_| panic!("unknown action {action:?}"));
        let case = self
            .cases
            .visible_case(&current, id)
            .await
            .unwrap_or_else(|e| panic!("{} cannot see case {id}: {e:?}", user.username));
        let input = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.cases
            .perform(&current, id, case.version, action, &input)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{} taking {} on {id}: {e:?}",
                    user.username,
                    action.as_str()
                )
            });
    }

    /// A case of `pic`'s hospital from `fields` (see [`intake_fields`]), submitted, its NIK
    /// verified and its desil recorded (3) by users made for it: waiting for Dinkes's
    /// guarantee review.
    pub async fn arrange_guarantee_review(
        &self,
        pic: &TestUser,
        fields: &[(String, String)],
    ) -> Uuid {
        let dukcapil = self.create_test_user("dukcapil_prov", None).await;
        let dinsos = self.create_test_user("dinsos_prov", None).await;
        let id = self.arrange_draft(pic, fields).await;
        self.arrange_action(pic, id, "submit", &[]).await;
        let registry = [
            ("source_system", "siak"),
            ("registry_data", "Terdaftar di SIAK"),
        ];
        self.arrange_action(&dukcapil, id, "verify_nik", &registry)
            .await;
        let desil = [
            ("source_system", "siks_ng"),
            ("desil", "3"),
            ("registry_data", "Desil 3"),
        ];
        self.arrange_action(&dinsos, id, "record_desil", &desil)
            .await;
        id
    }

    /// The stored state and version of case `id`.
    pub async fn case_state(&self, id: Uuid) -> (String, i32) {
        sqlx::query_as("SELECT state::text, version FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .expect("reading the case")
    }

    /// POSTs a multipart form to `action` as the page at `page` would (CSRF token read from
    /// it): `fields` as text parts, `files` as `(input name, file name, bytes)` file parts.
    pub async fn post_multipart(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(String, String)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> reqwest::Response {
        let token = self.csrf(client, page).await;
        let mut form = reqwest::multipart::Form::new().text("csrf_token", token);
        for (k, v) in fields {
            form = form.text(k.clone(), v.clone());
        }
        for (name, file_name, bytes) in files {
            form = form.part(
                name.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.to_string()),
            );
        }
        client
            .post(self.url(action))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {action}: {e}"))
    }
}
