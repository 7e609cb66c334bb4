//! Bitsliced GF(2^12): 64 field elements in twelve `u64` planes, plane `b` holding bit `b` (the
//! coefficient of z^b) of the element in each of the 64 lanes. One AND/XOR then acts on 64
//! elements at once, and nothing depends on the values but the data: no branch, no table index.
//!
//! Also const versions of the scalar operations, for the tables of `fft` computed at compile time.

use super::gf::{Gf, GF_BITS};

/// 64 field elements, bitsliced.
pub type Vec12 = [u64; GF_BITS];

/// Product of a carry-less 23-plane product reduced modulo z^12 + z^3 + 1.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // fixed bounds: 12 <= k <= 22
fn reduce(t: &mut [u64; 2 * GF_BITS - 1], out: &mut Vec12) {
    // z^k = z^(k-9) + z^(k-12) for k >= 12; from the top so that folded planes >= 12 fold again.
    let mut k = 2 * GF_BITS - 2;
    while k >= GF_BITS {
        let hi = t[k];
        t[k - 9] ^= hi;
        t[k - GF_BITS] ^= hi;
        k -= 1;
    }
    out.copy_from_slice(&t[..GF_BITS]);
}

/// `out = a * b`, lane by lane.
#[inline]
#[allow(clippy::indexing_slicing)] // fixed-size loops over fixed-size arrays
pub fn mul(out: &mut Vec12, a: &Vec12, b: &Vec12) {
    let mut t = [0u64; 2 * GF_BITS - 1];
    for i in 0..GF_BITS {
        for j in 0..GF_BITS {
            t[i + j] ^= a[i] & b[j];
        }
    }
    reduce(&mut t, out);
}

/// `out = c * a`: every lane times the scalar `c`.
#[inline]
#[allow(clippy::indexing_slicing)] // fixed-size loops over fixed-size arrays
pub fn mul_scalar(out: &mut Vec12, c: Gf, a: &Vec12) {
    let mut t = [0u64; 2 * GF_BITS - 1];
    for i in 0..GF_BITS {
        let m = 0u64.wrapping_sub(u64::from((c >> i) & 1));
        for j in 0..GF_BITS {
            t[i + j] ^= m & a[j];
        }
    }
    reduce(&mut t, out);
}

/// `a *= b`, lane by lane.
#[inline]
pub fn mul_assign(a: &mut Vec12, b: &Vec12) {
    let x = *a;
    mul(a, &x, b);
}

/// `out = a^2`, lane by lane (squaring is linear: plane i moves to plane 2i).
#[inline]
#[allow(clippy::indexing_slicing)] // fixed-size loops over fixed-size arrays
pub fn sq(out: &mut Vec12, a: &Vec12) {
    let mut t = [0u64; 2 * GF_BITS - 1];
    for i in 0..GF_BITS {
        t[2 * i] = a[i];
    }
    reduce(&mut t, out);
}

/// `a = a^(2^n)`.
fn sq_n(a: &mut Vec12, n: usize) {
    for _ in 0..n {
        let x = *a;
        sq(a, &x);
    }
}

/// `out = a^-1` lane by lane (0 stays 0): a^(2^12 - 2) by a fixed addition chain.
pub fn inv(out: &mut Vec12, a: &Vec12) {
    // a_k = a^(2^k - 1).
    let mut a2 = *a;
    sq_n(&mut a2, 1);
    mul_assign(&mut a2, a);
    let mut a4 = a2;
    sq_n(&mut a4, 2);
    mul_assign(&mut a4, &a2);
    let mut a8 = a4;
    sq_n(&mut a8, 4);
    mul_assign(&mut a8, &a4);
    let mut a10 = a8;
    sq_n(&mut a10, 2);
    mul_assign(&mut a10, &a2);
    let mut a11 = a10;
    sq_n(&mut a11, 1);
    mul_assign(&mut a11, a);
    sq(out, &a11);
}

/// Every lane set to the scalar `c`.
#[inline]
pub fn broadcast(c: Gf) -> Vec12 {
    let mut v = [0u64; GF_BITS];
    for (b, plane) in v.iter_mut().enumerate() {
        *plane = 0u64.wrapping_sub(u64::from((c >> b) & 1));
    }
    v
}

