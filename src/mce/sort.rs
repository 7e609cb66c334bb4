//! Constant-time sorting of `u32` keys (optionally carrying a `u16` payload): a bitonic sorting
//! network.
//!
//! The compare-exchange pattern depends only on the length, never on the values, so sorting a
//! secret (the field ordering, the permutations behind the control bits) leaks nothing but its
//! length. Each stage compare-exchanges two contiguous runs, which the compiler vectorises.
//! A sorted list of keys is unique, so this gives exactly the reference code's results whatever
//! network it uses (with a payload, ties may come out in another order: the one caller that has
//! a payload rejects ties).
//!
//! Lengths must be powers of two (every caller's are: 4096 and its halvings); other lengths are
//! left unsorted, which the unit tests would catch for any new caller.

/// Mask of all ones when `b < a`, else zero, computed without a comparison: written as `b < a`,
/// the compiler turned the scalar compare-exchanges into conditional jumps (seen in the
/// disassembly). Only 32-bit lane operations, so that it vectorises.
#[inline(always)]
fn less_mask(b: u32, a: u32) -> u32 {
    // The borrow out of b - a, in bit 31: set where a has a 1 over a 0 of b, or where they agree
    // and the difference borrows.
    let borrow = (!b & a) | (!(b ^ a) & b.wrapping_sub(a));
    ((borrow as i32) >> 31) as u32
}

/// Compare-exchange of one pair: the smaller key ends in `a` when `dir` is zero, in `b` when it
/// is all ones. The payload (if any) moves with its key.
#[inline(always)]
fn cx<P: Payload>(a: &mut u32, b: &mut u32, pa: &mut P, pb: &mut P, dir: u32) {
    let (x, y) = (*a, *b);
    let m = less_mask(y, x) ^ dir;
    let t = (x ^ y) & m;
    *a = x ^ t;
    *b = y ^ t;
    P::swap_masked(pa, pb, m);
}

/// What moves along with the keys: nothing (`()`), or a `u16` each.
trait Payload: Sized {
    fn swap_masked(a: &mut Self, b: &mut Self, mask: u32);
}

impl Payload for () {
    #[inline(always)]
    fn swap_masked(_: &mut (), _: &mut (), _: u32) {}
}

impl Payload for u16 {
    #[inline(always)]
    fn swap_masked(a: &mut u16, b: &mut u16, mask: u32) {
        let t = (*a ^ *b) & (mask as u16);
        *a ^= t;
        *b ^= t;
    }
}

/// Direction mask of the block starting at `base` in the merge of size `k` (a power of two):
/// ascending (zero) where bit k of `base` is clear.
#[inline(always)]
fn direction(base: usize, k: usize) -> u32 {
    u32::from(base & k != 0).wrapping_neg()
}

/// The bitonic network on `keys` (a power of two long) and a payload of the same length.
///
/// Stages with a distance j >= 4 compare-exchange two contiguous runs of j elements (the
/// compiler vectorises these). The last two stages of each merge (j = 2 and 1) act inside
/// blocks of 4 elements and are done block by block, both at once, which avoids thousands of
/// tiny runs.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // base + 2j <= n: n is a multiple of 2j; blocks are exact
fn bitonic<P: Payload>(keys: &mut [u32], payload: &mut [P]) {
    let n = keys.len();
    if !n.is_power_of_two() || payload.len() != n || n < 2 {
        return;
    }
    let mut k = 2;
    while k <= n {
        let mut j = k / 2;
        while j >= 4 {
            let mut base = 0;
            while base < n {
                let dir = direction(base, k);
                let (lo, hi) = keys[base..base + 2 * j].split_at_mut(j);
                let (plo, phi) = payload[base..base + 2 * j].split_at_mut(j);
                for (((a, b), pa), pb) in lo
                    .iter_mut()
                    .zip(hi.iter_mut())
                    .zip(plo.iter_mut())
                    .zip(phi.iter_mut())
                {
                    cx(a, b, pa, pb, dir);
                }
                base += 2 * j;
            }
            j /= 2;
        }
        if k == 2 {
            for (i, (key, pay)) in keys
                .chunks_exact_mut(2)
                .zip(payload.chunks_exact_mut(2))
                .enumerate()
            {
                let dir = direction(2 * i, k);
                let (ka, kb) = key.split_at_mut(1);
                let (pa, pb) = pay.split_at_mut(1);
                cx(&mut ka[0], &mut kb[0], &mut pa[0], &mut pb[0], dir);
            }
        } else {
            for (i, (key, pay)) in keys
                .chunks_exact_mut(4)
                .zip(payload.chunks_exact_mut(4))
                .enumerate()
            {
                let dir = direction(4 * i, k);
                let [k0, k1, k2, k3] = key else { continue };
                let [p0, p1, p2, p3] = pay else { continue };
                cx(k0, k2, p0, p2, dir);
                cx(k1, k3, p1, p3, dir);
                cx(k0, k1, p0, p1, dir);
                cx(k2, k3, p2, p3, dir);
            }
        }
        k *= 2;
    }
}

