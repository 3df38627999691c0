//! Threads of our own for heavy work (building directory snapshots, making
//! pages), fed by a queue. A fixed few threads, not whichever blocking
//! thread is free: glibc gives each thread that allocates an arena of its
//! own, and work of tens of megabytes spread over a dozen arenas stays
//! there. Once a thread has been quiet for a second after a burst of work,
//! the freed memory is given back: once per burst, not once per job (which
//! cost more than an edit).

use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

const QUIET: Duration = Duration::from_secs(1);

/// A queue served by `threads` threads named `name-N`. Each thread waits
/// on the queue itself: waiting in turns on a lock around one receiver
/// woke two threads for every job (the one given it, and the next in line
/// for the lock), a cost paid by every search page that must be made.
pub struct Workers {
    name: &'static str,
    queue: Sender<Job>,
}

impl Workers {
    pub fn start(name: &'static str, threads: usize) -> Self {
        let (send, receive) = crossbeam_channel::unbounded::<Job>();
        for i in 0..threads.max(1) {
            let receive = receive.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || serve(&receive))
                .expect("a thread can be started");
        }
        Workers { name, queue: send }
    }

    /// Runs `work` on one of the threads and waits for it without holding
    /// up the caller's thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The receiver is gone only if the request was dropped.
            let _ = done.send(work());
        });
        let name = self.name;
        self.queue
            .send(job)
            .map_err(|_| AppError::internal(anyhow::anyhow!("the {name} threads have stopped")))?;
        result
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("a job of the {name} threads failed")))
    }
}

fn serve(receive: &Receiver<Job>) {
    let mut worked = false;
    loop {
        let next = receive.recv_timeout(QUIET);
        match next {
            Ok(job) => {
                // A job that panics fails its own request (its answer is
                // dropped), not the jobs after it.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                worked = true;
            }
            // Quiet since the last job: what it replaced is gone by now.
            Err(RecvTimeoutError::Timeout) if worked => {
                crate::memory::release_unused();
                worked = false;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}
