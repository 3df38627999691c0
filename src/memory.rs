//! Memory given back to the system after work that needs much of it for a
//! moment (reading the whole directory, compiling a bulletin). glibc's
//! allocator keeps freed small blocks inside the process, so without this
//! the resident size stays at the peak of the last such moment.

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
