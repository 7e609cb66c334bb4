//! IVPN's combiner, bit for bit: the only place the IVPN suites mix their shared secrets.
//!
//! ```text
//! hybrid:      PSK = SHA-256( ss_kyber (32) || ss_mceliece (32) )
//! Kyber only:  PSK = SHA-256( ss_kyber (32) )
//! ```
//!
//! Raw concatenation, Kyber first, no label, no ciphertext, no public key: this is what IVPN's
//! desktop daemon and mobile apps compute, so it is what talking to IVPN requires. It binds less
//! than the default suite's combiner (`crate::combiner`), which also hashes a label, both
//! ciphertexts and both public keys; README.md ("IVPN") says why that matters.

use sha2::{Digest, Sha256};

use crate::psk::Psk;
use crate::secret::SharedSecret;

/// The hybrid suite's PSK. Consumes the secrets so they are wiped as soon as they are used.
pub(crate) fn combine(ss_kyber: SharedSecret, ss_mceliece: SharedSecret) -> Psk {
    let mut h = Sha256::new();
    h.update(ss_kyber.as_bytes());
    h.update(ss_mceliece.as_bytes());
    // sha2 buffers the 64 bytes until `finalize` compresses them; `finalize` consumes the hasher
    // and its buffer is not wiped (a limitation shared with the default suite's combiner).
    Psk::from_bytes(h.finalize().into())
}

/// The Kyber-only suite's PSK.
pub(crate) fn combine_kyber_only(ss_kyber: SharedSecret) -> Psk {
    Psk::from_bytes(Sha256::digest(ss_kyber.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formula written out with a different SHA-256 entry point (one-shot over a
    /// concatenated buffer) than the streaming one above.
    #[test]
    fn matches_the_published_formula() {
        let a: [u8; 32] = core::array::from_fn(|i| i as u8);
        let b: [u8; 32] = core::array::from_fn(|i| 0xff - i as u8);
        let mut both = [0u8; 64];
        both[..32].copy_from_slice(&a);
        both[32..].copy_from_slice(&b);
        let expected: [u8; 32] = Sha256::digest(both).into();
        let psk = combine(SharedSecret::from_array(a), SharedSecret::from_array(b));
        assert_eq!(psk.as_bytes(), &expected);
        // Kyber first: swapping the secrets changes the key.
        let swapped = combine(SharedSecret::from_array(b), SharedSecret::from_array(a));
        assert_ne!(swapped, psk);
        let expected_single: [u8; 32] = Sha256::digest(a).into();
        let single = combine_kyber_only(SharedSecret::from_array(a));
        assert_eq!(single.as_bytes(), &expected_single);
    }
}
