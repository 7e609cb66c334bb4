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
//! in the portable code. Loads and stores go through the three safe helpers of
//! [`crate::simd::lanes`].
//!
//! Why `#[target_feature(enable = "neon")]` on every function although the target already has
//! NEON: Rust requires it of any safe caller of an intrinsic (the build configuration does not
//! count), and a function carrying it can be called from ordinary code only through `unsafe`. So
//! the four entry points are called from the safe wrappers of src/simd.rs (the crate's one
//! `unsafe` module), where the argument that the call is sound is written down once.

use core::arch::aarch64::{
    int16x8_t, int32x4_t, int64x2_t, uint16x8_t, uint64x2_t, vaddq_s16, vaddvq_u16, vandq_u16,
    vbicq_u64, vcltq_u16, vcombine_s16, vcombine_u16, vcombine_u64, vcombine_u8, vcreate_s16,
    vcreate_u16, vcreate_u64, vcreate_u8, vdupq_n_u16, vdupq_n_u64, veorq_u64, vget_low_s16,
    vgetq_lane_u64, vhsubq_s16, vmlal_high_s16, vmlal_s16, vmlsl_high_n_s16, vmlsl_n_s16,
    vmlsq_n_s16, vmull_high_s16, vmull_s16, vmulq_n_s16, vmulq_s16, vqdmulhq_n_s16, vqdmulhq_s16,
    vqtbl1q_u8, vreinterpretq_s16_s32, vreinterpretq_s16_s64, vreinterpretq_s16_u16,
    vreinterpretq_s16_u8, vreinterpretq_s32_s16, vreinterpretq_s64_s16, vreinterpretq_s64_s32,
    vreinterpretq_u16_u8, vreinterpretq_u8_u16, vrshrq_n_s16, vshlq_n_u64, vshlq_u16, vsriq_n_u64,
    vsubq_s16, vtrn1q_s32, vtrn1q_s64, vtrn2q_s32, vtrn2q_s64, vuzp1q_s16, vuzp2q_s16, vzip1q_s16,
    vzip2q_s16,
};

use super::arith::{INV_SCALE, QINV, R2, ZETAS};

use super::hash::{Sponge, RATE_128};
use super::params::{Poly, N, POLY_BYTES, Q};
use crate::simd::lanes::neon::{load, load_u8, store};

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

/// The forward butterfly of `ntt_portable` on vectors i and j of `c`.
#[inline]
#[target_feature(enable = "neon")]
#[expect(clippy::indexing_slicing, reason = "constant indices below M")]
fn fwd<const M: usize>(c: &mut [int16x8_t; M], i: usize, j: usize, t: Twiddle) {
    let b = mul_n(c[j], t);
    c[j] = vsubq_s16(c[i], b);
    c[i] = vaddq_s16(c[i], b);
}

/// The inverse butterfly of `inv_ntt_portable` on vectors i and j of `c`.
#[inline]
#[target_feature(enable = "neon")]
#[expect(clippy::indexing_slicing, reason = "constant indices below M")]
fn inv<const M: usize>(c: &mut [int16x8_t; M], i: usize, j: usize, t: Twiddle) {
    let (a, b) = (c[i], c[j]);
    c[i] = barrett(vaddq_s16(a, b));
    c[j] = mul_n(vsubq_s16(b, a), t);
}

/// Vectors `v[base + step * m]`, m < M.
#[inline]
#[expect(
    clippy::indexing_slicing,
    reason = "callers keep base + step * (M - 1) < 32"
)]
fn gather<const M: usize>(v: &[[i16; 8]], base: usize, step: usize) -> [int16x8_t; M] {
    core::array::from_fn(|m| load(&v[base + step * m]))
}

/// Stores what [`gather`] loaded.
#[inline]
#[expect(
    clippy::indexing_slicing,
    reason = "callers keep base + step * (M - 1) < 32"
)]
fn scatter<const M: usize>(v: &mut [[i16; 8]], base: usize, step: usize, c: [int16x8_t; M]) {
    for (m, c) in c.into_iter().enumerate() {
        store(&mut v[base + step * m], c);
    }
}

