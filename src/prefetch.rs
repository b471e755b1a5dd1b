//! A hint to the processor: bring a value into the cache now, because it is read soon. Nothing
//! changes whether the hint is taken or not; it only spares a wait on a value far from the cache
//! (a node's slot among a hundred thousand).

/// Asks for the cache line that holds the start of `value`.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let at: *const T = value;
        // SAFETY: a prefetch reads nothing and cannot fault; `at` points to a live value.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(at.cast::<i8>())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
