//! NEON twins of the polynomial arithmetic of [`super::arith`], for aarch64 (little-endian, where
//! NEON is part of the baseline: its intrinsics are safe to call and need no run-time check).
//!
//! Every function here computes exactly the same `i16` values as its portable original, not just
//! the same values mod q: each step is the same operation on eight coefficients at once, in the
//! same order, with the same representatives (the tests compare the two bit for bit). So the
//! bounds argued in arith.rs hold unchanged, and the rest of the code cannot tell them apart.
//!
//! The two reductions in vector form:
//! - Montgomery, a * b * R^-1: `vqdmulh` gives the high half of 2ab, `vmul` by b * q^-1 gives the
//!   same t = (ab mod 2^16) * q^-1 as the scalar code, and `vqdmulh(t, q)` the high half of 2tq.
//!   ab and tq agree in their low 16 bits, so (hi(2ab) - hi(2tq)) / 2 (`vhsub`) is exactly
//!   (ab - tq) / 2^16, the scalar result. No saturation: neither operand pair is (-2^15, -2^15)
//!   (q and every twiddle are small).
//! - Barrett: `vqdmulh` by V gives floor(aV / 2^15), and the rounding shift by 11 then gives
//!   floor((aV + 2^25) / 2^26), the scalar t.
//!
//! Only data-independent instructions (no table look-up by a coefficient, no branch on one), as
//! in the portable code. Loads and stores go through the two safe helpers of [`crate::simd`].
//!
//! Why `#[target_feature(enable = "neon")]` on every function although the target already has
//! NEON: Rust requires it of any safe caller of an intrinsic (the build configuration does not
//! count), and a function carrying it can be called from ordinary code only through `unsafe`. So
//! the four entry points are called from the safe wrappers of src/simd.rs (the crate's one
//! `unsafe` module), where the argument that the call is sound is written down once.

use core::arch::aarch64::{
    int16x8_t, int32x4_t, int64x2_t, vaddq_s16, vget_low_s16, vhsubq_s16, vmlal_high_s16,
    vmlal_s16, vmlsl_high_n_s16, vmlsl_n_s16, vmlsq_n_s16, vmull_high_s16, vmull_s16, vmulq_n_s16,
    vmulq_s16, vqdmulhq_n_s16, vqdmulhq_s16, vreinterpretq_s16_s32, vreinterpretq_s16_s64,
    vreinterpretq_s32_s16, vreinterpretq_s64_s16, vreinterpretq_s64_s32, vrshrq_n_s16, vsubq_s16,
    vtrn1q_s32, vtrn1q_s64, vtrn2q_s32, vtrn2q_s64, vuzp1q_s16, vuzp2q_s16, vzip1q_s16, vzip2q_s16,
};

use super::arith::{INV_SCALE, QINV, R2, ZETAS};
use zeroize::Zeroizing;

use super::encode::decode12_pair;
use super::hash::{Sponge, RATE_128};
use super::params::{Poly, N, Q};
use super::sample::Pairs;
use crate::simd::neon::{load, store};

/// The Barrett constant of [`super::arith::barrett_reduce`], round(2^26 / q).
const V: i16 = (((1 << 26) + Q as i32 / 2) / Q as i32) as i16;

/// A twiddle and its product with q^-1 mod 2^16, the two halves of a Montgomery multiplication.
#[derive(Clone, Copy)]
struct Twiddle {
    z: i16,
    zq: i16,
}

const fn twiddle(z: i16) -> Twiddle {
    Twiddle {
        z,
        zq: z.wrapping_mul(QINV),
    }
}

/// Eight twiddles, one per lane, with their q^-1 multiples.
struct Lanes {
    z: [i16; 8],
    zq: [i16; 8],
}

