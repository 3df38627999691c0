use clap::Parser;
use counterpart::cli::{self, Cli};
use counterpart::config::Settings;

fn main() -> std::process::ExitCode {
    // Before any thread starts: the mask is per process, and whatever a
    // thread creates after (the database's journal, an export) inherits it.
    counterpart::private::restrict_new_files();
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
