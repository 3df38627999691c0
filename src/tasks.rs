//! The work `serve` does besides answering requests, started and stopped in
//! one place: the directory watcher (follows other instances' changes), the
//! mail sender, and the scheduler, whose check (`bulletin.check_cron`)
//! settles the measures the date has changed, compiles a bulletin when a
//! slot is due and sends the freshness reminders that are due.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::bulletin::{Compiler, Outcome};
use crate::db;
use crate::error::AppError;
use crate::web::AppState;

pub struct Tasks {
    watcher: tokio::task::JoinHandle<()>,
    sender: crate::mail::SenderHandle,
    scheduler: JobScheduler,
}

/// What one check did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CheckReport {
    pub settled: usize,
    pub bulletin: Option<Outcome>,
    pub reminders: usize,
}

/// One check of the schedule: idempotent, safe to run from several
/// instances at once and as often as wished.
pub async fn check(state: &web::Data<AppState>) -> Result<CheckReport, AppError> {
    let now = state.clock.now();
    let s = state.clone();
    let checked = db::run(&state.pool, move |c| {
        let settled = crate::measures::lifecycle::settle_due(c, now)?;
        let compiler = Compiler {
            settings: &s.settings.bulletin,
            templates: s.mail.templates(),
            base_url: s.mail.base_url(),
        };
        let bulletin = compiler.run_due(c, now)?;
        let reminders = crate::directory::reminders::send_due(
            c,
            now,
            s.settings.directory.stale_after,
            s.settings.directory.remind_every,
        )?;
        Ok(CheckReport {
            settled,
            bulletin: (bulletin != Outcome::NotDue).then_some(bulletin),
            reminders,
        })
    })
    .await?;
    if checked.bulletin.is_some() || checked.reminders > 0 {
        state.mail.wake();
    }
    Ok(checked)
}

impl Tasks {
    pub async fn start(state: web::Data<AppState>) -> anyhow::Result<Self> {
        let watcher = state
            .directory
            .clone()
            .watch(state.settings.directory.refresh_interval);
        let sender = state.mail.start(state.pool.clone(), state.clock.clone());
        let scheduler = JobScheduler::new().await?;
        // A check still running when the next is due is not doubled.
        let running = Arc::new(Mutex::new(()));
        let job_state = state.clone();
        let job = Job::new_async(state.settings.bulletin.check_cron.as_str(), move |_, _| {
            let (state, running) = (job_state.clone(), running.clone());
            Box::pin(async move {
                let Ok(_guard) = running.try_lock() else {
                    return;
                };
                match check(&state).await {
                    Ok(c) if c == CheckReport::default() => {}
                    Ok(c) => tracing::info!(?c, "scheduled check"),
                    Err(e) => tracing::warn!(error = %e, "the scheduled check failed; it runs again at the next tick"),
                }
            })
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "bulletin.check_cron = {:?} is not a schedule: {e}",
                state.settings.bulletin.check_cron
            )
        })?;
        scheduler.add(job).await?;
        scheduler.start().await?;
        Ok(Self {
            watcher,
            sender,
            scheduler,
        })
    }

    /// Stops the scheduler, lets the messages in flight finish (at most
    /// `grace`), and stops following the directory.
    pub async fn stop(mut self, grace: Duration) {
        if let Err(e) = self.scheduler.shutdown().await {
            tracing::warn!(error = %e, "the scheduler did not stop cleanly");
        }
        self.sender.stop(grace).await;
        self.watcher.abort();
    }
}
