//! Command line and environment configuration (clap). Every option has an environment
//! variable; the README lists them all.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The `merajut-sehat` command: serves the web application, or runs an operator subcommand.
#[derive(Debug, Parser)]
#[command(
    name = "merajut-sehat",
    version,
    about = "Merajut Sehat case tracking service"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    /// Seed demo users (one per role, `demo_<role>`) and demo cases, then serve.
    #[arg(long, env = "MERAJUT_DEMO", default_value_t = false)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by the server and the operator subcommands.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Use this PostgreSQL server instead of starting an embedded cluster.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// With `DATABASE_URL`: the same server and database as the owner of the tables, who runs
    /// the migrations and grants the `DATABASE_URL` role its rights at start. Without it,
    /// `DATABASE_URL` does both, and the audit tables are protected only if an operator
    /// restricted that role by hand (docs/operations.md).
    #[arg(
        long,
        env = "MERAJUT_MIGRATION_DATABASE_URL",
        global = true,
        hide_env_values = true,
        requires = "database_url"
    )]
    pub migration_database_url: Option<String>,
    /// Address the web server listens on.
    #[arg(
        long,
        env = "MERAJUT_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,
    /// Data directory: embedded PostgreSQL cluster (`pg/`) and uploaded documents (`files/`).
    /// A relative path is taken from the current directory; the absolute path is logged at
    /// start, so a command run from the wrong directory is easy to spot.
    #[arg(
        long,
        env = "MERAJUT_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Directory holding PostgreSQL server binaries (`initdb`, `postgres`); found automatically
    /// under /usr/lib/postgresql when unset.
    #[arg(long, env = "MERAJUT_PG_BIN", global = true)]
    pub pg_bin: Option<PathBuf>,
    /// Port number of the embedded cluster; it listens on a Unix socket only, so this names the
    /// socket file rather than opening a TCP port.
    #[arg(long, env = "MERAJUT_PG_PORT", default_value_t = 5432, global = true)]
    pub pg_port: u16,
    /// Connections the service keeps to PostgreSQL at most (per instance). Several instances
    /// together must stay under the server's `max_connections`.
    #[arg(
        long,
        env = "MERAJUT_DB_MAX_CONNECTIONS",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=500),
        global = true
    )]
    pub db_max_connections: u32,
    /// Milliseconds a request waits for a database connection before it is answered 503
    /// ("database unavailable"): while the database is down, or every connection is busy.
    #[arg(
        long,
        env = "MERAJUT_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 2500,
        value_parser = clap::value_parser!(u64).range(100..=60_000),
        global = true
    )]
    pub db_acquire_timeout_ms: u64,
    /// Milliseconds one SQL statement of the service may run (PostgreSQL's
    /// `statement_timeout`); 0 switches it off. Downloads (CSV/XLSX exports) stream for longer
    /// and have their own limit (`db::EXPORT_STATEMENT_TIMEOUT`); migrations and operator
    /// commands have none.
    #[arg(
        long,
        env = "MERAJUT_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 30_000,
        value_parser = clap::value_parser!(u64).range(0..=3_600_000),
        global = true
    )]
    pub db_statement_timeout_ms: u64,
    /// Milliseconds a connection may sit idle inside an open transaction before PostgreSQL ends
    /// the session (`idle_in_transaction_session_timeout`), releasing its locks; 0 switches it
    /// off.
    #[arg(
        long,
        env = "MERAJUT_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
        default_value_t = 60_000,
        value_parser = clap::value_parser!(u64).range(0..=3_600_000),
        global = true
    )]
    pub db_idle_in_transaction_timeout_ms: u64,
    /// Log output format.
    #[arg(long, env = "MERAJUT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
    /// Minutes of inactivity after which a session expires.
    #[arg(
        long,
        env = "MERAJUT_SESSION_IDLE_MINUTES",
        default_value_t = 120,
        global = true
    )]
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends however active it is (absolute lifetime).
    #[arg(
        long,
        env = "MERAJUT_SESSION_MAX_HOURS",
        default_value_t = 12,
        value_parser = clap::value_parser!(i64).range(1..=720),
        global = true
    )]
    pub session_max_hours: i64,
    /// The service is reached over HTTPS (behind a TLS-terminating proxy): the cookies are
    /// `Secure` and named with the `__Host-` prefix, and responses carry HSTS.
    #[arg(
        long,
        env = "MERAJUT_SECURE_COOKIE",
        default_value_t = false,
        global = true
    )]
    pub secure_cookie: bool,
    /// Largest accepted document upload, in megabytes.
    #[arg(
        long,
        env = "MERAJUT_MAX_UPLOAD_MB",
        default_value_t = 10,
        global = true
    )]
    pub max_upload_mb: usize,
    /// The address users reach the service at (for example `https://merajut.nttprov.go.id`),
    /// used for links that leave the browser: e-mail deep links and the QR code on a guarantee
    /// letter. Without it, such links are not produced (e-mails are not sent, the letter has no
    /// QR code) rather than guessed from a request's Host header.
    #[arg(long, env = "MERAJUT_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,
    /// SMTP server for e-mail notifications: `smtps://user:pass@host` (TLS, port 465),
    /// `smtp://user:pass@host?tls=required` (STARTTLS, 587) or `smtp://host:25` (plain, for a
    /// relay on this machine). E-mail is sent only with this, `--smtp-from` and `--public-url`.
    #[arg(long, env = "MERAJUT_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<Secret>,
    /// Sender of e-mail notifications, e.g. `Merajut Sehat <noreply@dinkes.nttprov.go.id>`.
    #[arg(long, env = "MERAJUT_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// Address of the outgoing webhook (`https://…`; `http://` only to 127.0.0.1/localhost):
    /// every case transition is POSTed there as JSON, signed with `--webhook-secret`.
    #[arg(
        long,
        env = "MERAJUT_WEBHOOK_URL",
        hide_env_values = true,
        global = true
    )]
    pub webhook_url: Option<Secret>,
    /// Key of the webhook's HMAC-SHA256 signature (header `X-Merajut-Signature`); at least 16
    /// characters, required with `--webhook-url`.
    #[arg(
        long,
        env = "MERAJUT_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secret: Option<Secret>,
    /// Run the background worker in this process (e-mails, webhooks, overdue notices, daily
    /// digest). Several instances may all run it.
    #[arg(
        long,
        env = "MERAJUT_WORKER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub worker: bool,
    /// How often the worker looks for due jobs, in milliseconds.
    #[arg(
        long,
        env = "MERAJUT_WORKER_POLL_MS",
        default_value_t = 5000,
        value_parser = clap::value_parser!(u64).range(10..=3_600_000),
        global = true
    )]
    pub worker_poll_ms: u64,
    /// Addresses of the reverse proxies in front of the service, comma-separated
    /// (`10.0.0.5,10.0.0.6`). Only a request arriving from one of them has its client address
    /// taken from `X-Forwarded-For`; every other request's is the socket's peer address.
    #[arg(
        long,
        env = "MERAJUT_TRUSTED_PROXIES",
        value_delimiter = ',',
        num_args = 0..,
        global = true
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in attempts one client address may make in a burst (per instance); after it, one
    /// more every `--sign-in-refill-seconds`. A hospital behind one NAT address shares it.
    #[arg(
        long,
        env = "MERAJUT_SIGN_IN_BURST",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=100_000),
        global = true
    )]
    pub sign_in_burst: u32,
    /// Seconds after which a client address may make one more sign-in attempt.
    #[arg(
        long,
        env = "MERAJUT_SIGN_IN_REFILL_SECONDS",
        default_value_t = 3,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub sign_in_refill_seconds: u64,
    /// Invalid API tokens one client address may present in a burst (per instance); after it,
    /// one more every `--api-token-refill-seconds`. Valid tokens are never counted.
    #[arg(
        long,
        env = "MERAJUT_API_TOKEN_BURST",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=100_000),
        global = true
    )]
    pub api_token_burst: u32,
    /// Seconds after which a client address may present one more invalid API token.
    #[arg(
        long,
        env = "MERAJUT_API_TOKEN_REFILL_SECONDS",
        default_value_t = 6,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub api_token_refill_seconds: u64,
    /// Status-code lookups (the public page `/status`) one client address may make in a burst
    /// (per instance); after it, one more every `--status-lookup-refill-seconds`. Families
    /// behind one mobile operator's address share it, so it is not small; guessing a 60-bit
    /// code stays hopeless at this rate.
    #[arg(
        long,
        env = "MERAJUT_STATUS_LOOKUP_BURST",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=100_000),
        global = true
    )]
    pub status_lookup_burst: u32,
    /// Seconds after which a client address may make one more status-code lookup.
    #[arg(
        long,
        env = "MERAJUT_STATUS_LOOKUP_REFILL_SECONDS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub status_lookup_refill_seconds: u64,
    /// Hours an activation code (a new account, a password reset) stays usable.
    #[arg(
        long,
        env = "MERAJUT_ACTIVATION_HOURS",
        default_value_t = 24,
        value_parser = clap::value_parser!(u32).range(1..=720),
        global = true
    )]
    pub activation_hours: u32,
    /// Seconds a shutdown (SIGTERM, Ctrl-C) may take: new connections are refused at once,
    /// requests in flight and the worker's job in hand get this long to finish; then the
    /// process stops anyway (and says so in the log).
    #[arg(
        long,
        env = "MERAJUT_SHUTDOWN_GRACE_SECONDS",
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..=600),
        global = true
    )]
    pub shutdown_grace_seconds: u64,
    /// Where uploaded documents are stored (see [`StorageSettings`]).
    #[command(flatten)]
    pub storage: StorageSettings,
}