/// Forward layers len = 4 and 2 inside the vector pair p (coefficients 16p .. 16p + 16), by
/// transposing halves, then quarters; then the final Barrett reduction.
#[inline]
#[target_feature(enable = "neon")]
#[expect(clippy::indexing_slicing, reason = "p < 16")]
fn fwd_inner(x: int16x8_t, y: int16x8_t, p: usize) -> [int16x8_t; 2] {
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
    let t1 = vreinterpretq_s64_s32(vtrn1q_s32(s32(a), s32(b)));
    let t2 = vreinterpretq_s64_s32(vtrn2q_s32(s32(a), s32(b)));
    [
        barrett(vreinterpretq_s16_s64(vtrn1q_s64(t1, t2))),
        barrett(vreinterpretq_s16_s64(vtrn2q_s64(t1, t2))),
    ]
}

/// The first Barrett pass of the inverse NTT, then its layers len = 2 and 4 inside the vector
/// pair p (the transposes of [`fwd_inner`] in reverse).
#[inline]
#[target_feature(enable = "neon")]
#[expect(clippy::indexing_slicing, reason = "p < 16")]
fn inv_inner(x: int16x8_t, y: int16x8_t, p: usize) -> [int16x8_t; 2] {
    let (x, y) = (barrett(x), barrett(y));
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
    [
        vreinterpretq_s16_s64(vtrn1q_s64(s64(lo), s64(hi))),
        vreinterpretq_s16_s64(vtrn2q_s64(s64(lo), s64(hi))),
    ]
}

/// The twiddle `ZETAS[k]`.
#[inline]
#[expect(clippy::indexing_slicing, reason = "callers pass k < 128")]
fn z(k: usize) -> Twiddle {
    twiddle(ZETAS[k])
}

/// [`super::arith::ntt_portable`] (bit for bit) on eight coefficients at a time, in two passes
/// over memory: layers len = 128, 64, 32 on the eight vectors j, j + 4, .., j + 28 held in
/// registers, then layers 16, 8, 4, 2 on four consecutive vectors. (Each coefficient sees the
/// same operations in the same order as in the portable code; only independent butterflies
/// are reordered.)
#[target_feature(enable = "neon")]
pub(crate) fn ntt(r: &mut Poly) {
    let (v, _) = r.as_chunks_mut::<8>();
    for j in 0..4 {
        let mut c = gather::<8>(v, j, 4);
        for m in 0..4 {
            fwd(&mut c, m, m + 4, z(1));
        }
        for m in [0, 1, 4, 5] {
            fwd(&mut c, m, m + 2, z(2 + m / 4));
        }
        for m in [0, 2, 4, 6] {
            fwd(&mut c, m, m + 1, z(4 + m / 2));
        }
        scatter(v, j, 4, c);
    }
    for g in 0..8 {
        let mut c = gather::<4>(v, 4 * g, 1);
        fwd(&mut c, 0, 2, z(8 + g));
        fwd(&mut c, 1, 3, z(8 + g));
        fwd(&mut c, 0, 1, z(16 + 2 * g));
        fwd(&mut c, 2, 3, z(17 + 2 * g));
        let [c0, c1, c2, c3] = c;
        let [x0, x1] = fwd_inner(c0, c1, 2 * g);
        let [x2, x3] = fwd_inner(c2, c3, 2 * g + 1);
        scatter(v, 4 * g, 1, [x0, x1, x2, x3]);
    }
}

