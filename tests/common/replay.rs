//! An RNG that replays given bytes, for known-answer and differential tests of a KEM whose every
//! draw is a byte string (ML-KEM draws `d`, `z` and `m` only). Drawing more than was given, or a
//! word, is a test bug and panics.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// Replays the given bytes, in order.
pub struct Replay<'a>(pub &'a [u8]);

impl TryRng for Replay<'_> {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unreachable!("ML-KEM draws bytes only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unreachable!("ML-KEM draws bytes only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let (now, rest) = self.0.split_at(dst.len());
        dst.copy_from_slice(now);
        self.0 = rest;
        Ok(())
    }
}
impl TryCryptoRng for Replay<'_> {}
