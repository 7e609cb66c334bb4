//! Berlekamp-Massey on the 2t = 128 syndromes, constant time and bitsliced: the connection
//! polynomial's coefficients 1..64 sit in the lanes of one [`Vec12`], so each step's discrepancy
//! and update are a few lane-wise products.
//!
//! This is the inversion-free form: the reference divides by the last nonzero discrepancy
//! (C <- C - (d / b) x^k B); here C <- b C - d x^k B. Every C is then a nonzero multiple of the
//! reference's (by induction: the ratio B / b is the same in both), so dividing by the constant
//! coefficient at the end gives exactly the reference's error locator, with one inversion
//! instead of 128. Same number of steps, no branch or index on the syndromes.

use super::gf::{self, Gf, GF_BITS};
use super::vec::{self, Lanes, Vec12};

/// All ones if `x != 0`.
#[inline]
fn nonzero_mask(x: u64) -> u64 {
    0u64.wrapping_sub((x | x.wrapping_neg()) >> 63)
}

/// Scalar `c` masked by `m` (all ones or zero).
#[inline]
fn select(m: u64, a: Gf, b: Gf) -> Gf {
    let m = m as Gf;
    (a & m) | (b & !m)
}

hot! {
/// The error locator of the syndromes S_0..S_127 (`s_lo` lanes 0..63, `s_hi` lanes 64..127):
/// the monic sigma(x) = x^64 + sum_i c_i x^i whose roots are the error positions (with a root at 0
/// for each missing error). Returns c_0..c_63 in lanes 0..63.
///
/// Inlined on x86_64 with `std`, so that the AVX2 twin of decapsulation gets its own copy.
/// `WIDE` (the AVX2 twin): the products by `horner` (see there); otherwise by [`vec`]'s
/// schoolbook. Both give the same values.
pub fn locator<const WIDE: bool>(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
    let mut c: Vec12 = [0; GF_BITS]; // lane i - 1: C_i, i = 1..64
    let mut c0: Gf = 1; // C_0
    let mut b: Vec12 = [0; GF_BITS]; // lane i - 1: B_i (B_0 is 0 after each shift)
    b[0] = 1; // B = x
    let mut window: Vec12 = [0; GF_BITS]; // lane i - 1: S_(n - i)
    let mut len: u16 = 0;
    let mut base: Gf = 1;
    let mut t: Vec12 = [0; GF_BITS];

    for n in 0..128usize {
        let half = if n < 64 { s_lo } else { s_hi };
        let s_n = vec::lane(half, n % 64);
        product1::<WIDE>(&mut t, &c, &window);
        let d = gf::mul(c0, s_n) ^ vec::sum_lanes(&t);

        // The masks go through `black_box`: knowing them to be 0 or all ones, LLVM turned the
        // masked updates below into a branch on d == 0 (seen under .ci/ct-check, release build).
        let change_c = core::hint::black_box(nonzero_mask(u64::from(d)));
        // n >= 2 len, from the sign of n - 2 len (both below 2^9).
        let grows = (n as u64).wrapping_sub(2 * u64::from(len)) >> 63 ^ 1;
        let change_len = core::hint::black_box(change_c & 0u64.wrapping_sub(grows));

        // C <- base C + d B (where d != 0): both products in one two-lane product (lanes C
        // and B, times base and d), whose lanes are then added. The factors are broadcast
        // plane by plane, without copies of C or of the scalars (stack on the Cortex-M4).
        let (mut pair, mut factor): (Lanes<2>, Lanes<2>) = ([[0; 2]; GF_BITS], [[0; 2]; GF_BITS]);
        for (i, ((pp, pf), (pc, pb))) in pair
            .iter_mut()
            .zip(factor.iter_mut())
            .zip(c.iter().zip(b.iter()))
            .enumerate()
        {
            *pp = [*pc, *pb];
            *pf = [
                0u64.wrapping_sub(u64::from((base >> i) & 1)),
                0u64.wrapping_sub(u64::from((d >> i) & 1)),
            ];
        }
        let mut prod: Lanes<2> = [[0; 2]; GF_BITS];
        product::<WIDE, 2>(&mut prod, &pair, &factor);

        // B <- x * (old C if the length changed, else B); B_0 was 0, old C's is C_0. Before C
        // changes, so that no copy of the old C is needed.
        let new_b0 = select(change_len, c0, 0);
        for (i, (pb, po)) in b.iter_mut().zip(c.iter()).enumerate() {
            let src = (*po & change_len) | (*pb & !change_len);
            *pb = (src << 1) | u64::from((new_b0 >> i) & 1);
        }
        for (pc, [x, y]) in c.iter_mut().zip(prod.iter()) {
            *pc = (*pc & !change_c) | ((x ^ y) & change_c);
        }
        c0 = select(change_c, gf::mul(base, c0), c0);

        len = select(change_len, (n as u16 + 1).wrapping_sub(len), len);
        base = select(change_len, d, base);
        for (i, pw) in window.iter_mut().enumerate() {
            *pw = (*pw << 1) | u64::from((s_n >> i) & 1);
        }
    }

    // sigma_i = C_(64 - i) / C_0: reverse the lanes, divide by C_0.
    for (pt, pc) in t.iter_mut().zip(c.iter()) {
        *pt = pc.reverse_bits();
    }
    let mut out: Vec12 = [0; GF_BITS];
    vec::mul_scalar(&mut out, gf::inv(c0), &t);
    out
}
}

