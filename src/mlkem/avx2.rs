//! ML-KEM-1024's K-PKE on AVX2 (x86_64): the same bytes as [`super::kpke`], faster.
//!
//! - **Four Keccak streams at once.** The 16 matrix entries and the noise polynomials are each a
//!   SHAKE of a short seed; four of them share a [`State4`], one 64-bit lane of each stream per
//!   256-bit register, so one permutation serves four entries.
//! - **NTT, inverse NTT, base-case products on 16 `i16` lanes**, Montgomery by `mullo`/`mulhi`.
//!   Every lane computes exactly what the portable code computes for that coefficient (the same
//!   representatives, not only the same classes mod q: Barrett rounds the same way, see
//!   [`barrett`]), so the unit tests compare the two coefficient for coefficient.
//! - The matrix is not streamed, as it is in the portable code, but sampled one row (four
//!   entries) at a time. A whole operation then peaks at 9.6 KB (key generation) to 12.5 KB
//!   (decapsulation) of stack on the host (tests/mlkem_stack.rs), inside issue 16's 16 KiB;
//!   x86_64 is not a small-device target.
//! - Compression and the byte encodings are the portable functions, compiled (inlined) here.
//!
//! Every function here has `#[target_feature(enable = "avx2")]` and no `unsafe`: the intrinsics
//! are safe inside such a function, the few raw loads and stores are the helpers of
//! [`crate::simd::lanes`], and [`crate::simd`] calls the entry points only on a CPU with AVX2.
//! Nothing here imports [`super::kpke`], which calls [`crate::simd`]: that keeps the module
//! graph acyclic (src/simd.rs).

use core::arch::x86_64::{
    __m256i, _mm256_add_epi16, _mm256_and_si256, _mm256_andnot_si256, _mm256_blend_epi16,
    _mm256_castsi256_si128, _mm256_cmpgt_epi16, _mm256_extracti128_si256, _mm256_madd_epi16,
    _mm256_movemask_epi8, _mm256_mulhi_epi16, _mm256_mullo_epi16, _mm256_or_si256,
    _mm256_packs_epi16, _mm256_permute2x128_si256, _mm256_permute4x64_epi64, _mm256_set1_epi16,
    _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_set_epi64x, _mm256_setzero_si256,
    _mm256_shuffle_epi32, _mm256_shuffle_epi8, _mm256_shufflehi_epi16, _mm256_shufflelo_epi16,
    _mm256_slli_epi32, _mm256_sllv_epi64, _mm256_srai_epi16, _mm256_srai_epi32, _mm256_srli_epi16,
    _mm256_srlv_epi64, _mm256_sub_epi16, _mm256_sub_epi32, _mm256_unpackhi_epi64,
    _mm256_unpacklo_epi64, _mm256_xor_si256, _mm_shuffle_epi8,
};

use zeroize::{Zeroize, Zeroizing};

use super::arith::ZETAS;
use super::encode::{
    add_message, compress_u, compress_v, decompress_u, decompress_v, message, poly_from_bytes,
    poly_to_bytes,
};
use super::hash::expand_d;
use super::keccak::{PI_SOURCE, RHO, ROUND_CONSTANTS_64};
use super::params::{Poly, CT_LEN, EK_LEN, K, N, POLY_BYTES, Q, U_POLY_BYTES, VEC_BYTES};
use super::sample::{add_noise, cbd2_8};
use super::sink::Sink;
use crate::simd::lanes::avx2::{
    load_i16x16, load_u8x16, load_u8x32, store_i16x16, store_i16x8, store_u64x4,
};

// ---------------------------------------------------------------------------------------------
// Four Keccak-f[1600] states at once.

/// Four Keccak states: lane `i` of stream `k` is 64-bit element `k` of register `i`.
type State4 = [__m256i; 25];

#[target_feature(enable = "avx2")]
#[inline]
fn xor(a: __m256i, b: __m256i) -> __m256i {
    _mm256_xor_si256(a, b)
}

/// Each 64-bit element rotated left by `r` (0 <= r < 64; a shift by 64 gives 0, so r = 0 works).
/// `r` is a constant wherever this is used, and the compiler turns the variable shifts into
/// immediate ones.
#[target_feature(enable = "avx2")]
#[inline]
fn rotl(x: __m256i, r: u32) -> __m256i {
    let left = _mm256_sllv_epi64(x, _mm256_set1_epi64x(i64::from(r)));
    let right = _mm256_srlv_epi64(x, _mm256_set1_epi64x(i64::from(64 - r)));
    _mm256_or_si256(left, right)
}

/// `[f::<0>(args), .., f::<24>(args)]`: one call per lane, each with its index as a constant,
/// so that the permutation below is unrolled with constant indices and rotations.
macro_rules! per_lane {
    ($f:ident ( $($arg:expr),* )) => {
        [
            $f::<0>($($arg),*), $f::<1>($($arg),*), $f::<2>($($arg),*), $f::<3>($($arg),*),
            $f::<4>($($arg),*), $f::<5>($($arg),*), $f::<6>($($arg),*), $f::<7>($($arg),*),
            $f::<8>($($arg),*), $f::<9>($($arg),*), $f::<10>($($arg),*), $f::<11>($($arg),*),
            $f::<12>($($arg),*), $f::<13>($($arg),*), $f::<14>($($arg),*), $f::<15>($($arg),*),
            $f::<16>($($arg),*), $f::<17>($($arg),*), $f::<18>($($arg),*), $f::<19>($($arg),*),
            $f::<20>($($arg),*), $f::<21>($($arg),*), $f::<22>($($arg),*), $f::<23>($($arg),*),
            $f::<24>($($arg),*),
        ]
    };
}

