//! Pages made on threads of their own, away from the workers that answer
//! requests. A search page that must be made costs several times a cheap
//! answer; made on a worker, every request behind it on that worker waits
//! (under a load of new questions at 50,000 authorities, `/healthz` fell to
//! 40% of its rate). On threads of their own, the kernel's scheduler
//! favours the workers, which mostly wait, over the busy page makers.

use std::sync::OnceLock;

use crate::error::AppError;
use crate::workers::Workers;

/// Runs `work` on one of the page makers (one per core) and waits for it
/// without holding up the worker.
pub async fn make<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    static MAKERS: OnceLock<Workers> = OnceLock::new();
    MAKERS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            Workers::start("page-maker", cores)
        })
        .run(work)
        .await
}