/// Which twiddle table [`lanes`] builds.
#[derive(Clone, Copy)]
enum Table {
    /// Forward layer len = 4 on the vector pair p: groups 2p and 2p + 1 (four lanes each).
    Fwd4,
    /// Forward layer len = 2 on the vector pair p, in the transposed layout of [`ntt`]: groups
    /// 4p .. 4p + 3, two lanes each.
    Fwd2,
    /// Inverse layer len = 2: group h uses ZETAS[127 - h].
    Inv2,
    /// Inverse layer len = 4: group g uses ZETAS[63 - g].
    Inv4,
    /// Base-case twiddles of pairs 8p .. 8p + 7 ([`super::arith::pair_zeta`]):
    /// +-ZETAS[64 + pair / 2], negated for odd pairs.
    Base,
}

/// Sixteen lane tables, lane `l` of table `p` the twiddle that `table` puts there.
const fn lanes(table: Table) -> [Lanes; 16] {
    let mut out = [const {
        Lanes {
            z: [0; 8],
            zq: [0; 8],
        }
    }; 16];
    let mut p = 0;
    while p < 16 {
        let mut l = 0;
        while l < 8 {
            let (i, neg) = match table {
                Table::Fwd4 => (32 + 2 * p + l / 4, false),
                Table::Fwd2 => (64 + 4 * p + l / 2, false),
                Table::Inv2 => (127 - (4 * p + l / 2), false),
                Table::Inv4 => (63 - (2 * p + l / 4), false),
                Table::Base => (64 + 4 * p + l / 2, l % 2 == 1),
            };
            #[expect(clippy::indexing_slicing, reason = "i < 128, p < 16, l < 8")]
            let z = if neg { -ZETAS[i] } else { ZETAS[i] };
            #[expect(clippy::indexing_slicing, reason = "p < 16, l < 8")]
            {
                out[p].z[l] = z;
                out[p].zq[l] = z.wrapping_mul(QINV);
            }
            l += 1;
        }
        p += 1;
    }
    out
}

const FWD4: [Lanes; 16] = lanes(Table::Fwd4);
const FWD2: [Lanes; 16] = lanes(Table::Fwd2);
const INV2: [Lanes; 16] = lanes(Table::Inv2);
const INV4: [Lanes; 16] = lanes(Table::Inv4);
const BASE: [Lanes; 16] = lanes(Table::Base);

/// a * z * R^-1 per lane, for one twiddle.
#[inline]
#[target_feature(enable = "neon")]
fn mul_n(a: int16x8_t, t: Twiddle) -> int16x8_t {
    let hi = vqdmulhq_n_s16(a, t.z);
    let m = vmulq_n_s16(a, t.zq);
    vhsubq_s16(hi, vqdmulhq_n_s16(m, Q))
}

/// a * z * R^-1 per lane, with a twiddle per lane.
#[inline]
#[target_feature(enable = "neon")]
fn mul_lanes(a: int16x8_t, t: &Lanes) -> int16x8_t {
    let hi = vqdmulhq_s16(a, load(&t.z));
    let m = vmulq_s16(a, load(&t.zq));
    vhsubq_s16(hi, vqdmulhq_n_s16(m, Q))
}

/// a * b * R^-1 per lane (the scalar `fqmul`), both variable.
#[inline]
#[target_feature(enable = "neon")]
fn mul(a: int16x8_t, b: int16x8_t) -> int16x8_t {
    let hi = vqdmulhq_s16(a, b);
    let m = vmulq_n_s16(vmulq_s16(a, b), QINV);
    vhsubq_s16(hi, vqdmulhq_n_s16(m, Q))
}

/// The scalar `barrett_reduce` per lane.
#[inline]
#[target_feature(enable = "neon")]
fn barrett(a: int16x8_t) -> int16x8_t {
    let t = vrshrq_n_s16::<11>(vqdmulhq_n_s16(a, V));
    vmlsq_n_s16(a, t, Q)
}