/// For chi's output lane `i` = x + 5 y: the lanes x + 1 and x + 2 of its row.
const fn chi_sources(i: usize) -> (usize, usize) {
    let (x, y) = (i % 5, i / 5);
    ((x + 1) % 5 + 5 * y, (x + 2) % 5 + 5 * y)
}

/// Lane `I` of the four states after theta, rho and pi (theta's `d` given).
#[target_feature(enable = "avx2")]
#[inline]
#[expect(clippy::indexing_slicing, reason = "PI_SOURCE < 25, so src % 5 < 5")]
fn rho_pi<const I: usize>(s: &State4, d: &[__m256i; 5]) -> __m256i {
    let src = PI_SOURCE[I];
    rotl(xor(s[src], d[src % 5]), RHO[src])
}

/// Lane `I` of the four states after chi.
#[target_feature(enable = "avx2")]
#[inline]
#[expect(clippy::indexing_slicing, reason = "indices below 25")]
fn chi<const I: usize>(b: &State4) -> __m256i {
    let (b1, b2) = chi_sources(I);
    xor(b[I], _mm256_andnot_si256(b[b1], b[b2]))
}

/// Keccak-f[1600] on four states (FIPS 202 section 3.3), by the textbook steps: theta, rho and pi
/// into `b`, chi back into the state, iota.
#[target_feature(enable = "avx2")]
#[expect(clippy::indexing_slicing, reason = "every index is below 25 or 5")]
fn f1600x4(s: &mut State4) {
    for &rc in &ROUND_CONSTANTS_64 {
        let c: [__m256i; 5] = core::array::from_fn(|x| {
            xor(
                xor(xor(s[x], s[x + 5]), xor(s[x + 10], s[x + 15])),
                s[x + 20],
            )
        });
        let d: [__m256i; 5] =
            core::array::from_fn(|x| xor(c[(x + 4) % 5], rotl(c[(x + 1) % 5], 1)));
        let b: State4 = per_lane!(rho_pi(s, &d));
        *s = per_lane!(chi(&b));
        s[0] = xor(s[0], _mm256_set1_epi64x(rc as i64));
    }
}

/// The four states after absorbing `seed || suffix_k` into stream k (`suffix` is at most 6 bytes,
/// so the whole input fits the first five lanes) with the SHAKE padding, for a sponge of `rate`
/// bytes: the first block of output.
#[target_feature(enable = "avx2")]
#[expect(clippy::indexing_slicing, reason = "lanes 0..4 and rate / 8 - 1 < 25")]
fn shake4(seed: &[u8; 32], suffix: [u64; 4], suffix_len: u32, rate: usize) -> State4 {
    let mut s = [_mm256_setzero_si256(); 25];
    for (lane, word) in s.iter_mut().zip(seed.as_chunks::<8>().0) {
        *lane = _mm256_set1_epi64x(u64::from_le_bytes(*word) as i64);
    }
    // SHAKE's domain bits and first padding bit right after the suffix, the last padding bit at
    // the end of the rate.
    let lane4 = suffix.map(|w| (w | (0x1F << (8 * suffix_len))) as i64);
    s[4] = _mm256_set_epi64x(lane4[3], lane4[2], lane4[1], lane4[0]);
    s[rate / 8 - 1] = _mm256_set1_epi64x((0x80u64 << 56) as i64);
    f1600x4(&mut s);
    s
}

