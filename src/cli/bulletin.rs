//! `counterpart subscriber ...` and `counterpart bulletin ...`: the
//! bulletin from the server's command line, beside a running `serve` or not.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use diesel::prelude::*;

use crate::bulletin::parts::{Edition, One};
use crate::bulletin::subscriptions;
use crate::bulletin::{Compiler, Outcome, schedule};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::schema::{authorities, mail_outbox};
use crate::mail::Mailer;
use crate::mail::outbox::MailStatus;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum SubscriberCommand {
    /// Add a confirmed subscription (an address that had left is subscribed
    /// again).
    Add {
        email: String,
        /// The ref of the authority the address belongs to; its subscribers
        /// receive the edition with contact details.
        #[arg(long, value_name = "REF")]
        authority: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BulletinCommand {
    /// Render the next bulletin as it would be compiled now, without storing
    /// or sending it: text on standard output, or the file given (HTML when
    /// its name ends in .html).
    Preview {
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Compile a bulletin for now, send it to every confirmed subscriber and
    /// exit when every message is sent or has failed.
    SendNow,
    /// The last and next slots, and the last bulletin's deliveries.
    Status,
}

pub fn subscriber(command: SubscriberCommand, settings: &Settings) -> anyhow::Result<()> {
    let SubscriberCommand::Add {
        email,
        authority,
        name,
    } = command;
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    let email = crate::domain::Email::parse(&email.trim().to_lowercase())
        .map_err(|e| anyhow::anyhow!("email: {e}"))?;
    let authority_id = match authority.as_deref() {
        None => None,
        Some(r) => Some(
            authorities::table
                .filter(authorities::ref_.eq(r.trim()))
                .filter(authorities::archived_at.is_null())
                .select(authorities::id)
                .first::<crate::db::ids::AuthorityId>(&mut conn)
                .optional()?
                .ok_or_else(|| anyhow::anyhow!("--authority: no authority with ref {r:?}"))?,
        ),
    };
    let now = Clock::system().now();
    let s = subscriptions::add_confirmed(
        &mut conn,
        &email,
        name.as_deref(),
        authority_id,
        "command",
        now,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("subscribed {} (subscription {})", s.email, s.id);
    Ok(())
}

pub async fn bulletin(command: BulletinCommand, settings: Settings) -> anyhow::Result<()> {
    let prepared = settings.clone();
    let pool = tokio::task::spawn_blocking(move || startup::prepare_database(&prepared)).await??;
    let mailer = Mailer::new(&settings)?;
    let clock = Arc::new(Clock::system());
    let now = clock.now();
    let compiler = || Compiler {
        settings: &settings.bulletin,
        templates: mailer.templates(),
        base_url: mailer.base_url(),
    };
    let mut conn = pool.get()?;
    match command {
        BulletinCommand::Status => {
            let s = schedule::status(&mut conn, &settings.bulletin, now)?;
            let at = |t: Option<chrono::NaiveDateTime>| {
                t.map_or("none".to_string(), |t| {
                    t.format("%Y-%m-%d %H:%M UTC").to_string()
                })
            };
            println!("every:          {}", s.every);
            println!("last slot:      {}", at(s.last_slot_at));
            println!("next slot:      {}", at(Some(s.next_slot_at)));
            println!("last check:     {}", at(s.last_check_at));
            println!("subscribers:    {} confirmed", s.subscriptions);
            match s.last {
                Some(b) => {
                    println!("last bulletin:  no. {} ({})", b.number, at(Some(b.slot_at)));
                    let counts: Vec<String> = b
                        .deliveries
                        .iter()
                        .map(|(st, n)| format!("{n} {st}"))
                        .collect();
                    println!(
                        "deliveries:     {}",
                        if counts.is_empty() {
                            "none".into()
                        } else {
                            counts.join(", ")
                        }
                    );
                }
                None => println!("last bulletin:  none"),
            }
            Ok(())
        }
        BulletinCommand::Preview { output } => {
            let html = output
                .as_ref()
                .and_then(|p| p.extension())
                .is_some_and(|e| e == "html" || e == "htm");
            let mut shown = One::new(Edition::of(true, html));
            let c = compiler().preview(&mut conn, now, &mut shown)?;
            let body = shown.into_text();
            match output {
                None => print!("Subject: {}\n\n{body}", c.subject),
                Some(path) => {
                    std::fs::write(&path, body)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    eprintln!(
                        "bulletin no. {} previewed into {} ({} authorities, {} new, {} updated)",
                        c.number,
                        path.display(),
                        c.summary.authorities,
                        c.summary.new,
                        c.summary.updated
                    );
                }
            }
            Ok(())
        }
        BulletinCommand::SendNow => {
            let outcome = compiler().send_now(&mut conn, now, "send-now (command)")?;
            let Outcome::Compiled {
                bulletin_id,
                number,
                deliveries,
            } = outcome
            else {
                anyhow::bail!("no bulletin was compiled");
            };
            drop(conn);
            eprintln!("bulletin no. {number} compiled: {deliveries} messages to send");
            let sender = mailer.start(pool.clone(), clock.clone());
            mailer.wake();
            let tty = std::io::stderr().is_terminal();
            let counts = loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let p = pool.clone();
                let counts =
                    tokio::task::spawn_blocking(move || progress(&p, bulletin_id)).await??;
                if tty {
                    eprint!(
                        "\r  {} sent, {} waiting to be retried, {} failed, {} to go   ",
                        counts.sent, counts.retry, counts.failed, counts.waiting
                    );
                    let _ = std::io::stderr().flush();
                }
                if counts.waiting == 0 && counts.retry == 0 {
                    break counts;
                }
            };
            if tty {
                eprintln!();
            }
            sender.stop(Duration::from_secs(10)).await;
            println!(
                "bulletin no. {number}: {} sent, {} after a retry, {} failed, {} cancelled (unsubscribed)",
                counts.sent, counts.retried, counts.failed, counts.cancelled
            );
            Ok(())
        }
    }
}

#[derive(Debug, Default)]
struct Progress {
    sent: i64,
    retried: i64,
    retry: i64,
    failed: i64,
    cancelled: i64,
    waiting: i64,
}

fn progress(pool: &crate::db::Pool, bulletin_id: i64) -> anyhow::Result<Progress> {
    let mut conn = pool.get()?;
    let rows: Vec<(String, i32)> = mail_outbox::table
        .filter(mail_outbox::bulletin_id.eq(bulletin_id))
        .select((mail_outbox::status, mail_outbox::attempts))
        .load(&mut conn)?;
    let mut p = Progress::default();
    for (status, attempts) in rows {
        match MailStatus::parse(&status) {
            Ok(MailStatus::Sent) => {
                p.sent += 1;
                if attempts > 1 {
                    p.retried += 1;
                }
            }
            Ok(MailStatus::Failed) => p.failed += 1,
            Ok(MailStatus::Cancelled) => p.cancelled += 1,
            Ok(MailStatus::Retry) => p.retry += 1,
            _ => p.waiting += 1,
        }
    }
    Ok(p)
}
