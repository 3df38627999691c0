//! The sender: takes due messages from the outbox, sends them (at most
//! `mail.concurrency` at once, at most `mail.max_per_second`), and records
//! each outcome. Several instances may run one each: a message is taken by
//! one sender at a time, for a lease long enough to send it.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::MissedTickBehavior;

use super::outbox::{self, Claimed};
use super::transport::SendError;
use super::{Mailer, message};
use crate::clock::Clock;
use crate::db::Pool;
use crate::db::ids::{MessageId, SubscriptionId};

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

pub struct SenderHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SenderHandle {
    /// Stops taking messages and lets those in flight finish, for at most
    /// `grace`; a message cut off then is sent again after its lease.
    pub async fn stop(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(grace, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

impl Mailer {
    /// Starts sending. Due messages, leases and the waits between attempts
    /// are reckoned by `clock`: the one of the application that queues them.
    pub fn start(self: &Arc<Self>, pool: Pool, clock: Arc<Clock>) -> SenderHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(self.clone(), pool, clock, stopped));
        SenderHandle { stop, task }
    }

    async fn deliver(&self, pool: &Pool, c: &Claimed) -> Result<(), SendError> {
        let permanent = |message: String| SendError {
            permanent: true,
            message,
        };
        if let (Some(bulletin), Some(subscription)) = (c.bulletin_id, c.subscription_id) {
            return self.deliver_bulletin(pool, c, bulletin, subscription).await;
        }
        let stored: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&c.context)
                .map_err(|e| permanent(format!("stored data unreadable: {e}")))?;
        let context = WithBase {
            stored,
            base_url: &self.base_url,
        };
        let rendered = self
            .templates
            .render(&c.template, &context)
            .map_err(permanent)?;
        let date =
            UNIX_EPOCH + Duration::from_secs(c.created_at.and_utc().timestamp().max(0) as u64);
        let message = message::compose(
            &self.settings.from,
            &c.recipient,
            rendered,
            &c.message_id,
            date,
        )
        .map_err(permanent)?;
        let stem = format!(
            "{}-{}-{}",
            c.created_at.format("%Y%m%dT%H%M%S"),
            c.id,
            c.template
        );
        self.transport.send(message, &stem).await
    }

    /// A bulletin's message: the stored edition, encoded once, addressed to
    /// this subscription with its own unsubscribe link.
    async fn deliver_bulletin(
        &self,
        pool: &Pool,
        c: &Claimed,
        bulletin: i64,
        subscription: SubscriptionId,
    ) -> Result<(), SendError> {
        let full = c.context.contains("\"full\"");
        let prepared = self.edition(pool, bulletin, full).await?;
        let token = self.signer.unsubscribe(subscription);
        let url = format!("{}/unsubscribe?token={token}", self.base_url);
        let (envelope, bytes) = prepared
            .message(&c.recipient, &c.message_id, &url, &token)
            .map_err(|message| SendError {
                permanent: true,
                message,
            })?;
        let stem = format!("bulletin-{bulletin}-{subscription}");
        self.transport.send_raw(&envelope, bytes, &stem).await
    }

