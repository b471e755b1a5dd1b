//! Handing the heap's free pages back to the system between a run's phases.
//!
//! The allocator keeps what a phase freed for later allocations of the same sizes. A run's
//! phases allocate differently: while it runs, a million devices' small boxes; at its end, one
//! large table of device records. The first phase's freed memory would not serve the second,
//! and the peak resident size would be the two added up. On glibc it is given back in between.

/// Gives the heap's free pages back to the system (glibc only; elsewhere it does nothing).
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only walks the allocator's own free lists, under
    // the allocator's locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
