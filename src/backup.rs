//! `merajut-sehat backup` and `merajut-sehat restore`: one archive of an installation.
//!
//! The archive is a plain tar file (the dump is compressed by `pg_dump`, photos are JPEG/PNG):
//!
//! - `manifest.json` — format version, the service's version, when (the app clock), which
//!   storage the files came from, counts, and the SHA-256 and size of the dump and of every file;
//! - `database.dump` — `pg_dump -Fc` of the database;
//! - `files/<id>` — every stored file (documents not purged by retention, kept intake files),
//!   read through [`FileStore`] (either backend) and checked against the database's checksums.
//!
//! Consistency: the backup exports a snapshot of a read-only, repeatable-read transaction; the
//! dump (`pg_dump --snapshot`) and the list of files come from that one snapshot. A file is
//! written before its row, so every file the snapshot names exists (unless removed since by
//! retention or a replaced upload: the backup then stops and says so; run it again).
//!
//! Restore reads and checks the whole archive first (manifest, dump and every file against their
//! checksums), refuses anything but an empty target (no cluster in the data directory or an
//! empty `DATABASE_URL` database, and empty document storage), then stores the files (each read
//! back), restores the dump in one transaction, and migrates and grants as a start would. A
//! failure up to the dump's transaction removes what the restore created: nothing is left
//! half-restored. A failure after it (the preparation a start repeats) leaves the database and
//! the files complete, and says so.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::clock::Clock;
use crate::config::Settings;
use crate::pg::{ClusterLayout, EmbeddedPostgres};
use crate::storage::{FileStore, ReadError};

/// The archive's format; a restore refuses another.
const FORMAT: &str = "merajut-sehat-backup";
/// Its version; bumped when the layout changes.
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DUMP: &str = "database.dump";
const FILES: &str = "files/";

/// What an archive holds, as written in `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The version of the service that wrote it.
    pub app_version: String,
    /// When, by the app clock (RFC 3339, UTC).
    pub created_at: String,
    /// `local` or `s3`: where the files came from.
    pub storage: String,
    pub counts: Counts,
    pub database: Entry,
    /// Every file, by id (32 hex digits).
    pub files: BTreeMap<String, Entry>,
}

/// Counts in the database at the snapshot.
#[derive(Debug, Serialize, Deserialize)]
pub struct Counts {
    pub cases: i64,
    pub documents: i64,
    pub files: usize,
}

/// One member of the archive: its SHA-256 (hex) and size.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub sha256: String,
    pub bytes: u64,
}

impl Entry {
    fn of(bytes: &[u8]) -> Entry {
        Entry {
            sha256: hex::encode(Sha256::digest(bytes)),
            bytes: bytes.len() as u64,
        }
    }
}

/// How `pg_dump` / `pg_restore` reach the database: a URL, or the embedded cluster's socket
/// as its superuser.
enum Target {
    Url(String),
    Embedded(ClusterLayout),
}

impl Target {
    fn of(settings: &Settings) -> anyhow::Result<Target> {
        // The owner's URL when there is one: it owns (and may read) every table.
        match (&settings.migration_database_url, &settings.database_url) {
            (Some(url), _) | (None, Some(url)) => Ok(Target::Url(url.clone())),
            (None, None) => Ok(Target::Embedded(ClusterLayout::new(
                &settings.data_dir,
                settings.pg_port,
            )?)),
        }
    }

    /// Points a PostgreSQL client program at the database. A URL's password goes into the
    /// program's environment (`PGPASSWORD`, private to the process), not onto its command line,
    /// which every user of the machine can read.
    fn connect(&self, command: &mut tokio::process::Command) -> anyhow::Result<()> {
        match self {
            Target::Url(raw) => {
                let mut url = reqwest::Url::parse(raw).context("the database URL is not valid")?;
                if let Some(password) = url.password() {
                    let password = percent_encoding::percent_decode_str(password)
                        .decode_utf8()
                        .context("the database URL's password is not valid UTF-8")?
                        .into_owned();
                    command.env("PGPASSWORD", password);
                    let _ = url.set_password(None);
                }
                command.arg(format!("--dbname={url}"));
            }
            Target::Embedded(layout) => {
                command.args([
                    format!("--host={}", layout.socket_dir.display()),
                    format!("--port={}", layout.port),
                    format!("--username={}", crate::pg::SUPERUSER),
                    format!("--dbname={}", crate::pg::DATABASE),
                ]);
            }
        }
        Ok(())
    }
}