/// Where uploaded documents are stored: the data directory's `files/` (default) or an
/// S3-compatible bucket (`src/storage.rs`).
#[derive(Debug, Clone, Args)]
pub struct StorageSettings {
    /// `local` (files under the data directory) or `s3` (an S3-compatible bucket, for several
    /// instances without a shared file system).
    #[arg(long = "storage", env = "MERAJUT_STORAGE", value_enum, default_value_t = StorageKind::Local, global = true)]
    pub kind: StorageKind,
    /// The bucket, with `--storage s3` (required then). Created beforehand by the operator.
    #[arg(long, env = "MERAJUT_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,
    /// The S3 endpoint, e.g. `https://s3.ap-southeast-3.amazonaws.com` or a MinIO address
    /// (`http://` only for a store on a private network). Without it, AWS's own for the region.
    #[arg(long, env = "MERAJUT_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    /// The bucket's region (a MinIO or other S3-compatible store takes any name).
    #[arg(
        long,
        env = "MERAJUT_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,
    /// Access key id; without it, `AWS_ACCESS_KEY_ID` (or the machine's role).
    #[arg(
        long,
        env = "MERAJUT_S3_ACCESS_KEY_ID",
        hide_env_values = true,
        global = true
    )]
    pub s3_access_key_id: Option<Secret>,
    /// Secret access key; without it, `AWS_SECRET_ACCESS_KEY`.
    #[arg(
        long,
        env = "MERAJUT_S3_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub s3_secret_access_key: Option<Secret>,
}

