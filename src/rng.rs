//! Randomness: one fallible draw from the caller's RNG, expanded deterministically.
//!
//! Each randomised operation (key generation, encapsulation) draws [`RNG_SEED_LEN`] bytes from the
//! caller's `rand_core` 0.10 [`TryCryptoRng`] with a fallible call, so an RNG failure becomes
//! [`Error::Rng`] in one place instead of a panic deep inside a backend. The seed is then expanded
//! with SHA-256 in counter mode into an infallible stream that feeds both KEMs:
//!
//! ```text
//! block_i = SHA-256( "pqpsk v1 rng" || purpose || seed || i as u64 big-endian ),  i = 0, 1, ...
//! ```
//!
//! The same RNG bytes therefore give the same keys, ciphertexts and PSK, which is what the
//! committed known-answer vector relies on. The backends consume the stream in a fixed order
//! (ML-KEM first, then McEliece).

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;
use crate::sizes::RNG_SEED_LEN;

const LABEL: &[u8] = b"pqpsk v1 rng";

/// What every randomised call of this crate takes: any `rand_core` 0.10 [`TryCryptoRng`], such
/// as [`SysRng`](crate::SysRng) with `std` or a hardware generator on firmware.
///
/// It is implemented for every such type and adds nothing to it. It exists for the compiler's
/// message: an RNG written for another `rand_core` (0.6 and 0.9 are what most HALs and `rand`
/// versions still implement) is a different trait to Rust, and without this the error only says
/// that a trait bound is not satisfied. With it, the error names the version and points to the
/// adapter in [`no_std_guide`](crate::no_std_guide).
///
/// A generator of `rand_core` 0.6 is refused at compile time (with the message above):
///
/// ```compile_fail
/// struct Hal06; // what a HAL's TRNG driver on rand_core 0.6 implements
/// impl rand_core_06::RngCore for Hal06 {
///     fn next_u32(&mut self) -> u32 { 0 }
///     fn next_u64(&mut self) -> u64 { 0 }
///     fn fill_bytes(&mut self, _: &mut [u8]) {}
///     fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), rand_core_06::Error> { Ok(()) }
/// }
/// impl rand_core_06::CryptoRng for Hal06 {}
///
/// let (mut pk1, mut pk2) = (vec![0u8; 1568], vec![0u8; 261_120]);
/// pqpsk::ClientSecret::new_boxed().generate(&mut Hal06, &mut pk1, &mut pk2);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rand_core 0.10 `TryCryptoRng`, the RNG trait pqpsk takes",
    label = "not a rand_core 0.10 RNG",
    note = "pqpsk uses rand_core 0.10 and re-exports it as `pqpsk::rand_core`: implement \
            `pqpsk::rand_core::TryCryptoRng` for your generator, or wrap a rand_core 0.6 / 0.9 RNG \
            in the 10-line adapter of pqpsk's no_std guide (docs: `pqpsk::no_std_guide`)",
    note = "with `std`, `pqpsk::SysRng` is the operating system's generator"
)]
pub trait RandomSource: TryCryptoRng {}

impl<R: TryCryptoRng + ?Sized> RandomSource for R {}

/// What an expanded stream is used for; part of the expansion input so that the client's and the
/// server's streams can never coincide even if an RNG repeats itself.
#[derive(Clone, Copy)]
#[repr(u8)]
pub(crate) enum Purpose {
    /// Client key generation.
    Keygen = 1,
    /// Server encapsulation.
    Encapsulate = 2,
}

/// Draws the seed of one operation from the caller's RNG.
pub(crate) fn draw_seed<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
) -> Result<zeroize::Zeroizing<[u8; RNG_SEED_LEN]>, Error> {
    let mut seed = zeroize::Zeroizing::new([0u8; RNG_SEED_LEN]);
    rng.try_fill_bytes(&mut seed[..]).map_err(|_| Error::Rng)?;
    Ok(seed)
}

/// The deterministic stream expanded from one seed. Wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Expander {
    purpose: u8,
    seed: [u8; RNG_SEED_LEN],
    counter: u64,
    block: [u8; 32],
    /// Bytes of `block` already handed out; 32 means "refill first".
    used: usize,
}

impl Expander {
    pub(crate) fn new(purpose: Purpose, seed: &[u8; RNG_SEED_LEN]) -> Self {
        Expander {
            purpose: purpose as u8,
            seed: *seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(LABEL);
        h.update([self.purpose]);
        h.update(self.seed);
        h.update(self.counter.to_be_bytes());
        self.block = h.finalize().into();
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl TryRng for Expander {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst.iter_mut() {
            if self.used >= self.block.len() {
                self.refill();
            }
            // `used` < 32 here: refill() set it to 0 or the check above held.
            if let Some(b) = self.block.get(self.used) {
                *byte = *b;
            }
            self.used += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for Expander {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn stream_is_deterministic_and_split_independent() {
        let seed = [7u8; 32];
        let mut a = Expander::new(Purpose::Keygen, &seed);
        let mut whole = [0u8; 100];
        a.fill_bytes(&mut whole);

        let mut b = Expander::new(Purpose::Keygen, &seed);
        let mut parts = [0u8; 100];
        let (x, y) = parts.split_at_mut(33);
        b.fill_bytes(x);
        b.fill_bytes(y);
        assert_eq!(whole, parts);
    }

    #[test]
    fn purposes_and_seeds_separate_streams() {
        let mut out = [[0u8; 32]; 3];
        Expander::new(Purpose::Keygen, &[1; 32]).fill_bytes(&mut out[0]);
        Expander::new(Purpose::Encapsulate, &[1; 32]).fill_bytes(&mut out[1]);
        Expander::new(Purpose::Keygen, &[2; 32]).fill_bytes(&mut out[2]);
        assert_ne!(out[0], out[1]);
        assert_ne!(out[0], out[2]);
    }

    #[test]
    fn first_block_is_the_documented_hash() {
        let seed = [9u8; 32];
        let mut h = Sha256::new();
        h.update(b"pqpsk v1 rng");
        h.update([1u8]);
        h.update(seed);
        h.update(0u64.to_be_bytes());
        let expected: [u8; 32] = h.finalize().into();
        let mut got = [0u8; 32];
        Expander::new(Purpose::Keygen, &seed).fill_bytes(&mut got);
        assert_eq!(got, expected);
    }
}
