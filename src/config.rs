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
    /// Mark the session cookie `Secure`; set this when the service is reached over HTTPS
    /// (behind a TLS-terminating proxy).
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
    /// Set a new password read from standard input.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
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

    /// Directory where uploaded documents are stored.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

#[cfg(test)]
mod tests {
    use super::parse_public_url;

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
}