    async fn edition(
        &self,
        pool: &Pool,
        bulletin: i64,
        full: bool,
    ) -> Result<Arc<crate::bulletin::mime::Prepared>, SendError> {
        if let Some(p) = self
            .editions
            .lock()
            .expect("not poisoned")
            .get(&(bulletin, full))
        {
            return Ok(p.clone());
        }
        let pool = pool.clone();
        let max = self.settings.bulletin_max_bytes;
        let loaded = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            use crate::bulletin::archive;
            let mut conn = pool.get()?;
            let (listed, bytes) = archive::edition_size(&mut conn, bulletin, full)?;
            let whole = (bytes <= max as i64)
                .then(|| archive::edition(&mut conn, bulletin, full))
                .transpose()?;
            Ok((listed, bytes, whole))
        })
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r)
        .map_err(|e| SendError {
            permanent: false,
            message: format!("the bulletin cannot be read: {e}"),
        })?;
        let (listed, bytes, whole) = loaded;
        let (text, html) = match whole {
            Some(whole) => whole,
            // Too long to mail: its summary and a link.
            None => crate::bulletin::linked::render(
                &self.templates,
                &listed,
                bytes,
                full,
                &self.base_url,
            )
            .map_err(|message| SendError {
                permanent: true,
                message,
            })?,
        };
        let date = UNIX_EPOCH
            + Duration::from_secs(listed.compiled_at.and_utc().timestamp().max(0) as u64);
        let prepared = crate::bulletin::mime::Prepared::new(
            &self.settings.from,
            bulletin,
            &listed.subject,
            date,
            &text,
            &html,
        )
        .map(Arc::new)
        .map_err(|message| SendError {
            permanent: true,
            message,
        })?;
        let mut cache = self.editions.lock().expect("not poisoned");
        // Only the bulletins being sent now are worth keeping.
        if cache.len() >= 8 {
            cache.clear();
        }
        cache.insert((bulletin, full), prepared.clone());
        Ok(prepared)
    }

    /// What becomes of a message after an attempt that ended at `now`.
    fn verdict(
        &self,
        c: &Claimed,
        outcome: Result<(), SendError>,
        now: chrono::NaiveDateTime,
    ) -> Verdict {
        let (id, attempts) = (c.id, c.attempts);
        match outcome {
            Ok(()) => {
                tracing::debug!(id = id.0, to = %c.recipient, template = %c.template, "mail sent");
                Verdict::Sent
            }
            Err(e) if e.permanent || attempts >= self.settings.max_attempts as i32 => {
                let error = if e.permanent {
                    e.message
                } else {
                    format!("gave up after {attempts} attempts; the last: {}", e.message)
                };
                tracing::error!(id = id.0, to = %c.recipient, attempts, %error, "mail failed");
                Verdict::Failed(error)
            }
            Err(e) => {
                tracing::warn!(id = id.0, to = %c.recipient, attempts, error = %e.message, "mail will be retried");
                let next = now
                    + chrono::Duration::from_std(backoff(self.settings.retry_after, attempts))
                        .unwrap_or_default();
                Verdict::Retry(e.message, next)
            }
        }
    }
}

/// The outcome of one attempt, to be recorded.
#[derive(Debug)]
pub(super) enum Verdict {
    Sent,
    Retry(String, chrono::NaiveDateTime),
    Failed(String),
}

/// Records outcomes in batches: one transaction for up to a few hundred
/// messages, at most a few milliseconds after they were sent. A message
/// sent but not yet recorded when the process dies stays leased and is
/// sent again when its lease ends: a duplicate, never a loss.
async fn record_outcomes(
    pool: Pool,
    clock: Arc<Clock>,
    mut outcomes: mpsc::UnboundedReceiver<(MessageId, Verdict)>,
) {
    const MOST: usize = 512;
    const WAIT: Duration = Duration::from_millis(5);
    while let Some(first) = outcomes.recv().await {
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + WAIT;
        while batch.len() < MOST {
            match tokio::time::timeout_at(until, outcomes.recv()).await {
                Ok(Some(o)) => batch.push(o),
                _ => break,
            }
        }
        let (n, now) = (batch.len(), clock.now());
        let pool = pool.clone();
        let saved = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = pool.get()?;
            Ok(outbox::record(&mut conn, &batch, now)?)
        })
        .await;
        if let Err(e) | Ok(Err(e)) = saved.map_err(anyhow::Error::from) {
            tracing::error!(messages = n, error = %e, "the outcome of messages could not be recorded");
        }
    }
}