/// [`super::arith::inv_ntt_portable`] (bit for bit) on eight coefficients at a time, the passes
/// of [`ntt`] in reverse; the final scaling is folded into the last layer.
#[target_feature(enable = "neon")]
#[expect(clippy::indexing_slicing, reason = "m < 4, so m + 4 < 8")]
pub(crate) fn inv_ntt(r: &mut Poly) {
    let (v, _) = r.as_chunks_mut::<8>();
    for g in 0..8 {
        let [c0, c1, c2, c3] = gather::<4>(v, 4 * g, 1);
        let [x0, x1] = inv_inner(c0, c1, 2 * g);
        let [x2, x3] = inv_inner(c2, c3, 2 * g + 1);
        let mut c = [x0, x1, x2, x3];
        inv(&mut c, 0, 1, z(31 - 2 * g));
        inv(&mut c, 2, 3, z(30 - 2 * g));
        inv(&mut c, 0, 2, z(15 - g));
        inv(&mut c, 1, 3, z(15 - g));
        scatter(v, 4 * g, 1, c);
    }
    let scale = twiddle(INV_SCALE);
    for j in 0..4 {
        let mut c = gather::<8>(v, j, 4);
        for m in [0, 2, 4, 6] {
            inv(&mut c, m, m + 1, z(7 - m / 2));
        }
        for m in [0, 1, 4, 5] {
            inv(&mut c, m, m + 2, z(3 - m / 4));
        }
        // Layer len = 128 with the final scaling of every coefficient.
        let mut out = c;
        for m in 0..4 {
            let (a, b) = (c[m], c[m + 4]);
            out[m] = mul_n(barrett(vaddq_s16(a, b)), scale);
            out[m + 4] = mul_n(mul_n(vsubq_s16(b, a), z(1)), scale);
        }
        scatter(v, j, 4, out);
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
    for (((acc, a), [b_lo, b_hi]), z) in acc.iter_mut().zip(a).zip(b).zip(&BASE) {
        basemul8(acc, a, load(b_lo), load(b_hi), z);
    }
}

/// [`poly_basemul_acc`] with `b` in ByteEncode_12 form, decoded sixteen coefficients (24 bytes)
/// at a time in registers (`tbl` and shifts, the same values as `decode12_pair`): no unpacked
/// copy of a secret `b` on the stack. acc += a o b equals acc += b o a bit for bit (the base-case
/// product is symmetric term by term), so either operand may be the packed one.
#[target_feature(enable = "neon")]
pub(crate) fn basemul_acc_packed(acc: &mut Poly, a: &Poly, b: &[u8; POLY_BYTES]) {
    let (acc, _) = acc.as_chunks_mut::<8>();
    let (a, _) = a.as_chunks::<8>();
    let (acc, _) = acc.as_chunks_mut::<2>();
    let (a, _) = a.as_chunks::<2>();
    let (runs, _) = b.as_chunks::<24>();
    for (((acc, a), run), z) in acc.iter_mut().zip(a).zip(runs).zip(&BASE) {
        let [b_lo, b_hi] = decode24(run);
        basemul8(
            acc,
            a,
            vreinterpretq_s16_u16(b_lo),
            vreinterpretq_s16_u16(b_hi),
            z,
        );
    }
}

/// The sixteen 12-bit values of 24 bytes (ByteDecode_12), in two vectors of eight.
#[inline]
#[target_feature(enable = "neon")]
fn decode24(run: &[u8; 24]) -> [uint16x8_t; 2] {
    let word = |i: usize| {
        let mut w = [0u8; 8];
        if let Some(b) = run.get(8 * i..8 * i + 8) {
            w.copy_from_slice(b);
        }
        u64::from_le_bytes(w)
    };
    let (w0, w1, w2) = (word(0), word(1), word(2));
    // Odd lanes: the value sits 4 bits up.
    let shift = vcombine_s16(
        vcreate_s16(0xFFFC_0000_FFFC_0000),
        vcreate_s16(0xFFFC_0000_FFFC_0000),
    );
    let decode = |bytes, idx| {
        let w = vreinterpretq_u16_u8(vqtbl1q_u8(bytes, idx));
        vandq_u16(vshlq_u16(w, shift), vdupq_n_u16(0x0FFF))
    };
    [
        decode(
            vcombine_u8(vcreate_u8(w0), vcreate_u8(w1)),
            load_u8(&DECODE12[0]),
        ),
        decode(
            vcombine_u8(vcreate_u8(w1), vcreate_u8(w2)),
            load_u8(&DECODE12[1]),
        ),
    ]
}

/// acc += a o b on eight coefficient pairs (sixteen coefficients, `b` already loaded), times
/// R^-1: the even and odd coefficients are separated (`uzp`), multiplied as in the scalar
/// `basemul_acc`, and interleaved again (`zip`).
#[inline]
#[target_feature(enable = "neon")]
fn basemul8(
    acc: &mut [[i16; 8]; 2],
    [a_lo, a_hi]: &[[i16; 8]; 2],
    b_lo: int16x8_t,
    b_hi: int16x8_t,
    z: &Lanes,
) {
    let (a_lo, a_hi) = (load(a_lo), load(a_hi));
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

/// SampleNTT(XOF(rho, x, y)) (FIPS 203 Algorithm 7) into the first N entries of `a`, on the
/// sponge of [`super::hash`] (the `keccak` crate's permutation). Unlike the portable, fused
/// [`super::sample::sample_ntt_acc`], the entry is sampled whole first and multiplied after, eight
/// pairs at a time: about 0.5 KiB more stack, fine on aarch64 (the 4 KiB budget is the
/// Cortex-M4's).
#[target_feature(enable = "neon")]
fn sample1(rho: &[u8; 32], x: u8, y: u8, a: &mut [i16; N + SLACK]) {
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
        accept(&bytes, a, &mut k);
    }
}

/// Bit t of the output of the Keccak round-constant LFSR (FIPS 202 Algorithm 5).
const fn rc_bit(t: usize) -> u64 {
    let mut r: u32 = 1;
    let mut i = 0;
    while i < t % 255 {
        r <<= 1;
        if r & 0x100 != 0 {
            r ^= 0x171;
        }
        i += 1;
    }
    (r & 1) as u64
}

/// The 24 round constants of Keccak-f\[1600\] (FIPS 202 Algorithm 6), from their definition.
const RC: [u64; 24] = {
    let mut rc = [0u64; 24];
    let mut i = 0;
    while i < 24 {
        let mut j = 0;
        while j < 7 {
            #[expect(clippy::indexing_slicing, reason = "i < 24")]
            {
                rc[i] |= rc_bit(j + 7 * i) << ((1 << j) - 1);
            }
            j += 1;
        }
        i += 1;
    }
    rc
};

/// Rotates both 64-bit lanes left by a constant: a shift, then a shift-right-and-insert.
macro_rules! rol {
    ($v:expr, $n:literal) => {{
        let v = $v;
        vsriq_n_u64::<{ 64 - $n }>(vshlq_n_u64::<$n>(v), v)
    }};
}

/// One round of Keccak-f\[1600\] on two states at once, one per 64-bit half of each register.
#[inline]
#[target_feature(enable = "neon")]
fn round2(a: &mut [uint64x2_t; 25], rc: u64) {
    // theta
    let c0 = veorq_u64(
        veorq_u64(veorq_u64(a[0], a[5]), veorq_u64(a[10], a[15])),
        a[20],
    );
    let c1 = veorq_u64(
        veorq_u64(veorq_u64(a[1], a[6]), veorq_u64(a[11], a[16])),
        a[21],
    );
    let c2 = veorq_u64(
        veorq_u64(veorq_u64(a[2], a[7]), veorq_u64(a[12], a[17])),
        a[22],
    );
    let c3 = veorq_u64(
        veorq_u64(veorq_u64(a[3], a[8]), veorq_u64(a[13], a[18])),
        a[23],
    );
    let c4 = veorq_u64(
        veorq_u64(veorq_u64(a[4], a[9]), veorq_u64(a[14], a[19])),
        a[24],
    );
    let d0 = veorq_u64(c4, rol!(c1, 1));
    let d1 = veorq_u64(c0, rol!(c2, 1));
    let d2 = veorq_u64(c1, rol!(c3, 1));
    let d3 = veorq_u64(c2, rol!(c4, 1));
    let d4 = veorq_u64(c3, rol!(c0, 1));
    // rho and pi: lane (x, y) moves to (y, 2x + 3y), rotated
    let b0 = veorq_u64(a[0], d0);
    let b1 = rol!(veorq_u64(a[6], d1), 44);
    let b2 = rol!(veorq_u64(a[12], d2), 43);
    let b3 = rol!(veorq_u64(a[18], d3), 21);
    let b4 = rol!(veorq_u64(a[24], d4), 14);
    let b5 = rol!(veorq_u64(a[3], d3), 28);
    let b6 = rol!(veorq_u64(a[9], d4), 20);
    let b7 = rol!(veorq_u64(a[10], d0), 3);
    let b8 = rol!(veorq_u64(a[16], d1), 45);
    let b9 = rol!(veorq_u64(a[22], d2), 61);
    let b10 = rol!(veorq_u64(a[1], d1), 1);
    let b11 = rol!(veorq_u64(a[7], d2), 6);
    let b12 = rol!(veorq_u64(a[13], d3), 25);
    let b13 = rol!(veorq_u64(a[19], d4), 8);
    let b14 = rol!(veorq_u64(a[20], d0), 18);
    let b15 = rol!(veorq_u64(a[4], d4), 27);
    let b16 = rol!(veorq_u64(a[5], d0), 36);
    let b17 = rol!(veorq_u64(a[11], d1), 10);
    let b18 = rol!(veorq_u64(a[17], d2), 15);
    let b19 = rol!(veorq_u64(a[23], d3), 56);
    let b20 = rol!(veorq_u64(a[2], d2), 62);
    let b21 = rol!(veorq_u64(a[8], d3), 55);
    let b22 = rol!(veorq_u64(a[14], d4), 39);
    let b23 = rol!(veorq_u64(a[15], d0), 41);
    let b24 = rol!(veorq_u64(a[21], d1), 2);
    // chi and iota
    a[0] = veorq_u64(b0, vbicq_u64(b2, b1));
    a[1] = veorq_u64(b1, vbicq_u64(b3, b2));
    a[2] = veorq_u64(b2, vbicq_u64(b4, b3));
    a[3] = veorq_u64(b3, vbicq_u64(b0, b4));
    a[4] = veorq_u64(b4, vbicq_u64(b1, b0));
    a[5] = veorq_u64(b5, vbicq_u64(b7, b6));
    a[6] = veorq_u64(b6, vbicq_u64(b8, b7));
    a[7] = veorq_u64(b7, vbicq_u64(b9, b8));
    a[8] = veorq_u64(b8, vbicq_u64(b5, b9));
    a[9] = veorq_u64(b9, vbicq_u64(b6, b5));
    a[10] = veorq_u64(b10, vbicq_u64(b12, b11));
    a[11] = veorq_u64(b11, vbicq_u64(b13, b12));
    a[12] = veorq_u64(b12, vbicq_u64(b14, b13));
    a[13] = veorq_u64(b13, vbicq_u64(b10, b14));
    a[14] = veorq_u64(b14, vbicq_u64(b11, b10));
    a[15] = veorq_u64(b15, vbicq_u64(b17, b16));
    a[16] = veorq_u64(b16, vbicq_u64(b18, b17));
    a[17] = veorq_u64(b17, vbicq_u64(b19, b18));
    a[18] = veorq_u64(b18, vbicq_u64(b15, b19));
    a[19] = veorq_u64(b19, vbicq_u64(b16, b15));
    a[20] = veorq_u64(b20, vbicq_u64(b22, b21));
    a[21] = veorq_u64(b21, vbicq_u64(b23, b22));
    a[22] = veorq_u64(b22, vbicq_u64(b24, b23));
    a[23] = veorq_u64(b23, vbicq_u64(b20, b24));
    a[24] = veorq_u64(b24, vbicq_u64(b21, b20));
    a[0] = veorq_u64(a[0], vdupq_n_u64(rc));
}

/// Keccak-f\[1600\] on two states at once (lane i of state h is half h of `a[i]`). The two
/// states share each instruction: half the instructions of two scalar permutations, roughly,
/// on a core without the SHA-3 extension (the `keccak` crate's fast path), and no table.
#[target_feature(enable = "neon")]
fn f1600x2(a: &mut [uint64x2_t; 25]) {
    // A local copy, so that the compiler may keep the state in registers across rounds.
    let mut s = *a;
    for rc in RC {
        round2(&mut s, rc);
    }
    *a = s;
}

/// Two SHAKE128 streams side by side, each read a whole block (21 lanes) at a time. Not wiped
/// on drop, unlike [`Sponge`]: it only ever holds the matrix, which is public (rho, x, y).
struct Xof2 {
    state: [uint64x2_t; 25],
}

impl Xof2 {
    /// XOF(rho, x_h, y_h) for h = 0, 1 (rho || x || y, then the SHAKE padding), permuted: the
    /// first block is ready.
    #[target_feature(enable = "neon")]
    fn new(rho: &[u8; 32], xy: [[u8; 2]; 2]) -> Self {
        let mut state = [vdupq_n_u64(0); 25];
        let (lanes, _) = rho.as_chunks::<8>();
        for (s, l) in state.iter_mut().zip(lanes) {
            *s = vdupq_n_u64(u64::from_le_bytes(*l));
        }
        // Bytes 32, 33 = x, y; byte 34 the SHAKE domain bits and first pad bit; byte 167 (the
        // last of the rate, lane 20's top byte) the last pad bit.
        let lane4 = |[x, y]: [u8; 2]| u64::from(x) | u64::from(y) << 8 | 0x1F << 16;
        state[4] = vcombine_u64(vcreate_u64(lane4(xy[0])), vcreate_u64(lane4(xy[1])));
        state[20] = vdupq_n_u64(0x80 << 56);
        f1600x2(&mut state);
        Xof2 { state }
    }

    /// The current block of stream `h` as bytes.
    #[target_feature(enable = "neon")]
    fn block<const H: i32>(&self, out: &mut [u8; RATE_128]) {
        for (o, s) in out.as_chunks_mut::<8>().0.iter_mut().zip(&self.state) {
            *o = vgetq_lane_u64::<H>(*s).to_le_bytes();
        }
    }

    #[target_feature(enable = "neon")]
    fn next(&mut self) {
        f1600x2(&mut self.state);
    }
}

/// Room past N in a sampling buffer: [`accept`] writes eight candidates at a time, so up to seven
/// past the last one kept.
const SLACK: usize = 8;

/// For each 8-bit mask of accepted lanes, the byte shuffle that moves those lanes (16 bits each)
/// to the front in order; the other bytes are out of range, so `tbl` zeroes them.
const COMPACT: [[u8; 16]; 256] = {
    let mut t = [[0xFFu8; 16]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut lane, mut j) = (0, 0);
        while lane < 8 {
            if (m >> lane) & 1 == 1 {
                #[expect(clippy::indexing_slicing, reason = "m < 256, j < lane + 1 <= 8")]
                {
                    t[m][2 * j] = 2 * lane as u8;
                    t[m][2 * j + 1] = 2 * lane as u8 + 1;
                }
                j += 1;
            }
            lane += 1;
        }
        m += 1;
    }
    t
};

