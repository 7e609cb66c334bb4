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

/// Mask of all ones when `b < a`, else zero, computed without a comparison instruction (and on
/// 32-bit lanes only, so that it vectorises).
#[inline(always)]
fn less_mask(b: u32, a: u32) -> u32 {
    // The borrow out of b - a, in bit 31: set where a has a 1 over a 0 of b, or where they agree
    // and the difference borrows.
    let borrow = (!b & a) | (!(b ^ a) & b.wrapping_sub(a));
    ((borrow as i32) >> 31) as u32
}

/// Compare-exchanges `lo[i]` with `hi[i]` for each i: the smaller key ends in `lo` when `up`,
/// in `hi` otherwise.
#[inline(always)]
fn exchange(lo: &mut [u32], hi: &mut [u32], up: bool) {
    let dir = u32::from(!up).wrapping_neg();
    for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
        let (x, y) = (*a, *b);
        let t = (x ^ y) & (less_mask(y, x) ^ dir);
        *a = x ^ t;
        *b = y ^ t;
    }
}

/// As [`exchange`], moving the payload along with its key.
#[inline(always)]
fn exchange_with(lo: &mut [u32], hi: &mut [u32], plo: &mut [u16], phi: &mut [u16], up: bool) {
    let dir = u32::from(!up).wrapping_neg();
    for (((a, b), pa), pb) in lo
        .iter_mut()
        .zip(hi.iter_mut())
        .zip(plo.iter_mut())
        .zip(phi.iter_mut())
    {
        let (x, y) = (*a, *b);
        let m = less_mask(y, x) ^ dir;
        let t = (x ^ y) & m;
        *a = x ^ t;
        *b = y ^ t;
        let pt = (*pa ^ *pb) & (m as u16);
        *pa ^= pt;
        *pb ^= pt;
    }
}

/// Runs the bitonic network on `n` (a power of two) elements, calling `stage(base, j, up)` for
/// each block `[base, base + 2j)` whose halves are compare-exchanged.
#[inline(always)]
fn network(n: usize, mut stage: impl FnMut(usize, usize, bool)) {
    if !n.is_power_of_two() {
        return;
    }
    let mut k = 2;
    while k <= n {
        let mut j = k / 2;
        while j >= 1 {
            let mut base = 0;
            while base < n {
                stage(base, j, base & k == 0);
                base += 2 * j;
            }
            j /= 2;
        }
        k *= 2;
    }
}

/// Sorts `x` (length a power of two) into ascending order in constant time.
#[allow(clippy::indexing_slicing)] // base + 2j <= n: n is a multiple of 2j
pub fn sort_u32(x: &mut [u32]) {
    network(x.len(), |base, j, up| {
        let (lo, hi) = x[base..base + 2 * j].split_at_mut(j);
        exchange(lo, hi, up);
    });
}

/// Sorts `keys` (length a power of two) into ascending order in constant time, applying the
/// same moves to `payload` (of the same length).
#[allow(clippy::indexing_slicing)] // base + 2j <= n for both slices (same length, checked)
pub fn sort_u32_with(keys: &mut [u32], payload: &mut [u16]) {
    if keys.len() != payload.len() {
        return;
    }
    network(keys.len(), |base, j, up| {
        let (lo, hi) = keys[base..base + 2 * j].split_at_mut(j);
        let (plo, phi) = payload[base..base + 2 * j].split_at_mut(j);
        exchange_with(lo, hi, plo, phi, up);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, seed: u64) -> [u32; 512] {
        let mut s = seed;
        let mut v = [0u32; 512];
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

    #[test]
    fn sorts_powers_of_two() {
        for log in 0..10 {
            let len = 1 << log;
            for seed in 0..4 {
                let mut v = values(len, seed * 100 + log);
                let mut want = v;
                want[..len].sort_unstable();
                sort_u32(&mut v[..len]);
                assert_eq!(v[..len], want[..len], "length {len}");
            }
        }
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
