//! The AVX2 twin of `sort_u32` for lengths of 64 and more: the same bitonic network, on tiles of
//! 64 keys held in eight 256-bit registers.
//!
//! Why not the portable source compiled for AVX2, as elsewhere: the compiler vectorises the long
//! runs of the network well, but the stages of distance 1, 2 and 4 (inside a block of 8 keys)
//! came out as scalar inserts and extracts, and the exchanges as the 11-operation mask of
//! `less_mask` where AVX2 has `vpminud`/`vpmaxud`. Here a tile is transposed (8 x 8 keys) so that
//! those short distances become whole registers apart too; then every stage is one `min` and one
//! `max` per pair of registers, with no data-dependent branch or address (the network is fixed;
//! only the public length and positions pick the code).
//!
//! Layout of a tile `v[0..8]` (keys `64 t .. 64 t + 64`): in the natural layout, key `8 i + c` is
//! lane c of `v[i]`, so distances 8, 16 and 32 pair registers `i` and `i ^ 1, 2, 4`; transposed,
//! key `8 i + c` is lane i of `v[c]` and distances 1, 2 and 4 pair registers `c` and `c ^ 1, 2,
//! 4`. A merge of size k sorts its runs of k keys up where bit k of the position is clear and
//! down where it is set; down runs are merged as the complements of up runs (`!` reverses the
//! order), so each merge XORs a public mask in before its stages and out after them.

use core::arch::x86_64::{
    __m256i, _mm256_max_epu32, _mm256_min_epu32, _mm256_permute2x128_si256, _mm256_set1_epi32,
    _mm256_setr_epi32, _mm256_setzero_si256, _mm256_unpackhi_epi32, _mm256_unpackhi_epi64,
    _mm256_unpacklo_epi32, _mm256_unpacklo_epi64, _mm256_xor_si256,
};

use crate::simd::lanes::avx2::{load_u32x8, store_u32x8};

/// Eight registers: one tile of 64 keys.
type Tile = [__m256i; 8];

/// Sorts `x` into ascending order; `x.len()` must be a power of two of at least 64 (the caller
/// checks), or the keys past the last whole tile are left as they are.
#[target_feature(enable = "avx2")]
pub fn sort_u32(x: &mut [u32]) {
    let n = x.len();
    // Merges of sizes 2 ..= 64: inside each tile, in registers.
    for (t, tile) in x.as_chunks_mut::<64>().0.iter_mut().enumerate() {
        let mut v = load(tile);
        sort_tile(&mut v, t);
        store(tile, &v);
    }
    // Merges of sizes 128 ..= n: the stages of distance 64 and more pair whole tiles (runs of
    // registers in memory), the last six stages run inside each tile.
    let mut k = 128;
    while k <= n {
        let mut j = k / 2;
        while j >= 64 {
            for (r, run) in x.chunks_exact_mut(2 * j).enumerate() {
                // Position r * 2j lies in a down run of the merge when its bit k is set.
                let down = (r * 2 * j) & k != 0;
                let (lo, hi) = run.split_at_mut(j);
                exchange_runs(lo, hi, down);
            }
            j /= 2;
        }
        for (t, tile) in x.as_chunks_mut::<64>().0.iter_mut().enumerate() {
            let flip = all_or_none((64 * t) & k != 0);
            let mut v = load(tile);
            xor_all(&mut v, flip);
            register_stages(&mut v, 4);
            transpose(&mut v);
            register_stages(&mut v, 4);
            transpose(&mut v);
            xor_all(&mut v, flip);
            store(tile, &v);
        }
        k *= 2;
    }
}

/// The merges of sizes 2 ..= 64 on tile `t` (its keys are positions `64 t ..`).
#[target_feature(enable = "avx2")]
fn sort_tile(v: &mut Tile, t: usize) {
    transpose(v);
    // Sizes 2, 4: the direction is set by bit 1 or 2 of c, the register; size 8 by bit 0 of i,
    // the lane.
    let odd_lanes = _mm256_setr_epi32(0, -1, 0, -1, 0, -1, 0, -1);
    for (log_k, flip) in [
        (1, FlipBy::Register(2)),
        (2, FlipBy::Register(4)),
        (3, FlipBy::Lanes(odd_lanes)),
    ] {
        flip.apply(v);
        register_stages(v, 1 << (log_k - 1));
        flip.apply(v);
    }
    // Sizes 16, 32: direction by bit 1 or 2 of i (a lane mask once transposed); size 64 by the
    // tile's own position.
    let flips = [
        _mm256_setr_epi32(0, 0, -1, -1, 0, 0, -1, -1),
        _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1),
        all_or_none(t & 1 != 0),
    ];
    for (d, lanes) in [1usize, 2, 4].into_iter().zip(flips) {
        // In the transposed layout the mask goes by lane; the same keys in the natural layout
        // are whole registers, so the mask is XORed in before transposing back and out after.
        xor_all(v, lanes);
        transpose(v);
        register_stages(v, d);
        transpose(v);
        register_stages(v, 4);
        xor_all(v, lanes);
    }
    transpose(v);
}