/// 12-bit candidate 2p of eight is bytes 3p, 3p + 1 (low 12 bits), candidate 2p + 1 bytes
/// 3p + 1, 3p + 2 (shifted right by 4): the byte pairs of the eight 16-bit lanes, for twelve
/// bytes at offset 0 and at offset 4 of a 16-byte register.
const DECODE12: [[u8; 16]; 2] = [
    [0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11],
    [4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15],
];

/// Appends the accepted candidates of one 168-byte block to `a` (FIPS 203 Algorithm 7, lines
/// 4-13), eight at a time: decode them (`tbl`, shifts), compare with q, and move the accepted
/// ones to the front with the shuffle [`COMPACT`] gives for that mask, stored at `a[k]`; k then
/// steps by the number accepted. The mask is an index into a table, and the loop ends on the
/// count: both depend on the matrix only, which is public (rho, x, y). Stops once `k >= N`;
/// what lies past N is never read.
#[inline]
#[target_feature(enable = "neon")]
fn accept(block: &[u8; RATE_128], a: &mut [i16; N + SLACK], k: &mut usize) {
    let shift = vcombine_s16(
        vcreate_s16(0xFFFC_0000_FFFC_0000),
        vcreate_s16(0xFFFC_0000_FFFC_0000),
    );
    let weights = vcombine_u16(
        vcreate_u16(0x0008_0004_0002_0001),
        vcreate_u16(0x0080_0040_0020_0010),
    );
    let (idx0, idx1) = (load_u8(&DECODE12[0]), load_u8(&DECODE12[1]));
    for run in block.as_chunks::<24>().0 {
        // Bytes 0..16 and 8..24 of the run: candidates 0-7 from the first, 8-15 (bytes 12..24)
        // from the second.
        let word = |i: usize| {
            let mut w = [0u8; 8];
            if let Some(b) = run.get(8 * i..8 * i + 8) {
                w.copy_from_slice(b);
            }
            u64::from_le_bytes(w)
        };
        let (w0, w1, w2) = (word(0), word(1), word(2));
        let halves = [
            (vcombine_u8(vcreate_u8(w0), vcreate_u8(w1)), idx0),
            (vcombine_u8(vcreate_u8(w1), vcreate_u8(w2)), idx1),
        ];
        for (bytes, idx) in halves {
            if *k >= N {
                return;
            }
            let w = vreinterpretq_u16_u8(vqtbl1q_u8(bytes, idx));
            let d = vandq_u16(vshlq_u16(w, shift), vdupq_n_u16(0x0FFF));
            let ok = vcltq_u16(d, vdupq_n_u16(Q as u16));
            let mask = usize::from(vaddvq_u16(vandq_u16(ok, weights)));
            let Some(shuffle) = COMPACT.get(mask) else {
                return;
            };
            let kept = vqtbl1q_u8(vreinterpretq_u8_u16(d), load_u8(shuffle));
            // k < N, so a[k..k + 8] lies inside a (N + SLACK long).
            if let Some(out) = a
                .get_mut(*k..*k + 8)
                .and_then(|s| <&mut [i16; 8]>::try_from(s).ok())
            {
                store(out, vreinterpretq_s16_u8(kept));
            }
            *k += mask.count_ones() as usize;
        }
    }
}

