//! Graceful shutdown of the real binary (`merajut-sehat`, serving on the test app's database):
//! on SIGTERM it refuses new connections, lets a request in flight finish, closes idle
//! keep-alive connections, and exits with status 0 — after `MERAJUT_SHUTDOWN_GRACE_SECONDS` at
//! the latest, even when a client never finishes its request. The clients are raw TCP
//! connections, so that the test controls exactly when each byte is sent.

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Child;

use crate::helpers::*;

/// The binary, serving; killed if the test ends before it does.
struct Server {
    child: Child,
    port: u16,
    /// Its log (standard error), as written so far.
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the binary on `app`'s database (the service's role; the owner migrates), on a
    /// free port, with the worker on and a shutdown grace of `grace_seconds`; returns once it
    /// says where it serves.
    async fn start(app: &TestApp, grace_seconds: u64) -> Server {
        let mut command = Server::command(grace_seconds);
        command
            .env("DATABASE_URL", &app.app_database_url)
            .env("MERAJUT_MIGRATION_DATABASE_URL", &app.database_url)
            .env("MERAJUT_DATA_DIR", &app.data_dir);
        Server::spawn(command).await
    }

    /// The binary on a free port, with the worker on, info logs and a shutdown grace of
    /// `grace_seconds`.
    fn command(grace_seconds: u64) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_merajut-sehat"));
        command
            .env("MERAJUT_BIND", "127.0.0.1:0")
            .env("MERAJUT_WORKER", "true")
            .env("MERAJUT_SHUTDOWN_GRACE_SECONDS", grace_seconds.to_string())
            .env("RUST_LOG", "info,sqlx=warn");
        command
    }

    /// Runs `command`; returns once it says where it serves.
    async fn spawn(mut command: tokio::process::Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting merajut-sehat");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        let written = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                let mut log = written.lock().expect("the log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = stdout.next_line().await {
                if let Some(addr) = line.split("serving on http://").nth(1) {
                    let port = addr.rsplit(':').next().unwrap_or_default().trim();
                    return port.parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("the server did not start: {}", log.lock().expect("log")));
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        Server { child, port, log }
    }

    /// Sends SIGTERM, as systemd, Docker or Kubernetes do to stop the service.
    fn terminate(&self) {
        let pid = self.child.id().expect("the server is running");
        kill(Pid::from_raw(pid as i32), Signal::SIGTERM).expect("sending SIGTERM");
    }

    /// Waits (up to `limit`) for the process to exit; its status, or a failure naming the log.
    async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => status.expect("waiting for the server"),
            Err(_) => panic!("the server did not exit within {limit:?}:\n{}", self.log()),
        }
    }

    fn log(&self) -> String {
        self.log.lock().expect("the log").clone()
    }

    /// Whether it still runs.
    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    async fn connect(&self) -> std::io::Result<TcpStream> {
        TcpStream::connect(("127.0.0.1", self.port)).await
    }

    /// Waits (up to 10 s) until a new connection is refused; whether it was.
    async fn refuses_connections(&self) -> bool {
        for _ in 0..200 {
            match self.connect().await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return true,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        false
    }
}

/// A `POST /api/v1/cases` with `token`, as its head and its JSON body.
fn create_case_request(token: &str) -> (String, Vec<u8>) {
    let body = serde_json::to_vec(&intake_woman()).expect("JSON");
    let head = format!(
        "POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    (head, body)
}

/// Reads an answer's head (up to the blank line); empty when the server closed first.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).to_string()
}

/// An HTTP/1.1 client that made one request and keeps its connection open, idle.
async fn idle_keep_alive_client(server: &Server) -> TcpStream {
    let mut stream = server.connect().await.expect("connecting");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("sending the request");
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("connection: close"),
        "{head}"
    );
    let mut body = [0u8; 2];
    stream.read_exact(&mut body).await.expect("the body");
    assert_eq!(&body, b"ok");
    stream
}

async fn case_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&app.pool)
        .await
        .expect("counting cases")
}