/// Sorts `x` (length a power of two) into ascending order in constant time.
///
/// A bitonic network like `bitonic`, without a payload and written for speed: it is the inner
/// loop of the control bits (about 18 million compare-exchanges per key). Every direction is a
/// compile-time or public flag, so that each compare-exchange is a plain `min`/`max` pair where
/// that is safe (see [`cx_runs`]). Blocks of 8 are first sorted alone (a 19-comparator network: a sorted list of
/// keys is unique, so any network gives the same result); then each merge of size k >= 16 runs
/// its stages of distance j >= 8 as two contiguous runs, and its last three stages (j = 4, 2, 1)
/// inside blocks of 8.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // base + 2j <= n: n is a multiple of 2j
fn sort_u32_body(x: &mut [u32]) {
    let n = x.len();
    if !n.is_power_of_two() || n < 2 {
        return;
    }
    if n < 16 {
        let mut none = [(); 16];
        bitonic(x, &mut none[..n]);
        return;
    }
    // The merges of sizes 2, 4 and 8: blocks of 8 sorted ascending and descending in turn.
    let (pairs, _) = x.as_chunks_mut::<16>();
    for pair in pairs.iter_mut() {
        let (up, down) = pair.split_at_mut(8);
        if let (Ok(up), Ok(down)) = (
            <&mut [u32; 8]>::try_from(up),
            <&mut [u32; 8]>::try_from(down),
        ) {
            sort8::<false>(up);
            sort8::<true>(down);
        }
    }
    let mut k = 16;
    while k <= n {
        let mut j = k / 2;
        while j >= 8 {
            let mut base = 0;
            while base < n {
                let (lo, hi) = x[base..base + 2 * j].split_at_mut(j);
                cx_runs(lo, hi, base & k != 0);
                base += 2 * j;
            }
            j /= 2;
        }
        merge_tails(x, k);
        k *= 2;
    }
}

/// Compare-exchange of one pair in a compile-time direction: the smaller key ends in `a`
/// (in `b` when `DOWN`).
#[inline(always)]
fn cxd<const DOWN: bool>(a: &mut u32, b: &mut u32) {
    let (mut lo, mut hi) = ([*a], [*b]);
    cx_runs(&mut lo, &mut hi, DOWN);
    (*a, *b) = (lo[0], hi[0]);
}

/// Sorts 8 keys, ascending (descending when `DOWN`), with the 19-comparator network (checked
/// on every 0-1 input by the 0-1 principle, and by the tests on random inputs).
#[inline(always)]
fn sort8<const DOWN: bool>(b: &mut [u32; 8]) {
    let [b0, b1, b2, b3, b4, b5, b6, b7] = b;
    cxd::<DOWN>(b0, b2);
    cxd::<DOWN>(b1, b3);
    cxd::<DOWN>(b4, b6);
    cxd::<DOWN>(b5, b7);
    cxd::<DOWN>(b0, b4);
    cxd::<DOWN>(b1, b5);
    cxd::<DOWN>(b2, b6);
    cxd::<DOWN>(b3, b7);
    cxd::<DOWN>(b0, b1);
    cxd::<DOWN>(b2, b3);
    cxd::<DOWN>(b4, b5);
    cxd::<DOWN>(b6, b7);
    cxd::<DOWN>(b2, b4);
    cxd::<DOWN>(b3, b5);
    cxd::<DOWN>(b1, b4);
    cxd::<DOWN>(b3, b6);
    cxd::<DOWN>(b1, b2);
    cxd::<DOWN>(b3, b4);
    cxd::<DOWN>(b5, b6);
}