// Whether this CPU has the ARMv8.2 SHA-3 instructions (checked once, then cached).
cpufeatures::new!(sha3_cpu, "sha3");

/// Whether to sample the matrix on the two-way Keccak: where the CPU lacks the SHA-3
/// instructions. With them, the `keccak` crate's permutation costs fewer instructions per state
/// than two states on plain NEON (tests/mlkem_icount.rs under qemu's `max` and `cortex-a72`).
pub(super) fn two_way_keccak() -> bool {
    !sha3_cpu::init_get().1
}

/// `sample_pair!(rho, x, y0, two_way, a)`: SampleNTT(XOF(rho, x, y0 + h)) for h = 0, 1, each in the
/// first N entries of its buffer in `a`: both at once on the two-way Keccak if `two_way`, else one
/// after the other. What the row and the column samplers below share. A macro, not a function: a
/// function with one call site each for `sample1` and `sample2` gets both inlined into its frame,
/// both Keccak states at once (aarch64 key generation: 4,084 B of stack instead of 3,652 B), and
/// out of line it is one more frame; expanded in place, the samplers compile as before.
macro_rules! sample_pair {
    ($rho:expr, $x:expr, $y0:expr, $two_way:expr, $a:expr) => {{
        let (x, y0): (u8, u8) = ($x, $y0);
        if $two_way {
            sample2($rho, [[x, y0], [x, y0 + 1]], $a);
        } else {
            for (h, a) in $a.iter_mut().enumerate() {
                sample1($rho, x, y0 + h as u8, a);
            }
        }
    }};
}

