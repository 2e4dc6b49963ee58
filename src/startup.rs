//! Building and running the application: database, migrations, first administrator, HTTP
//! server with graceful shutdown.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_sessions_sqlx_store::PostgresStore;

use crate::cases::CaseService;
use crate::cases::files::{self, FileStore};
use crate::cases::notify::Outbox;
use crate::clock::Clock;
use crate::config::Settings;
use crate::config::StorageKind;
use crate::domain::Role;
use crate::http::AppState;
use crate::worker::Worker;
use crate::{api, auth, db, web};

/// A built application, bound to its address and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pool: PgPool,
    /// The background worker, started with the server (`MERAJUT_WORKER`).
    worker: Option<Worker>,
    /// How long a shutdown may take (`MERAJUT_SHUTDOWN_GRACE_SECONDS`).
    shutdown_grace: Duration,
}

impl Application {
    /// Checks the database is migrated (see `db::prepare`) and binds the listener (port 0 picks
    /// a free port, as the tests do). Time comes from the system clock.
    pub async fn build(settings: Settings, pool: PgPool) -> anyhow::Result<Application> {
        Application::build_with_clock(settings, pool, Clock::system()).await
    }

    /// [`Application::build`] with a given clock (tests set the time with [`Clock::fixed`]).
    pub async fn build_with_clock(
        settings: Settings,
        pool: PgPool,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        settings
            .check_notifications()
            .map_err(|e| anyhow::anyhow!("notification settings: {e}"))?;
        // The owner migrated the database before (`db::prepare`); `pool` may be the service's
        // restricted role, which cannot.
        db::readiness(&pool)
            .await
            .context("the database is not migrated")?;
        let sessions = PostgresStore::new(pool.clone());
        let files = FileStore::from_settings(&settings.storage, settings.files_dir())?;
        if settings.storage.kind == StorageKind::Local {
            tokio::fs::create_dir_all(settings.files_dir())
                .await
                .with_context(|| format!("creating {}", settings.files_dir().display()))?;
            // Documents stored before files were written 0600 / 0700 get those modes now.
            let files_dir = settings.files_dir();
            let restricted =
                tokio::task::spawn_blocking(move || files::restrict_permissions(&files_dir))
                    .await?
                    .context("restricting the documents' file modes")?;
            if restricted > 0 {
                tracing::info!(restricted, "document files and directories made private");
            }
        }
        tracing::info!(storage = %files.describe(), "document storage");
        let listener = TcpListener::bind(settings.bind).await.with_context(|| {
            format!(
                "cannot listen on {}: is another program using it? Choose another address with \
                 --bind / MERAJUT_BIND.",
                settings.bind
            )
        })?;
        let cases = CaseService {
            pool: pool.clone(),
            files,
            clock: clock.clone(),
            max_upload_bytes: settings.max_upload_mb * 1024 * 1024,
            outbox: Outbox {
                email: settings.email_enabled(),
                webhook: settings.webhook_enabled(),
            },
            figures_memo: Default::default(),
            reference: Default::default(),
        };
        if settings.smtp_url.is_some() && settings.public_url.is_none() {
            tracing::warn!(
                "MERAJUT_SMTP_URL is set without MERAJUT_PUBLIC_URL: no e-mail is sent (its links \
                 need the public address)"
            );
        }
        let worker = if settings.worker {
            Some(Worker::new(cases.clone(), &settings)?)
        } else {
            None
        };
        let state = AppState {
            pool: pool.clone(),
            settings: Arc::new(settings),
            clock,
            cases,
        };
        let settings = state.settings.clone();
        let shutdown_grace = Duration::from_secs(settings.shutdown_grace_seconds);
        let router = web::outer_layers(
            web::routes(&state, sessions)
                .merge(api::router(state.clone()))
                .fallback(web::not_found)
                .with_state(state),
            &settings,
        );
        Ok(Application {
            listener,
            router,
            pool,
            worker,
            shutdown_grace,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves (and runs the worker, if on) until `shutdown` completes; then stops accepting
    /// connections (new ones are refused), closes idle keep-alive connections, and lets the
    /// requests in flight and the worker's job in hand finish — for at most the shutdown grace
    /// (`MERAJUT_SHUTDOWN_GRACE_SECONDS`) from the signal. What is still running then is left
    /// (logged); a job cut off so is claimed again after its lease. Returns after that, so the
    /// caller closes the database last.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = self.shutdown_grace;
        let sessions = PostgresStore::new(self.pool.clone());
        let cleanup = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                every.tick().await;
                if let Err(e) = tower_sessions::ExpiredDeletion::delete_expired(&sessions).await {
                    tracing::warn!(error = %e, "deleting expired sessions failed");
                }
            }
        });
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut stopping = stopped.clone();
        let worker = self.worker.map(|w| tokio::spawn(w.run_until(stopped)));
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .into_future();
        tokio::pin!(served);
        // The deadline runs from the signal; the server ending by itself (an error) needs none.
        let signalled = async move {
            // Not holding the value's read guard across the waits below.
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        let (result, deadline) = tokio::select! {
            biased;
            result = &mut served => (result, tokio::time::Instant::now() + grace),
            () = signalled => {
                let deadline = tokio::time::Instant::now() + grace;
                tracing::info!(grace_s = grace.as_secs(), "no new connections; finishing requests in flight");
                match tokio::time::timeout_at(deadline, &mut served).await {
                    Ok(result) => (result, deadline),
                    Err(_) => {
                        tracing::warn!(grace_s = grace.as_secs(),
                            "shutdown grace over: requests still in flight are cut off");
                        (Ok(()), deadline)
                    }
                }
            }
        };
        cleanup.abort();
        if let Some(mut worker) = worker {
            match tokio::time::timeout_at(deadline, &mut worker).await {
                Ok(Err(e)) => tracing::warn!(error = %e, "the worker ended abnormally"),
                Ok(Ok(())) => {}
                Err(_) => {
                    worker.abort();
                    tracing::warn!(
                        grace_s = grace.as_secs(),
                        "shutdown grace over: the worker's job in hand is cut off (claimed again after its lease)"
                    );
                }
            }
        }
        tracing::info!("server stopped");
        result.context("serving HTTP")
    }
}

/// On the very first start (no user at all), creates the administrator `admin` with a
/// generated one-time password and returns it, to be printed on the console.
pub async fn bootstrap_admin(pool: &PgPool) -> anyhow::Result<Option<(String, String)>> {
    let mut tx = pool.begin().await?;
    db::users::lock_first_start(&mut *tx).await?;
    if !db::users::none_exist(&mut *tx).await? {
        return Ok(None);
    }
    let (password, hash) = auth::one_time_password().await?;
    let admin = db::users::NewUser {
        username: "admin",
        display_name: "Administrator",
        role: Role::Admin,
        hospital_id: None,
        kab_kota_code: None,
        password_hash: &hash,
        must_change_password: true,
    };
    let id = db::users::create(&mut *tx, &admin).await?;
    db::audit::record(
        &mut *tx,
        None,
        "user.bootstrap_admin",
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(("admin".into(), password)))
}