/// The scalar `montgomery_reduce` of eight 32-bit values (lanes 0-3 in `lo`, 4-7 in `hi`).
#[inline]
#[target_feature(enable = "neon")]
fn reduce32(lo: int32x4_t, hi: int32x4_t) -> int16x8_t {
    // The low halves of the eight values (little-endian: the even 16-bit lanes).
    let low = vuzp1q_s16(vreinterpretq_s16_s32(lo), vreinterpretq_s16_s32(hi));
    let t = vmulq_n_s16(low, QINV);
    let lo = vmlsl_n_s16(lo, vget_low_s16(t), Q);
    let hi = vmlsl_high_n_s16(hi, t, Q);
    // Now multiples of 2^16: the high halves are the quotients.
    vuzp2q_s16(vreinterpretq_s16_s32(lo), vreinterpretq_s16_s32(hi))
}

#[inline]
#[target_feature(enable = "neon")]
fn s64(a: int16x8_t) -> int64x2_t {
    vreinterpretq_s64_s16(a)
}

#[inline]
#[target_feature(enable = "neon")]
fn s32(a: int16x8_t) -> int32x4_t {
    vreinterpretq_s32_s16(a)
}

/// [`super::arith::ntt_portable`] (bit for bit) on eight coefficients at a time.
#[expect(
    clippy::indexing_slicing,
    reason = "k < 32 and j + len < 32 by the loop bounds, p < 16"
)]
#[target_feature(enable = "neon")]
pub(crate) fn ntt(r: &mut Poly) {
    let (v, _) = r.as_chunks_mut::<8>();
    // Layers len = 128 .. 8: whole vectors against whole vectors, `len` counted in vectors.
    let mut k = 1;
    let mut len = 16;
    while len >= 1 {
        let mut start = 0;
        while start < 32 {
            let t = twiddle(ZETAS[k]);
            k += 1;
            for j in start..start + len {
                let a = load(&v[j]);
                let b = mul_n(load(&v[j + len]), t);
                store(&mut v[j + len], vsubq_s16(a, b));
                store(&mut v[j], vaddq_s16(a, b));
            }
            start += 2 * len;
        }
        len >>= 1;
    }
    // Layers len = 4 and 2 inside a pair of vectors x, y, by transposing halves, then quarters.
    for p in 0..16 {
        let (x, y) = (load(&v[2 * p]), load(&v[2 * p + 1]));
        // lo = x0..x3 y0..y3, hi = x4..x7 y4..y7.
        let lo = vreinterpretq_s16_s64(vtrn1q_s64(s64(x), s64(y)));
        let hi = vreinterpretq_s16_s64(vtrn2q_s64(s64(x), s64(y)));
        let t = mul_lanes(hi, &FWD4[p]);
        let (lo, hi) = (vaddq_s16(lo, t), vsubq_s16(lo, t));
        // a = x0x1 x4x5 y0y1 y4y5, b = x2x3 x6x7 y2y3 y6y7.
        let a = vreinterpretq_s16_s32(vtrn1q_s32(s32(lo), s32(hi)));
        let b = vreinterpretq_s16_s32(vtrn2q_s32(s32(lo), s32(hi)));
        let t = mul_lanes(b, &FWD2[p]);
        let (a, b) = (vaddq_s16(a, t), vsubq_s16(a, t));
        let t1 = vtrn1q_s32(s32(a), s32(b));
        let t2 = vtrn2q_s32(s32(a), s32(b));
        let x = vreinterpretq_s16_s64(vtrn1q_s64(
            vreinterpretq_s64_s32(t1),
            vreinterpretq_s64_s32(t2),
        ));
        let y = vreinterpretq_s16_s64(vtrn2q_s64(
            vreinterpretq_s64_s32(t1),
            vreinterpretq_s64_s32(t2),
        ));
        store(&mut v[2 * p], barrett(x));
        store(&mut v[2 * p + 1], barrett(y));
    }
}

