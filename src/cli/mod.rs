//! The command line: `counterpart [--config FILE] COMMAND`.

mod accounts;
mod bulletin;
mod copy;
mod transfer;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::directory::demo::DemoOptions;
use crate::directory::transfer::Format;
use crate::directory::{model, write};
use crate::startup::{self, Application};

#[derive(Debug, Parser)]
#[command(
    name = "counterpart",
    version,
    about = "Directory of UNTOC competent authorities and their fortnightly bulletin"
)]
pub struct Cli {
    /// Settings file, read after config/default.toml (or set COUNTERPART_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve {
        /// Load the demo directory into an empty database first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Fill an empty database with a fictional directory.
    DemoData {
        /// Total authorities (default: the realistic directory of about 550);
        /// larger numbers add synthetic district offices, for benchmarks.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        authorities: Option<u32>,
        /// Seed of the generator: the same seed gives the same directory.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Delete every authority first (otherwise a non-empty database is refused).
        #[arg(long)]
        replace: bool,
    },
    /// Add and update authorities from a CSV or JSON file, all or nothing
    /// (docs/import-format.md).
    Import {
        /// The file; `-` for standard input (then give --format).
        file: PathBuf,
        /// csv or json; by default, the file's extension.
        #[arg(long, value_parser = Format::parse)]
        format: Option<Format>,
        /// Check the file and count what would change, without changing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write every authority in service, contacts included, ordered by ref.
    Export {
        /// csv or json.
        #[arg(long, value_parser = Format::parse, default_value = "csv")]
        format: Format,
        /// The file to write; standard output by default.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Copy this installation's SQLite database, every table, into a new
    /// PostgreSQL database (docs/deployment.md). Stop the service first.
    CopyDatabase {
        /// The PostgreSQL database to fill: postgres://USER@HOST:PORT/DATABASE.
        /// It must be empty (just created); it is migrated first.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Accounts: add, list, disable.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// API tokens for programs: issue, list, revoke.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// Subscriptions to the bulletin: add a confirmed one.
    #[command(subcommand)]
    Subscriber(bulletin::SubscriberCommand),
    /// The bulletin: preview the next, send one now, see the schedule.
    #[command(subcommand)]
    Bulletin(bulletin::BulletinCommand),
}

/// Runs a command; the error is printed by `main` and exits non-zero.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { demo } => {
            let mut settings = settings;
            if demo {
                // So that a newcomer watches a bulletin go out at every slot,
                // even when nothing changed since the last one.
                settings.bulletin.skip_when_empty = false;
            }
            let options = demo.then(|| DemoOptions {
                history: true,
                ..crate::demo::options(None, 1)
            });
            let app = Application::build(settings, options).await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            tokio::task::spawn_blocking(move || startup::prepare_database(&settings)).await??;
            println!("database is up to date");
            Ok(())
        }
        Command::DemoData {
            authorities,
            seed,
            replace,
        } => tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let existing = model::count(&mut conn)?;
            if existing > 0 && !replace {
                anyhow::bail!(
                    "the directory already holds {existing} authorities; demo-data fills an empty \
                         database (add --replace to delete them first)"
                );
            }
            if existing > 0 {
                write::delete_all(&mut conn)?;
                println!("deleted {existing} authorities");
            }
            let started = Instant::now();
            let n = crate::demo::insert_directory(
                &mut conn,
                crate::demo::options(authorities, seed),
                |done, total| {
                    if done % (total / 10).max(1000) < 500 && done < total {
                        eprintln!("  {done} of {total}");
                    }
                },
            )?;
            println!(
                "added {n} demo authorities in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        })
        .await?,
        Command::Import {
            file,
            format,
            dry_run,
        } => {
            tokio::task::spawn_blocking(move || transfer::import(&settings, &file, format, dry_run))
                .await?
        }
        Command::Export { format, output } => {
            tokio::task::spawn_blocking(move || {
                transfer::export(&settings, format, output.as_deref())
            })
            .await?
        }
        Command::CopyDatabase { to } => {
            tokio::task::spawn_blocking(move || copy::run(&settings, &to)).await?
        }
        Command::User(command) => {
            tokio::task::spawn_blocking(move || accounts::user(command, &settings)).await?
        }
        Command::Token(command) => {
            tokio::task::spawn_blocking(move || accounts::token(command, &settings)).await?
        }
        Command::Subscriber(command) => {
            tokio::task::spawn_blocking(move || bulletin::subscriber(command, &settings)).await?
        }
        Command::Bulletin(command) => bulletin::bulletin(command, settings).await,
    }
}
