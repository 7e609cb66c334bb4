//! SplitMix64: a deterministic, fast, NOT cryptographically secure RNG, shared by the
//! constant-time check (examples/ct_check.rs) and the benchmarks (benches/).
//!
//! Its `TryCryptoRng` impl is a deliberate lie so that it can drive pqpsk's APIs, where only
//! time or control flow is being measured, never secrecy. Each call advances the state, so
//! consecutive operations see different bytes (McEliece key generation time depends on the seed).

use core::convert::Infallible;

/// See the module docs: for measurements only.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_word(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn fill(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let word = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

impl rand_core::TryRng for SplitMix64 {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

/// NOT cryptographically secure: see the module docs.
impl rand_core::TryCryptoRng for SplitMix64 {}
