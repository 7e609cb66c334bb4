#![allow(dead_code)] // each test binary that includes this file uses only some of it

//! RNGs for tests: a byte-sequence RNG that replays given bytes, and one that always fails.

use core::convert::Infallible;
use rand_core::{TryCryptoRng, TryRng};

/// Repeats `pattern` with a running counter mixed in, so every drawn byte is reproducible.
/// Not random at all: for tests only.
pub struct FixedRng {
    pub counter: u64,
    pub salt: u8,
    pub drawn: usize,
}

impl FixedRng {
    pub fn new(salt: u8) -> Self {
        FixedRng {
            counter: 0,
            salt,
            drawn: 0,
        }
    }
}

impl TryRng for FixedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst.iter_mut() {
            self.counter += 1;
            *b = (self.counter as u8).wrapping_mul(31) ^ self.salt ^ (self.counter >> 8) as u8;
        }
        self.drawn += dst.len();
        Ok(())
    }
}
impl TryCryptoRng for FixedRng {}

/// An RNG whose every call fails, like a hardware RNG that is not ready.
pub struct FailingRng;

#[derive(Debug)]
pub struct RngDown;

impl core::fmt::Display for RngDown {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("rng down")
    }
}
impl core::error::Error for RngDown {}

impl TryRng for FailingRng {
    type Error = RngDown;
    fn try_next_u32(&mut self) -> Result<u32, RngDown> {
        Err(RngDown)
    }
    fn try_next_u64(&mut self) -> Result<u64, RngDown> {
        Err(RngDown)
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), RngDown> {
        Err(RngDown)
    }
}
impl TryCryptoRng for FailingRng {}
