//! A KEM shared secret: 32 bytes that are wiped on drop and never printed.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::sizes::SHARED_SECRET_LEN;

/// One KEM's shared secret, as a backend returns it. Only the combiner should ever look inside;
/// [`SharedSecret::as_bytes`] exists for known-answer tests.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SharedSecret([u8; SHARED_SECRET_LEN]);

impl SharedSecret {
    pub(crate) fn from_array(bytes: [u8; SHARED_SECRET_LEN]) -> Self {
        SharedSecret(bytes)
    }

    /// The secret bytes. Hash them; do not log, compare with `==` or branch on them.
    pub fn as_bytes(&self) -> &[u8; SHARED_SECRET_LEN] {
        &self.0
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(<secret>)")
    }
}

/// Stack bytes wiped after key generation: ML-KEM's key generation and McEliece's leave secret
/// intermediates in their dead stack frames (McEliece's bulky scratch lives in its workspace,
/// which it wipes itself). Sized to stay below what the operation itself uses (no_std.md), so the
/// scrub does not raise the peak stack (tests/no_heap.rs measures the residue).
pub(crate) const KEYGEN_SCRUB_LEN: usize = 40 * 1024;
/// Stack bytes wiped after `respond` and `finish` (both use 40-60 KB), sized the same way.
pub(crate) const EXCHANGE_SCRUB_LEN: usize = 28 * 1024;

/// Runs `f` in a frame of its own, then wipes `N` bytes of the stack where that frame and
/// everything `f` called were. `f` must not be inlined into the caller, or the caller's frame would
/// hold the backends' data above the scrubbed region and the scrub would add to the peak stack
/// instead of reusing it (seen on thumbv7em, where LTO inlined McEliece key generation).
#[inline(always)]
pub(crate) fn with_stack_scrub<const N: usize, T>(f: impl FnOnce() -> T) -> T {
    let out = out_of_line(f);
    scrub_stack::<N>();
    out
}

#[inline(never)]
fn out_of_line<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Best-effort wipe of the stack just below the caller's frame, where the backends' dead frames
/// lie. Safe Rust: a zeroed array that `black_box` forces the compiler to really write.
#[inline(never)]
fn scrub_stack<const N: usize>() {
    let mut scratch = [0u8; N];
    core::hint::black_box(&mut scratch);
}
