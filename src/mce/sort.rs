//! Constant-time sorting of `u64` values (a fixed sorting network, Batcher's merge exchange in
//! the shape of djbsort).
//!
//! The compare-exchange pattern depends only on the length, never on the values, so sorting a
//! secret (the field ordering, the permutation behind the control bits) leaks nothing but its
//! length. A sorted multiset is unique, so this gives exactly the output of the reference code's
//! sorts, whatever network they use.

/// Puts the smaller of `a`, `b` into `a` and the larger into `b`, without a branch.
#[inline(always)]
fn minmax(a: &mut u64, b: &mut u64) {
    let (x, y) = (*a, *b);
    // Borrow of y - x, computed on 128 bits: 1 exactly when y < x.
    let swap = ((u128::from(y).wrapping_sub(u128::from(x)) >> 64) as u64) & 1;
    let t = (x ^ y) & swap.wrapping_neg();
    *a = x ^ t;
    *b = y ^ t;
}

/// Compare-exchanges `x[i]` with `x[i + p]` for every `i < len - p` whose bit `p` is clear.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // base + p < end <= n in the loop
fn exchange_stride(x: &mut [u64], p: usize) {
    let n = x.len();
    let mut base = 0;
    while base + p < n {
        let end = core::cmp::min(base + 2 * p, n);
        let (lo, hi) = x[base..end].split_at_mut(p);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            minmax(a, b);
        }
        base += 2 * p;
    }
}

/// Sorts `x` into ascending order in constant time (for a given length).
#[allow(clippy::indexing_slicing)] // i + r < len: i < len - q and r <= q (see the loop bounds)
pub fn sort_u64(x: &mut [u64]) {
    let n = x.len();
    if n < 2 {
        return;
    }
    let mut top = 1;
    while top < n - top {
        top += top;
    }
    let mut p = top;
    while p > 0 {
        exchange_stride(x, p);
        let mut i = 0;
        let mut q = top;
        while q > p {
            while i < n - q {
                if i & p == 0 {
                    let mut a = x[i + p];
                    let mut r = q;
                    while r > p {
                        minmax(&mut a, &mut x[i + r]);
                        r >>= 1;
                    }
                    x[i + p] = a;
                }
                i += 1;
            }
            q >>= 1;
        }
        p >>= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(len: usize, seed: u64) {
        let mut s = seed;
        let mut v = [0u64; 300];
        let v = &mut v[..len];
        for e in v.iter_mut() {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // A few duplicates and the extremes, besides random values.
            *e = match s >> 60 {
                0 => 0,
                1 => u64::MAX,
                2 => 7,
                _ => s,
            };
        }
        let mut want = [0u64; 300];
        let want = &mut want[..len];
        want.copy_from_slice(v);
        want.sort_unstable();
        sort_u64(v);
        assert_eq!(v, want, "length {len}");
    }

    #[test]
    fn sorts_every_length() {
        for len in 0..300 {
            check(len, len as u64);
        }
    }
}
