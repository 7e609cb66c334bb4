//! Bitsliced GF(2^12): 64 field elements in twelve `u64` planes, plane `b` holding bit `b` (the
//! coefficient of z^b) of the element in each of the 64 lanes. One AND/XOR then acts on 64
//! elements at once, and nothing depends on the values but the data: no branch, no table index.
//!
//! Also const versions of the scalar operations, for the tables of `fft` computed at compile time.

use super::gf::{self, Gf, GF_BITS};

/// 64 field elements, bitsliced.
pub type Vec12 = [u64; GF_BITS];

/// `L` bitsliced vectors side by side, plane by plane: `v[b][q]` is plane b of vector q. The
/// decoder's transforms work on `fft::LANES` at a time: four on x86_64, which the AVX2 twin of
/// decapsulation (src/simd.rs) computes in 256-bit registers, one elsewhere; `L = 1` is one
/// [`Vec12`].
pub type Lanes<const L: usize> = [[u64; L]; GF_BITS];

hot! {
/// `out = a * b`, vector by vector.
///
/// Inlined everywhere on x86_64 with `std`, so that the AVX2 twin of decapsulation compiles its
/// own 256-bit copy; elsewhere the compiler decides. Plain loops, no closures: a closure is
/// compiled on its own, without the twin's target feature.
pub fn mul_lanes<const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>, b: &Lanes<L>) {
    mul_planes(out, a, b);
}
}

/// A plane of a product's second factor: `L` lanes of their own, or one `u64` that every lane
/// shares, read in place: a [`spread`] copy per product made armv7's FFT 10% dearer with one
/// lane (a 12-word copy that the compiler kept).
trait Factor<const L: usize>: Copy {
    /// The plane's word in lane `q`.
    fn lane(&self, q: usize) -> u64;
}

impl<const L: usize> Factor<L> for [u64; L] {
    #[inline(always)]
    #[allow(clippy::indexing_slicing)] // q < L: the callers' fixed bounds
    fn lane(&self, q: usize) -> u64 {
        self[q]
    }
}

impl<const L: usize> Factor<L> for u64 {
    #[inline(always)]
    fn lane(&self, _: usize) -> u64 {
        *self
    }
}

/// `out = a * b`, lane by lane, `b`'s planes of either [`Factor`] form.
///
/// Schoolbook with fixed bounds (the compiler unrolls it completely), then reduced modulo
/// z^12 + z^3 + 1 (`fold`).
#[inline(always)]
#[allow(clippy::indexing_slicing)] // fixed bounds: i, k - i < GF_BITS, k < 2 GF_BITS - 1
fn mul_planes<const L: usize, F: Factor<L>>(out: &mut Lanes<L>, a: &Lanes<L>, b: &[F; GF_BITS]) {
    let mut t = [[0u64; L]; 2 * GF_BITS - 1];
    for i in 0..GF_BITS {
        for j in 0..GF_BITS {
            for q in 0..L {
                t[i + j][q] ^= a[i][q] & b[j].lane(q);
            }
        }
    }
    fold(&mut t, out);
}

/// Reduces a 23-plane product modulo z^12 + z^3 + 1 into `out`: z^k = z^(k-9) + z^(k-12) for
/// k >= 12, from the top so that planes folded to 12 or above fold again.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // fixed bounds: 12 <= k <= 22
fn fold<const L: usize>(t: &mut [[u64; L]; 2 * GF_BITS - 1], out: &mut Lanes<L>) {
    for k in (GF_BITS..2 * GF_BITS - 1).rev() {
        let h = t[k];
        for q in 0..L {
            t[k - 9][q] ^= h[q];
            t[k - GF_BITS][q] ^= h[q];
        }
    }
    out.copy_from_slice(&t[..GF_BITS]);
}

/// `b` in each of `L` lanes.
#[inline(always)]
pub fn spread<const L: usize>(b: &Vec12) -> Lanes<L> {
    let mut v = [[0u64; L]; GF_BITS];
    for (dst, &plane) in v.iter_mut().zip(b.iter()) {
        *dst = [plane; L];
    }
    v
}

hot! {
/// `out = a * b`: each of the `L` vectors of `a` times the same `b`.
pub fn mul_lanes_by<const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>, b: &Vec12) {
    mul_planes(out, a, b);
}
}