/// acc += sum_j SampleNTT(XOF(rho, x, j)) o b_j, two matrix entries at a time on the two-way
/// Keccak if `two_way` ([`two_way_keccak`]), else one at a time; the same values as [`super::sample::sample_ntt_acc`] over j.
#[target_feature(enable = "neon")]
pub(crate) fn sample_ntt_row_acc(
    acc: &mut Poly,
    rho: &[u8; 32],
    x: u8,
    b: &[[u8; POLY_BYTES]],
    two_way: bool,
) {
    let mut a = [[0i16; N + SLACK]; 2];
    for (j0, pair) in b.chunks(2).enumerate() {
        sample_pair!(rho, x, 2 * j0 as u8, two_way, &mut a);
        for (a, b) in a.iter().zip(pair) {
            if let Some((a, _)) = a.split_first_chunk::<N>() {
                basemul_acc_packed(acc, a, b);
            }
        }
    }
}

/// For each i: t_i = (j == 0 ? 0 : t_i) + SampleNTT(XOF(rho, j, i)) o s, with t_i packed and
/// `acc` as workspace (key generation's column j of A times s_j); two entries at a time on the
/// two-way Keccak if `two_way`. The same values as [`super::kpke`]'s `sample_ntt_col_acc`.
#[target_feature(enable = "neon")]
pub(crate) fn sample_ntt_col_acc(
    t: &mut [[u8; POLY_BYTES]],
    rho: &[u8; 32],
    j: u8,
    s: &Poly,
    acc: &mut Poly,
    two_way: bool,
) {
    let mut a = [[0i16; N + SLACK]; 2];
    for (i0, pair) in t.chunks_mut(2).enumerate() {
        sample_pair!(rho, j, 2 * i0 as u8, two_way, &mut a);
        for (a, t_i) in a.iter().zip(pair) {
            if j == 0 {
                acc.fill(0);
            } else {
                super::encode::poly_from_bytes(t_i, acc);
            }
            if let Some((a, _)) = a.split_first_chunk::<N>() {
                poly_basemul_acc(acc, a, s);
            }
            super::encode::poly_to_bytes(acc, t_i);
        }
    }
}

