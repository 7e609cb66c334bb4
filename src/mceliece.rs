//! Classic-McEliece-348864 backend over `classic-mceliece-rust`, as the hybrid calls it.
//!
//! That crate's `zeroize` feature is deliberately off: it would wipe the caller's public-key
//! buffer when its `PublicKey` view is dropped. Secret material is wiped here instead.
//! Its API wants the public key and the secret key as *mutable* arrays (its views are built from
//! `&mut`), although encapsulation and decapsulation only read them; hence the `&mut` below.
//!
//! Key generation keeps a 334,848-byte matrix on the stack (about 424 KB of stack in all): see
//! no_std.md before calling it on a small thread.

use classic_mceliece_rust as cm;
use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::rng::Compat06;
use crate::secret::SharedSecret;
use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN, SHARED_SECRET_LEN,
};

/// Generates a key pair into the caller's buffers. Draws 32 bytes from `rng` (the reference
/// implementation's seed; retries are derived from it).
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
) {
    let _views = cm::keypair(public_key_out, secret_key_out, &mut Compat06(rng));
}

/// Encapsulates to `public_key` (read only, see the module docs), writes the ciphertext and
/// returns the shared secret. Draws the error vector from `rng` (a variable number of bytes).
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    let pk = cm::PublicKey::from(public_key);
    let mut ss_buf = [0u8; SHARED_SECRET_LEN];
    let (ct, ss) = cm::encapsulate(&pk, &mut ss_buf, &mut Compat06(rng));
    let secret = SharedSecret::from_array(*ss.as_array());
    drop(ss);
    ss_buf.zeroize();
    ciphertext_out.copy_from_slice(ct.as_array());
    secret
}

/// Decapsulates `ciphertext` with `secret_key` (read only, see the module docs). A tampered
/// ciphertext gives an unrelated secret (implicit rejection), not an error.
pub fn decapsulate(
    secret_key: &mut [u8; MCELIECE_SECRET_KEY_LEN],
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    let sk = cm::SecretKey::from(secret_key);
    let ct = cm::Ciphertext::from(*ciphertext);
    let mut ss_buf = [0u8; SHARED_SECRET_LEN];
    let ss = cm::decapsulate(&ct, &sk, &mut ss_buf);
    let secret = SharedSecret::from_array(*ss.as_array());
    drop(ss);
    ss_buf.zeroize();
    secret
}
