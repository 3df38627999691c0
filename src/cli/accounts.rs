//! `counterpart user ...` and `counterpart token ...`: accounts and API
//! tokens, managed on the server's own command line.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use crate::auth::{Role, password, tokens, users};
use crate::clock::Clock;
use crate::config::Settings;
use crate::directory::model;
use crate::error::AppError;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. Without --password-stdin a password is generated and
    /// printed once.
    Add {
        email: String,
        /// admin, focal-point or reader.
        #[arg(long, value_parser = Role::parse)]
        role: Role,
        /// The ref of the authority a focal point keeps current.
        #[arg(long, value_name = "REF")]
        authority: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every account.
    List,
    /// Disable an account: it can no longer sign in, and its sessions and
    /// tokens end at once.
    Disable { email: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for an account and print it on standard output, once.
    Issue {
        email: String,
        #[arg(long)]
        label: Option<String>,
    },
    /// List tokens (of one account when EMAIL is given).
    List { email: Option<String> },
    /// Revoke a token by its id (see `token list`).
    Revoke { id: i64 },
}

/// Turns the field errors of a refused account into one readable message.
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => anyhow::anyhow!("{}", other),
    }
}

pub fn user(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    match command {
        UserCommand::Add {
            email,
            role,
            authority,
            name,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                let stdin = std::io::stdin();
                if stdin.is_terminal() {
                    eprintln!("Password (then Enter):");
                }
                let mut line = String::new();
                stdin.lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (password::generate(), true)
            };
            let authority_id = authority
                .as_deref()
                .map(|r| model::live_id_of_ref(&mut conn, r))
                .transpose()
                .map_err(explain)?;
            let user = users::add(
                &mut conn,
                users::NewUser {
                    email: &email,
                    role,
                    authority_id,
                    name: name.as_deref(),
                    password: &password,
                },
                Clock::system().now(),
            )
            .map_err(explain)?;
            println!("added {} ({})", user.email, user.role.code());
            if generated {
                println!("password: {password}");
                println!("(shown once; the account holder can sign in at /login)");
            }
        }
        UserCommand::List => {
            let list = users::list(&mut conn)?;
            println!("{:<40} {:<12} {:<10} STATE", "EMAIL", "ROLE", "AUTHORITY");
            for u in list {
                let authority = match u.authority_id {
                    Some(id) => model::ref_of(&mut conn, id)?.unwrap_or_else(|| id.to_string()),
                    None => "-".into(),
                };
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!("{:<40} {:<12} {:<10} {state}", u.email, u.role, authority);
            }
        }
        UserCommand::Disable { email } => {
            let user = users::disable(&mut conn, &email, Clock::system().now()).map_err(explain)?;
            println!(
                "disabled {}; its sessions and tokens have ended",
                user.email
            );
        }
    }
    Ok(())
}

pub fn token(command: TokenCommand, settings: &Settings) -> anyhow::Result<()> {
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    match command {
        TokenCommand::Issue { email, label } => {
            let row = users::find(&mut conn, &email)?
                .filter(|u| u.disabled_at.is_none())
                .ok_or_else(|| {
                    anyhow::anyhow!("no active account for {}", users::normalise_email(&email))
                })?;
            let token = tokens::issue(&mut conn, row.id, label.as_deref(), Clock::system().now())?;
            // Only the token on stdout, so that scripts can capture it.
            println!("{token}");
            eprintln!("token issued for {}; it will not be shown again", row.email);
        }
        TokenCommand::List { email } => {
            let owner = match email {
                Some(e) => Some(
                    users::find(&mut conn, &e)?
                        .ok_or_else(|| {
                            anyhow::anyhow!("no account for {}", users::normalise_email(&e))
                        })?
                        .id,
                ),
                None => None,
            };
            println!(
                "{:<6} {:<14} {:<32} {:<20} STATE",
                "ID", "TOKEN", "EMAIL", "LABEL"
            );
            for t in tokens::list(&mut conn, owner)? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                println!(
                    "{:<6} {:<14} {:<32} {:<20} {state}",
                    t.id,
                    format!("{}…", t.prefix),
                    t.email,
                    t.label.unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke(&mut conn, id, None, Clock::system().now()).map_err(explain)?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}