/// [`super::arith::inv_ntt_portable`] on eight coefficients at a time.
#[expect(
    clippy::indexing_slicing,
    reason = "k < 32 and j + len < 32 by the loop bounds, p < 16"
)]
#[target_feature(enable = "neon")]
pub(crate) fn inv_ntt(r: &mut Poly) {
    let (v, _) = r.as_chunks_mut::<8>();
    // The first Barrett pass, then layers len = 2 and 4 inside a pair of vectors.
    for p in 0..16 {
        let (x, y) = (barrett(load(&v[2 * p])), barrett(load(&v[2 * p + 1])));
        let lo = vreinterpretq_s16_s64(vtrn1q_s64(s64(x), s64(y)));
        let hi = vreinterpretq_s16_s64(vtrn2q_s64(s64(x), s64(y)));
        let a = vreinterpretq_s16_s32(vtrn1q_s32(s32(lo), s32(hi)));
        let b = vreinterpretq_s16_s32(vtrn2q_s32(s32(lo), s32(hi)));
        let (a, b) = (
            barrett(vaddq_s16(a, b)),
            mul_lanes(vsubq_s16(b, a), &INV2[p]),
        );
        // lo = x0..x3 y0..y3, hi = x4..x7 y4..y7 again.
        let lo = vreinterpretq_s16_s32(vtrn1q_s32(s32(a), s32(b)));
        let hi = vreinterpretq_s16_s32(vtrn2q_s32(s32(a), s32(b)));
        let (lo, hi) = (
            barrett(vaddq_s16(lo, hi)),
            mul_lanes(vsubq_s16(hi, lo), &INV4[p]),
        );
        store(
            &mut v[2 * p],
            vreinterpretq_s16_s64(vtrn1q_s64(s64(lo), s64(hi))),
        );
        store(
            &mut v[2 * p + 1],
            vreinterpretq_s16_s64(vtrn2q_s64(s64(lo), s64(hi))),
        );
    }
    // Layers len = 8 .. 64 across vectors.
    let mut k = 31;
    let mut len = 1;
    while len <= 8 {
        let mut start = 0;
        while start < 32 {
            let t = twiddle(ZETAS[k]);
            k -= 1;
            for j in start..start + len {
                let (a, b) = (load(&v[j]), load(&v[j + len]));
                store(&mut v[j], barrett(vaddq_s16(a, b)));
                store(&mut v[j + len], mul_n(vsubq_s16(b, a), t));
            }
            start += 2 * len;
        }
        len <<= 1;
    }
    // Layer len = 128 (twiddle ZETAS[1]) with the final scaling of every coefficient folded in.
    let (t, scale) = (twiddle(ZETAS[1]), twiddle(INV_SCALE));
    for j in 0..16 {
        let (a, b) = (load(&v[j]), load(&v[j + 16]));
        store(&mut v[j], mul_n(barrett(vaddq_s16(a, b)), scale));
        store(&mut v[j + 16], mul_n(mul_n(vsubq_s16(b, a), t), scale));
    }
}

/// [`super::arith::to_mont_portable`] on eight coefficients at a time.
#[target_feature(enable = "neon")]
pub(crate) fn to_mont(r: &mut Poly) {
    let t = twiddle(R2);
    for c in r.as_chunks_mut::<8>().0 {
        store(c, mul_n(load(c), t));
    }
}