/// Lane `lane` of `v` as a scalar (`lane` public).
#[inline]
pub fn lane(v: &Vec12, lane: usize) -> Gf {
    v.iter().enumerate().fold(0, |acc, (b, plane)| {
        acc | ((((plane >> (lane % 64)) & 1) as Gf) << b)
    })
}

/// The sum (XOR) of all 64 lanes, as a scalar.
#[inline]
pub fn sum_lanes(v: &Vec12) -> Gf {
    v.iter().enumerate().fold(0, |acc, (b, plane)| {
        acc | (((plane.count_ones() & 1) as Gf) << b)
    })
}

// ---- const scalar arithmetic, for tables built at compile time ----

/// Product in GF(2^12) (const; the tables only, never on secrets).
pub const fn const_mul(a: Gf, b: Gf) -> Gf {
    let mut t: u32 = 0;
    let mut i = 0;
    while i < GF_BITS {
        if (b >> i) & 1 == 1 {
            t ^= (a as u32) << i;
        }
        i += 1;
    }
    let mut k = 2 * GF_BITS - 2;
    while k >= GF_BITS {
        if (t >> k) & 1 == 1 {
            t ^= (1 << k) | (1 << (k - 9)) | (1 << (k - GF_BITS));
        }
        k -= 1;
    }
    t as Gf
}

/// Inverse in GF(2^12) (const).
pub const fn const_inv(a: Gf) -> Gf {
    let mut r: Gf = 1;
    let mut i = 0;
    // a^(2^12 - 2) = a^2 * a^4 * ... * a^(2^11).
    let mut p = const_mul(a, a);
    while i < GF_BITS - 1 {
        r = const_mul(r, p);
        p = const_mul(p, p);
        i += 1;
    }
    r
}

/// `a^e` (const).
pub const fn const_pow(a: Gf, e: usize) -> Gf {
    let mut r: Gf = 1;
    let mut i = 0;
    while i < e {
        r = const_mul(r, a);
        i += 1;
    }
    r
}

/// 64 scalars as a bitsliced vector (const).
#[allow(clippy::indexing_slicing)] // fixed bounds: l < 64, b < GF_BITS
pub const fn const_bitslice(lanes: &[Gf; 64]) -> Vec12 {
    let mut v = [0u64; GF_BITS];
    let mut l = 0;
    while l < 64 {
        let mut b = 0;
        while b < GF_BITS {
            v[b] |= (((lanes[l] >> b) & 1) as u64) << l;
            b += 1;
        }
        l += 1;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::super::gf;
    use super::*;

    fn lanes(seed: u32) -> [Gf; 64] {
        let mut x = seed;
        core::array::from_fn(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 12) as Gf & gf::GF_MASK
        })
    }

    #[test]
    fn lanewise_matches_scalar() {
        for seed in 0..50 {
            let (a, b) = (lanes(seed), lanes(seed + 1000));
            let (va, vb) = (const_bitslice(&a), const_bitslice(&b));
            let (mut p, mut s, mut i) = ([0; 12], [0; 12], [0; 12]);
            mul(&mut p, &va, &vb);
            sq(&mut s, &va);
            inv(&mut i, &va);
            for l in 0..64 {
                assert_eq!(lane(&p, l), gf::mul(a[l], b[l]));
                assert_eq!(lane(&s, l), gf::sq(a[l]));
                assert_eq!(lane(&i, l), gf::inv(a[l]));
                assert_eq!(const_mul(a[l], b[l]), gf::mul(a[l], b[l]));
                assert_eq!(const_inv(a[l]), gf::inv(a[l]));
            }
            assert_eq!(sum_lanes(&va), a.iter().fold(0, |x, y| x ^ y));
            assert_eq!(lane(&broadcast(a[3]), 17), a[3]);
            let mut sc = [0; 12];
            mul_scalar(&mut sc, b[5], &va);
            for (l, &x) in a.iter().enumerate() {
                assert_eq!(lane(&sc, l), gf::mul(x, b[5]));
            }
        }
    }
}
