//! A private PostgreSQL cluster started from the system's PostgreSQL binaries.
//!
//! The cluster lives in `<data-dir>/pg`, listens on a Unix socket only (no TCP port to collide
//! with or to expose) and uses `trust` authentication: the socket directory is only reachable by
//! the cluster's owner. When the service runs as root, the server runs as the unprivileged
//! `postgres` user (PostgreSQL refuses to run as root). The server process gets a parent-death
//! signal, so it stops with the service even if the service is killed.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, Uid, User};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// Name of the database the application uses inside the embedded cluster.
pub const DATABASE: &str = "merajut";
/// Superuser created by `initdb`: creates the roles and the database, nothing else.
pub const SUPERUSER: &str = "merajut";
/// Owns the application database and everything in it; runs the migrations.
pub const OWNER_ROLE: &str = "merajut_owner";
/// The service's role: reads and writes data, never UPDATE/DELETE/TRUNCATE the append-only
/// tables (`db::APPEND_ONLY_TABLES`), creates nothing.
pub const APP_ROLE: &str = "merajut_app";

/// Server settings that keep personal data out of the server's log: no DETAIL (a unique
/// violation's detail names the key value, e.g. an NIK), no statement text, no parameters,
/// no statement or duration logging.
pub const LOG_SETTINGS: &[(&str, &str)] = &[
    ("log_error_verbosity", "terse"),
    ("log_min_error_statement", "panic"),
    ("log_statement", "none"),
    ("log_min_duration_statement", "-1"),
    ("log_min_duration_sample", "-1"),
    ("log_duration", "off"),
    ("log_parameter_max_length", "0"),
    ("log_parameter_max_length_on_error", "0"),
];

/// A running embedded cluster; stop it with [`EmbeddedPostgres::stop`].
#[derive(Debug)]
pub struct EmbeddedPostgres {
    child: Option<Child>,
    socket_dir: PathBuf,
    port: u16,
}

/// Where an embedded cluster lives and how to reach it.
#[derive(Debug, Clone)]
pub struct ClusterLayout {
    /// The cluster's data directory (`<data-dir>/pg`).
    pub pg_data: PathBuf,
    /// The directory holding the server's socket.
    pub socket_dir: PathBuf,
    /// Port number naming the socket.
    pub port: u16,
}

impl ClusterLayout {
    /// The layout inside `data_dir`.
    pub fn new(data_dir: &Path, port: u16) -> anyhow::Result<Self> {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let data_dir = fs::canonicalize(data_dir)
            .with_context(|| format!("cannot resolve data directory {}", data_dir.display()))?;
        let mut pg_data = data_dir.join("pg");
        // Running as root, the server runs as `postgres`, which must be able to reach the
        // cluster. A checkout under a closed home directory (/root is 0700) is not reachable:
        // keep the cluster under /var/lib/merajut-sehat instead, at a place derived from the
        // data directory so that every start finds it again.
        if let Ok(Some(user)) = server_user()
            && !reachable_by(&user, &data_dir)
        {
            let fallback = PathBuf::from("/var/lib/merajut-sehat")
                .join(format!("{:x}", short_hash(&data_dir)))
                .join("pg");
            tracing::warn!(
                data_dir = %data_dir.display(),
                cluster = %fallback.display(),
                "user postgres cannot reach the data directory; keeping the PostgreSQL cluster elsewhere"
            );
            pg_data = fallback;
        }
        // A Unix socket path is limited to 107 bytes; a deep data directory gets its socket in
        // a short private directory under /tmp instead.
        let socket_dir = if pg_data.as_os_str().len() + 20 < 100 {
            pg_data.clone()
        } else {
            PathBuf::from(format!("/tmp/merajut-pg-{:x}", short_hash(&pg_data)))
        };
        Ok(Self {
            pg_data,
            socket_dir,
            port,
        })
    }

    /// Connection options for `database` on this cluster, as the superuser.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        self.connect_options_as(SUPERUSER, database)
    }

    /// Connection options for `database` on this cluster, as `role` ([`OWNER_ROLE`],
    /// [`APP_ROLE`]).
    pub fn connect_options_as(&self, role: &str, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(self.port)
            .username(role)
            .database(database)
            .log_statements(tracing::log::LevelFilter::Debug)
    }

    /// True when a server already answers on this cluster's socket.
    pub async fn is_running(&self) -> bool {
        if !self
            .socket_dir
            .join(format!(".s.PGSQL.{}", self.port))
            .exists()
        {
            return false;
        }
        match self.connect_options("postgres").connect().await {
            Ok(conn) => {
                let _ = conn.close().await;
                true
            }
            Err(_) => false,
        }
    }
}