/// [`super::arith::poly_basemul_acc_portable`] on eight coefficient pairs at a time: the even
/// and odd coefficients are separated (`uzp`), multiplied as in `basemul_acc`, and interleaved
/// again (`zip`).
#[target_feature(enable = "neon")]
pub(crate) fn poly_basemul_acc(acc: &mut Poly, a: &Poly, b: &Poly) {
    let (acc, _) = acc.as_chunks_mut::<8>();
    let (a, _) = a.as_chunks::<8>();
    let (b, _) = b.as_chunks::<8>();
    let (acc, _) = acc.as_chunks_mut::<2>();
    let (a, _) = a.as_chunks::<2>();
    let (b, _) = b.as_chunks::<2>();
    for (((acc, [a_lo, a_hi]), [b_lo, b_hi]), z) in acc.iter_mut().zip(a).zip(b).zip(&BASE) {
        let (a_lo, a_hi, b_lo, b_hi) = (load(a_lo), load(a_hi), load(b_lo), load(b_hi));
        let (a0, a1) = (vuzp1q_s16(a_lo, a_hi), vuzp2q_s16(a_lo, a_hi));
        let (b0, b1) = (vuzp1q_s16(b_lo, b_hi), vuzp2q_s16(b_lo, b_hi));
        let high = mul(a1, b1);
        let z = load(&z.z);
        let even = reduce32(
            vmlal_s16(
                vmull_s16(vget_low_s16(a0), vget_low_s16(b0)),
                vget_low_s16(high),
                vget_low_s16(z),
            ),
            vmlal_high_s16(vmull_high_s16(a0, b0), high, z),
        );
        let odd = reduce32(
            vmlal_s16(
                vmull_s16(vget_low_s16(a0), vget_low_s16(b1)),
                vget_low_s16(a1),
                vget_low_s16(b0),
            ),
            vmlal_high_s16(vmull_high_s16(a0, b1), a1, b0),
        );
        let [c_lo, c_hi] = acc;
        let (c_lo_v, c_hi_v) = (load(c_lo), load(c_hi));
        let c0 = vaddq_s16(vuzp1q_s16(c_lo_v, c_hi_v), even);
        let c1 = vaddq_s16(vuzp2q_s16(c_lo_v, c_hi_v), odd);
        store(c_lo, vzip1q_s16(c0, c1));
        store(c_hi, vzip2q_s16(c0, c1));
    }
}

/// [`super::sample::sample_ntt_acc_portable`] in two steps, the matrix entry first sampled into
/// a buffer and then multiplied by [`poly_basemul_acc`] eight pairs at a time. Unfused, the
/// sampling also loses its per-candidate branches: every candidate is written and the count
/// steps past the accepted ones only (the matrix is public, but fewer instructions either way).
/// Costs about 1 KiB of stack more than the portable, fused code: fine on aarch64, where the
/// 4 KiB budget of the Cortex-M4 does not apply.
#[inline(never)]
pub(super) fn sample_ntt_acc<B: Pairs + ?Sized>(
    acc: &mut Poly,
    rho: &[u8; 32],
    x: u8,
    y: u8,
    b: &B,
) {
    // One slot past N: the last accepted candidate may be followed by one more write.
    let mut a = [0i16; N + 1];
    {
        let mut xof = Sponge::<RATE_128>::new();
        xof.absorb(rho);
        xof.absorb(&[x, y]);
        xof.finish_xof();
        let mut k = 0;
        while k < N {
            xof.next_block();
            let mut bytes = [0u8; RATE_128];
            for (i, lane) in bytes.as_chunks_mut::<8>().0.iter_mut().enumerate() {
                *lane = xof.lane(i).to_le_bytes();
            }
            for g in bytes.as_chunks::<3>().0 {
                if k >= N {
                    break;
                }
                // k < N here, so both writes land in a[..=N].
                for d in decode12_pair(g) {
                    if let Some(slot) = a.get_mut(k) {
                        *slot = d as i16;
                    }
                    k += usize::from(d < Q as u16);
                }
            }
        }
    }
    // b as plain coefficients (it may be packed); a copy of a secret, so wiped.
    let mut bb = Zeroizing::new([0i16; N]);
    for (k, pair) in bb.as_chunks_mut::<2>().0.iter_mut().enumerate() {
        *pair = b.pair(k);
    }
    if let Some((a, _)) = a.split_first_chunk::<N>() {
        super::arith::poly_basemul_acc(acc, a, &bb);
    }
}