/// Writes the first `B / 8` lanes of each stream's current block into `out[k]`, little-endian.
#[target_feature(enable = "avx2")]
fn squeeze4<const B: usize>(s: &State4, out: [&mut [u8; B]; 4]) {
    let mut out = out.map(|o| o.as_chunks_mut::<8>().0);
    for (i, lane) in s.iter().take(B / 8).enumerate() {
        let mut words = [0u64; 4];
        store_u64x4(&mut words, *lane);
        for (o, w) in out.iter_mut().zip(words) {
            if let Some(dst) = o.get_mut(i) {
                *dst = w.to_le_bytes();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sampling.

/// SHAKE128 rate in bytes.
const XOF_RATE: usize = 168;
/// Bytes per stream buffer: a block, and 8 bytes of slack for the last 32-byte load (of which
/// [`rej_uniform`] uses 24; the slack stays zero).
const XOF_BUF: usize = XOF_RATE + 8;
/// For each 8-bit mask of accepted candidates, the `shuffle_epi8` indices that move those 16-bit
/// lanes to the front, in order (0x80 clears the rest).
#[expect(clippy::indexing_slicing, reason = "mask < 256, j < 8, n < 8")]
const COMPACT: [[u8; 16]; 256] = {
    let mut t = [[0x80u8; 16]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut j, mut n) = (0, 0);
        while j < 8 {
            if mask & (1 << j) != 0 {
                t[mask][2 * n] = 2 * j as u8;
                t[mask][2 * n + 1] = 2 * j as u8 + 1;
                n += 1;
            }
            j += 1;
        }
        mask += 1;
    }
    t
};

/// Appends to `out` (which holds `count` values) the 12-bit candidates of `bytes` below q, 16
/// candidates (24 bytes) at a time, until it holds 256; returns the new count. `bytes`
/// is read in 24-byte steps with 8 bytes of slack after the last. Never inlined, so that
/// .ci/ct-known.supp can name it: the matrix is public (from rho), and so are the table index
/// and the count, which depend on its values.
#[inline(never)]
#[target_feature(enable = "avx2")]
fn rej_uniform(out: &mut Poly, mut count: usize, bytes: &[u8]) -> usize {
    // Candidate 2i is bytes 3i, 3i + 1 (low 12 bits), candidate 2i + 1 is bytes 3i + 1, 3i + 2
    // (high 12 bits). The second half of the register reads 8 bytes further on (the permute
    // below), so its candidates 8..15 start at byte 12 = 8 + 4.
    const SPREAD: [u8; 32] = [
        0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11, 4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12,
        13, 14, 14, 15,
    ];
    let spread = load_u8x32(&SPREAD);
    let q = splat(Q);
    let low12 = splat(0x0FFF);
    let mut offset = 0;
    while count < N {
        let Some(chunk) = bytes.get(offset..offset + 32) else {
            break;
        };
        let Ok(chunk) = <&[u8; 32]>::try_from(chunk) else {
            break;
        };
        offset += 24;
        // Bytes 0..16 in the low half, 8..24 in the high half.
        let v = _mm256_permute4x64_epi64::<0b10_01_01_00>(load_u8x32(chunk));
        let v = _mm256_shuffle_epi8(v, spread);
        let d = _mm256_blend_epi16::<0b1010_1010>(
            _mm256_and_si256(v, low12),
            _mm256_srli_epi16::<4>(v),
        );
        let good = _mm256_cmpgt_epi16(q, d);
        let mask = _mm256_movemask_epi8(_mm256_packs_epi16(good, good)) as u32;
        for (half, m) in [
            (_mm256_castsi256_si128(d), mask & 0xFF),
            (_mm256_extracti128_si256::<1>(d), (mask >> 16) & 0xFF),
        ] {
            let Some(table) = COMPACT.get(m as usize) else {
                continue;
            };
            let packed = _mm_shuffle_epi8(half, load_u8x16(table));
            let n = m.count_ones() as usize;
            if let Some(dst) = out.get_mut(count..count + 8) {
                if let Ok(dst) = <&mut [i16; 8]>::try_from(dst) {
                    store_i16x8(dst, packed);
                }
            } else if let Some(dst) = out.get_mut(count..) {
                // The last few places: through a scratch group, so that nothing is written
                // past the polynomial.
                let mut group = [0i16; 8];
                store_i16x8(&mut group, packed);
                for (d, g) in dst.iter_mut().zip(group) {
                    *d = g;
                }
            }
            count = (count + n).min(N);
        }
    }
    count
}

/// `a[k]` = SampleNTT(rho || xy[k]) (FIPS 203 Algorithm 7) for four entries of the matrix at once,
/// one block of each stream at a time (an entry needs 3 or 4 blocks). Never inlined, so that
/// .ci/ct-known.supp can name it (its loop count depends on rho alone).
#[inline(never)]
#[target_feature(enable = "avx2")]
fn sample4(a: &mut [Poly; 4], rho: &[u8; 32], xy: [[u8; 2]; 4]) {
    let suffix = xy.map(|[x, y]| u64::from(x) | (u64::from(y) << 8));
    let mut s = shake4(rho, suffix, 2, XOF_RATE);
    let mut buf = [[0u8; XOF_BUF]; 4];
    let mut counts = [0usize; 4];
    loop {
        let [b0, b1, b2, b3] = buf.each_mut().map(|b| b.first_chunk_mut::<XOF_RATE>());
        if let (Some(b0), Some(b1), Some(b2), Some(b3)) = (b0, b1, b2, b3) {
            squeeze4(&s, [b0, b1, b2, b3]);
        }
        for ((out, count), bytes) in a.iter_mut().zip(&mut counts).zip(&buf) {
            *count = rej_uniform(out, *count, bytes);
        }
        // Public: how many blocks an entry needs depends on rho only.
        if counts.iter().all(|&c| c >= N) {
            break;
        }
        f1600x4(&mut s);
    }
}

/// SHAKE256 rate in bytes (PRF).
const PRF_RATE: usize = 136;

/// `p[k]` = SamplePolyCBD_2(PRF_2(seed, nonces[k])) for four polynomials at once.
#[target_feature(enable = "avx2")]
fn noise4(p: &mut [Poly; 4], seed: &[u8; 32], nonces: [u8; 4]) {
    let mut s = shake4(seed, nonces.map(u64::from), 1, PRF_RATE);
    let mut bytes = Zeroizing::new([[0u8; 128]; 4]);
    {
        let [b0, b1, b2, b3] = &mut *bytes;
        squeeze4(&s, [b0, b1, b2, b3]);
    }
    s.zeroize();
    for (p, bytes) in p.iter_mut().zip(bytes.iter()) {
        for (out, word) in p
            .as_chunks_mut::<8>()
            .0
            .iter_mut()
            .zip(bytes.as_chunks::<4>().0)
        {
            *out = cbd2_8(*word);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic on 16 lanes.

/// q^-1 mod 2^16, R^2 mod q and R^2 / 128 mod q, as in [`super::arith`].
const QINV: i16 = -3327;
const R2: i16 = 1353;
const INV_SCALE: i16 = 1441;

#[target_feature(enable = "avx2")]
#[inline]
fn splat(x: i16) -> __m256i {
    _mm256_set1_epi16(x)
}

/// a * b * R^-1 mod q in each lane, with `b_qinv` = b * q^-1 mod 2^16: the high half of a * b less
/// the high half of t * q, where t = a * b * q^-1 mod 2^16 makes the low halves equal; exactly
/// the portable `fqmul`.
#[target_feature(enable = "avx2")]
#[inline]
fn fqmul(a: __m256i, b: __m256i, b_qinv: __m256i) -> __m256i {
    let t = _mm256_mullo_epi16(a, b_qinv);
    _mm256_sub_epi16(_mm256_mulhi_epi16(a, b), _mm256_mulhi_epi16(t, splat(Q)))
}

/// The portable `barrett_reduce` in each lane: t = floor((V a + 2^25) / 2^26) is
/// floor((floor(V a / 2^16) + 2^9) / 2^10), a high-half multiply, an add and a shift.
#[target_feature(enable = "avx2")]
#[inline]
fn barrett(a: __m256i) -> __m256i {
    const V: i16 = (((1 << 26) + Q as i32 / 2) / Q as i32) as i16;
    let t = _mm256_srai_epi16::<10>(_mm256_add_epi16(
        _mm256_mulhi_epi16(a, splat(V)),
        splat(512),
    ));
    _mm256_sub_epi16(a, _mm256_mullo_epi16(t, splat(Q)))
}

/// The zetas of one of the NTT layers inside register pairs (len 8, 4 or 2), one per lane of the
/// "low" register of each butterfly, for each of the 8 register pairs; and the same times q^-1
/// mod 2^16.
struct Twiddles {
    z: [[i16; 16]; 8],
    zq: [[i16; 16]; 8],
}

#[expect(
    clippy::indexing_slicing,
    reason = "pair < 8, lane < 16, g < 4, k < 128"
)]
const fn twiddles(layer_len: usize, inverse: bool) -> Twiddles {
    let mut z = [[0i16; 16]; 8];
    let mut zq = [[0i16; 16]; 8];
    let mut pair = 0;
    while pair < 8 {
        let mut lane = 0;
        while lane < 16 {
            // Which butterfly block (of 2 len coefficients) lane `lane` of the low register of
            // pair `pair` belongs to, by the shuffles of `split` below.
            let block = match layer_len {
                // Registers 2 pair and 2 pair + 1: their low 128 bits, then their high ones.
                8 => 2 * pair + lane / 8,
                // Each 128-bit half holds four coefficients of register 2 pair, then four of
                // 2 pair + 1; blocks are 8 coefficients.
                4 => 4 * pair + 2 * ((lane % 8) / 4) + lane / 8,
                // Each 128-bit half h holds pairs from blocks 2h, 2h + 1 of register 2 pair and
                // the same of 2 pair + 1; blocks are 4 coefficients.
                _ => {
                    let g = (lane % 8) / 2;
                    8 * pair + [0, 1, 4, 5][g] + 2 * (lane / 8)
                }
            };
            let blocks = 128 / layer_len;
            let k = if inverse {
                2 * blocks - 1 - block
            } else {
                blocks + block
            };
            z[pair][lane] = ZETAS[k];
            zq[pair][lane] = ZETAS[k].wrapping_mul(QINV);
            lane += 1;
        }
        pair += 1;
    }
    Twiddles { z, zq }
}

const FWD: [Twiddles; 3] = [twiddles(8, false), twiddles(4, false), twiddles(2, false)];
const INV: [Twiddles; 3] = [twiddles(8, true), twiddles(4, true), twiddles(2, true)];

/// A polynomial in 16 registers.
#[target_feature(enable = "avx2")]
fn load(p: &Poly) -> [__m256i; 16] {
    let chunks = p.as_chunks::<16>().0;
    core::array::from_fn(|i| {
        chunks
            .get(i)
            .map_or(_mm256_setzero_si256(), |c| load_i16x16(c))
    })
}

#[target_feature(enable = "avx2")]
fn store(p: &mut Poly, r: &[__m256i; 16]) {
    for (chunk, v) in p.as_chunks_mut::<16>().0.iter_mut().zip(r) {
        store_i16x16(chunk, *v);
    }
}

/// Gathers the two halves of each butterfly of layer `len` (8, 4 or 2) of registers a and b into
/// a "low" and a "high" register; the same call on (low, high) puts them back (each shuffle is
/// its own inverse in this pairing).
#[target_feature(enable = "avx2")]
#[inline]
fn split(len: usize, a: __m256i, b: __m256i) -> (__m256i, __m256i) {
    match len {
        8 => (
            _mm256_permute2x128_si256::<0x20>(a, b),
            _mm256_permute2x128_si256::<0x31>(a, b),
        ),
        4 => (_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b)),
        _ => {
            // Dwords 0, 2, 1, 3 of each half, then 64-bit interleave.
            let a = _mm256_shuffle_epi32::<0b11_01_10_00>(a);
            let b = _mm256_shuffle_epi32::<0b11_01_10_00>(b);
            (_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b))
        }
    }
}

#[target_feature(enable = "avx2")]
#[inline]
fn join(len: usize, lo: __m256i, hi: __m256i) -> (__m256i, __m256i) {
    match len {
        8 => split(8, lo, hi),
        4 => split(4, lo, hi),
        _ => {
            let a = _mm256_unpacklo_epi64(lo, hi);
            let b = _mm256_unpackhi_epi64(lo, hi);
            (
                _mm256_shuffle_epi32::<0b11_01_10_00>(a),
                _mm256_shuffle_epi32::<0b11_01_10_00>(b),
            )
        }
    }
}

/// Forward butterfly: (a + zeta b, a - zeta b), as the portable NTT.
#[target_feature(enable = "avx2")]
#[inline]
fn ct(a: __m256i, b: __m256i, z: __m256i, zq: __m256i) -> (__m256i, __m256i) {
    let t = fqmul(b, z, zq);
    (_mm256_add_epi16(a, t), _mm256_sub_epi16(a, t))
}

/// Inverse butterfly: (Barrett(a + b), zeta (b - a)), as the portable inverse NTT.
#[target_feature(enable = "avx2")]
#[inline]
fn gs(a: __m256i, b: __m256i, z: __m256i, zq: __m256i) -> (__m256i, __m256i) {
    (
        barrett(_mm256_add_epi16(a, b)),
        fqmul(_mm256_sub_epi16(b, a), z, zq),
    )
}

/// Forward NTT, the portable [`super::arith::ntt`] lane for lane.
#[target_feature(enable = "avx2")]
#[expect(
    clippy::indexing_slicing,
    reason = "register indices below 16, k below 16"
)]
pub(crate) fn ntt(p: &mut Poly) {
    let mut r = load(p);
    // Layers len = 128 .. 16: whole registers, `dist` registers apart, one zeta per block.
    let mut k = 1;
    let mut dist = 8;
    while dist >= 1 {
        let mut start = 0;
        while start < 16 {
            let z = ZETAS[k];
            k += 1;
            let (zv, zq) = (splat(z), splat(z.wrapping_mul(QINV)));
            for i in start..start + dist {
                (r[i], r[i + dist]) = ct(r[i], r[i + dist], zv, zq);
            }
            start += 2 * dist;
        }
        dist /= 2;
    }
    // Layers len = 8, 4, 2: inside register pairs.
    for (layer, len) in [8, 4, 2].into_iter().enumerate() {
        let tw = &FWD[layer];
        for pair in 0..8 {
            let (lo, hi) = split(len, r[2 * pair], r[2 * pair + 1]);
            let (z, zq) = (load_i16x16(&tw.z[pair]), load_i16x16(&tw.zq[pair]));
            let (lo, hi) = ct(lo, hi, z, zq);
            (r[2 * pair], r[2 * pair + 1]) = join(len, lo, hi);
        }
    }
    for v in &mut r {
        *v = barrett(*v);
    }
    store(p, &r);
}