/// Whether `user` may enter every directory from `/` down to `dir` (owner, group or other
/// execute bit; supplementary groups are ignored, which errs on the safe side).
fn reachable_by(user: &User, dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    dir.ancestors().all(|d| match fs::metadata(d) {
        Ok(m) => {
            let mode = m.mode();
            if m.uid() == user.uid.as_raw() {
                mode & 0o100 != 0
            } else if m.gid() == user.gid.as_raw() {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            }
        }
        Err(_) => true,
    })
}

/// A stable short name for a path (first 8 bytes of its SHA-256).
fn short_hash(path: &Path) -> u64 {
    use sha2::{Digest, Sha256};
    use std::os::unix::ffi::OsStrExt;
    let digest = Sha256::digest(path.as_os_str().as_bytes());
    u64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ])
}

/// Finds the directory with `initdb` and `postgres`: `explicit` if given, else the newest
/// version under `/usr/lib/postgresql/*/bin`, else the `PATH`.
pub fn find_binaries(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = explicit {
        if has_both(dir) {
            return Ok(dir.to_path_buf());
        }
        bail!(
            "PostgreSQL server binaries (initdb, postgres) not found in {} (MERAJUT_PG_BIN / --pg-bin). \
             Point it at a directory that has them, or set DATABASE_URL to use an existing server.",
            dir.display()
        );
    }
    let mut candidates: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, dir)| has_both(dir))
        .collect();
    candidates.sort();
    if let Some((_, dir)) = candidates.pop() {
        return Ok(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_both(&dir) {
                return Ok(dir);
            }
        }
    }
    bail!(
        "PostgreSQL server binaries (initdb, postgres) were not found. Install them \
         (Debian: `apt-get install -y postgresql`), point MERAJUT_PG_BIN at their directory, \
         or set DATABASE_URL to use an existing PostgreSQL server."
    )
}

/// The user the server runs as: `postgres` when we are root, ourselves otherwise.
fn server_user() -> anyhow::Result<Option<User>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let user = User::from_name("postgres")
        .context("looking up the postgres user")?
        .ok_or_else(|| {
            anyhow!(
                "running as root, the embedded PostgreSQL must run as the unprivileged user \
                 `postgres`, which does not exist. Install PostgreSQL (Debian: `apt-get install -y \
                 postgresql`) or create that user, or run the service as an ordinary user."
            )
        })?;
    Ok(Some(user))
}

fn command_as(bin: &Path, user: Option<&User>) -> Command {
    let mut cmd = Command::new(bin);
    if let Some(user) = user {
        cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        cmd.env("HOME", &user.dir).env("USER", &user.name);
    }
    cmd.env("LC_ALL", "C.UTF-8");
    cmd
}

fn chown_dir(dir: &Path, user: Option<&User>) -> anyhow::Result<()> {
    if let Some(user) = user {
        nix::unistd::chown(dir, Some(user.uid), Some(user.gid))
            .with_context(|| format!("cannot give {} to user postgres", dir.display()))?;
    }
    Ok(())
}

/// What the server wrote to its log since byte `start` (at most the last 4 KB).
fn log_since(path: &Path, start: u64) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(start.max(len.saturating_sub(4000))));
    let mut s = String::new();
    let _ = f.read_to_string(&mut s);
    s
}

impl EmbeddedPostgres {
    /// Initialises the cluster if needed, starts the server and creates the application
    /// database. Call it from a thread that outlives the server: the server receives a
    /// termination signal when the thread that started it exits.
    pub async fn start(
        layout: &ClusterLayout,
        pg_bin: Option<&Path>,
    ) -> anyhow::Result<EmbeddedPostgres> {
        Self::start_with(layout, pg_bin, &[]).await
    }