/// A PostgreSQL client program (`pg_dump`, `pg_restore`) of the server's version: from
/// MERAJUT_PG_BIN, or the newest under /usr/lib/postgresql, or the PATH.
fn pg_program(settings: &Settings, name: &str) -> anyhow::Result<PathBuf> {
    let program = crate::pg::find_binaries(settings.pg_bin.as_deref())?.join(name);
    if !program.is_file() {
        bail!(
            "{name} not found at {} (it comes with the PostgreSQL server binaries; Debian: \
             postgresql-client)",
            program.display()
        );
    }
    Ok(program)
}

/// Runs a PostgreSQL client program with `args` against `target`; its error output (never the
/// URL) goes into the error.
async fn run_pg(
    program: &Path,
    target: &Target,
    args: &[String],
    what: &str,
) -> anyhow::Result<()> {
    let mut command = tokio::process::Command::new(program);
    target.connect(&mut command)?;
    let output = command
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Writes the archive of the database behind `pool` (the service's connection) and of every
/// file in `files` to `output`, which must not exist. Returns the manifest.
pub async fn backup(
    settings: &Settings,
    pool: &PgPool,
    files: &FileStore,
    clock: &Clock,
    output: &Path,
) -> anyhow::Result<Manifest> {
    if output.exists() {
        bail!(
            "{} exists already: choose a new file for the backup (an archive is never \
             overwritten)",
            output.display()
        );
    }
    let pg_dump = pg_program(settings, "pg_dump")?;
    let target = Target::of(settings)?;
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".merajut-backup-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;

    // One snapshot for the dump and the list of files.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?;
    let stored = crate::db::stored_files::all(&mut *tx).await?;
    let cases: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&mut *tx)
        .await?;
    let documents: i64 = sqlx::query_scalar("SELECT count(*) FROM documents")
        .fetch_one(&mut *tx)
        .await?;
    let dump_path = work.path().join(DUMP);
    let args = vec![
        "--format=custom".to_string(),
        format!("--snapshot={snapshot}"),
        format!("--file={}", dump_path.display()),
    ];
    let dumped = run_pg(&pg_dump, &target, &args, "pg_dump").await;
    tx.rollback().await?;
    dumped?;
    let dump = std::fs::read(&dump_path).context("reading the dump")?;

    let mut manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        created_at: clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        storage: match settings.storage.kind {
            crate::config::StorageKind::Local => "local".into(),
            crate::config::StorageKind::S3 => "s3".into(),
        },
        counts: Counts {
            cases,
            documents,
            files: stored.len(),
        },
        database: Entry::of(&dump),
        files: BTreeMap::new(),
    };

    let partial = work.path().join("archive.tar");
    // Private to the service's user, like the documents: it holds them all.
    let mut archive = tar::Builder::new(std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .context("creating the archive")?,
    ));
    append(&mut archive, DUMP, &dump)?;
    drop(dump);
    for file in &stored {
        let bytes = files
            .get(file.id, &file.sha256)
            .await
            .map_err(|e| match e {
                ReadError::Missing => anyhow::anyhow!(
                    "file {} is in the database but not in the storage ({}): it was removed since \
                 the snapshot (run the backup again) or is lost (restore it from an earlier \
                 backup)",
                    file.id,
                    files.describe()
                ),
                ReadError::Corrupt => anyhow::anyhow!(
                    "file {} fails its SHA-256 check in the storage ({}): restore it from an \
                 earlier backup before backing up",
                    file.id,
                    files.describe()
                ),
                ReadError::Unavailable(e) => e,
            })?;
        let name = file.id.simple().to_string();
        append(&mut archive, &format!("{FILES}{name}"), &bytes)?;
        manifest.files.insert(name, Entry::of(&bytes));
    }
    let json = serde_json::to_vec_pretty(&manifest)?;
    append(&mut archive, MANIFEST, &json)?;
    let file = archive
        .into_inner()
        .context("finishing the archive")?
        .into_inner()
        .map_err(|e| e.into_error())
        .context("writing the archive")?;
    file.sync_all().context("syncing the archive")?;
    drop(file);
    // Complete or absent: the archive appears under its name only once whole.
    std::fs::rename(&partial, output)
        .with_context(|| format!("moving the archive to {}", output.display()))?;
    if let Ok(dir) = std::fs::File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(manifest)
}

