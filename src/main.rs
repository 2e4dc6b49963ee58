//! Entry point: configuration → telemetry → database → command.

use clap::Parser;
use merajut_sehat::config::Cli;
use merajut_sehat::{cli, telemetry};

/// mimalloc rather than glibc's allocator: a list page allocates and frees thousands of small
/// values (rows, strings, the rendered page), which glibc served at about a fifth of the
/// server's CPU time under load; and mimalloc returns freed memory to the system by itself
/// (Argon2's 19 MiB per sign-in among it; see `docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Cli::parse();
    telemetry::init(args.settings.log_format);
    match cli::run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("merajut-sehat: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