    /// [`EmbeddedPostgres::start`] with more server settings (`name`, `value`), given after the
    /// service's own so that they win: e.g. `listen_addresses` and `ssl` for a cluster that
    /// tests TLS.
    pub async fn start_with(
        layout: &ClusterLayout,
        pg_bin: Option<&Path>,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<EmbeddedPostgres> {
        let bin = find_binaries(pg_bin)?;
        let user = server_user()?;
        let user = user.as_ref();
        let pg_data = &layout.pg_data;

        if !pg_data.join("PG_VERSION").exists() {
            if pg_data.exists() && fs::read_dir(pg_data)?.next().is_some() {
                bail!(
                    "the data directory {} exists but holds no PostgreSQL cluster (no PG_VERSION). \
                     Move it away or choose another --data-dir / MERAJUT_DATA_DIR.",
                    pg_data.display()
                );
            }
            fs::create_dir_all(pg_data)
                .with_context(|| format!("cannot create {}", pg_data.display()))?;
            fs::set_permissions(pg_data, fs::Permissions::from_mode(0o700))?;
            chown_dir(pg_data, user)?;
            tracing::info!(dir = %pg_data.display(), "initialising the embedded PostgreSQL cluster");
            let out = command_as(&bin.join("initdb"), user)
                .arg("-D")
                .arg(pg_data)
                .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"])
                .stdin(Stdio::null())
                .output()
                .context("cannot run initdb")?;
            if !out.status.success() {
                let _ = fs::remove_dir_all(pg_data);
                bail!(
                    "initdb failed for {}: {}\nCheck that user {} may enter every directory above \
                     the data directory, or choose another --data-dir / MERAJUT_DATA_DIR.",
                    pg_data.display(),
                    String::from_utf8_lossy(&out.stderr).trim(),
                    user.map(|u| u.name.as_str()).unwrap_or("(current user)")
                );
            }
        }
        if layout.socket_dir != *pg_data {
            fs::create_dir_all(&layout.socket_dir)?;
            fs::set_permissions(&layout.socket_dir, fs::Permissions::from_mode(0o700))?;
            chown_dir(&layout.socket_dir, user)?;
        }

        let log_path = pg_data.join("server.log");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let mut cmd = command_as(&bin.join("postgres"), user);
        cmd.arg("-D")
            .arg(pg_data)
            .arg("-p")
            .arg(layout.port.to_string())
            .arg("-c")
            .arg("listen_addresses=")
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                layout.socket_dir.display()
            ))
            .arg("-c")
            .arg("unix_socket_permissions=0700");
        for (name, value) in LOG_SETTINGS.iter().chain(settings) {
            cmd.arg("-c").arg(format!("{name}={value}"));
        }
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec here.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(std::io::Error::from)?;
                // Own process group: a Ctrl-C at the terminal reaches the service, which then
                // stops the server in order, instead of both racing.
                nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0))
                    .map_err(std::io::Error::from)?;
                Ok(())
            });
        }
        let mut child = cmd.spawn().context("cannot start postgres")?;

        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait()? {
                let log_text = log_since(&log_path, log_start);
                let hint = if log_text.contains("lock file") || log_text.contains("already running")
                {
                    "Another PostgreSQL is already using this data directory (is the service \
                     already running?). Stop it, or use another --data-dir."
                } else if log_text.contains("Address already in use") {
                    "The socket for this port is taken: choose another --pg-port."
                } else {
                    "See the log above; fix the data directory or set DATABASE_URL."
                };
                bail!(
                    "the embedded PostgreSQL stopped at start ({status}). {hint}\n--- {} ---\n{}",
                    log_path.display(),
                    log_text.trim()
                );
            }
            if let Ok(conn) = layout.connect_options("postgres").connect().await {
                let _ = conn.close().await;
                break;
            }
            if Instant::now() > deadline {
                let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
                bail!(
                    "the embedded PostgreSQL did not accept connections within 60 s; see {}",
                    log_path.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let pg = EmbeddedPostgres {
            child: Some(child),
            socket_dir: layout.socket_dir.clone(),
            port: layout.port,
        };
        prepare_database(layout, DATABASE).await?;
        tracing::info!(socket = %pg.socket_dir.display(), port = pg.port, "embedded PostgreSQL ready");
        Ok(pg)
    }

    /// Stops the server (fast shutdown) and waits for it to exit.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = Pid::from_raw(child.id() as i32);
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                tracing::info!("embedded PostgreSQL stopped");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Creates `name` on the cluster unless it exists. `name` must be a plain identifier
/// (lowercase letters, digits, `_`; at most 63 bytes).
pub async fn create_database(layout: &ClusterLayout, name: &str) -> anyhow::Result<()> {
    if !plain_identifier(name) {
        bail!("database name {name:?} is not a plain identifier (a-z, 0-9, _)");
    }
    let mut conn = layout.connect_options("postgres").connect().await?;
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
        name
    )
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        // CREATE DATABASE takes an identifier, which cannot be a bind parameter: the name is
        // checked above to be a plain identifier, so quoting it cannot be escaped.
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Makes `name` ready for the two roles: creates the roles (or sets their attributes again),
/// creates the database unless it exists, and hands the database and everything in it to
/// [`OWNER_ROLE`]. An installation from before the two roles has the database and its tables
/// owned by the superuser: they are handed over here, at its first start with this version.
pub async fn prepare_database(layout: &ClusterLayout, name: &str) -> anyhow::Result<()> {
    create_roles(layout).await?;
    create_database(layout, name).await?;
    hand_over(layout, name).await
}

/// Creates [`OWNER_ROLE`] and [`APP_ROLE`] unless they exist, and sets their attributes (both
/// sign in through the cluster's private socket with `trust`; neither is a superuser, may
/// create databases or roles, or bypasses row security).
pub async fn create_roles(layout: &ClusterLayout) -> anyhow::Result<()> {
    let mut conn = layout.connect_options("postgres").connect().await?;
    for role in [OWNER_ROLE, APP_ROLE] {
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS "exists!""#,
            role
        )
        .fetch_one(&mut conn)
        .await?;
        if !exists {
            sqlx::query(&format!("CREATE ROLE \"{role}\""))
                .execute(&mut conn)
                .await?;
        }
        sqlx::query(&format!(
            "ALTER ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION \
             NOBYPASSRLS"
        ))
        .execute(&mut conn)
        .await?;
    }
    // The service's role is no member of the owner (it would inherit the owner's rights).
    let member = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_auth_members m
                           WHERE m.roleid = to_regrole($1) AND m.member = to_regrole($2)) AS "member!""#,
        OWNER_ROLE,
        APP_ROLE
    )
    .fetch_one(&mut conn)
    .await?;
    if member {
        sqlx::query(&format!("REVOKE \"{OWNER_ROLE}\" FROM \"{APP_ROLE}\""))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Makes [`OWNER_ROLE`] the owner of database `name` and of every table, sequence, view, type,
/// function and schema in it that the application made (schemas `public` and
/// `tower_sessions`; objects of extensions and the system's stay as they are). Idempotent.
pub async fn hand_over(layout: &ClusterLayout, name: &str) -> anyhow::Result<()> {
    if !plain_identifier(name) {
        bail!("database name {name:?} is not a plain identifier (a-z, 0-9, _)");
    }
    let mut conn = layout.connect_options("postgres").connect().await?;
    sqlx::query(&format!(
        "ALTER DATABASE \"{name}\" OWNER TO \"{OWNER_ROLE}\""
    ))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    let mut conn = layout.connect_options(name).connect().await?;
    // Statements built from the catalog (names quoted by PostgreSQL's regclass/regtype/
    // regprocedure output and %I) for whatever the owner role does not own yet.
    let statements: Vec<String> = sqlx::query_scalar(
        r#"WITH app AS (SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'tower_sessions')),
                ext AS (SELECT objid, classid FROM pg_depend WHERE deptype = 'e')
           SELECT format('ALTER TABLE %s OWNER TO %I', c.oid::regclass, $1::text)
             FROM pg_class c
            WHERE c.relnamespace IN (SELECT oid FROM app)
              AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
              AND pg_get_userbyid(c.relowner) <> $1
              -- sequences of serial and identity columns follow their table
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                 AND d.deptype IN ('a', 'i', 'e'))
           UNION ALL
           SELECT format('ALTER %s %s OWNER TO %I',
                         CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                         t.oid::regtype, $1::text)
             FROM pg_type t
            WHERE t.typnamespace IN (SELECT oid FROM app)
              AND t.typtype IN ('e', 'd', 'r', 'c')
              AND (t.typtype <> 'c'
                   OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
              AND pg_get_userbyid(t.typowner) <> $1
              AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_type'::regclass
                                                   AND objid = t.oid)
           UNION ALL
           SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1::text)
             FROM pg_proc p
            WHERE p.pronamespace IN (SELECT oid FROM app)
              AND p.prokind IN ('f', 'p')
              AND pg_get_userbyid(p.proowner) <> $1
              AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_proc'::regclass
                                                   AND objid = p.oid)
           UNION ALL
           SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, $1::text)
             FROM pg_namespace n
            WHERE n.oid IN (SELECT oid FROM app)
              AND pg_get_userbyid(n.nspowner) NOT IN ($1, 'pg_database_owner')"#,
    )
    .bind(OWNER_ROLE)
    .fetch_all(&mut conn)
    .await?;
    if !statements.is_empty() {
        tracing::info!(
            objects = statements.len(),
            owner = OWNER_ROLE,
            "handing the database objects over to the owner role"
        );
    }
    for sql in statements {
        sqlx::query(&sql)
            .execute(&mut conn)
            .await
            .with_context(|| format!("`{sql}`"))?;
    }
    conn.close().await?;
    Ok(())
}

/// True for a name that is safe to put between double quotes in SQL: lowercase ASCII letters,
/// digits and `_`, starting with a letter, at most 63 bytes (PostgreSQL's identifier limit).
fn plain_identifier(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_put_into_sql() {
        assert!(plain_identifier(DATABASE));
        assert!(plain_identifier("test_39e2"));
        for bad in [
            "",
            "a\"; DROP DATABASE x; --",
            "Merajut",
            "1abc",
            "a-b",
            "a\0",
            &"a".repeat(64),
        ] {
            assert!(!plain_identifier(bad), "{bad:?}");
        }
    }
}