/// Inverse NTT, the portable [`super::arith::inv_ntt`] lane for lane.
#[target_feature(enable = "avx2")]
#[expect(
    clippy::indexing_slicing,
    reason = "register indices below 16, k below 128"
)]
pub(crate) fn inv_ntt(p: &mut Poly) {
    let mut r = load(p);
    for v in &mut r {
        *v = barrett(*v);
    }
    for (layer, len) in [2, 4, 8].into_iter().enumerate() {
        let tw = &INV[2 - layer];
        for pair in 0..8 {
            let (lo, hi) = split(len, r[2 * pair], r[2 * pair + 1]);
            let (z, zq) = (load_i16x16(&tw.z[pair]), load_i16x16(&tw.zq[pair]));
            let (lo, hi) = gs(lo, hi, z, zq);
            (r[2 * pair], r[2 * pair + 1]) = join(len, lo, hi);
        }
    }
    // Layers len = 16 .. 128: blocks of 2 dist registers, zetas counting down from 15.
    let mut k = 15;
    let mut dist = 1;
    while dist <= 8 {
        let mut start = 0;
        while start < 16 {
            let z = ZETAS[k];
            k -= 1;
            let (zv, zq) = (splat(z), splat(z.wrapping_mul(QINV)));
            for i in start..start + dist {
                (r[i], r[i + dist]) = gs(r[i], r[i + dist], zv, zq);
            }
            start += 2 * dist;
        }
        dist *= 2;
    }
    let (s, sq) = (splat(INV_SCALE), splat(INV_SCALE.wrapping_mul(QINV)));
    for v in &mut r {
        *v = fqmul(*v, s, sq);
    }
    store(p, &r);
}

