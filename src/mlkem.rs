//! ML-KEM-1024 (FIPS 203) backend over the `ml-kem` crate, as the hybrid calls it.
//!
//! The decapsulation key is kept in its 64-byte seed form `d || z` (FIPS 203 section 7.1): it is
//! the smallest form, and the full key is re-derived from it in [`decapsulate`] (about as much
//! work as one key generation, small next to McEliece).
//!
//! These functions take an infallible `rand_core` 0.10 [`CryptoRng`] so that known-answer tests
//! can drive them with NIST's DRBG; the hybrid feeds them from its expanded RNG stream (README, "Randomness").

use ml_kem::array::Array;
use ml_kem::kem::{Decapsulate, Encapsulate, KeyExport};
use ml_kem::{DecapsulationKey1024, EncapsulationKey1024};
use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::error::Error;
use crate::secret::SharedSecret;
use crate::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};

/// Generates a key pair: draws `d` then `z` (32 bytes each, FIPS 203 order) from `rng`, writes
/// the seed `d || z` into `seed_out` and the encapsulation key into `public_key_out`.
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    seed_out: &mut [u8; MLKEM_SEED_LEN],
    public_key_out: &mut [u8; MLKEM_PUBLIC_KEY_LEN],
) {
    rng.fill_bytes(seed_out);
    let dk = expand(seed_out);
    public_key_out.copy_from_slice(&dk.encapsulation_key().to_bytes());
}

/// An encapsulation key that passed the FIPS 203 section 7.2 check (every coefficient reduced
/// mod q). Parsing decodes the key and hashes it, so a caller that checks a key before drawing
/// randomness keeps the parsed key and encapsulates to it, rather than parsing twice.
pub struct PublicKey(EncapsulationKey1024);

impl PublicKey {
    /// Decodes and checks `public_key`.
    pub fn parse(public_key: &[u8; MLKEM_PUBLIC_KEY_LEN]) -> Result<Self, Error> {
        EncapsulationKey1024::new(&Array(*public_key))
            .map(PublicKey)
            .map_err(|_| Error::InvalidMlKemPublicKey)
    }
}

/// The FIPS 203 section 7.2 modulus check on the encoded key alone, without decoding it into
/// a key (which also hashes it): every 12-bit coefficient of `t` must be below q = 3329. The wire
/// decoder runs this on every request; [`PublicKey::parse`] repeats it as part of decoding.
pub fn check_public_key(public_key: &[u8; MLKEM_PUBLIC_KEY_LEN]) -> Result<(), Error> {
    const Q: u16 = 3329;
    // The key is t (4 x 256 coefficients, 12 bits each, packed two per three bytes) || rho (32).
    let (t, _rho) = public_key.split_at(MLKEM_PUBLIC_KEY_LEN - 32);
    // Public data: an early return reveals nothing.
    // 1536 bytes: exactly 512 three-byte groups, nothing left over.
    let (groups, _) = t.as_chunks::<3>();
    for group in groups {
        let [b0, b1, b2] = group.map(u16::from);
        let low = b0 | ((b1 & 0x0F) << 8);
        let high = (b1 >> 4) | (b2 << 4);
        if low >= Q || high >= Q {
            return Err(Error::InvalidMlKemPublicKey);
        }
    }
    Ok(())
}

/// Encapsulates to a checked key: draws `m` (32 bytes) from `rng`, writes the ciphertext into
/// `ciphertext_out` and returns the shared secret.
pub fn encapsulate_to<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &PublicKey,
    ciphertext_out: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    let (ct, mut ss) = public_key.0.encapsulate_with_rng(rng);
    ciphertext_out.copy_from_slice(&ct);
    let secret = SharedSecret::from_array(ss.0);
    ss.zeroize();
    secret
}

/// [`PublicKey::parse`] then [`encapsulate_to`]. Fails only if the key fails the FIPS 203 check,
/// in which case nothing is drawn and nothing is written.
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &[u8; MLKEM_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> Result<SharedSecret, Error> {
    let public_key = PublicKey::parse(public_key)?;
    Ok(encapsulate_to(rng, &public_key, ciphertext_out))
}

/// Decapsulates `ciphertext` with the key whose seed is `seed`. Any ciphertext of the right length
/// is accepted: a tampered one gives an unrelated secret (implicit rejection), not an error.
pub fn decapsulate(
    seed: &[u8; MLKEM_SEED_LEN],
    ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    let dk = expand(seed);
    let mut ss = dk.decapsulate(&Array(*ciphertext));
    let secret = SharedSecret::from_array(ss.0);
    ss.zeroize();
    secret
}

/// The full decapsulation key; `ml-kem`'s `zeroize` feature wipes it on drop.
fn expand(seed: &[u8; MLKEM_SEED_LEN]) -> DecapsulationKey1024 {
    let mut seed_array = Array(*seed);
    let dk = DecapsulationKey1024::from_seed(seed_array);
    seed_array.zeroize();
    dk
}
