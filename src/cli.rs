//! Running a command: the server (default) or an operator subcommand, against the embedded
//! cluster or `DATABASE_URL`.

use std::io::Read;

use anyhow::{Context, bail};
use sqlx::PgPool;

use crate::config::{AuditCommand, Cli, Command, Settings, TokenCommand, UserCommand};
use crate::domain::text::required_text_problem;
use crate::domain::{Role, ScopeKind};
use crate::pg::{ClusterLayout, EmbeddedPostgres};
use crate::startup::{Application, bootstrap_admin};
use crate::{auth, db};

/// How long closing the pool may wait for connections still in use.
const POOL_CLOSE: std::time::Duration = std::time::Duration::from_secs(5);

/// The database the command works on, and the embedded server if this process started it.
pub struct Database {
    /// Connected as the service's role (see [`db::roles`]).
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or to the embedded cluster (already running, or started
    /// now), and has the owner of the tables migrate the database and grant the service's role
    /// its rights ([`db::prepare`]); the returned pool is the service's role. Must be called from
    /// the main thread (see [`EmbeddedPostgres::start`]). Only the server (`create`)
    /// initialises a cluster where there is none; an operator command refuses, since it would
    /// otherwise work on a brand-new, empty database.
    pub async fn open(settings: &Settings, create: bool) -> anyhow::Result<Database> {
        // The server's statements are limited; an operator command's (`audit verify` reads the
        // whole log, `backup` holds its snapshot while pg_dump runs) and the owner's migrations
        // are not.
        let service = db::PoolSettings::service(settings);
        let (service, owner_settings) = if create {
            (service, service.without_statement_timeout())
        } else {
            let unlimited = service.unlimited();
            (unlimited, unlimited)
        };
        if let Some(url) = &settings.database_url {
            let pool = connect_url(url, "DATABASE_URL", &service).await?;
            match &settings.migration_database_url {
                Some(owner_url) => {
                    let owner =
                        connect_url(owner_url, "MERAJUT_MIGRATION_DATABASE_URL", &owner_settings)
                            .await?;
                    let app_role = db::roles::current_role(&pool).await?;
                    let owner_role = db::roles::current_role(&owner).await?;
                    if app_role == owner_role {
                        bail!(
                            "DATABASE_URL and MERAJUT_MIGRATION_DATABASE_URL sign in as the same \
                             role ({app_role}): the service needs a role of its own (see \
                             docs/operations.md, \"Database roles\")"
                        );
                    }
                    db::prepare(&owner, Some(&app_role)).await?;
                    owner.close().await;
                }
                // One role for both. A restricted one cannot migrate: fine while there is
                // nothing to migrate (an operator command with the service's URL).
                None => {
                    let migrated = db::readiness(&pool).await.is_ok();
                    if !migrated || !db::roles::unprotected_tables(&pool).await?.is_empty() {
                        db::prepare(&pool, None).await.context(
                            "migrating as the DATABASE_URL role (a role that may not create \
                             tables cannot: set MERAJUT_MIGRATION_DATABASE_URL to the owner's URL)",
                        )?;
                    }
                }
            }
            let unprotected = db::roles::unprotected_tables(&pool).await?;
            if !unprotected.is_empty() {
                tracing::warn!(
                    tables = %unprotected.join(", "),
                    "the service's database role may UPDATE, DELETE or TRUNCATE the audit, \
                     history and access tables: they are NOT protected. Give the service a \
                     role of its own and set MERAJUT_MIGRATION_DATABASE_URL to the owner \
                     (docs/operations.md, \"Database roles\")"
                );
            }
            return Ok(Database {
                pool,
                embedded: None,
            });
        }
        let layout = ClusterLayout::new(&settings.data_dir, settings.pg_port)?;
        if layout.pg_data.join("PG_VERSION").exists() {
            tracing::info!(cluster = %layout.pg_data.display(), "embedded PostgreSQL cluster");
        } else if !create {
            anyhow::bail!(
                "no PostgreSQL cluster in {}: this is not the installation's data directory. \
                 Pass its --data-dir (or MERAJUT_DATA_DIR, or DATABASE_URL); a new installation \
                 is created by starting the server once.",
                layout.pg_data.display()
            );
        } else {
            // Said loudly: run from another directory with the default `./data`, a command
            // would otherwise quietly work on a brand-new, empty database.
            tracing::warn!(
                cluster = %layout.pg_data.display(),
                "no PostgreSQL cluster in this data directory yet: creating a new, empty one \
                 (first start? otherwise pass the installation's --data-dir / MERAJUT_DATA_DIR)"
            );
        }
        let embedded = if layout.is_running().await {
            tracing::info!("using the embedded PostgreSQL that is already running");
            crate::pg::prepare_database(&layout, crate::pg::DATABASE).await?;
            None
        } else {
            Some(EmbeddedPostgres::start(&layout, settings.pg_bin.as_deref()).await?)
        };
        let owner = db::connect(
            layout.connect_options_as(crate::pg::OWNER_ROLE, crate::pg::DATABASE),
            &owner_settings,
        )
        .await?;
        db::prepare(&owner, Some(crate::pg::APP_ROLE)).await?;
        owner.close().await;
        let pool = db::connect(
            layout.connect_options_as(crate::pg::APP_ROLE, crate::pg::DATABASE),
            &service,
        )
        .await?;
        Ok(Database { pool, embedded })
    }

    /// Closes the pool and stops the embedded server if this process started it — last, after
    /// the server and the worker. A connection still held by a request cut off at the shutdown
    /// deadline does not hold this up: after [`POOL_CLOSE`] the server is stopped anyway (a fast
    /// shutdown, which ends those sessions).
    pub async fn close(mut self) {
        if tokio::time::timeout(POOL_CLOSE, self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use at shutdown: closing anyway");
        }
        if let Some(mut pg) = self.embedded.take() {
            pg.stop();
        }
    }
}

/// Runs what the command line asks for.
pub async fn run(args: Cli) -> anyhow::Result<()> {
    let settings = args.settings.clone().with_absolute_data_dir()?;
    if args.command.is_none() {
        // Before any database is started: a wrong setting is said at once.
        settings
            .check_notifications()
            .map_err(|e| anyhow::anyhow!("notification settings: {e}"))?;
    }
    // A restore starts from an empty installation: it opens the database itself.
    if let Some(Command::Restore { input }) = &args.command {
        let manifest = crate::backup::restore(&settings, input).await?;
        println!(
            "restored {} (written {} by merajut-sehat {}): {} cases, {} documents, {} files",
            input.display(),
            manifest.created_at,
            manifest.app_version,
            manifest.counts.cases,
            manifest.counts.documents,
            manifest.counts.files
        );
        return Ok(());
    }
    let database = Database::open(&settings, args.command.is_none()).await?;
    let result = match args.command {
        None => serve(settings, &database, args.demo).await,
        Some(command) => operator(command, &database.pool, &settings).await,
    };
    database.close().await;
    result
}

/// A pool on `url` (named `name` in the error). The URL may ask for TLS (`sslmode=require`,
/// `verify-ca`, `verify-full`, with `sslrootcert=` naming the CA file): docs/operations.md.
async fn connect_url(url: &str, name: &str, settings: &db::PoolSettings) -> anyhow::Result<PgPool> {
    let options = url
        .parse()
        .with_context(|| format!("{name} is not a valid PostgreSQL URL"))?;
    db::connect(options, settings).await.with_context(|| {
        format!(
            "cannot connect to {name}: check the server is running, the URL is right and, with \
             sslmode=verify-full, that sslrootcert names the server's CA and the host is the \
             one in its certificate"
        )
    })
}

async fn serve(settings: Settings, database: &Database, demo: bool) -> anyhow::Result<()> {
    let files = crate::storage::FileStore::from_settings(&settings.storage, settings.files_dir())?;
    tracing::info!(data_dir = %settings.data_dir.display(), "data directory (uploaded documents in files/)");
    let app = Application::build(settings, database.pool.clone()).await?;
    if let Some((username, password)) = bootstrap_admin(&database.pool).await? {
        // Printed, not logged: logs never carry passwords.
        println!();
        println!("  First start: administrator account created.");
        println!("    username: {username}");
        println!("    one-time password: {password}");
        println!("  Sign in and choose a new password.");
        println!();
    }
    if demo {
        crate::demo::seed(&database.pool, files).await?;
    }
    let addr = app.local_addr();
    tracing::info!(%addr, "listening");
    println!("Merajut Sehat is serving on http://{addr}");
    app.run_until(shutdown_signal()).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn read_password_stdin(username: &str) -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading the password from standard input")?;
    let password = s.trim_end_matches(['\n', '\r']).to_string();
    if let Some(problem) = auth::password_problem(&password, username) {
        bail!("{problem}");
    }
    Ok(password)
}

async fn operator(command: Command, pool: &PgPool, settings: &Settings) -> anyhow::Result<()> {
    match command {
        Command::User(UserCommand::Create {
            username,
            role,
            scope,
            display_name,
            password_stdin: _,
        }) => create_user(pool, &username, &role, scope.as_deref(), display_name).await?,
        Command::User(UserCommand::ResetPassword { username, .. }) => {
            let user = db::users::by_username(pool, &username)
                .await?
                .with_context(|| format!("no user {username:?}"))?;
            let password = read_password_stdin(&username)?;
            let hash = auth::hash_password_async(password).await?;
            // Every session of the user ends and every API token is revoked with it. A full
            // reset, for a lost phone too: the second factor goes (re-enrolled at the next
            // sign-in where the role needs one), and the user is told.
            let now = crate::clock::Clock::system().now();
            let mut tx = pool.begin().await?;
            db::users::set_password(&mut *tx, user.id, &hash, false).await?;
            let (_, revoked) = db::users::end_sessions_and_tokens(&mut tx, user.id, now).await?;
            db::two_factor::disable(&mut tx, user.id).await?;
            db::two_factor::add_notice(&mut *tx, user.id, "reset", "operator", now).await?;
            db::audit::record(
                &mut *tx,
                None,
                "user.reset_password.cli",
                Some(&user.id.to_string()),
                serde_json::json!({"tokens_revoked": revoked}),
            )
            .await?;
            tx.commit().await?;
            println!(
                "password of {} set; its second factor, if any, removed",
                user.username
            );
        }
        Command::User(UserCommand::ActivationCode { username }) => {
            activation_code(pool, settings, &username).await?;
        }
        Command::Token(TokenCommand::Create {
            username,
            name,
            days,
        }) => {
            let user = db::users::by_username(pool, &username)
                .await?
                .with_context(|| format!("no user {username:?}"))?;
            if !user.active {
                bail!("user {username:?} is deactivated");
            }
            let name = name.trim();
            if let Some(problem) =
                required_text_problem("Nama token", name, auth::MAX_TOKEN_NAME_LEN)
            {
                bail!("--name: {problem}");
            }
            let (token, hash) = auth::generate_token();
            let now = crate::clock::Clock::system().now();
            let today = crate::domain::sla::local_date(now);
            let last_day = today
                .checked_add_days(chrono::Days::new(days.into()))
                .unwrap_or(today)
                .min(crate::web::tokens::latest_expiry(today));
            let expires_at = crate::web::tokens::expiry_instant(last_day);
            let id = db::tokens::insert(pool, user.id, name, &hash, now, expires_at).await?;
            let details = serde_json::json!({"expires_on": last_day.to_string(), "cli": true});
            let target = id.to_string();
            db::audit::record(pool, None, "api_token.create", Some(&target), details).await?;
            println!("{token}");
        }
        Command::Audit(AuditCommand::Verify) => audit_verify(pool).await?,
        Command::Backup { output } => {
            let files =
                crate::storage::FileStore::from_settings(&settings.storage, settings.files_dir())?;
            let clock = crate::clock::Clock::system();
            let manifest = crate::backup::backup(settings, pool, &files, &clock, &output).await?;
            println!(
                "backup written to {}: {} cases, {} documents, {} files",
                output.display(),
                manifest.counts.cases,
                manifest.counts.documents,
                manifest.counts.files
            );
        }
        Command::Restore { .. } => bail!("restore opens the database itself (see `run`)"),
        Command::Generate(args) => generate(pool, settings, &args).await?,
    }
    Ok(())
}

/// `generate`: the generated cases, then ANALYZE (as the tables' owner when this process can
/// sign in as it), and what to sign in with.
async fn generate(
    pool: &PgPool,
    settings: &Settings,
    args: &crate::config::GenerateArgs,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let summary = crate::generate::run(pool, args, crate::clock::Clock::system().now()).await?;
    let generated = started.elapsed();
    analyze(pool, settings).await?;
    println!(
        "generated {} cases ({} … {}), {} open, in {:.1} s (ANALYZE after: {:.1} s)",
        summary.cases,
        summary.first_number,
        summary.last_number,
        summary.open_cases,
        generated.as_secs_f64(),
        (started.elapsed() - generated).as_secs_f64()
    );
    println!(
        "  {} history rows, {} desk stays, {} documents (metadata only), {} claims, {} access-log rows",
        summary.history_rows, summary.stays, summary.documents, summary.claims, summary.access_rows
    );
    println!(
        "  users: gen_<role> (provincial), gen_rsud_<hospital> (e.g. gen_rsud_wzj), \
         gen_<role>_<kab/kota> (e.g. gen_dinsos_kab_5371)"
    );
    match &summary.password {
        Some(p) => println!("  password (pass --password to choose one): {p}"),
        None => println!("  password: as given"),
    }
    for (username, secret) in &summary.totp {
        println!("  totp {username} {secret}");
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load. Only a table's owner may ANALYZE it:
/// the owner's connection is used where this process has one (the embedded cluster,
/// `MERAJUT_MIGRATION_DATABASE_URL`); otherwise the service's role analyzes the tables it
/// owns (none, where the database is set up as docs/operations.md says), and autovacuum the
/// rest.
async fn analyze(pool: &PgPool, settings: &Settings) -> anyhow::Result<()> {
    let unlimited = db::PoolSettings::service(settings).unlimited();
    let owner = match (&settings.database_url, &settings.migration_database_url) {
        (Some(_), Some(url)) => {
            Some(connect_url(url, "MERAJUT_MIGRATION_DATABASE_URL", &unlimited).await?)
        }
        (Some(_), None) => None,
        (None, _) => {
            let layout = ClusterLayout::new(&settings.data_dir, settings.pg_port)?;
            Some(
                db::connect(
                    layout.connect_options_as(crate::pg::OWNER_ROLE, crate::pg::DATABASE),
                    &unlimited,
                )
                .await?,
            )
        }
    };
    match owner {
        Some(owner) => {
            analyze_own_tables(&owner).await?;
            owner.close().await;
        }
        None => analyze_own_tables(pool).await?,
    }
    Ok(())
}

/// ANALYZE of the application's tables that the pool's role owns: a bare `ANALYZE` also tries
/// the system catalogs and prints a warning for each one the role may not analyze.
async fn analyze_own_tables(pool: &PgPool) -> anyhow::Result<()> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables \
         WHERE schemaname IN ('public', 'tower_sessions') AND tableowner = current_user",
    )
    .fetch_all(pool)
    .await?;
    if !tables.is_empty() {
        sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// `audit verify`: walks every audit chain; OK with the counts, or the first broken link and
/// an error (non-zero exit status).
async fn audit_verify(pool: &PgPool) -> anyhow::Result<()> {
    let report = db::audit::verify(pool).await?;
    if let Some(broken) = &report.broken {
        bail!("audit chain BROKEN: {broken}");
    }
    println!(
        "audit_log: OK, {} rows in {} chains",
        report.rows,
        report.chains.len()
    );
    for (chain, seq, hash) in &report.chains {
        println!("  chain {chain:>2}: {seq} rows, head {hash}");
    }
    Ok(())
}

/// `user activation-code`: a new one-time activation code for the user, printed for the
/// operator to hand over (the operator has the server, hence the database, already). Stored
/// hashed; replaces any earlier code.
async fn activation_code(pool: &PgPool, settings: &Settings, username: &str) -> anyhow::Result<()> {
    let user = db::users::by_username(pool, username)
        .await?
        .with_context(|| format!("no user {username:?}"))?;
    if !user.active {
        bail!("user {username:?} is deactivated; activate it first");
    }
    let code = auth::totp::new_one_time_code();
    let now = crate::clock::Clock::system().now();
    let expires = now + chrono::Duration::hours(i64::from(settings.activation_hours));
    let hash = auth::totp::one_time_code_hash(&code);
    db::two_factor::issue_activation(pool, user.id, &hash, now, expires).await?;
    db::audit::record(
        pool,
        None,
        "user.activation_code.cli",
        Some(&user.id.to_string()),
        serde_json::json!({"hours": settings.activation_hours}),
    )
    .await?;
    let page = settings
        .public_url
        .as_deref()
        .map_or_else(|| "/aktivasi".to_string(), |u| format!("{u}/aktivasi"));
    println!("activation code for {}: {code}", user.username);
    println!(
        "valid once, for {} hours; the user types it with the username on {page}",
        settings.activation_hours
    );
    Ok(())
}

/// `user create`: an account with a password chosen by the operator (read from standard
/// input), which the user need not change.
async fn create_user(
    pool: &PgPool,
    username: &str,
    role: &str,
    scope: Option<&str>,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let role: Role = role.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown role {role:?}; one of: {}",
            Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let username = username.trim().to_lowercase();
    if !auth::valid_username(&username) {
        bail!("username must be 3–64 characters: lowercase letters, digits, _ . -");
    }
    let display_name = display_name.unwrap_or_else(|| username.clone());
    if let Some(problem) = required_text_problem(
        "Nama lengkap",
        display_name.trim(),
        auth::MAX_DISPLAY_NAME_LEN,
    ) {
        bail!("--display-name: {problem}");
    }
    let (hospital_id, kab_kota_code) = resolve_scope(pool, role, scope).await?;
    let password = read_password_stdin(&username)?;
    let hash = auth::hash_password_async(password).await?;
    let new_user = db::users::NewUser {
        username: &username,
        display_name: display_name.trim(),
        role,
        hospital_id,
        kab_kota_code: kab_kota_code.as_deref(),
        password_hash: &hash,
        must_change_password: false,
    };
    let id = db::users::create(pool, &new_user).await?;
    db::audit::record(
        pool,
        None,
        "user.create.cli",
        Some(&id.to_string()),
        serde_json::json!({"role": role.as_str()}),
    )
    .await?;
    println!("created user {username} ({})", role.as_str());
    Ok(())
}

/// Turns `--scope CODE` into the hospital or kab/kota the role requires.
pub async fn resolve_scope(
    pool: &PgPool,
    role: Role,
    scope: Option<&str>,
) -> anyhow::Result<(Option<uuid::Uuid>, Option<String>)> {
    match (role.scope_kind(), scope) {
        (ScopeKind::Hospital, Some(code)) => {
            let h = db::reference::hospital_by_code(pool, code)
                .await?
                .with_context(|| format!("no hospital with code {code:?}"))?;
            Ok((Some(h.id), None))
        }
        (ScopeKind::KabKota, Some(code)) => {
            let k = db::reference::kab_kota(pool, code)
                .await?
                .with_context(|| format!("no kab/kota with code {code:?} (e.g. 53.71)"))?;
            Ok((None, Some(k.code)))
        }
        (ScopeKind::None, None) => Ok((None, None)),
        (ScopeKind::None, Some(_)) => bail!("role {} takes no --scope", role.as_str()),
        (ScopeKind::Hospital, None) => {
            bail!("role rsud needs --scope with a hospital code (e.g. RSUD-WZJ)")
        }
        (ScopeKind::KabKota, None) => bail!(
            "role {} needs --scope with a kab/kota code (e.g. 53.71)",
            role.as_str()
        ),
    }
}
