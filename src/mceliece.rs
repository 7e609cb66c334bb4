//! Classic-McEliece-348864 as the hybrid calls it. Encapsulation and decapsulation are our own
//! code in [`crate::mce`]; key generation still goes through `classic-mceliece-rust` (issue 8
//! replaces it too). That crate's `zeroize` feature is deliberately off: it would wipe the
//! caller's public-key buffer when its `PublicKey` view is dropped.
//!
//! Key generation keeps a 334,848-byte matrix on the stack (about 424 KB of stack in all): see
//! no_std.md before calling it on a small thread.

use classic_mceliece_rust as cm;
use rand_core::CryptoRng;

use crate::rng::Compat06;
use crate::secret::SharedSecret;
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN};

/// Generates a key pair into the caller's buffers. Draws 32 bytes from `rng` (the reference
/// implementation's seed; retries are derived from it).
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
) {
    let _views = cm::keypair(public_key_out, secret_key_out, &mut Compat06(rng));
}

/// Encapsulates to `public_key`, writes the ciphertext and returns the shared secret. Draws the
/// error vector from `rng` (256 bytes per attempt, as the reference does). Our own code
/// ([`crate::mce::encaps`]), byte-identical to classic-mceliece-rust.
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    crate::mce::encaps::encapsulate(rng, public_key, ciphertext_out)
}

/// Decapsulates `ciphertext` with `secret_key`. A tampered ciphertext gives an unrelated secret
/// (implicit rejection), not an error. Our own code ([`crate::mce::decaps`], additive FFT),
/// byte-identical to classic-mceliece-rust.
pub fn decapsulate(
    secret_key: &[u8; MCELIECE_SECRET_KEY_LEN],
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    crate::mce::decaps::decapsulate(secret_key, ciphertext)
}