impl Default for StorageSettings {
    /// Local files (what an installation without storage settings gets).
    fn default() -> Self {
        StorageSettings {
            kind: StorageKind::Local,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
        }
    }
}

/// The storage backend of [`StorageSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageKind {
    /// Files under `<data-dir>/files`.
    Local,
    /// An S3-compatible bucket.
    S3,
}

/// A setting that must not be shown: its `Debug` and `Display` print `***`, so a logged
/// `Settings` never leaks a password or signing key. Read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// An absolute `http`/`https` address without a trailing slash, query or fragment.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with https:// (or http://)")?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) || rest.chars().any(char::is_control) {
        return Err("must be an address such as https://merajut.example.go.id".into());
    }
    Ok(url.to_owned())
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Operator subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log's hash chains.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write one archive of the database (`pg_dump`) and every stored document, with a
    /// manifest of counts and SHA-256 checksums.
    Backup {
        /// The archive to write (a tar file); refused if it exists.
        #[arg(long)]
        output: PathBuf,
    },
    /// Bring an archive of `backup` back into an empty installation: an empty data directory
    /// (or empty `DATABASE_URL` database) and empty document storage. Checks every file's
    /// checksum before anything is written; on any failure nothing is left behind.
    Restore {
        /// The archive written by `backup`.
        #[arg(long)]
        input: PathBuf,
    },
    /// Fill the database with generated cases for measuring the service at scale
    /// (docs/performance.md): never on an installation holding real cases.
    Generate(GenerateArgs),
}