/// Multiplies every coefficient by R, as the portable `to_mont`.
#[target_feature(enable = "avx2")]
fn to_mont(p: &mut Poly) {
    let mut r = load(p);
    let (s, sq) = (splat(R2), splat(R2.wrapping_mul(QINV)));
    for v in &mut r {
        *v = fqmul(*v, s, sq);
    }
    store(p, &r);
}

/// The base-case twiddles, in the odd lanes (coefficient 2 k + 1's place) of each pair k.
#[expect(clippy::indexing_slicing, reason = "k < 128")]
const PAIR_ZETAS: [[i16; 16]; 16] = {
    let mut t = [[0i16; 16]; 16];
    let mut k = 0;
    while k < 128 {
        let z = ZETAS[64 + k / 2];
        t[k / 8][2 * (k % 8) + 1] = if k % 2 == 0 { z } else { -z };
        k += 1;
    }
    t
};

/// Montgomery reduction of the 32-bit lanes of `x` (|x| < q 2^15), each result sign-extended in
/// its 32-bit lane: exactly the portable `montgomery_reduce`.
#[target_feature(enable = "avx2")]
#[inline]
fn reduce32(x: __m256i) -> __m256i {
    // t = low 16 bits of x times q^-1, sign-extended; t q has the same low 16 bits as x.
    let t = _mm256_mullo_epi16(x, _mm256_set1_epi32(i32::from(QINV) & 0xFFFF));
    let t = _mm256_srai_epi32::<16>(_mm256_slli_epi32::<16>(t));
    let tq = _mm256_madd_epi16(t, _mm256_set1_epi32(i32::from(Q)));
    _mm256_srai_epi32::<16>(_mm256_sub_epi32(x, tq))
}

