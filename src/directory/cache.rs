//! A cache of the database's directory: holds the current [`Snapshot`] and replaces it when the
//! database's generation moves: at once after a change made here, and within
//! `directory.refresh_interval` after a change made by another instance.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use super::model::{self, Delta};
use super::search::Snapshot;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::workers::Workers;

pub struct DirectoryCache {
    current: ArcSwap<Snapshot>,
    pool: Pool,
    reload: tokio::sync::Mutex<()>,
}

impl DirectoryCache {
    /// Loads the directory (blocking: call at start, off the async runtime).
    pub fn load(pool: Pool) -> anyhow::Result<Self> {
        let mut conn = pool.get()?;
        let started = Instant::now();
        let (generation, list) = model::load_all(&mut conn)?;
        let directory = Snapshot::new(generation, list);
        crate::memory::release_unused();
        tracing::info!(
            authorities = directory.len(),
            terms = directory.term_count(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "directory loaded"
        );
        Ok(Self {
            current: ArcSwap::from_pointee(directory),
            pool,
            reload: tokio::sync::Mutex::new(()),
        })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Brings the copy up to the database's generation: only the authorities
    /// the log names when it can, everything otherwise. Returns whether
    /// anything changed.
    pub async fn refresh(&self) -> Result<bool, AppError> {
        // One refresh at a time; whoever waited finds the work done.
        let _guard = self.reload.lock().await;
        let known = self.current.load().generation;
        let started = Instant::now();
        let delta = db::run(&self.pool, move |c| Ok(model::changes_since(c, known)?)).await?;
        let (generation, list) = match delta {
            Delta::Same => return Ok(false),
            Delta::Some {
                generation,
                changed,
                gone,
            } => {
                let current = self.snapshot();
                let edited = changed.len() + gone.len();
                let directory =
                    on_builder(move || current.with_changes(generation, changed, &gone)).await?;
                tracing::debug!(
                    generation,
                    edited,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "directory updated"
                );
                self.current.store(Arc::new(directory));
                return Ok(true);
            }
            Delta::Everything => db::run(&self.pool, |c| Ok(model::load_all(c)?)).await?,
        };
        let directory = on_builder(move || Snapshot::new(generation, list)).await?;
        tracing::debug!(
            generation,
            authorities = directory.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "directory reloaded"
        );
        self.current.store(Arc::new(directory));
        crate::memory::release_unused();
        Ok(true)
    }

    /// Follows changes made by other instances until the process ends.
    pub fn watch(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(e) = self.refresh().await {
                    tracing::warn!(error = %e, "directory refresh failed; serving the last copy");
                }
            }
        })
    }
}

/// Runs `work` on the one thread that builds snapshots. A snapshot is tens
/// of megabytes at 50,000 authorities: built on whichever blocking thread was
/// free, ten editors at once grew the server by 80 MB (see `workers`). Built
/// on one thread, the next snapshot reuses the last one's memory.
async fn on_builder<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    static BUILDER: OnceLock<Workers> = OnceLock::new();
    BUILDER
        .get_or_init(|| Workers::start("snapshot-builder", 1))
        .run(work)
        .await
}