#[cfg(test)]
mod tests {
    use super::super::arith::{self, inv_ntt, ntt, poly_basemul_acc, to_mont};
    use super::super::params::{Poly, Q};

    /// A reproducible spread of i16 values within `bound` in magnitude.
    fn poly(seed: u64, bound: i32) -> Poly {
        let mut x = seed;
        core::array::from_fn(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as i32 % bound) as i16
        })
    }

    /// Bit-for-bit agreement with the portable code over its whole input range (the
    /// dispatching functions of arith.rs run the NEON twins on this target).
    #[test]
    fn twins_agree_with_portable() {
        for seed in 0..200u64 {
            // ntt: any input in (-q, q) after a decode or a reduction; inv_ntt: accumulated
            // products up to 8q; basemul: below 2^12.
            let a = poly(seed, i32::from(Q));
            let (mut x, mut y) = (a, a);
            arith::ntt_portable(&mut x);
            ntt(&mut y);
            assert_eq!(x, y, "ntt, seed {seed}");

            let b = poly(seed + 1000, 8 * i32::from(Q));
            let (mut x, mut y) = (b, b);
            arith::inv_ntt_portable(&mut x);
            inv_ntt(&mut y);
            assert_eq!(x, y, "inv_ntt, seed {seed}");

            let (mut x, mut y) = (b, b);
            arith::to_mont_portable(&mut x);
            to_mont(&mut y);
            assert_eq!(x, y, "to_mont, seed {seed}");

            let (f, g) = (poly(seed + 2000, 1 << 12), poly(seed + 3000, 1 << 12));
            let c = poly(seed + 4000, 3 * i32::from(Q));
            let (mut x, mut y) = (c, c);
            arith::poly_basemul_acc_portable(&mut x, &f, &g);
            poly_basemul_acc(&mut y, &f, &g);
            assert_eq!(x, y, "basemul, seed {seed}");
        }
        // The extremes.
        for v in [-(Q - 1), Q - 1, 4095, -4095] {
            let a = [v; 256];
            let (mut x, mut y) = (a, a);
            arith::ntt_portable(&mut x);
            ntt(&mut y);
            assert_eq!(x, y);
            let (mut x, mut y) = (a, a);
            arith::poly_basemul_acc_portable(&mut x, &a, &a);
            poly_basemul_acc(&mut y, &a, &a);
            assert_eq!(x, y);
        }
    }

    /// The unfused matrix product agrees with the fused portable one, for both forms of b.
    #[test]
    fn sampling_agrees_with_portable() {
        use super::super::encode::poly_to_bytes;
        use super::super::params::POLY_BYTES;
        use super::super::sample::sample_ntt_acc_portable;
        for seed in 0..40u64 {
            let mut rho = [0u8; 32];
            for (i, r) in rho.iter_mut().enumerate() {
                *r = (seed as u8).wrapping_mul(31).wrapping_add(i as u8 * 7);
            }
            let (x, y) = ((seed % 4) as u8, (seed / 4 % 4) as u8);
            let b = poly(seed + 5000, i32::from(Q));
            let mut packed = [0u8; POLY_BYTES];
            poly_to_bytes(&b, &mut packed);
            let c = poly(seed + 6000, 3 * i32::from(Q));
            let (mut want, mut got) = (c, c);
            sample_ntt_acc_portable(&mut want, &rho, x, y, &b);
            super::super::sample::sample_ntt_acc(&mut got, &rho, x, y, &b);
            assert_eq!(want, got, "unpacked, seed {seed}");
            let (mut want, mut got) = (c, c);
            sample_ntt_acc_portable(&mut want, &rho, x, y, &packed);
            super::super::sample::sample_ntt_acc(&mut got, &rho, x, y, &packed);
            assert_eq!(want, got, "packed, seed {seed}");
        }
    }
}