/// The wait after attempt number `attempts` failed: `base`, doubled with
/// each further attempt, never more than [`MAX_BACKOFF`].
fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// The messages of `chunk` still to send: a bulletin's message to someone
/// who unsubscribed after it was taken is cancelled, and left out.
async fn without_cancelled(pool: &Pool, chunk: Vec<Claimed>) -> Vec<Claimed> {
    let bulletin: Vec<MessageId> = chunk
        .iter()
        .filter(|c| c.subscription_id.is_some())
        .map(|c| c.id)
        .collect();
    if bulletin.is_empty() {
        return chunk;
    }
    let pool = pool.clone();
    let cancelled = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<MessageId>> {
        let mut conn = pool.get()?;
        Ok(outbox::cancelled(&mut conn, &bulletin)?)
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r)
    .unwrap_or_default();
    chunk
        .into_iter()
        .filter(|c| !cancelled.contains(&c.id))
        .collect()
}

async fn run(
    mailer: Arc<Mailer>,
    pool: Pool,
    clock: Arc<Clock>,
    mut stopped: watch::Receiver<bool>,
) {
    let settings = &mailer.settings;
    let batch_size = (settings.concurrency * 32) as i64;
    let lease = settings.lease;
    let mut pace = (settings.max_per_second > 0).then(|| {
        let mut i = tokio::time::interval(Duration::from_secs(1) / settings.max_per_second);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });
    // At most `concurrency` messages in flight, across batches: the next
    // batch is claimed while the last of the previous one is being sent.
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    let (outcomes, to_record) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record_outcomes(pool.clone(), clock.clone(), to_record));
    let mut running = JoinSet::new();
    tracing::info!(to = %mailer.describe(), "mail sender started");
    while !*stopped.borrow() {
        while running.try_join_next().is_some() {}
        let (claim_pool, now) = (pool.clone(), clock.now());
        let claimed = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Claimed>> {
            let mut conn = claim_pool.get()?;
            Ok(outbox::claim(&mut conn, now, batch_size, lease)?)
        })
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r);
        match claimed {
            Ok(batch) if !batch.is_empty() => {
                let mut batch = batch.into_iter().peekable();
                while batch.peek().is_some() {
                    // Just before a few go out, leave out those cancelled
                    // meanwhile (their subscriber left): one query for many.
                    let chunk: Vec<Claimed> =
                        batch.by_ref().take(settings.concurrency * 4).collect();
                    let chunk = without_cancelled(&pool, chunk).await;
                    for c in chunk {
                        if let Some(p) = pace.as_mut() {
                            p.tick().await;
                        }
                        let Ok(slot) = slots.clone().acquire_owned().await else {
                            break;
                        };
                        let (mailer, pool, outcomes, clock) = (
                            mailer.clone(),
                            pool.clone(),
                            outcomes.clone(),
                            clock.clone(),
                        );
                        running.spawn(async move {
                            let outcome = mailer.deliver(&pool, &c).await;
                            let verdict = mailer.verdict(&c, outcome, clock.now());
                            let _ = outcomes.send((c.id, verdict));
                            drop(slot);
                        });
                    }
                }
                continue;
            }
            Ok(_) => {
                // Nothing is due: the editions encoded for the last bulletin
                // are dropped (tens of MB at 50,000 authorities). Messages
                // still in flight hold their own; a retry encodes again.
                mailer.editions.lock().expect("not poisoned").clear();
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the mail outbox"),
        }
        tokio::select! {
            _ = mailer.wake.notified() => {}
            _ = tokio::time::sleep(settings.poll_interval) => {}
            _ = stopped.changed() => {}
        }
    }
    while running.join_next().await.is_some() {}
    drop(outcomes);
    let _ = recorder.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_growing() {
        let m = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=5).map(|a| backoff(m, a).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960]);
        assert_eq!(backoff(m, 40), MAX_BACKOFF);
        assert_eq!(backoff(m, 0), m);
    }
}

/// A queued message's stored context, and the site's address its links use.
#[derive(serde::Serialize)]
struct WithBase<'a> {
    #[serde(flatten)]
    stored: serde_json::Map<String, serde_json::Value>,
    base_url: &'a str,
}
