use clap::Parser;
use counterpart::cli::{self, Cli};
use counterpart::config::Settings;

fn main() -> std::process::ExitCode {
    counterpart::memory::configure();
    run()
}

#[actix_web::main]
async fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    counterpart::telemetry::init(&settings.log);
    match cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