/// `generate`: how many cases, from which seed, over how many years.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Number of cases to generate.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    pub cases: u64,
    /// Seed of the random choices: the same seed on the same database gives the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Years back from now over which the cases were registered.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub years: u32,
    /// Password of the generated users (`gen_<role>…`); generated and printed when unset.
    #[arg(long, env = "MERAJUT_GENERATE_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Generate even though the database holds cases the generator did not make.
    #[arg(long, default_value_t = false)]
    pub force: bool,
    /// Cases written per transaction.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub batch: u64,
}

/// `audit …` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every audit chain: prints OK with the counts, or names the first broken link
    /// and exits with a non-zero status.
    Verify,
}

/// `user …` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        /// One of: rsud, dukcapil_prov, dukcapil_kab, dinsos_prov, dinsos_kab, dinkes_prov,
        /// dinkes_kab, bpjs, tim, admin.
        #[arg(long)]
        role: String,
        /// A hospital code (e.g. RSUD-WZJ) for `rsud`, a kab/kota code (e.g. 53.71) for `*_kab`.
        #[arg(long)]
        scope: Option<String>,
        /// Display name; defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password read from standard input; also removes the second factor (a lost
    /// phone), which roles that need one enrol again at the next sign-in.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Issue a one-time activation code for the user (a new account or a forgotten password)
    /// and print it, for the operator to hand to the user; the user chooses a password with it
    /// on `/aktivasi`. Replaces any earlier code; expires after MERAJUT_ACTIVATION_HOURS.
    ActivationCode {
        /// The user's username.
        username: String,
    },
}

/// `token …` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a personal API token for a user and print it (only the token) once.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days the token is valid (through the last day, WITA); at most a year.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u16).range(1..=365))]
        days: u16,
    },
}

impl Settings {
    /// These settings with `data_dir` made absolute against the current directory (without
    /// following symlinks), once, at start: logs then name the directory really used, and
    /// nothing later depends on where the process happens to run.
    pub fn with_absolute_data_dir(mut self) -> anyhow::Result<Self> {
        self.data_dir = std::path::absolute(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot resolve the data directory {}: {e}",
                self.data_dir.display()
            )
        })?;
        Ok(self)
    }

    /// Whether browsers reach the service over TLS (`--secure-cookie`, or an `https://`
    /// public address): then responses carry `Strict-Transport-Security`.
    pub fn served_over_tls(&self) -> bool {
        self.secure_cookie
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }

    /// Directory where uploaded documents are stored.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Whether e-mail notifications are sent: an SMTP server, a sender and the public address
    /// (for the links) are all set.
    pub fn email_enabled(&self) -> bool {
        self.smtp_url.is_some() && self.smtp_from.is_some() && self.public_url.is_some()
    }

    /// Whether transitions are POSTed to a webhook.
    pub fn webhook_enabled(&self) -> bool {
        self.webhook_url.is_some()
    }

    /// Checks the notification settings together, at start: what is wrong, said so the
    /// operator knows which setting to fix.
    pub fn check_notifications(&self) -> Result<(), String> {
        if let Some(url) = &self.smtp_url {
            check_smtp_url(url.expose())?;
            let Some(from) = &self.smtp_from else {
                return Err(
                    "MERAJUT_SMTP_URL is set but MERAJUT_SMTP_FROM is not: set the \
                            sender address (e.g. `Merajut Sehat <noreply@example.go.id>`)"
                        .into(),
                );
            };
            from.parse::<lettre::message::Mailbox>().map_err(|e| {
                format!("MERAJUT_SMTP_FROM {from:?} is not an e-mail address ({e})")
            })?;
        } else if self.smtp_from.is_some() {
            return Err("MERAJUT_SMTP_FROM is set but MERAJUT_SMTP_URL is not".into());
        }
        match (&self.webhook_url, &self.webhook_secret) {
            (Some(url), Some(secret)) => {
                check_webhook_url(url.expose())?;
                if secret.expose().chars().count() < WEBHOOK_SECRET_MIN {
                    return Err(format!(
                        "MERAJUT_WEBHOOK_SECRET must be at least {WEBHOOK_SECRET_MIN} \
                         characters (a long random string, e.g. `openssl rand -hex 32`)"
                    ));
                }
                Ok(())
            }
            (Some(_), None) => Err("MERAJUT_WEBHOOK_URL is set without \
                                    MERAJUT_WEBHOOK_SECRET: every delivery is signed, so a \
                                    secret is required"
                .into()),
            (None, Some(_)) => {
                Err("MERAJUT_WEBHOOK_SECRET is set but MERAJUT_WEBHOOK_URL is not".into())
            }
            (None, None) => Ok(()),
        }
    }
}

