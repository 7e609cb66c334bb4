//! The default suite's combiner: the only place where the two shared secrets are mixed.
//!
//! ```text
//! pk_digest = SHA-256( "pqpsk v1 public keys" || pk_mlkem || pk_mceliece )
//! PSK       = SHA-256( "pqpsk v1 ML-KEM-1024 + Classic-McEliece-348864"
//!                      || ss_mlkem || ss_mceliece || ct_mlkem || ct_mceliece || pk_digest )
//! ```
//!
//! Every part has a fixed length, so plain concatenation is unambiguous. Hashing both secrets
//! keeps the PSK as strong as the stronger KEM; binding the ciphertexts and the public keys (as
//! X-Wing does) keeps the combination sound even if one KEM's secret did not depend on its whole
//! ciphertext. The label names the version and both KEMs, so another suite (say ML-KEM + HQC)
//! gets a different label and can never produce the same PSK from the same secrets.

use sha2::{Digest, Sha256};

use crate::psk::Psk;
use crate::secret::SharedSecret;
use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
    PUBLIC_KEY_DIGEST_LEN,
};

/// Domain-separation label of the default suite's PSK.
pub const PSK_LABEL: &[u8] = b"pqpsk v1 ML-KEM-1024 + Classic-McEliece-348864";
/// Domain-separation label of the public-key digest.
pub const PUBLIC_KEY_DIGEST_LABEL: &[u8] = b"pqpsk v1 public keys";

/// The digest of both public keys that the PSK binds. Public data.
pub fn public_key_digest(
    mlkem_public_key: &[u8; MLKEM_PUBLIC_KEY_LEN],
    mceliece_public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
) -> [u8; PUBLIC_KEY_DIGEST_LEN] {
    let mut h = Sha256::new();
    h.update(PUBLIC_KEY_DIGEST_LABEL);
    h.update(mlkem_public_key);
    h.update(mceliece_public_key);
    h.finalize().into()
}

/// Derives the PSK. Consumes the shared secrets so they are wiped as soon as they are used.
pub(crate) fn combine(
    ss_mlkem: SharedSecret,
    ss_mceliece: SharedSecret,
    ct_mlkem: &[u8; MLKEM_CIPHERTEXT_LEN],
    ct_mceliece: &[u8; MCELIECE_CIPHERTEXT_LEN],
    pk_digest: &[u8; PUBLIC_KEY_DIGEST_LEN],
) -> Psk {
    let mut h = Sha256::new();
    h.update(PSK_LABEL);
    h.update(ss_mlkem.as_bytes());
    h.update(ss_mceliece.as_bytes());
    h.update(ct_mlkem);
    h.update(ct_mceliece);
    h.update(pk_digest);
    // The hasher's buffered block may hold secret bytes; `finalize` consumes it, and sha2 does
    // not wipe its buffer. The label (47 bytes) and the two secrets (64 bytes) are compressed
    // long before the last block, which then holds only public data (ciphertexts, digest).
    Psk::from_bytes(h.finalize().into())
}

/// The universal combiner of draft-irtf-cfrg-hybrid-kems, as the newer suites use it, with
/// SHA-256 as the KDF and one digest for both public keys:
///
/// ```text
/// pk_digest = SHA-256( public_key_label || pk_1 || pk_2 )
/// PSK       = SHA-256( ss_1 || ss_2 || ct_1 || ct_2 || pk_digest || label )
/// ```
///
/// The draft's `UniversalCombiner` is `KDF(ss_PQ || ss_T || ct_PQ || ct_T || ek_PQ || ek_T ||
/// label)` (checked against the draft's text at cfrg/draft-irtf-cfrg-hybrid-kems fc55078): the
/// order above is the same, with one difference, that the two encapsulation keys enter through
/// their SHA-256 digest (collision resistant, so it binds them as well), which both sides
/// compute once per exchange. Parts of a single-KEM suite's absent second KEM are left out (empty). Every part has a fixed
/// length per suite and the label names the suite, so no two suites (nor the default suite's
/// combiner above, whose input starts with its label) can collide. The secrets come first, so
/// they are compressed long before `finalize`, whose buffered last block (sha2 does not wipe it)
/// then holds only public bytes.
pub(crate) mod universal {
    use sha2::{Digest, Sha256};

    use crate::psk::Psk;
    use crate::secret::SharedSecret;
    use crate::sizes::PUBLIC_KEY_DIGEST_LEN;

    /// The digest of both public keys (`public_key_2` empty for a single-KEM suite).
    pub(crate) fn public_key_digest(
        public_key_label: &[u8],
        public_key_1: &[u8],
        public_key_2: &[u8],
    ) -> [u8; PUBLIC_KEY_DIGEST_LEN] {
        let mut h = Sha256::new();
        h.update(public_key_label);
        h.update(public_key_1);
        h.update(public_key_2);
        h.finalize().into()
    }

    /// The PSK from the shared secrets (one or two, consumed) and the public parts.
    pub(crate) fn combine(
        label: &[u8],
        shared: [Option<SharedSecret>; 2],
        ciphertext_1: &[u8],
        ciphertext_2: &[u8],
        pk_digest: &[u8; PUBLIC_KEY_DIGEST_LEN],
    ) -> Psk {
        let mut h = Sha256::new();
        for secret in shared.iter().flatten() {
            h.update(secret.as_bytes());
        }
        drop(shared);
        h.update(ciphertext_1);
        h.update(ciphertext_2);
        h.update(pk_digest);
        h.update(label);
        Psk::from_bytes(h.finalize().into())
    }
}
