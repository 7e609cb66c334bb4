//! Classic-McEliece-348864 as the hybrid calls it: our own code in [`crate::mce`],
//! byte-identical to the reference implementation (classic-mceliece-rust, liboqs), which the
//! differential and known-answer tests check.
//!
//! Key generation works in a caller-supplied [`KeygenWorkspace`] of
//! [`KEYGEN_WORKSPACE_LEN`](crate::mce::keygen::KEYGEN_WORKSPACE_LEN) bytes besides the two keys,
//! with about 10 KB of stack; encapsulation and decapsulation need no workspace and at most
//! 16 KiB of stack (tests/mce_stack.rs, tests/mce_keygen.rs).

use rand_core::CryptoRng;

pub use crate::mce::keygen::KeygenWorkspace;
use crate::secret::SharedSecret;
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN};

/// Generates a key pair into the caller's buffers, using `workspace` as scratch (wiped before
/// returning). Draws 32 bytes from `rng` (the reference implementation's seed; retries are
/// derived from it), so the same RNG stream gives the same keys as the reference.
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
    workspace: &mut KeygenWorkspace,
) {
    crate::mce::keygen::keypair(rng, public_key_out, secret_key_out, workspace);
}

/// [`generate`] with the caller's workspace, or, given `None`, with one on the stack that exists
/// only while McEliece runs: in a frame of its own, so that it does not sit on top of whatever ran
/// before (ML-KEM's key generation) and the peak stack is the larger of the two, not their sum.
pub(crate) fn generate_in_or_on_stack<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
    workspace: Option<&mut KeygenWorkspace>,
) {
    match workspace {
        Some(workspace) => generate(rng, public_key_out, secret_key_out, workspace),
        None => generate_on_stack(rng, public_key_out, secret_key_out),
    }
}

#[inline(never)]
fn generate_on_stack<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
) {
    // Wiped by key generation before it returns.
    let mut workspace = KeygenWorkspace::new();
    generate(rng, public_key_out, secret_key_out, &mut workspace);
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