hot! {
/// `a *= b`, vector by vector.
pub fn mul_lanes_assign<const L: usize>(a: &mut Lanes<L>, b: &Lanes<L>) {
    let x = *a;
    mul_lanes(a, &x, b);
}
}

hot! {
/// `out = a^2`, vector by vector (squaring is linear: plane i moves to plane 2i, then the
/// reduction of [`mul_lanes`]).
#[allow(clippy::indexing_slicing)] // fixed bounds: 12 <= k <= 22
pub fn sq_lanes<const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>) {
    let mut t = [[0u64; L]; 2 * GF_BITS - 1];
    for (i, plane) in a.iter().enumerate() {
        t[2 * i] = *plane;
    }
    fold(&mut t, out);
}
}

hot! {
/// `out = a^-1` vector by vector (0 stays 0): a^(2^12 - 2) by a fixed addition chain.
pub fn inv_lanes<const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>) {
    // a_k = a^(2^k - 1). One inversion per decapsulation: its products and squarings are
    // out of line (`outlined`), which keeps this frame small (it runs on top of decapsulation's
    // 12 KiB), at a cost of a few hundred instructions.
    let mut a2 = *a;
    sq_n(&mut a2, 1);
    outlined::mul_assign(&mut a2, a);
    let mut x = a2;
    sq_n(&mut x, 2);
    outlined::mul_assign(&mut x, &a2); // a4
    let a4 = x;
    sq_n(&mut x, 4);
    outlined::mul_assign(&mut x, &a4); // a8
    sq_n(&mut x, 2);
    outlined::mul_assign(&mut x, &a2); // a10
    sq_n(&mut x, 1);
    outlined::mul_assign(&mut x, a); // a11
    outlined::sq(out, &x);
}
}

/// Out-of-line products and squarings for [`inv_lanes`].
mod outlined {
    use super::{mul_lanes, sq_lanes, Lanes};

    /// `a *= b`.
    #[inline(never)]
    pub fn mul_assign<const L: usize>(a: &mut Lanes<L>, b: &Lanes<L>) {
        let x = *a;
        mul_lanes(a, &x, b);
    }

    /// `out = a^2`.
    #[inline(never)]
    pub fn sq<const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>) {
        sq_lanes(out, a);
    }
}

hot! {
/// `a = a^(2^n)`.
fn sq_n<const L: usize>(a: &mut Lanes<L>, n: usize) {
    for _ in 0..n {
        let y = *a;
        outlined::sq(a, &y);
    }
}
}

/// One [`Vec12`] as [`Lanes`] of width 1, and back (the compiler sees through both).
#[inline(always)]
fn one(a: &Vec12) -> Lanes<1> {
    spread(a)
}

#[inline(always)]
fn unone(a: &Lanes<1>) -> Vec12 {
    let mut v = [0u64; GF_BITS];
    for (dst, [plane]) in v.iter_mut().zip(a.iter()) {
        *dst = *plane;
    }
    v
}

hot! { else inline;
/// `out = a * b`, lane by lane.
pub fn mul(out: &mut Vec12, a: &Vec12, b: &Vec12) {
    let mut o = [[0; 1]; GF_BITS];
    mul_lanes(&mut o, &one(a), &one(b));
    *out = unone(&o);
}
}

hot! {
/// `out = c * a`: every lane times the scalar `c`.
pub fn mul_scalar(out: &mut Vec12, c: Gf, a: &Vec12) {
    mul(out, a, &broadcast(c));
}
}

hot! {
/// `a *= b`, lane by lane.
pub fn mul_assign(a: &mut Vec12, b: &Vec12) {
    let x = *a;
    mul(a, &x, b);
}
}

/// `out = a^2`, lane by lane.
#[inline(always)]
pub fn sq(out: &mut Vec12, a: &Vec12) {
    let mut o = [[0; 1]; GF_BITS];
    sq_lanes(&mut o, &one(a));
    *out = unone(&o);
}

hot! {
/// `out = a^-1` lane by lane (0 stays 0).
pub fn inv(out: &mut Vec12, a: &Vec12) {
    let mut o = [[0; 1]; GF_BITS];
    inv_lanes(&mut o, &one(a));
    *out = unone(&o);
}
}

/// Every lane set to the scalar `c`.
#[inline(always)]
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

/// `a^e` (const).
pub const fn const_pow(a: Gf, e: usize) -> Gf {
    let mut r: Gf = 1;
    let mut i = 0;
    while i < e {
        r = gf::mul(r, a);
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