/// acc += a o b, the portable `poly_basemul_acc` lane for lane: per pair, the high product
/// a1 b1 R^-1 in 16 bits, then the two output sums in 32 bits by `madd` and one reduction each.
#[target_feature(enable = "avx2")]
pub(crate) fn basemul_acc(acc: &mut Poly, a: &Poly, b: &Poly) {
    let qinv = splat(QINV);
    let q = splat(Q);
    let (acc, _) = acc.as_chunks_mut::<16>();
    let (a, _) = a.as_chunks::<16>();
    let (b, _) = b.as_chunks::<16>();
    for (((acc, a), b), zetas) in acc.iter_mut().zip(a).zip(b).zip(&PAIR_ZETAS) {
        let (av, bv) = (load_i16x16(a), load_i16x16(b));
        // a1 b1 R^-1 in the odd lanes (the even lanes hold a0 b0 R^-1, unused).
        let lo = _mm256_mullo_epi16(av, bv);
        let high = _mm256_sub_epi16(
            _mm256_mulhi_epi16(av, bv),
            _mm256_mulhi_epi16(_mm256_mullo_epi16(lo, qinv), q),
        );
        // (a0, high) . (b0, zeta) and (a0, a1) . (b1, b0), each in 32 bits.
        let x = _mm256_blend_epi16::<0b1010_1010>(av, high);
        let y = _mm256_blend_epi16::<0b1010_1010>(bv, load_i16x16(zetas));
        let even = reduce32(_mm256_madd_epi16(x, y));
        let swapped =
            _mm256_shufflehi_epi16::<0b10_11_00_01>(_mm256_shufflelo_epi16::<0b10_11_00_01>(bv));
        let odd = reduce32(_mm256_madd_epi16(av, swapped));
        let sum = _mm256_blend_epi16::<0b1010_1010>(
            _mm256_and_si256(even, _mm256_set1_epi32(0xFFFF)),
            _mm256_slli_epi32::<16>(odd),
        );
        store_i16x16(acc, _mm256_add_epi16(load_i16x16(acc), sum));
    }
}

// ---------------------------------------------------------------------------------------------
// K-PKE.

fn add_assign(p: &mut Poly, e: &Poly) {
    for (c, e) in p.iter_mut().zip(e) {
        *c += e;
    }
}

/// K-PKE.Decrypt with s re-derived from sigma, the four polynomials of s in one four-way PRF.
#[target_feature(enable = "avx2")]
pub(crate) fn decrypt_from_sigma(
    ciphertext: &[u8; CT_LEN],
    sigma: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    let mut s = Zeroizing::new([[0i16; N]; K]);
    noise4(&mut s, sigma, [0, 1, 2, 3]);
    for p in s.iter_mut() {
        ntt(p);
    }
    decrypt(ciphertext, &mut |j, p| {
        if let Some(s_j) = s.get(j) {
            *p = *s_j;
        }
    })
}

