//! Memory given back to the system after work that needs much of it for a
//! moment (reading the whole directory, compiling a bulletin). glibc's
//! allocator keeps freed small blocks inside the process, so without this
//! the resident size stays at the peak of the last such moment.

/// Above this size an allocation is a mapping of its own, given back to the
/// system when freed.
const MAPPED_FROM: i32 = 1 << 20;

/// Sets the allocator up for a long-running server. glibc raises its
/// threshold for mapped allocations each time one is freed, up to 32 MB, so
/// the directory's large vectors, made anew with each edit, end up in the
/// heap where they fragment it: at 50,000 authorities 110 edits grew the
/// server from 145 to 170 MB. With a fixed threshold (and the builder giving
/// memory back once edits pause), 146 MB; the peak while the demo compiles
/// its bulletins fell from 245 to 157 MB. Lower thresholds saved little
/// more and doubled the time of ten editors at once (every large vector a
/// fresh mapping to fault in).
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters; called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM);
        libc::mallopt(libc::M_TRIM_THRESHOLD, MAPPED_FROM);
    }
}

/// Returns the free pages of the heap to the system.
pub fn release_unused() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it is
    // safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives the free heap back when dropped: at the end of the scope that
/// declared it, after everything declared later in it is gone.
pub struct GiveBack;

impl Drop for GiveBack {
    fn drop(&mut self) {
        release_unused();
    }
}
