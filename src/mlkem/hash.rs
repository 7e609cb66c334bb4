//! The four Keccak functions of FIPS 203 section 4.1 (H = SHA3-256, G = SHA3-512, J and PRF on
//! SHAKE256, XOF = SHAKE128), as one small sponge over the Keccak-f[1600] state of
//! [`super::keccak`] (the `keccak` crate's permutation on 64-bit targets, our bit-interleaved one
//! elsewhere).
//!
//! A sponge of our own, rather than the `sha3`/`shake` hashers, so that squeezing reads straight
//! out of the 200-byte state (no block buffer on the stack) and the state is wiped on drop. The
//! sponge touches the state a whole lane at a time (one conversion per lane where the state is
//! interleaved).

use zeroize::Zeroizing;

use super::keccak::{Lanes, State};
use super::params::K;

/// SHA3-256 and SHAKE256 rate in bytes.
pub(super) const RATE_256: usize = 136;
/// SHAKE128 rate in bytes.
pub(super) const RATE_128: usize = 168;
/// SHA3-512 rate in bytes.
const RATE_512: usize = 72;

/// Domain-separation and first padding bit: SHA3 (`01` then `1`) and SHAKE (`1111` then `1`).
const PAD_SHA3: u64 = 0x06;
const PAD_SHAKE: u64 = 0x1F;

/// A Keccak-f[1600] sponge with `RATE` bytes of rate (a multiple of 8); `pos` is the byte
/// position inside the rate (for absorbing, then, after [`Sponge::finish`], for squeezing).
pub(super) struct Sponge<const RATE: usize, S: Lanes = State> {
    state: S,
    pos: usize,
}

impl<const RATE: usize, S: Lanes> Sponge<RATE, S> {
    pub(super) fn new() -> Self {
        Sponge {
            state: S::zero(),
            pos: 0,
        }
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "off + n <= 8 and n <= data.len() by the min"
    )]
    pub(super) fn absorb(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            // Whole lanes straight from the data (the long inputs: H(ek), J(z || c)), without
            // the byte copy below, which at opt-level "s" is a memcpy call per lane.
            if self.pos.is_multiple_of(8) {
                if let Some((lane, rest)) = data.split_first_chunk::<8>() {
                    self.state.xor_lane(self.pos / 8, u64::from_le_bytes(*lane));
                    self.pos += 8;
                    data = rest;
                    if self.pos == RATE {
                        self.state.permute();
                        self.pos = 0;
                    }
                    continue;
                }
            }
            // The rest of the current lane, or what is left of the data.
            let off = self.pos % 8;
            let n = (8 - off).min(data.len());
            let mut word = [0u8; 8];
            word[off..off + n].copy_from_slice(&data[..n]);
            self.state.xor_lane(self.pos / 8, u64::from_le_bytes(word));
            self.pos += n;
            data = &data[n..];
            if self.pos == RATE {
                self.state.permute();
                self.pos = 0;
            }
        }
    }

    fn finish(&mut self, pad: u64) {
        self.state
            .xor_lane(self.pos / 8, pad << (8 * (self.pos % 8)));
        self.state
            .xor_lane((RATE - 1) / 8, 0x80 << (8 * ((RATE - 1) % 8)));
        self.state.permute();
        self.pos = 0;
    }

    /// Ends absorbing with the SHAKE padding; the sponge then squeezes.
    pub(super) fn finish_xof(&mut self) {
        self.finish(PAD_SHAKE);
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "off + n <= 8 and n <= out.len() by the min"
    )]
    pub(super) fn squeeze(&mut self, mut out: &mut [u8]) {
        while !out.is_empty() {
            if self.pos == RATE {
                self.state.permute();
                self.pos = 0;
            }
            let off = self.pos % 8;
            let n = (8 - off).min(out.len());
            let lane = self.state.lane(self.pos / 8).to_le_bytes();
            let (head, rest) = out.split_at_mut(n);
            head.copy_from_slice(&lane[off..off + n]);
            self.pos += n;
            out = rest;
        }
    }

    /// Moves to the next whole block of output, read with [`Sponge::lane`] (for a sponge that
    /// has squeezed only whole blocks so far; the first call gives the first block).
    pub(super) fn next_block(&mut self) {
        if self.pos != 0 {
            self.state.permute();
        }
        self.pos = RATE;
    }

    /// Lane `i` of the current block of output, little-endian: the first block after
    /// [`Sponge::finish_xof`], or the one [`Sponge::next_block`] moved to.
    #[inline(always)]
    pub(super) fn lane(&self, i: usize) -> u64 {
        self.state.lane(i)
    }
}