fn append<W: Write>(archive: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    archive
        .append_data(&mut header, name, bytes)
        .with_context(|| format!("writing {name} into the archive"))
}

/// An archive read and checked: the manifest, the dump on disk, and every file.
struct Checked {
    manifest: Manifest,
    dump: PathBuf,
    files: Vec<(Uuid, Vec<u8>)>,
}

/// Reads `input` whole into `work` and checks it against its manifest; nothing outside `work`
/// is touched. Every refusal names what is wrong.
fn read_archive(input: &Path, work: &Path) -> anyhow::Result<Checked> {
    let file = std::fs::File::open(input)
        .with_context(|| format!("cannot open the archive {}", input.display()))?;
    if file.metadata()?.len() == 0 {
        bail!(
            "the archive {} is empty: not a backup of merajut-sehat",
            input.display()
        );
    }
    let damaged = |e: std::io::Error| {
        anyhow::anyhow!(
            "the archive {} is damaged or truncated ({e}): nothing was restored",
            input.display()
        )
    };
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let mut manifest = None;
    let mut dump = None;
    let mut files = BTreeMap::new();
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0).min(1 << 26));
        entry.read_to_end(&mut bytes).map_err(damaged)?;
        if name == MANIFEST {
            manifest = Some(serde_json::from_slice::<Manifest>(&bytes).map_err(|e| {
                anyhow::anyhow!("the archive's manifest.json is not readable ({e})")
            })?);
        } else if name == DUMP {
            dump = Some(Entry::of(&bytes));
            std::fs::write(work.join(DUMP), &bytes).context("unpacking the dump")?;
        } else if let Some(id) = name.strip_prefix(FILES) {
            let id = Uuid::try_parse(id)
                .map_err(|_| anyhow::anyhow!("the archive holds an unexpected file {name:?}"))?;
            files.insert(id.simple().to_string(), (id, bytes));
        } else {
            bail!("the archive holds an unexpected member {name:?}: not a backup of merajut-sehat");
        }
    }
    let manifest = manifest.with_context(|| {
        format!(
            "the archive {} has no manifest.json: truncated, or not a backup of merajut-sehat",
            input.display()
        )
    })?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        bail!(
            "the archive is {} version {}; this version of merajut-sehat restores {FORMAT} \
             version {FORMAT_VERSION}",
            manifest.format,
            manifest.format_version
        );
    }
    if dump.as_ref() != Some(&manifest.database) {
        bail!("the archive's database dump is missing or fails its SHA-256 check");
    }
    for (name, entry) in &manifest.files {
        match files.get(name) {
            Some((_, bytes)) if Entry::of(bytes) == *entry => {}
            Some(_) => bail!("file {name} in the archive fails its SHA-256 check"),
            None => bail!("file {name} named by the manifest is missing from the archive"),
        }
    }
    if files.len() != manifest.files.len() {
        bail!("the archive holds files its manifest does not name");
    }
    Ok(Checked {
        manifest,
        dump: work.join(DUMP),
        files: files.into_values().collect(),
    })
}