/// The shortest accepted webhook secret.
const WEBHOOK_SECRET_MIN: usize = 16;

/// Whether `host` is this machine (plain connections are allowed to it only).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An SMTP URL lettre can use; credentials only over TLS unless the server is this machine.
/// The message never repeats the URL (it may hold a password).
fn check_smtp_url(raw: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(raw).map_err(|e| {
        format!(
            "MERAJUT_SMTP_URL is not a URL ({e}); e.g. smtps://user:password@mail.example.go.id"
        )
    })?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err("MERAJUT_SMTP_URL names no server".into());
    }
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    match (url.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required" | "opportunistic")) => Ok(()),
        ("smtp", None) if url.password().is_none() || is_loopback(host) => Ok(()),
        ("smtp", None) => Err("MERAJUT_SMTP_URL would send the password unencrypted: use \
                               smtps://… or smtp://…?tls=required"
            .into()),
        _ => Err(
            "MERAJUT_SMTP_URL must start with smtps:// or smtp:// (with ?tls=required \
                  for STARTTLS)"
                .into(),
        ),
    }
}

/// A webhook address: `https://`, or `http://` to this machine (tests, a local gateway).
fn check_webhook_url(raw: &str) -> Result<(), String> {
    let url =
        reqwest::Url::parse(raw).map_err(|e| format!("MERAJUT_WEBHOOK_URL is not a URL ({e})"))?;
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        _ => Err(
            "MERAJUT_WEBHOOK_URL must start with https:// (http:// only to \
                  127.0.0.1 or localhost)"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_is_absolute_and_loses_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://merajut.example.go.id/").as_deref(),
            Ok("https://merajut.example.go.id")
        );
        assert_eq!(
            parse_public_url("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert!(parse_public_url("merajut.example.go.id").is_err());
        assert!(parse_public_url("https://").is_err());
        assert!(parse_public_url("https://x.id/?a=1").is_err());
    }

    #[test]
    fn smtp_urls_keep_passwords_off_plain_connections_to_other_machines() {
        for ok in [
            "smtps://user:pass@mail.example.go.id",
            "smtp://user:pass@mail.example.go.id:587?tls=required",
            "smtp://127.0.0.1:2525",
            "smtp://user:pass@localhost:25",
            "smtp://relay.internal:25",
        ] {
            assert_eq!(check_smtp_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "smtp://user:pass@mail.example.go.id",
            "http://mail.example.go.id",
            "mail.example.go.id",
            "smtp://user:pass@mail.example.go.id?tls=maybe",
        ] {
            let message = check_smtp_url(bad).expect_err(bad);
            assert!(message.contains("MERAJUT_SMTP_URL"), "{message}");
            assert!(
                !message.contains("pass@"),
                "the URL is not repeated: {message}"
            );
        }
    }

    #[test]
    fn webhook_urls_are_https_except_to_this_machine() {
        for ok in [
            "https://gateway.example.go.id/hook",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]:8080/",
        ] {
            assert_eq!(check_webhook_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://gateway.example.go.id/hook",
            "ftp://x",
            "https://",
            "x",
        ] {
            assert!(check_webhook_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_never_printed() {
        let secret = Secret::from("kunci-rahasia-sekali");
        assert_eq!(format!("{secret:?} {secret}"), "*** ***");
        assert_eq!(secret.expose(), "kunci-rahasia-sekali");
    }
}