/// K-PKE.KeyGen, as `kpke::keygen` (same outputs).
#[target_feature(enable = "avx2")]
pub(crate) fn keygen(
    d: &[u8; 32],
    ek: &mut [u8; EK_LEN],
    s_out: Option<&mut [u8; VEC_BYTES]>,
) -> Zeroizing<[u8; 32]> {
    let (sigma, rho) = expand_d(d);
    let (t, rho_out) = ek.split_at_mut(VEC_BYTES);
    rho_out.copy_from_slice(&rho);
    let (t, _) = t.as_chunks_mut::<POLY_BYTES>();
    // e (NTT form) waits in t's bytes, which t_i then overwrites: as in the portable code, the
    // output is the workspace, and 2 KiB less stack.
    let mut s = Zeroizing::new([[0i16; N]; K]);
    noise4(&mut s, &sigma, [4, 5, 6, 7]);
    for (p, t_i) in s.iter_mut().zip(t.iter_mut()) {
        ntt(p);
        poly_to_bytes(p, t_i);
    }
    noise4(&mut s, &sigma, [0, 1, 2, 3]);
    for p in s.iter_mut() {
        ntt(p);
    }
    if let Some(out) = s_out {
        for (chunk, p) in out.as_chunks_mut::<POLY_BYTES>().0.iter_mut().zip(s.iter()) {
            poly_to_bytes(p, chunk);
        }
    }
    let mut a = [[0i16; N]; K];
    let mut acc = Zeroizing::new([0i16; N]);
    let mut e_i = Zeroizing::new([0i16; N]);
    for (i, t_i) in t.iter_mut().enumerate() {
        // Row i: A[i][j] = SampleNTT(rho || j || i).
        sample4(&mut a, &rho, core::array::from_fn(|j| [j as u8, i as u8]));
        acc.fill(0);
        for (a_ij, s_j) in a.iter().zip(s.iter()) {
            basemul_acc(&mut acc, a_ij, s_j);
        }
        to_mont(&mut acc);
        poly_from_bytes(t_i, &mut e_i);
        add_assign(&mut acc, &e_i);
        poly_to_bytes(&acc, t_i);
    }
    sigma
}

/// K-PKE.Encrypt, as `kpke::encrypt` (same ciphertext to `sink`); reads `ek` without changing it.
#[target_feature(enable = "avx2")]
pub(crate) fn encrypt<S: Sink + ?Sized>(
    ek: &[u8; EK_LEN],
    m: &[u8; 32],
    coins: &[u8; 32],
    sink: &mut S,
) {
    let (t, rho_bytes) = ek.split_at(VEC_BYTES);
    let mut rho = [0u8; 32];
    rho.copy_from_slice(rho_bytes);
    let mut r = Zeroizing::new([[0i16; N]; K]);
    let mut e = Zeroizing::new([[0i16; N]; K]);
    noise4(&mut r, coins, [0, 1, 2, 3]);
    // e1 (nonces 4..7); e2 (nonce 8) below.
    noise4(&mut e, coins, [4, 5, 6, 7]);
    for p in r.iter_mut() {
        ntt(p);
    }

    // v = NTT^-1(t^T o r) + e2 + Decompress_1(m).
    let mut v = Zeroizing::new([0i16; N]);
    let mut t_j = [0i16; N];
    for (bytes, r_j) in t.as_chunks::<POLY_BYTES>().0.iter().zip(r.iter()) {
        poly_from_bytes(bytes, &mut t_j);
        basemul_acc(&mut v, &t_j, r_j);
    }
    inv_ntt(&mut v);
    // e2 through the portable single PRF: one scalar permutation costs about what a four-way
    // one does, and needs no four-polynomial buffer.
    add_noise(&mut v, coins, 2 * K as u8);
    add_message(&mut v, m);
    compress_v(&v, |offset, bytes| {
        sink.put(K * U_POLY_BYTES + offset, bytes)
    });

    // u_i = NTT^-1(sum_j A[j][i] o r_j) + e1_i, A[j][i] = SampleNTT(rho || i || j).
    let mut a = [[0i16; N]; K];
    let mut acc = Zeroizing::new([0i16; N]);
    for (i, e1_i) in e.iter().enumerate() {
        sample4(&mut a, &rho, core::array::from_fn(|j| [i as u8, j as u8]));
        acc.fill(0);
        for (a_ji, r_j) in a.iter().zip(r.iter()) {
            basemul_acc(&mut acc, a_ji, r_j);
        }
        inv_ntt(&mut acc);
        add_assign(&mut acc, e1_i);
        compress_u(&acc, |offset, bytes| {
            sink.put(i * U_POLY_BYTES + offset, bytes)
        });
    }
}

/// K-PKE.Decrypt, as `kpke::decrypt`: `s_hat(j, p)` writes s_j (NTT form) into `p`.
#[target_feature(enable = "avx2")]
pub(crate) fn decrypt(
    ciphertext: &[u8; CT_LEN],
    s_hat: &mut dyn FnMut(usize, &mut Poly),
) -> Zeroizing<[u8; 32]> {
    let (u_bytes, v_bytes) = ciphertext.split_at(K * U_POLY_BYTES);
    let mut acc = Zeroizing::new([0i16; N]);
    let mut u = Zeroizing::new([0i16; N]);
    let mut s = Zeroizing::new([0i16; N]);
    for (j, u_j) in u_bytes.as_chunks::<U_POLY_BYTES>().0.iter().enumerate() {
        decompress_u(u_j, &mut u);
        ntt(&mut u);
        s_hat(j, &mut s);
        basemul_acc(&mut acc, &u, &s);
    }
    inv_ntt(&mut acc);
    if let Ok(v_bytes) = v_bytes.try_into() {
        decompress_v(v_bytes, &mut u);
    }
    for (c, a) in u.iter_mut().zip(acc.iter()) {
        *c -= a;
    }
    Zeroizing::new(message(&u))
}