/// Which keys a merge of size 2 or 4 (8) reverses in the transposed layout.
#[derive(Clone, Copy)]
enum FlipBy {
    /// The registers c with `c & bit != 0`.
    Register(usize),
    /// These lanes of every register.
    Lanes(__m256i),
}

impl FlipBy {
    #[target_feature(enable = "avx2")]
    fn apply(self, v: &mut Tile) {
        match self {
            FlipBy::Register(bit) => {
                let ones = _mm256_set1_epi32(-1);
                for (c, r) in v.iter_mut().enumerate() {
                    if c & bit != 0 {
                        *r = _mm256_xor_si256(*r, ones);
                    }
                }
            }
            FlipBy::Lanes(mask) => xor_all(v, mask),
        }
    }
}

/// Compare-exchanges registers `i` and `i + d` (for `i & d == 0`), then `d / 2` apart, .. 1,
/// ascending: the stages of distance `8 d .. 8` in the natural layout, of `d .. 1` transposed.
#[target_feature(enable = "avx2")]
#[allow(clippy::indexing_slicing)] // i | d < 8: d is 1, 2 or 4 and i < 8
fn register_stages(v: &mut Tile, mut d: usize) {
    while d >= 1 {
        for i in 0..8 {
            if i & d == 0 {
                let (a, b) = (v[i], v[i | d]);
                v[i] = _mm256_min_epu32(a, b);
                v[i | d] = _mm256_max_epu32(a, b);
            }
        }
        d /= 2;
    }
}

/// Compare-exchanges `lo[i]` with `hi[i]`: the smaller key to `lo` (to `hi` when `down`, a
/// public flag).
#[target_feature(enable = "avx2")]
fn exchange_runs(lo: &mut [u32], hi: &mut [u32], down: bool) {
    let (lo, _) = lo.as_chunks_mut::<8>();
    let (hi, _) = hi.as_chunks_mut::<8>();
    for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
        let (p, q) = (load_u32x8(a), load_u32x8(b));
        let (small, large) = (_mm256_min_epu32(p, q), _mm256_max_epu32(p, q));
        if down {
            store_u32x8(a, large);
            store_u32x8(b, small);
        } else {
            store_u32x8(a, small);
            store_u32x8(b, large);
        }
    }
}

/// Transposes the tile as an 8 x 8 matrix of keys (register i, lane c to register c, lane i):
/// pairs of 32-bit lanes, then of 64-bit lanes interleaved within each 128-bit half, then the
/// halves exchanged.
#[target_feature(enable = "avx2")]
fn transpose(v: &mut Tile) {
    let [r0, r1, r2, r3, r4, r5, r6, r7] = *v;
    let (t0, t1) = (_mm256_unpacklo_epi32(r0, r1), _mm256_unpackhi_epi32(r0, r1));
    let (t2, t3) = (_mm256_unpacklo_epi32(r2, r3), _mm256_unpackhi_epi32(r2, r3));
    let (t4, t5) = (_mm256_unpacklo_epi32(r4, r5), _mm256_unpackhi_epi32(r4, r5));
    let (t6, t7) = (_mm256_unpacklo_epi32(r6, r7), _mm256_unpackhi_epi32(r6, r7));
    // u_c holds column c (rows 0..4) in its low half and column c + 4 in its high half; u_{4+c}
    // the same for rows 4..8.
    let u = [
        _mm256_unpacklo_epi64(t0, t2),
        _mm256_unpackhi_epi64(t0, t2),
        _mm256_unpacklo_epi64(t1, t3),
        _mm256_unpackhi_epi64(t1, t3),
        _mm256_unpacklo_epi64(t4, t6),
        _mm256_unpackhi_epi64(t4, t6),
        _mm256_unpacklo_epi64(t5, t7),
        _mm256_unpackhi_epi64(t5, t7),
    ];
    let [u0, u1, u2, u3, u4, u5, u6, u7] = u;
    *v = [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ];
}

/// All ones when `set` (a public flag), else zero.
#[target_feature(enable = "avx2")]
fn all_or_none(set: bool) -> __m256i {
    if set {
        _mm256_set1_epi32(-1)
    } else {
        _mm256_setzero_si256()
    }
}

#[target_feature(enable = "avx2")]
fn xor_all(v: &mut Tile, mask: __m256i) {
    for r in v.iter_mut() {
        *r = _mm256_xor_si256(*r, mask);
    }
}

#[target_feature(enable = "avx2")]
fn load(tile: &[u32; 64]) -> Tile {
    let (rows, _) = tile.as_chunks::<8>();
    let mut v = [_mm256_setzero_si256(); 8];
    for (r, row) in v.iter_mut().zip(rows) {
        *r = load_u32x8(row);
    }
    v
}

#[target_feature(enable = "avx2")]
fn store(tile: &mut [u32; 64], v: &Tile) {
    let (rows, _) = tile.as_chunks_mut::<8>();
    for (row, r) in rows.iter_mut().zip(v) {
        store_u32x8(row, *r);
    }
}
