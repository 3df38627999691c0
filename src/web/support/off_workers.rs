//! Pages made on threads of their own, away from the workers that answer
//! requests. A search page that must be made costs several times a cheap
//! answer; made on a worker, every request behind it on that worker waits
//! (under a load of new questions at 50,000 authorities, `/healthz` fell to
//! 40% of its rate). On threads of their own, the kernel's scheduler
//! favours the workers, which mostly wait, over the busy page makers.

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

/// How long a page maker waits for work before it gives memory back.
const QUIET: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs `work` on one of the page makers (one per core) and waits for it
/// without holding up the worker.
pub async fn make<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    static QUEUE: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        // A fixed few, not a thread per waiting request: each thread that
        // allocates gets a glibc arena of its own, and a page is tens of KB.
        let makers = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..makers {
            let receive = receive.clone();
            std::thread::Builder::new()
                .name(format!("page-maker-{i}"))
                .spawn(move || {
                    let mut made = false;
                    loop {
                        let job = receive.lock().expect("not poisoned").recv_timeout(QUIET);
                        match job {
                            Ok(job) => {
                                // A page that panics fails its own request
                                // (its answer is dropped), not the pages after it.
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                                made = true;
                            }
                            // A burst of pages is over: what they used is
                            // given back (each maker's arena kept about
                            // 5 MB at 50,000 authorities).
                            Err(mpsc::RecvTimeoutError::Timeout) if made => {
                                crate::memory::release_unused();
                                made = false;
                            }
                            Err(mpsc::RecvTimeoutError::Timeout) => {}
                            Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        }
                    }
                })
                .expect("a thread can be started");
        }
        Mutex::new(send)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        // The receiver is gone only if the request was dropped.
        let _ = done.send(work());
    });
    queue
        .lock()
        .expect("not poisoned")
        .send(job)
        .map_err(|_| AppError::internal(anyhow::anyhow!("the page makers have stopped")))?;
    result
        .await
        .map_err(|_| AppError::internal(anyhow::anyhow!("making the page failed")))
}
