//! Sampling (FIPS 203 section 4.2.2): the noise polynomials (SamplePolyCBD_2 over PRF) and the
//! matrix entries (SampleNTT over XOF), the latter fused with their one use, a base-case product.
//!
//! Fusing is what keeps the matrix off the stack: each entry of A is consumed coefficient pair
//! by coefficient pair as SHAKE128 produces it, so neither A nor one of its rows is ever stored.

use super::arith::{basemul_acc, pair_zeta};
use super::encode::decode12_pair;
use super::hash::{Sponge, RATE_128, RATE_256};
use super::params::{Poly, POLY_BYTES, Q};

/// A polynomial in NTT form read two coefficients at a time: unpacked, or in ByteEncode_12 form
/// (so that a stored vector costs 384 bytes instead of 512).
pub(super) trait Pairs {
    /// Coefficients 2 k and 2 k + 1.
    fn pair(&self, k: usize) -> [i16; 2];
}

impl Pairs for Poly {
    #[inline(always)]
    #[expect(clippy::indexing_slicing, reason = "k < 128, so 2k + 1 < 256")]
    fn pair(&self, k: usize) -> [i16; 2] {
        [self[2 * k], self[2 * k + 1]]
    }
}

impl Pairs for [u8; POLY_BYTES] {
    #[inline(always)]
    #[expect(clippy::indexing_slicing, reason = "k < 128, so 3k + 2 < 384")]
    fn pair(&self, k: usize) -> [i16; 2] {
        let [p0, p1] = decode12_pair(&[self[3 * k], self[3 * k + 1], self[3 * k + 2]]);
        [p0 as i16, p1 as i16]
    }
}

neon_twinned! {
/// acc += SampleNTT(XOF(rho, x, y)) o b, times R^-1 (FIPS 203 Algorithms 7 and 11). Not inlined:
/// the XOF's state lives only in this frame. (On aarch64 src/mlkem/neon.rs has its own.)
#[inline(never)]
pub(super) fn sample_ntt_acc<B: Pairs + ?Sized>(
    acc: &mut Poly,
    rho: &[u8; 32],
    x: u8,
    y: u8,
    b: &B,
) {
    let mut xof = Sponge::<RATE_128>::new();
    xof.absorb(rho);
    xof.absorb(&[x, y]);
    xof.finish_xof();
    let (acc, _) = acc.as_chunks_mut::<2>();
    let mut k = 0;
    let mut first = None;
    while k < acc.len() {
        xof.next_block();
        // RATE_128 = 168 bytes = 7 runs of three lanes, each eight groups of three bytes, each
        // two 12-bit candidates. Read a run at a time: no block buffer on the stack.
        for run in 0..RATE_128 / 24 {
            let mut bytes = [0u8; 24];
            for (l, lane) in bytes.as_chunks_mut::<8>().0.iter_mut().enumerate() {
                *lane = xof.lane(3 * run + l).to_le_bytes();
            }
            for g in bytes.as_chunks::<3>().0 {
                if k >= acc.len() {
                    break;
                }
                let [d0, d1] = decode12_pair(g);
                // Two calls, not a loop over [d0, d1], which at opt-level "s" stays a loop
                // through the stack.
                take(acc, &mut k, &mut first, d0, b);
                take(acc, &mut k, &mut first, d1, b);
            }
        }
    }
}
}

/// One SampleNTT candidate `d`: rejected if d >= q, else the first or the second coefficient of
/// pair `k`, which then goes into the base-case product with pair k of `b`.
///
/// The matrix is public (derived from rho, which the key publishes): branching on rejection and
/// on the count of accepted values reveals nothing secret (.ci/ct-known.supp accepts the findings
/// of `sample_ntt_acc`, into which this is inlined).
#[inline(always)]
fn take<B: Pairs + ?Sized>(
    acc: &mut [[i16; 2]],
    k: &mut usize,
    first: &mut Option<i16>,
    d: u16,
    b: &B,
) {
    if d >= Q as u16 {
        return;
    }
    let d = d as i16;
    match first.take() {
        None => *first = Some(d),
        Some(a0) => {
            if let Some(slot) = acc.get_mut(*k) {
                basemul_acc(slot, [a0, d], b.pair(*k), pair_zeta(*k));
            }
            *k += 1;
        }
    }
}

/// The eight coefficients of SamplePolyCBD_2 that four PRF bytes give.
#[inline(always)]
pub(super) fn cbd2_8(bytes: [u8; 4]) -> [i16; 8] {
    let t = u32::from_le_bytes(bytes);
    let d = (t & 0x5555_5555) + ((t >> 1) & 0x5555_5555);
    let coefficient = |j: u32| ((d >> (4 * j)) & 3) as i16 - ((d >> (4 * j + 2)) & 3) as i16;
    // Written out: at opt-level "s" a `from_fn` over eight stays a loop.
    [
        coefficient(0),
        coefficient(1),
        coefficient(2),
        coefficient(3),
        coefficient(4),
        coefficient(5),
        coefficient(6),
        coefficient(7),
    ]
}

/// Runs `f` on the 256 coefficients of SamplePolyCBD_2(PRF_2(seed, nonce)), eight at a time.
#[inline(always)]
fn cbd2(seed: &[u8; 32], nonce: u8, mut f: impl FnMut(&mut [i16; 8], [i16; 8]), p: &mut Poly) {
    let mut prf = Sponge::<RATE_256>::new();
    prf.absorb(seed);
    prf.absorb(&[nonce]);
    prf.finish_xof();
    // 128 output bytes: the first 16 lanes of the first block, four bytes per eight coefficients.
    let (groups, _) = p.as_chunks_mut::<16>();
    for (i, g) in groups.iter_mut().enumerate() {
        let bytes = prf.lane(i).to_le_bytes();
        let (lo, hi) = g.split_at_mut(8);
        if let (Ok(lo), Ok(hi)) = (<&mut [i16; 8]>::try_from(lo), <&mut [i16; 8]>::try_from(hi)) {
            f(lo, cbd2_8([bytes[0], bytes[1], bytes[2], bytes[3]]));
            f(hi, cbd2_8([bytes[4], bytes[5], bytes[6], bytes[7]]));
        }
    }
}

/// p = SamplePolyCBD_2(PRF_2(seed, nonce)).
#[inline(never)]
pub(super) fn noise(p: &mut Poly, seed: &[u8; 32], nonce: u8) {
    cbd2(seed, nonce, |g, e| *g = e, p);
}

/// p += SamplePolyCBD_2(PRF_2(seed, nonce)).
#[inline(never)]
pub(super) fn add_noise(p: &mut Poly, seed: &[u8; 32], nonce: u8) {
    cbd2(
        seed,
        nonce,
        |g, e| {
            for (c, e) in g.iter_mut().zip(e) {
                *c += e;
            }
        },
        p,
    );
}

const _: () = assert!(super::params::PRF_LEN == 256 / 8 * 4);
const _: () = assert!(super::params::PRF_LEN <= super::hash::RATE_256);
