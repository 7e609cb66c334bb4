//! Arithmetic mod q = 3329 without division: Montgomery (R = 2^16) and Barrett reduction, the
//! number-theoretic transform and the base-case products of FIPS 203 section 4.3.
//!
//! Representation (the layout of the Kyber reference code, which FIPS 203 fixes up to scaling):
//! coefficients are `i16` representatives, the NTT is in place, with the output in bit-reversed
//! order; its twiddles carry the Montgomery factor R, so `ntt` maps plain to plain, a base-case
//! product divides by R, and `inv_ntt` multiplies by R / 128 (undoing both that and the 1/128).

use super::params::{Poly, N, Q};

/// q^-1 mod 2^16, as a signed 16-bit value.
pub(super) const QINV: i16 = -3327;
/// R^2 mod q: multiplying by it in Montgomery form multiplies by R.
pub(super) const R2: i16 = 1353;
/// R^2 / 128 mod q: the final scaling of the inverse NTT.
pub(super) const INV_SCALE: i16 = 1441;

/// a * R^-1 mod q for |a| < q * 2^15, result in (-q, q). No secret-dependent branch or division.
#[inline(always)]
pub(super) fn montgomery_reduce(a: i32) -> i16 {
    let t = (a as i16).wrapping_mul(QINV);
    ((a - i32::from(t) * i32::from(Q)) >> 16) as i16
}

/// a * b * R^-1 mod q.
#[inline(always)]
pub(super) fn fqmul(a: i16, b: i16) -> i16 {
    montgomery_reduce(i32::from(a) * i32::from(b))
}

/// The centred representative of a mod q, in [-(q-1)/2, (q-1)/2], by a multiply and a shift.
#[inline(always)]
pub(super) fn barrett_reduce(a: i16) -> i16 {
    const V: i32 = ((1 << 26) + Q as i32 / 2) / Q as i32;
    let t = ((V * i32::from(a) + (1 << 25)) >> 26) as i16;
    a.wrapping_sub(t.wrapping_mul(Q))
}

/// The representative in [0, q) of a value in (-q, q), with a mask instead of a branch.
#[inline(always)]
pub(super) fn to_unsigned(a: i16) -> u16 {
    (a + ((a >> 15) & Q)) as u16
}

/// The canonical representative in [0, q) of any i16.
#[inline(always)]
pub(super) fn canonical(a: i16) -> u16 {
    to_unsigned(barrett_reduce(a))
}

const fn pow_mod(base: u32, mut exp: u32) -> u32 {
    let mut result = 1u32;
    let mut b = base % Q as u32;
    while exp > 0 {
        if exp & 1 == 1 {
            result = result * b % Q as u32;
        }
        b = b * b % Q as u32;
        exp >>= 1;
    }
    result
}

/// zeta^BitRev7(i) * R mod q (zeta = 17, the primitive 256th root of unity of FIPS 203), centred.
/// Computed at compile time from the definition, so the table cannot hold a typo.
#[expect(clippy::indexing_slicing, reason = "i < 128")]
pub(super) const ZETAS: [i16; 128] = {
    let mut z = [0i16; 128];
    let mut i = 0;
    while i < 128 {
        let mut rev = 0u32;
        let mut bit = 0;
        while bit < 7 {
            rev |= ((i as u32 >> bit) & 1) << (6 - bit);
            bit += 1;
        }
        let v = pow_mod(17, rev) * (1 << 16) % Q as u32;
        z[i] = if v > Q as u32 / 2 {
            v as i16 - Q
        } else {
            v as i16
        };
        i += 1;
    }
    z
};

neon_twinned! {
/// Forward NTT in place (FIPS 203 Algorithm 9), output reduced to (-q, q) by Barrett.
#[expect(
    clippy::indexing_slicing,
    reason = "k < 128 and j + len < 256 by the loop bounds"
)]
pub(super) fn ntt_portable(r: &mut Poly) {
    let mut k = 1;
    let mut len = 128;
    while len >= 2 {
        let mut start = 0;
        while start < N {
            let zeta = ZETAS[k];
            k += 1;
            let (lo, hi) = r[start..start + 2 * len].split_at_mut(len);
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let t = fqmul(zeta, *b);
                *b = *a - t;
                *a += t;
            }
            start += 2 * len;
        }
        len >>= 1;
    }
    for c in r.iter_mut() {
        *c = barrett_reduce(*c);
    }
}
}

neon_twinned! {
/// Inverse NTT in place (FIPS 203 Algorithm 10), times R (see the module note), output in (-q, q).
#[expect(
    clippy::indexing_slicing,
    reason = "k < 128 and j + len < 256 by the loop bounds"
)]
pub(super) fn inv_ntt_portable(r: &mut Poly) {
    // Accumulated base-case products reach 8q: bring them below q/2 so no layer overflows.
    for c in r.iter_mut() {
        *c = barrett_reduce(*c);
    }
    let mut k = 127;
    let mut len = 2;
    while len <= 128 {
        let mut start = 0;
        while start < N {
            let zeta = ZETAS[k];
            k -= 1;
            let (lo, hi) = r[start..start + 2 * len].split_at_mut(len);
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let t = *a;
                *a = barrett_reduce(t + *b);
                *b = fqmul(zeta, *b - t);
            }
            start += 2 * len;
        }
        len <<= 1;
    }
    for c in r.iter_mut() {
        *c = fqmul(*c, INV_SCALE);
    }
}
}