hot! { else inline(never);
/// `out = a b` lane by lane. Inlined where the AVX2 twin needs its own copy (x86_64 with `std`),
/// out of line elsewhere: inlined on the Cortex-M4, the products' temporaries took the locator's
/// frame to 2.3 KB, on top of decapsulation's 12 KiB.
fn product<const WIDE: bool, const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>, b: &Lanes<L>) {
    if WIDE {
        horner(out, a, b);
    } else {
        vec::mul_lanes(out, a, b);
    }
}
}

hot! { else inline(never);
/// `out = a b` on one vector, out of line like [`product`].
fn product1<const WIDE: bool>(out: &mut Vec12, a: &Vec12, b: &Vec12) {
    if WIDE {
        let mut o: Lanes<1> = [[0]; GF_BITS];
        horner(&mut o, &a.map(|p| [p]), &b.map(|p| [p]));
        *out = o.map(|[p]| p);
    } else {
        vec::mul(out, a, b);
    }
}
}

/// `out = a b` lane by lane by Horner's rule on `a`'s planes, for the AVX2 twin: from the top
/// plane down, acc <- z acc + a_i b, with z acc reduced at once (z^12 = z^3 + 1); the twelve
/// steps written out. Each product of the locator's loop waits on the one before, so its
/// latency is what counts: [`vec::mul_lanes`]'s schoolbook stayed a rolled loop there whose rows
/// read back the 23 partial planes the previous row had just stored, in halves of vector stores
/// that the CPU cannot forward (perf: most of the locator's time on those loads); here the
/// twelve planes stay in registers and each step is one AND/XOR deep. Berlekamp-Massey on
/// x86_64: 22 -> 10 us. Not for the other targets: without AVX2 (x86_64's portable twin: 21 ->
/// 33 us) the registers run out.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // fixed indices below GF_BITS
fn horner<const L: usize>(out: &mut Lanes<L>, a: &Lanes<L>, b: &Lanes<L>) {
    let mut acc = [[0u64; L]; GF_BITS];
    // A macro, not a loop: the loop stayed rolled and its rotation of `acc` became shuffles.
    macro_rules! steps {
        ($($i:literal)*) => { $( horner_step(&mut acc, &a[$i], b); )* };
    }
    steps!(11 10 9 8 7 6 5 4 3 2 1 0);
    *out = acc;
}

/// acc <- z acc + a_i b, where z acc moves every plane up one and folds plane 11 back into
/// planes 0 and 3 (z^12 = z^3 + 1).
#[inline(always)]
#[allow(clippy::indexing_slicing)] // fixed bounds below GF_BITS
fn horner_step<const L: usize>(acc: &mut Lanes<L>, a_i: &[u64; L], b: &Lanes<L>) {
    let top = acc[GF_BITS - 1];
    for k in (1..GF_BITS).rev() {
        acc[k] = acc[k - 1];
    }
    acc[0] = top;
    for (x, t) in acc[3].iter_mut().zip(top.iter()) {
        *x ^= t;
    }
    for (plane, b_j) in acc.iter_mut().zip(b.iter()) {
        for ((x, a), b) in plane.iter_mut().zip(a_i.iter()).zip(b_j.iter()) {
            *x ^= a & b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's Berlekamp-Massey, scalar, with divisions: an independent model.
    #[allow(clippy::needless_range_loop)]
    fn reference_bm(s: &[Gf; 128]) -> [Gf; 65] {
        let mut c = [0 as Gf; 65];
        let mut b = [0 as Gf; 65];
        c[0] = 1;
        b[1] = 1;
        let (mut l, mut base) = (0usize, 1 as Gf);
        for n in 0..128 {
            let mut d = 0;
            for i in 0..=n.min(64) {
                d ^= gf::mul(c[i], s[n - i]);
            }
            if d != 0 {
                let t = c;
                let f = gf::mul(gf::inv(base), d);
                for i in 0..65 {
                    c[i] ^= gf::mul(f, b[i]);
                }
                if n >= 2 * l {
                    l = n + 1 - l;
                    b = t;
                    base = d;
                }
            }
            b.copy_within(0..64, 1);
            b[0] = 0;
        }
        let mut out = [0; 65];
        for i in 0..65 {
            out[i] = c[64 - i];
        }
        out
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn matches_division_form() {
        let mut x: u32 = 99;
        for round in 0..40 {
            // Random syndromes, and syndromes of a few real errors (short locators).
            let mut s = [0 as Gf; 128];
            if round % 2 == 0 {
                for v in s.iter_mut() {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    *v = (x >> 12) as Gf & gf::GF_MASK;
                }
            } else {
                for _ in 0..(round % 9) * 8 {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    let a = (x >> 12) as Gf & gf::GF_MASK;
                    let mut p = 1;
                    for v in s.iter_mut() {
                        *v ^= p;
                        p = gf::mul(p, a);
                    }
                }
            }
            let mut lo = [0 as Gf; 64];
            let mut hi = [0 as Gf; 64];
            lo.copy_from_slice(&s[..64]);
            hi.copy_from_slice(&s[64..]);
            let (lo, hi) = (vec::const_bitslice(&lo), vec::const_bitslice(&hi));
            let want = reference_bm(&s);
            assert_eq!(want[64], 1);
            // Both product forms, on every target (the Horner one runs only in the AVX2 twin).
            for got in [locator::<false>(&lo, &hi), locator::<true>(&lo, &hi)] {
                for i in 0..64 {
                    assert_eq!(vec::lane(&got, i), want[i], "round {round} coefficient {i}");
                }
            }
        }
    }
}
