//! Round-3 Kyber1024 (the NIST PQC round-3 submission, liboqs' "Kyber1024"; not FIPS 203
//! ML-KEM) over libcrux-ml-kem's `kyber` feature, its portable code only.
//!
//! "Portable only" has to be asked for by name: libcrux's build script turns on its NEON backend
//! in every aarch64 build and its AVX2 backend in every x86_64 one, and its top-level functions
//! (`kyber1024::*`) then pick one at run time. Its NEON key generation reaches about 7 KB deeper
//! than its portable one (40,124 against 33,212 B on aarch64, test profile), which took the IVPN
//! suites past their stack scrub there; on x86_64 its AVX2 code is about as deep as the
//! portable one (35,959 against 36,025 B). Calling `mlkem1024::portable` gives every target the
//! same code and about the same depth, the one `secret.rs` scrubs (measured 2026-12-02 with a
//! probe that called both directly under `tests/common/measure.rs`'s stack painting). The price
//! is speed: on aarch64 the portable key generation takes 1.46x the NEON code's instructions
//! (493 k against 338 k, no_std.md), small next to McEliece's in the hybrid suite.
//!
//! Kyber and ML-KEM share sizes and most of their arithmetic but derive different shared secrets:
//! Kyber hashes the encapsulation randomness first (`m = H(coins)`), does not domain-separate the
//! key-generation seed, and mixes a hash of the ciphertext into its key derivation. `ml-kem`
//! implements only FIPS 203, hence this second lattice backend.
//!
//! The secret key is kept, like ML-KEM's, as its 64-byte seed `d || z`; decapsulation re-derives
//! the full key from it. libcrux does not wipe its key types, so every copy made here is wiped
//! (and the operations run under the caller's stack scrub, see `secret.rs`).

use libcrux_ml_kem::mlkem1024::portable as kyber;
use libcrux_ml_kem::{MlKemCiphertext, MlKemKeyPair, MlKemPublicKey};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;
use crate::secret::SharedSecret;
use crate::sizes::{
    KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN, KYBER_SECRET_KEY_LEN, KYBER_SEED_LEN,
    SHARED_SECRET_LEN,
};

type KeyPair = MlKemKeyPair<KYBER_SECRET_KEY_LEN, KYBER_PUBLIC_KEY_LEN>;

/// Generates a key pair: draws `d` and then `z` from `rng`, 32 bytes each in two separate
/// draws (as the round-3 reference code and liboqs ask for them, which matters for NIST's
/// DRBG), writes the seed `d || z` into `seed_out` and the public key into `public_key_out`.
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    seed_out: &mut [u8; KYBER_SEED_LEN],
    public_key_out: &mut [u8; KYBER_PUBLIC_KEY_LEN],
) {
    let (d, z) = seed_out.split_at_mut(KYBER_SEED_LEN / 2);
    rng.fill_bytes(d);
    rng.fill_bytes(z);
    let pair = expand(seed_out);
    public_key_out.copy_from_slice(pair.pk());
    wipe(pair);
}

/// A public key that passed the modulus check (every coefficient reduced mod q = 3329).
///
/// The round-3 specification does not ask for the check and liboqs does not make it; an honestly
/// generated key always passes, and refusing a malformed one keeps libcrux away from inputs its
/// verified code does not promise anything about.
pub struct PublicKey(MlKemPublicKey<KYBER_PUBLIC_KEY_LEN>);

impl PublicKey {
    /// Checks `public_key`.
    pub fn parse(public_key: &[u8; KYBER_PUBLIC_KEY_LEN]) -> Result<Self, Error> {
        let key = MlKemPublicKey::from(public_key);
        if kyber::validate_public_key(&key) {
            Ok(PublicKey(key))
        } else {
            Err(Error::InvalidKyberPublicKey)
        }
    }
}

/// Encapsulates to a checked key: draws 32 bytes from `rng` (one draw, as the reference does),
/// writes the ciphertext into `ciphertext_out` and returns the shared secret.
///
/// The raw bytes go to libcrux, which hashes them into `m` itself (the round-3 "do not release
/// system RNG output" step), exactly as the reference code does after its `randombytes` call.
pub fn encapsulate_to<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &PublicKey,
    ciphertext_out: &mut [u8; KYBER_CIPHERTEXT_LEN],
) -> SharedSecret {
    let mut coins = Zeroizing::new([0u8; SHARED_SECRET_LEN]);
    rng.fill_bytes(&mut coins[..]);
    let (ct, mut ss) = kyber::kyber_encapsulate(&public_key.0, *coins);
    ciphertext_out.copy_from_slice(ct.as_slice());
    let secret = SharedSecret::from_array(ss);
    ss.zeroize();
    secret
}

/// [`PublicKey::parse`] then [`encapsulate_to`]; on a rejected key nothing is drawn or written.
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &[u8; KYBER_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; KYBER_CIPHERTEXT_LEN],
) -> Result<SharedSecret, Error> {
    let public_key = PublicKey::parse(public_key)?;
    Ok(encapsulate_to(rng, &public_key, ciphertext_out))
}

/// Decapsulates `ciphertext` with the key whose seed is `seed`. Any ciphertext of the right
/// length is accepted: a tampered one gives an unrelated secret (implicit rejection).
pub fn decapsulate(
    seed: &[u8; KYBER_SEED_LEN],
    ciphertext: &[u8; KYBER_CIPHERTEXT_LEN],
) -> SharedSecret {
    let pair = expand(seed);
    let mut ss = kyber::kyber_decapsulate(pair.private_key(), &MlKemCiphertext::from(ciphertext));
    wipe(pair);
    let secret = SharedSecret::from_array(ss);
    ss.zeroize();
    secret
}

/// The secret key in the reference layout (`s || pk || H(pk) || z`, 3,168 bytes) that liboqs
/// stores and prints, derived from the seed. For known-answer tests and for handing a key to
/// another implementation; as secret as the seed.
pub fn expanded_secret_key(
    seed: &[u8; KYBER_SEED_LEN],
    secret_key_out: &mut [u8; KYBER_SECRET_KEY_LEN],
) {
    let pair = expand(seed);
    secret_key_out.copy_from_slice(pair.sk());
    wipe(pair);
}

fn expand(seed: &[u8; KYBER_SEED_LEN]) -> KeyPair {
    kyber::kyber_generate_key_pair(*seed)
}

/// Wipes the secret half of a libcrux key pair, which has no `Zeroize` of its own.
fn wipe(pair: KeyPair) {
    let (sk, _pk) = pair.into_parts();
    let mut bytes: [u8; KYBER_SECRET_KEY_LEN] = sk.into();
    bytes.zeroize();
}