/// SampleNTT(XOF(rho, xy\[h\])) for h = 0, 1 (FIPS 203 Algorithm 7) on the two-way Keccak, each
/// in the first N entries of its buffer in `a`.
#[target_feature(enable = "neon")]
fn sample2(rho: &[u8; 32], xy: [[u8; 2]; 2], a: &mut [[i16; N + SLACK]; 2]) {
    let mut k = [0usize; 2];
    let mut xof = Xof2::new(rho, xy);
    let mut block = [0u8; RATE_128];
    loop {
        let [a0, a1] = &mut *a;
        let [k0, k1] = &mut k;
        xof.block::<0>(&mut block);
        accept(&block, a0, k0);
        xof.block::<1>(&mut block);
        accept(&block, a1, k1);
        if *k0 >= N && *k1 >= N {
            return;
        }
        xof.next();
    }
}

#[cfg(test)]
mod tests {
    use super::super::arith;
    use super::super::kpke::{inv_ntt, ntt, poly_basemul_acc, to_mont};
    use super::super::params::{Poly, N, Q};

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
        // A packed operand (canonical values below q once decoded), on either side.
        for seed in 0..50u64 {
            use super::super::encode::{poly_from_bytes, poly_to_bytes};
            let (f, g) = (
                poly(seed + 10_000, 1 << 12),
                poly(seed + 11_000, i32::from(Q)),
            );
            let mut packed = [0u8; super::super::params::POLY_BYTES];
            poly_to_bytes(&g, &mut packed);
            let mut g = [0i16; N];
            poly_from_bytes(&packed, &mut g);
            let c = poly(seed + 12_000, 3 * i32::from(Q));
            let (mut x, mut y, mut z) = (c, c, c);
            arith::poly_basemul_acc_portable(&mut x, &f, &g);
            arith::poly_basemul_acc_portable(&mut z, &g, &f);
            crate::simd::neon::mlkem_basemul_acc_packed(&mut y, &f, &packed);
            assert_eq!(x, y, "packed basemul, seed {seed}");
            assert_eq!(z, y, "packed basemul swapped, seed {seed}");
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

    /// A row of the matrix product agrees with the fused portable code entry by entry, one
    /// entry at a time (the unfused sampling, `b` packed) and two at a time (which checks the
    /// two-way permutation and its padding too: any slip there gives another matrix).
    #[test]
    fn rows_agree_with_portable() {
        use super::super::encode::poly_to_bytes;
        use super::super::params::{K, POLY_BYTES};
        use super::super::sample::sample_ntt_acc as sample_ntt_acc_fused;
        for seed in 0..24u64 {
            let mut rho = [0u8; 32];
            for (i, r) in rho.iter_mut().enumerate() {
                *r = (seed as u8)
                    .wrapping_mul(97)
                    .wrapping_add((i as u8).wrapping_mul(13));
            }
            let mut b = [[0u8; POLY_BYTES]; K];
            for (j, b_j) in b.iter_mut().enumerate() {
                poly_to_bytes(&poly(seed * 8 + j as u64, i32::from(Q)), b_j);
            }
            let x = (seed % 4) as u8;
            let c = poly(seed + 7000, i32::from(Q));
            let mut want = c;
            for (j, b_j) in b.iter().enumerate() {
                sample_ntt_acc_fused(&mut want, &rho, x, j as u8, b_j);
            }
            for two_way in [false, true] {
                let mut got = c;
                crate::simd::neon::mlkem_sample_ntt_row_acc(&mut got, &rho, x, &b, two_way);
                assert_eq!(want, got, "seed {seed}, two-way {two_way}");
            }
        }
    }

    /// Key generation's column update agrees with the fused portable loop, both ways (`b`
    /// unpacked).
    #[test]
    fn columns_agree_with_portable() {
        use super::super::encode::{poly_from_bytes, poly_to_bytes};
        use super::super::params::{K, POLY_BYTES};
        use super::super::sample::sample_ntt_acc as sample_ntt_acc_fused;
        for seed in 0..12u64 {
            let mut rho = [0u8; 32];
            for (i, r) in rho.iter_mut().enumerate() {
                *r = (seed as u8)
                    .wrapping_mul(59)
                    .wrapping_add((i as u8).wrapping_mul(3));
            }
            let s = poly(seed + 8000, i32::from(Q));
            let mut t0 = [[0u8; POLY_BYTES]; K];
            for (i, t_i) in t0.iter_mut().enumerate() {
                poly_to_bytes(&poly(seed * 8 + i as u64 + 9000, i32::from(Q)), t_i);
            }
            for j in [0u8, 1, 3] {
                let mut want = t0;
                let mut acc = [0i16; N];
                for (i, t_i) in want.iter_mut().enumerate() {
                    if j == 0 {
                        acc.fill(0);
                    } else {
                        poly_from_bytes(t_i, &mut acc);
                    }
                    sample_ntt_acc_fused(&mut acc, &rho, j, i as u8, &s);
                    poly_to_bytes(&acc, t_i);
                }
                for two_way in [false, true] {
                    let mut got = t0;
                    crate::simd::neon::mlkem_sample_ntt_col_acc(
                        &mut got, &rho, j, &s, &mut acc, two_way,
                    );
                    assert_eq!(want, got, "seed {seed}, j {j}, two-way {two_way}");
                }
            }
        }
    }
}