#[cfg(test)]
mod tests {
    //! The AVX2 functions against the portable ones, on this CPU if it has AVX2 (the CPU that runs
    //! the rest of the tests then runs the AVX2 path through `crate::simd`; this runs both).
    #![allow(clippy::indexing_slicing)]

    use super::super::{arith, kpke, sample, sink};
    use super::*;

    fn has_avx2() -> bool {
        std::is_x86_feature_detected!("avx2")
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
            self.0 ^ (self.0 >> 29)
        }
        fn bytes<const L: usize>(&mut self) -> [u8; L] {
            core::array::from_fn(|_| self.next() as u8)
        }
        fn poly(&mut self, bound: i16) -> Poly {
            core::array::from_fn(|_| (self.next() % (2 * bound as u64 + 1)) as i16 - bound)
        }
    }

    #[test]
    fn arithmetic_matches_portable_lane_for_lane() {
        if !has_avx2() {
            return;
        }
        let mut rng = Rng(1);
        for _ in 0..200 {
            // Inputs as large as any caller's: below q in magnitude for the NTT, 4q for the
            // accumulated products the inverse NTT takes, 2^12 for the base-case factors.
            let p = rng.poly(Q - 1);
            let (mut ours, mut theirs) = (p, p);
            crate::simd::mlkem_test_ntt(&mut ours);
            arith::ntt_portable(&mut theirs);
            assert_eq!(ours, theirs, "ntt");

            let p = rng.poly(4 * Q);
            let (mut ours, mut theirs) = (p, p);
            crate::simd::mlkem_test_inv_ntt(&mut ours);
            arith::inv_ntt_portable(&mut theirs);
            assert_eq!(ours, theirs, "inv_ntt");

            let (a, b, acc) = (rng.poly(4095), rng.poly(4095), rng.poly(3 * Q));
            let (mut ours, mut theirs) = (acc, acc);
            crate::simd::mlkem_test_basemul(&mut ours, &a, &b);
            arith::poly_basemul_acc_portable(&mut theirs, &a, &b);
            assert_eq!(ours, theirs, "basemul");
        }
    }

    #[test]
    fn kpke_matches_portable() {
        if !has_avx2() {
            return;
        }
        let mut rng = Rng(2);
        for case in 0..30 {
            let d: [u8; 32] = rng.bytes();
            let (mut ek_a, mut ek_p) = ([0u8; EK_LEN], [0u8; EK_LEN]);
            let (mut s_a, mut s_p) = ([0u8; VEC_BYTES], [0u8; VEC_BYTES]);
            let sigma_a = crate::simd::mlkem_keygen(&d, &mut ek_a, Some(&mut s_a));
            let sigma_p = kpke::keygen_portable(&d, &mut ek_p, Some(&mut s_p));
            assert_eq!(ek_a, ek_p, "case {case}: ek");
            assert_eq!(s_a, s_p, "case {case}: s");
            assert_eq!(*sigma_a.expect("AVX2"), *sigma_p);

            let (m, coins): ([u8; 32], [u8; 32]) = (rng.bytes(), rng.bytes());
            let (mut ct_a, mut ct_p) = ([0u8; CT_LEN], [0u8; CT_LEN]);
            assert!(crate::simd::mlkem_encrypt(
                &ek_a,
                &m,
                &coins,
                &mut sink::Write(&mut ct_a)
            ));
            let mut work = ek_p;
            kpke::encrypt_portable(&mut work, &m, &coins, &mut sink::Write(&mut ct_p));
            assert_eq!(ct_a, ct_p, "case {case}: ciphertext");

            // Decryption of the honest ciphertext and of a tampered one.
            let mut sigma = [0u8; 32];
            sigma.copy_from_slice(&*sigma_p);
            for flip in [None, Some(case * 37 % CT_LEN)] {
                let mut ct = ct_p;
                if let Some(i) = flip {
                    ct[i] ^= 0x10;
                }
                let ours =
                    crate::simd::mlkem_decrypt(&ct, &mut |j, p| kpke::secret_poly(&sigma, j, p))
                        .expect("AVX2");
                let from_sigma = crate::simd::mlkem_decrypt_from_sigma(&ct, &sigma).expect("AVX2");
                assert_eq!(*from_sigma, *ours, "case {case}: decrypt from sigma");
                let theirs = kpke::decrypt_portable(&ct, |j, p| {
                    sample::noise(p, &sigma, j as u8);
                    arith::ntt_portable(p);
                });
                assert_eq!(*ours, *theirs, "case {case}: decrypt");
                if flip.is_none() {
                    assert_eq!(*ours, m, "case {case}: round trip");
                }
            }
        }
    }
}