neon_twinned! {
/// Multiplies every coefficient by R (undoing a base-case product's R^-1), output in (-q, q).
pub(super) fn to_mont_portable(r: &mut Poly) {
    for c in r.iter_mut() {
        *c = fqmul(*c, R2);
    }
}
}

/// The twiddle of base-case pair `pair` (coefficients 2 pair, 2 pair + 1): +-zeta^(2 BitRev7(i) + 1)
/// in Montgomery form (FIPS 203 Algorithm 11's gamma).
#[inline(always)]
#[expect(
    clippy::indexing_slicing,
    reason = "pair < 128, so 64 + pair / 2 < 128"
)]
pub(super) fn pair_zeta(pair: usize) -> i16 {
    let z = ZETAS[64 + pair / 2];
    if pair & 1 == 0 {
        z
    } else {
        -z
    }
}

/// acc += (a0 + a1 X)(b0 + b1 X) mod (X^2 - zeta), times R^-1 (FIPS 203 Algorithm 12).
/// Three Montgomery reductions, not five: the products of each output coefficient are summed
/// in 32 bits first. With |a|, |b| < 2^12 (decoded or reduced inputs), each sum stays below
/// 2 * 2^24 = 2^25 < q * 2^15, the reduction's bound; each term added is below q in magnitude, so
/// k = 4 accumulated terms stay below 4q < 2^15.
#[inline(always)]
pub(super) fn basemul_acc(acc: &mut [i16; 2], a: [i16; 2], b: [i16; 2], zeta: i16) {
    // Not `map`, which at opt-level "s" stays a two-iteration loop through the stack.
    let [a0, a1] = [i32::from(a[0]), i32::from(a[1])];
    let [b0, b1] = [i32::from(b[0]), i32::from(b[1])];
    let high = i32::from(montgomery_reduce(a1 * b1));
    acc[0] += montgomery_reduce(a0 * b0 + high * i32::from(zeta));
    acc[1] += montgomery_reduce(a0 * b1 + a1 * b0);
}

neon_twinned! {
/// acc += a o b for polynomials in NTT form (both unpacked), times R^-1.
pub(super) fn poly_basemul_acc_portable(acc: &mut Poly, a: &Poly, b: &Poly) {
    let (acc, _) = acc.as_chunks_mut::<2>();
    let (a, _) = a.as_chunks::<2>();
    let (b, _) = b.as_chunks::<2>();
    for (pair, ((acc, a), b)) in acc.iter_mut().zip(a).zip(b).enumerate() {
        basemul_acc(acc, *a, *b, pair_zeta(pair));
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;
    // The entry points as K-PKE calls them (the NEON twins on aarch64).
    use crate::mlkem::kpke::{inv_ntt, ntt, poly_basemul_acc};

    fn modq(x: i64) -> i64 {
        x.rem_euclid(i64::from(Q))
    }

    #[test]
    fn reductions_are_exact() {
        for a in i16::MIN..=i16::MAX {
            let r = barrett_reduce(a);
            assert!(r.abs() <= (Q - 1) / 2);
            assert_eq!(modq(i64::from(r)), modq(i64::from(a)));
            assert_eq!(i64::from(canonical(a)), modq(i64::from(a)));
        }
        for a in [
            -(i32::from(Q) << 15) + 1,
            -12345678,
            -1,
            0,
            1,
            987654,
            (i32::from(Q) << 15) - 1,
        ] {
            let r = montgomery_reduce(a);
            assert!(r.abs() < Q);
            assert_eq!(modq(i64::from(r) << 16), modq(i64::from(a)));
        }
        assert_eq!(modq(i64::from(R2)), modq(1 << 32));
        assert_eq!(modq(i64::from(INV_SCALE) * 128), modq(1 << 32));
        assert_eq!(ZETAS[0], -1044); // R mod q, centred
        assert_eq!(ZETAS[1], -758);
    }

    /// NTT, base-case product and inverse NTT give the negacyclic product mod X^256 + 1.
    #[test]
    fn ntt_multiplies() {
        let a: Poly = core::array::from_fn(|i| ((i * 37 + 11) % 3329) as i16 - 1664);
        let b: Poly = core::array::from_fn(|i| ((i * i * 5 + 3) % 3329) as i16);
        let mut want = [0i64; 256];
        for i in 0..256 {
            for j in 0..256 {
                let p = i64::from(a[i]) * i64::from(b[j]);
                if i + j < 256 {
                    want[i + j] += p;
                } else {
                    want[i + j - 256] -= p;
                }
            }
        }
        let (mut fa, mut fb) = (a, b);
        ntt(&mut fa);
        ntt(&mut fb);
        let mut c = [0i16; 256];
        poly_basemul_acc(&mut c, &fa, &fb);
        inv_ntt(&mut c);
        for i in 0..256 {
            assert_eq!(modq(i64::from(c[i])), modq(want[i]), "coefficient {i}");
        }
        let mut back = a;
        ntt(&mut back);
        inv_ntt(&mut back);
        // inv_ntt multiplies by R: undo with one Montgomery reduction.
        for i in 0..256 {
            assert_eq!(
                modq(i64::from(montgomery_reduce(i32::from(back[i])))),
                modq(i64::from(a[i]))
            );
        }
    }
}
