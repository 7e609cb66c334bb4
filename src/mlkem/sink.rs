//! Where K-PKE encryption's ciphertext goes: written out, or compared with a received one
//! (decapsulation's re-encryption needs no second buffer).
//!
//! A module of its own, below both [`super::kpke`] and its AVX2 twin (src/mlkem/avx2.rs), which
//! hand their output to the same [`Sink`]: the twin must not import kpke, which calls the twin
//! through src/simd.rs.

use super::params::CT_LEN;

/// Where encryption's output goes.
pub(crate) trait Sink {
    /// `bytes` are ciphertext bytes `offset..offset + bytes.len()`.
    fn put(&mut self, offset: usize, bytes: &[u8]);
}

/// Writes the ciphertext.
pub(crate) struct Write<'a>(pub(crate) &'a mut [u8; CT_LEN]);

impl Sink for Write<'_> {
    fn put(&mut self, offset: usize, bytes: &[u8]) {
        if let Some(out) = self.0.get_mut(offset..offset + bytes.len()) {
            out.copy_from_slice(bytes);
        }
    }
}

/// Compares with a ciphertext: `diff` ends up zero exactly when every byte matched.
pub(super) struct Compare<'a> {
    pub(super) ciphertext: &'a [u8; CT_LEN],
    pub(super) diff: u8,
}

impl Sink for Compare<'_> {
    fn put(&mut self, offset: usize, bytes: &[u8]) {
        match self.ciphertext.get(offset..offset + bytes.len()) {
            Some(theirs) => {
                for (a, b) in theirs.iter().zip(bytes) {
                    self.diff |= a ^ b;
                }
            }
            // Offsets are fixed by the parameters and always in range.
            None => self.diff = 0xFF,
        }
    }
}
