//! Entry point: configuration → telemetry → database → command.

use clap::Parser;
use merajut_sehat::config::Cli;
use merajut_sehat::{cli, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    merajut_sehat::auth::return_large_blocks();
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