/// Restores the archive `input` into the empty installation `settings` names. Returns the
/// manifest.
pub async fn restore(settings: &Settings, input: &Path) -> anyhow::Result<Manifest> {
    let work = tempfile::Builder::new()
        .prefix("merajut-restore-")
        .tempdir()
        .context("creating a temporary directory")?;
    let checked = {
        let input = input.to_path_buf();
        let dir = work.path().to_path_buf();
        tokio::task::spawn_blocking(move || read_archive(&input, &dir)).await??
    };
    let pg_restore = pg_program(settings, "pg_restore")?;
    let files = FileStore::from_settings(&settings.storage, settings.files_dir())?;
    if !files.is_empty().await? {
        bail!(
            "the document storage ({}) is not empty: restore goes into an empty installation \
             only. Choose a new data directory / bucket.",
            files.describe()
        );
    }
    let target = Target::of(settings)?;
    let mut created_cluster = None;
    match &target {
        Target::Url(url) => {
            let limits = crate::db::PoolSettings::service(settings).unlimited();
            let options = url.parse().context("the database URL is not valid")?;
            let pool = crate::db::connect(options, &limits)
                .await
                .context("cannot connect to the database to restore into")?;
            let relations: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                    AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'",
            )
            .fetch_one(&pool)
            .await?;
            pool.close().await;
            if relations > 0 {
                bail!(
                    "the database is not empty ({relations} tables, sequences or indexes): \
                     restore goes into an empty database only. Create a new one."
                );
            }
        }
        Target::Embedded(layout) => {
            let holds_anything = std::fs::read_dir(&layout.pg_data)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            if holds_anything {
                bail!(
                    "the data directory {} already holds a PostgreSQL cluster: restore goes \
                     into an empty data directory only. Choose a new --data-dir / \
                     MERAJUT_DATA_DIR.",
                    settings.data_dir.display()
                );
            }
            created_cluster = Some(layout.pg_data.clone());
        }
    }

    let mut stored = vec![];
    match restore_into(
        settings,
        &target,
        &pg_restore,
        &files,
        &checked,
        &mut stored,
    )
    .await
    {
        Ok(()) => Ok(checked.manifest),
        Err(Failed::Before(e)) => {
            // Nothing half-restored: the files stored and the cluster created go again (the
            // database was restored in one transaction, or not at all).
            for id in stored {
                files.delete(id).await;
            }
            if let Some(pg_data) = created_cluster {
                let _ = std::fs::remove_dir_all(&pg_data);
            }
            Err(e.context("nothing was restored"))
        }
        Err(Failed::After(e)) => Err(e.context(
            "the database and every file are restored, but preparing the database failed; fix \
             the cause and start the service, which prepares it again at start",
        )),
    }
}

/// How far a failed restore got.
enum Failed {
    /// Before the database was restored: what was created is removed again.
    Before(anyhow::Error),
    /// After: the database and the files are complete; the preparation a start repeats failed.
    After(anyhow::Error),
}

async fn restore_into(
    settings: &Settings,
    target: &Target,
    pg_restore: &Path,
    files: &FileStore,
    checked: &Checked,
    stored: &mut Vec<Uuid>,
) -> Result<(), Failed> {
    for (id, bytes) in &checked.files {
        files.put(*id, bytes).await.map_err(Failed::Before)?;
        stored.push(*id);
        files
            .get(*id, &Sha256::digest(bytes))
            .await
            .with_context(|| format!("reading file {id} back after storing it"))
            .map_err(Failed::Before)?;
    }
    let mut embedded = match target {
        Target::Embedded(layout) => Some(
            EmbeddedPostgres::start(layout, settings.pg_bin.as_deref())
                .await
                .map_err(Failed::Before)?,
        ),
        Target::Url(_) => None,
    };
    let mut args = vec![
        "--no-owner".to_string(),
        "--no-privileges".to_string(),
        "--single-transaction".to_string(),
        "--exit-on-error".to_string(),
    ];
    args.push(checked.dump.display().to_string());
    let restored = match run_pg(pg_restore, target, &args, "pg_restore").await {
        Err(e) => Err(Failed::Before(e)),
        Ok(()) => prepare(settings, checked).await.map_err(Failed::After),
    };
    if let Some(pg) = embedded.as_mut() {
        pg.stop();
    }
    restored
}

/// What a start does to a database (owner, migrations — none left to apply —, the service
/// role's rights), then a look at the restored cases.
async fn prepare(settings: &Settings, checked: &Checked) -> anyhow::Result<()> {
    let database = crate::cli::Database::open(settings, false).await?;
    let cases: sqlx::Result<i64> = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&database.pool)
        .await;
    database.close().await;
    let cases = cases?;
    if cases != checked.manifest.counts.cases {
        bail!(
            "the restored database has {cases} cases, the manifest says {}",
            checked.manifest.counts.cases
        );
    }
    Ok(())
}
