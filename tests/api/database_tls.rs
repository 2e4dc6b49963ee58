//! TLS to PostgreSQL, as a managed database requires it: a cluster of the test's own with
//! `ssl=on`, a certificate for `localhost` from a CA made here (the `openssl` command), and a
//! `pg_hba.conf` that lets TCP clients in over TLS only (`hostssl`). `sslmode=require` and
//! `sslmode=verify-full` with `sslrootcert=` connect; verify-full without the CA, or to a host
//! name the certificate does not carry, and a plain connection are refused, each saying why.

use std::path::{Path, PathBuf};
use std::process::Command;

use merajut_sehat::db::{self, PoolSettings};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::helpers::*;

/// Runs `openssl` with `args` in `dir`, panicking with its output when it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl (Debian: apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.crt`) and a server certificate for `localhost` only (`server.crt`, `server.key`)
/// signed by it, in `dir`.
fn make_certificates(dir: &Path) {
    std::fs::create_dir_all(dir).expect("a directory for the certificates");
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    openssl(
        dir,
        &[
            &["req", "-x509", "-nodes", "-days", "2"],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-subj",
                "/CN=Merajut Sehat test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[
            &["req", "-nodes"],
            &ec[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("writing the extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
}

/// Copies `from` into the cluster's data directory as `name`, readable by the server only
/// (PostgreSQL refuses a key others may read).
fn give_to_server(from: &Path, pg_data: &Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let to = pg_data.join(name);
    std::fs::copy(from, &to).expect("copying into the data directory");
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).expect("chmod 0600");
    if let Some((uid, gid)) = OwnCluster::server_user() {
        std::os::unix::fs::chown(&to, Some(uid), Some(gid)).expect("chown to postgres");
    }
}

/// A free TCP port on 127.0.0.1 (the cluster binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A cluster listening on 127.0.0.1:`port` with TLS, TCP clients over TLS only.
async fn tls_cluster(certs: &Path) -> OwnCluster {
    let port = free_port();
    let mut cluster = OwnCluster::start(port, &[]).await;
    cluster.stop();
    let pg_data = cluster.layout.pg_data.clone();
    give_to_server(&certs.join("server.crt"), &pg_data, "server.crt");
    give_to_server(&certs.join("server.key"), &pg_data, "server.key");
    // Rewritten in place: the file keeps its owner.
    std::fs::write(
        pg_data.join("pg_hba.conf"),
        "local all all trust\n\
         hostssl all all 127.0.0.1/32 trust\n\
         hostssl all all ::1/128 trust\n",
    )
    .expect("writing pg_hba.conf");
    cluster.settings.extend(
        [
            ("listen_addresses", "127.0.0.1"),
            ("ssl", "on"),
            ("ssl_cert_file", "server.crt"),
            ("ssl_key_file", "server.key"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    cluster.start_again().await;
    cluster
}

/// A `DATABASE_URL` of the cluster's database as its superuser, at `host`, with `query`.
fn url(host: &str, port: u16, query: &str) -> String {
    format!(
        "postgres://{}@{host}:{port}/{}?{query}",
        merajut_sehat::pg::SUPERUSER,
        merajut_sehat::pg::DATABASE
    )
}

/// Whether the connection of `options` is encrypted, by the server's own account.
async fn connect_and_check_tls(options: &str) -> Result<bool, sqlx::Error> {
    let options: PgConnectOptions = options.parse()?;
    let mut conn = options.connect().await?;
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(ssl)
}

#[tokio::test]
async fn tls_database_urls_connect_and_verify_the_server() {
    // Arrange
    let certs: PathBuf = test_root()
        .join("certs")
        .join(uuid::Uuid::new_v4().simple().to_string());
    make_certificates(&certs);
    let cluster = tls_cluster(&certs).await;
    let port = cluster.layout.port;
    let ca = certs.join("ca.crt");
    let ca = ca.to_str().expect("a UTF-8 path");

    // Act
    let require = connect_and_check_tls(&url("127.0.0.1", port, "sslmode=require")).await;
    let verified = connect_and_check_tls(&url(
        "localhost",
        port,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    let unknown_ca = connect_and_check_tls(&url("localhost", port, "sslmode=verify-full")).await;
    let wrong_host = connect_and_check_tls(&url(
        "127.0.0.1",
        port,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    let plain = connect_and_check_tls(&url("127.0.0.1", port, "sslmode=disable")).await;

    // Assert
    assert!(require.expect("sslmode=require connects"), "encrypted");
    assert!(
        verified.expect("sslmode=verify-full with the CA connects"),
        "encrypted"
    );
    let unknown_ca = unknown_ca.expect_err("verify-full refuses a certificate of an unknown CA");
    // rustls refuses during the handshake, which sqlx reports as an I/O error saying why.
    assert!(
        unknown_ca
            .to_string()
            .contains("invalid peer certificate: UnknownIssuer"),
        "{unknown_ca}"
    );
    let wrong_host = wrong_host.expect_err("verify-full refuses a certificate for another host");
    let said = wrong_host.to_string();
    assert!(
        said.contains("invalid peer certificate")
            && (said.contains("NotValidForName") || said.contains("not valid for name")),
        "{said}"
    );
    let plain = plain.expect_err("a plain connection is refused by hostssl");
    assert!(
        matches!(&plain, sqlx::Error::Database(e) if e.code().as_deref() == Some("28000")),
        "{plain}"
    );
    assert!(
        db::is_unavailable(&unknown_ca),
        "a TLS failure is answered 503 while the service runs"
    );
}

#[tokio::test]
async fn the_service_runs_on_a_verify_full_database_url() {
    // Arrange
    let certs: PathBuf = test_root()
        .join("certs")
        .join(uuid::Uuid::new_v4().simple().to_string());
    make_certificates(&certs);
    let cluster = tls_cluster(&certs).await;
    let ca = certs.join("ca.crt");
    let database_url = url(
        "localhost",
        cluster.layout.port,
        &format!(
            "sslmode=verify-full&sslrootcert={}",
            ca.to_str().expect("a UTF-8 path")
        ),
    );
    let data_dir = test_root()
        .join("apps")
        .join(uuid::Uuid::new_v4().simple().to_string());

    // Act: the pool as the service opens it, and the command line tool (which migrates the
    // database over the same URL first).
    let limits = PoolSettings {
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(30),
        statement_timeout: Some(std::time::Duration::from_millis(4321)),
        idle_in_transaction_timeout: None,
        slow_statements: tracing::log::LevelFilter::Warn,
    };
    let pool = db::connect(database_url.parse().expect("a valid URL"), &limits)
        .await
        .expect("the service's pool connects with verify-full");
    let (ssl, statement_timeout): (bool, String) = sqlx::query_as(
        "SELECT s.ssl, current_setting('statement_timeout') \
         FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
    )
    .fetch_one(&pool)
    .await
    .expect("asking the server");
    pool.close().await;
    let cli = tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &database_url)
        .env_remove("MERAJUT_MIGRATION_DATABASE_URL")
        .env("MERAJUT_DATA_DIR", &data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("running merajut-sehat");

    // Assert
    assert!(ssl, "the service's connection is encrypted");
    assert_eq!(statement_timeout, "4321ms");
    assert!(
        cli.status.success(),
        "audit verify over verify-full: {}{}",
        String::from_utf8_lossy(&cli.stdout),
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(String::from_utf8_lossy(&cli.stdout).contains("audit_log: OK"));
}
