//! A cache of the database's directory: holds the current [`Snapshot`] and replaces it when the
//! database's generation moves: at once after a change made here, and within
//! `directory.refresh_interval` after a change made by another instance.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use super::model::{self, Delta};
use super::search::Snapshot;
use crate::db::{self, Pool};
use crate::error::AppError;

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

type Job = Box<dyn FnOnce() + Send>;

/// How long the builder waits after its last snapshot before it gives the
/// freed memory back: once per burst of edits, not once per edit (which
/// cost more than the edit).
const GIVE_BACK_AFTER: Duration = Duration::from_secs(1);

/// Runs `work` on the one thread that builds snapshots. A snapshot is tens
/// of megabytes at 50,000 authorities; glibc gives each thread an arena of
/// its own, so snapshots built on whichever blocking thread was free left
/// their freed copies in a dozen arenas (ten editors at once: 80 MB more).
/// Built on one thread, the next snapshot reuses the last one's memory.
async fn on_builder<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    static BUILDER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let builder = BUILDER.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("snapshot-builder".into())
            .spawn(move || {
                let mut built = false;
                loop {
                    match receive.recv_timeout(GIVE_BACK_AFTER) {
                        Ok(job) => {
                            // A job that panics fails its own request (its
                            // answer is dropped), not every later build.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            built = true;
                        }
                        // Quiet since the last build: the snapshots it
                        // replaced are gone by now, and their pages with them.
                        Err(mpsc::RecvTimeoutError::Timeout) if built => {
                            crate::memory::release_unused();
                            built = false;
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
            .expect("a thread can be started");
        Mutex::new(send)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        // The receiver is gone only if the request was dropped.
        let _ = done.send(work());
    });
    builder
        .lock()
        .expect("not poisoned")
        .send(job)
        .map_err(|_| AppError::internal(anyhow::anyhow!("the snapshot builder has stopped")))?;
    result
        .await
        .map_err(|_| AppError::internal(anyhow::anyhow!("building the snapshot failed")))
}