#[tokio::test]
async fn sigterm_lets_a_slow_request_finish_refuses_new_connections_and_exits_with_status_0() {
    // Arrange: the binary (grace 15 s); an idle keep-alive client; a hospital user's upload of
    // a new case, half its body sent
    let app = spawn_app().await;
    let rsud = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let token = app.api_token(rsud.id).await;
    let mut server = Server::start(&app, 15).await;
    let mut idle = idle_keep_alive_client(&server).await;
    let (head, body) = create_case_request(&token);
    let mut slow = server.connect().await.expect("connecting");
    slow.write_all(head.as_bytes()).await.expect("the head");
    slow.write_all(&body[..body.len() / 2])
        .await
        .expect("half the body");
    // The server has the request and waits for the rest of the body.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Act: SIGTERM
    server.terminate();

    // Assert: new connections are refused while the process still runs (the request is in
    // flight); the idle connection is closed
    assert!(server.refuses_connections().await, "{}", server.log());
    assert!(server.running(), "exited with a request in flight");
    let mut rest = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the idle connection should be closed: {closed:?}"
    );

    // Act: the slow client sends the rest
    slow.write_all(&body[body.len() / 2..])
        .await
        .expect("the rest of the body");
    let answer = read_head(&mut slow).await;

    // Assert: the request completed with 201 and its case is stored; the process exits by
    // itself, before the grace is over, with status 0
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "{answer}\n{}",
        server.log()
    );
    assert_eq!(case_count(&app).await, 1);
    let status = server.exit_within(Duration::from_secs(30)).await;
    let log = server.log();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(!log.contains("shutdown grace over"), "{log}");
    assert!(log.contains("worker stopped"), "{log}");
    assert!(log.contains("server stopped"), "{log}");
}

#[tokio::test]
async fn a_request_that_never_finishes_does_not_hold_shutdown_past_the_grace() {
    // Arrange: the binary with a grace of 2 s; a client that sends half a request and stalls
    let app = spawn_app().await;
    let rsud = app.create_test_user("rsud", Some("RSUD-WZJ")).await;
    let token = app.api_token(rsud.id).await;
    let mut server = Server::start(&app, 2).await;
    let (head, body) = create_case_request(&token);
    let mut stalled = server.connect().await.expect("connecting");
    stalled.write_all(head.as_bytes()).await.expect("the head");
    stalled
        .write_all(&body[..body.len() / 2])
        .await
        .expect("half the body");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Act
    server.terminate();

    // Assert: it gives up on the request when the grace is over, says so, and exits with
    // status 0 well before the request's own 60 s timeout; the request has no effect
    let status = server.exit_within(Duration::from_secs(40)).await;
    let log = server.log();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(log.contains("shutdown grace over"), "{log}");
    let answer = read_head(&mut stalled).await;
    assert!(!answer.contains("201"), "{answer}");
    assert_eq!(case_count(&app).await, 0);
}

#[tokio::test]
async fn the_embedded_postgresql_is_stopped_last() {
    // Arrange: the binary on a cluster of its own (no DATABASE_URL), created at this start;
    // a request answered, the connection kept open
    let data_dir = test_root().join(format!("shutdown-{}", uuid::Uuid::new_v4().simple()));
    let mut command = Server::command(15);
    command
        .env_remove("DATABASE_URL")
        .env("MERAJUT_DATA_DIR", &data_dir);
    let mut server = Server::spawn(command).await;
    let mut idle = server.connect().await.expect("connecting");
    idle.write_all(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("asking whether it is ready");
    let head = read_head(&mut idle).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", server.log());

    // Act
    server.terminate();

    // Assert: exits with status 0, the server and the worker stopped before the cluster, which
    // shut down cleanly (no postmaster.pid left behind)
    let status = server.exit_within(Duration::from_secs(60)).await;
    let log = server.log();
    assert!(status.success(), "{status:?}\n{log}");
    let at = |line: &str| {
        log.find(line)
            .unwrap_or_else(|| panic!("no {line:?} in the log:\n{log}"))
    };
    assert!(at("worker stopped") < at("server stopped"), "{log}");
    assert!(
        at("server stopped") < at("embedded PostgreSQL stopped"),
        "{log}"
    );
    assert!(!log.contains("shutdown grace over"), "{log}");
    assert!(!data_dir.join("pg").join("postmaster.pid").exists());
    let _ = std::fs::remove_dir_all(&data_dir);
}
