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