/// The last three stages (distances 4, 2 and 1) of the merges of size `k`, on every block of 8.
/// Runs of k elements alternate ascending and descending (the whole array ascends when k == n).
///
/// On aarch64 and x86_64 the compiler vectorises across blocks, so one loop runs over all of
/// them, however short the runs: a descending block is merged as the ascending merge of its
/// complements (`!` reverses the order), its direction a public mask. Elsewhere (scalar code)
/// the loop is written once per direction and run by run, so that the direction is a constant.
#[inline(always)]
fn merge_tails(x: &mut [u32], k: usize) {
    #[cfg(any(target_arch = "aarch64", target_arch = "x86_64"))]
    {
        let (blocks, _) = x.as_chunks_mut::<8>();
        let blocks_per_run = (k / 8).trailing_zeros();
        for (i, block) in blocks.iter_mut().enumerate() {
            let flip = (((i >> blocks_per_run) & 1) as u32).wrapping_neg();
            for v in block.iter_mut() {
                *v ^= flip;
            }
            merge8_tail::<false>(core::slice::from_mut(block));
            for v in block.iter_mut() {
                *v ^= flip;
            }
        }
    }
    #[cfg(not(any(target_arch = "aarch64", target_arch = "x86_64")))]
    for (r, run) in x.chunks_exact_mut(k).enumerate() {
        let (blocks, _) = run.as_chunks_mut::<8>();
        if r % 2 == 0 {
            merge8_tail::<false>(blocks);
        } else {
            merge8_tail::<true>(blocks);
        }
    }
}

/// The last three stages of a bitonic merge (distances 4, 2 and 1) on blocks of 8, in one
/// direction: each stage is one 4-lane compare-exchange of two gathered halves, which the
/// compiler turns into vector shuffles and `min`/`max`.
#[inline(always)]
fn merge8_tail<const DOWN: bool>(blocks: &mut [[u32; 8]]) {
    for block in blocks.iter_mut() {
        let [b0, b1, b2, b3, b4, b5, b6, b7] = *block;
        let (mut lo, mut hi) = ([b0, b1, b2, b3], [b4, b5, b6, b7]);
        cx_runs(&mut lo, &mut hi, DOWN);
        let [b0, b1, b2, b3] = lo;
        let [b4, b5, b6, b7] = hi;
        let (mut lo, mut hi) = ([b0, b1, b4, b5], [b2, b3, b6, b7]);
        cx_runs(&mut lo, &mut hi, DOWN);
        let [b0, b1, b4, b5] = lo;
        let [b2, b3, b6, b7] = hi;
        let (mut lo, mut hi) = ([b0, b2, b4, b6], [b1, b3, b5, b7]);
        cx_runs(&mut lo, &mut hi, DOWN);
        let [b0, b2, b4, b6] = lo;
        let [b1, b3, b5, b7] = hi;
        *block = [b0, b1, b2, b3, b4, b5, b6, b7];
    }
}

/// Compare-exchanges `lo[i]` with `hi[i]` for every `i`: the smaller key goes to `lo`, or to
/// `hi` when `descending` (a public flag: it depends only on the position in the network).
///
/// On aarch64 this is `min`/`max`: vectorised, one NEON instruction each (`umin`/`umax`), and
/// where a scalar copy remains a conditional select (`csel`; the AArch64 backend has no pass
/// that turns selects back into branches). Everywhere else the exchange is computed with
/// [`less_mask`]: x86_64's backend does turn some `cmov`s of a scalar `min` into branches
/// (`.ci/ct-check` found one in a 2026-12-02 build), and armv7, Cortex-M0, RISC-V and s390x may
/// branch on a select.
#[inline(always)]
fn cx_runs(lo: &mut [u32], hi: &mut [u32], descending: bool) {
    #[cfg(target_arch = "aarch64")]
    {
        if descending {
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let (p, q) = (*a, *b);
                *a = p.max(q);
                *b = p.min(q);
            }
        } else {
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let (p, q) = (*a, *b);
                *a = p.min(q);
                *b = p.max(q);
            }
        }
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        let dir = u32::from(descending).wrapping_neg();
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            let (p, q) = (*a, *b);
            let t = (p ^ q) & (less_mask(q, p) ^ dir);
            *a = p ^ t;
            *b = q ^ t;
        }
    }
}