impl<const RATE: usize, S: Lanes> Drop for Sponge<RATE, S> {
    fn drop(&mut self) {
        self.state.wipe();
    }
}

/// Reads the first `N` bytes of the state after a SHA3 padding (N <= rate).
fn digest<const RATE: usize, const N: usize>(parts: &[&[u8]]) -> [u8; N] {
    let mut sponge = Sponge::<RATE>::new();
    for part in parts {
        sponge.absorb(part);
    }
    sponge.finish(PAD_SHA3);
    let mut out = [0u8; N];
    sponge.squeeze(&mut out);
    out
}

/// H: SHA3-256 of the concatenation of `parts`.
pub(super) fn sha3_256(parts: &[&[u8]]) -> [u8; 32] {
    digest::<RATE_256, 32>(parts)
}

/// G: SHA3-512 of the concatenation of `parts`.
pub(super) fn sha3_512(parts: &[&[u8]]) -> [u8; 64] {
    digest::<RATE_512, 64>(parts)
}

/// J(z, c) = SHAKE256(z || c, 32 bytes). Not inlined: its sponge is not kept in the caller's frame.
#[inline(never)]
pub(super) fn j(z: &[u8; 32], c: &[u8]) -> [u8; 32] {
    let mut sponge = Sponge::<RATE_256>::new();
    sponge.absorb(z);
    sponge.absorb(c);
    sponge.finish_xof();
    let mut out = [0u8; 32];
    sponge.squeeze(&mut out);
    out
}

/// The two 32-byte halves of a 64-byte value (G's output, or the seed d || z).
pub(super) fn halves(bytes: &[u8; 64]) -> (&[u8; 32], &[u8; 32]) {
    let (pair, _) = bytes.as_chunks::<32>();
    match pair {
        [a, b] => (a, b),
        // 64 bytes are exactly two 32-byte halves.
        _ => unreachable!("64 bytes have two 32-byte halves"),
    }
}

/// (rho, sigma) = G(d || k) (FIPS 203 Algorithm 13, line 1).
pub(super) fn expand_d(d: &[u8; 32]) -> (Zeroizing<[u8; 32]>, [u8; 32]) {
    let g = Zeroizing::new(sha3_512(&[d, &[K as u8]]));
    let (rho, sigma) = halves(&g);
    (Zeroizing::new(*sigma), *rho)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shake::{ExtendableOutput, Update, XofReader};

    /// Our sponge against the `shake` crate (an independent SHAKE) over lengths around the rate
    /// boundaries, and SHA3 against published empty-string digests (FIPS 202 examples).
    #[test]
    fn sponge_matches_independent_shake() {
        // Both state forms, whichever one this target uses.
        check_sponge::<crate::mlkem::keccak::Plain>();
        check_sponge::<crate::mlkem::keccak::Interleaved>();
    }

    fn check_sponge<S: Lanes>() {
        let data: [u8; 700] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for len in [
            0, 1, 7, 8, 9, 135, 136, 137, 167, 168, 169, 335, 336, 500, 700,
        ] {
            let mut ours = Sponge::<RATE_256, S>::new();
            ours.absorb(&data[..len]);
            ours.finish_xof();
            let mut a = [0u8; 300];
            ours.squeeze(&mut a[..5]);
            ours.squeeze(&mut a[5..]);
            let mut theirs = shake::Shake256::default();
            theirs.update(&data[..len]);
            let mut b = [0u8; 300];
            theirs.finalize_xof().read(&mut b);
            assert_eq!(a, b, "SHAKE256 len {len}");

            let mut ours = Sponge::<RATE_128, S>::new();
            ours.absorb(&data[..len / 2]);
            ours.absorb(&data[len / 2..len]);
            ours.finish_xof();
            let mut a = [0u8; 504];
            for block in a.as_chunks_mut::<RATE_128>().0 {
                ours.next_block();
                for (i, lane) in block.as_chunks_mut::<8>().0.iter_mut().enumerate() {
                    *lane = ours.lane(i).to_le_bytes();
                }
            }
            let mut theirs = shake::Shake128::default();
            theirs.update(&data[..len]);
            let mut b = [0u8; 504];
            theirs.finalize_xof().read(&mut b);
            assert_eq!(a, b, "SHAKE128 len {len}");
        }
        let h = sha3_256(&[]);
        assert_eq!(h[..4], [0xa7, 0xff, 0xc6, 0xf8]);
        assert_eq!(h[28..], [0x80, 0xf8, 0x43, 0x4a]);
        let g = sha3_512(&[]);
        assert_eq!(g[..4], [0xa6, 0x9f, 0x73, 0xcc]);
        assert_eq!(g[60..], [0x28, 0x1d, 0xcd, 0x26]);
    }
}