/// The entry point that is the same source on every instruction set (see `src/simd.rs`, which
/// picks one).
macro_rules! entry_points {
    ($(#[$isa:meta])*) => {
        /// Sorts `keys` (length a power of two) into ascending order in constant time,
        /// applying the same moves to `payload` (of the same length).
        $(#[$isa])*
        pub fn sort_u32_with(keys: &mut [u32], payload: &mut [u16]) {
            super::bitonic(keys, payload);
        }
    };
}

/// For every CPU of the target. (Not `twins!`: the AVX2 module adds its own `sort_u32`.)
pub mod portable {
    entry_points!();

    /// Sorts `x` (length a power of two) into ascending order in constant time.
    pub fn sort_u32(x: &mut [u32]) {
        super::sort_u32_body(x);
    }
}

#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
mod tiles;

/// For x86_64 CPUs with AVX2: `sort_u32_with` is the same code compiled with 256-bit vectors;
/// `sort_u32` is written for AVX2 from 64 keys on (src/mce/sort/tiles.rs), the same network.
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
pub mod avx2 {
    entry_points!(#[target_feature(enable = "avx2")]);

    /// Sorts `x` (length a power of two) into ascending order in constant time.
    #[target_feature(enable = "avx2")]
    pub fn sort_u32(x: &mut [u32]) {
        // The length is public: which code runs says nothing about the keys.
        if x.len() >= 64 && x.len().is_power_of_two() {
            super::tiles::sort_u32(x);
        } else {
            super::sort_u32_body(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::portable::{sort_u32, sort_u32_with};

    fn values(len: usize, seed: u64) -> [u32; 4096] {
        let mut s = seed;
        let mut v = [0u32; 4096];
        for e in v[..len].iter_mut() {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // A few duplicates and the extremes, besides random values.
            *e = match s >> 60 {
                0 => 0,
                1 => u32::MAX,
                2 => 7,
                3 => 0x8000_0000,
                _ => (s >> 20) as u32,
            };
        }
        v
    }

    /// `sort` against the standard library's sort on every power-of-two length up to 4096.
    fn check_powers_of_two(sort: fn(&mut [u32]), seeds: u64) {
        for log in 0..13 {
            let len = 1 << log;
            for seed in 0..seeds {
                let mut v = values(len, seed * 100 + log);
                let mut want = v;
                want[..len].sort_unstable();
                sort(&mut v[..len]);
                assert_eq!(v[..len], want[..len], "length {len}");
            }
        }
    }

    #[test]
    fn sorts_powers_of_two() {
        check_powers_of_two(sort_u32, 4);
    }

    /// The dispatched sort: on a CPU with AVX2, the register tiles from 64 keys on.
    #[test]
    fn dispatched_sorts_powers_of_two() {
        check_powers_of_two(crate::simd::sort_u32, 8);
    }

    #[test]
    fn payload_follows_its_key() {
        let len = 256;
        let v = values(len, 99);
        let mut keys = [0u32; 256];
        let mut payload = [0u16; 256];
        for i in 0..len {
            // Distinct keys (index in the low bits) so that the payload order is determined.
            keys[i] = (v[i] & !0xFF) | i as u32;
            payload[i] = i as u16;
        }
        let orig = keys;
        sort_u32_with(&mut keys, &mut payload);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        for i in 0..len {
            assert_eq!(orig[usize::from(payload[i])], keys[i]);
        }
    }
}
