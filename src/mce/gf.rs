//! Arithmetic in GF(2^12) = GF(2)\[z\] / (z^12 + z^3 + 1), the field of mceliece348864.
//!
//! Every function here is branch-free and index-free in its arguments: they carry secrets
//! (the Goppa polynomial, the support, the error locator).

/// An element of GF(2^12) in the low 12 bits of a `u16`.
pub type Gf = u16;

/// Bits per field element.
pub const GF_BITS: usize = 12;
/// Mask of the significant bits of a `Gf`.
pub const GF_MASK: Gf = (1 << GF_BITS) - 1;

/// All ones if `a == 0`, else zero (as a `Gf`, 12 significant bits).
#[inline]
pub fn is_zero_mask(a: Gf) -> Gf {
    // (a - 1) borrows into bit 31 only when a == 0.
    let t = u32::from(a).wrapping_sub(1) >> 19;
    (t as Gf) & GF_MASK
}

/// Sum (XOR).
#[inline]
pub fn add(a: Gf, b: Gf) -> Gf {
    a ^ b
}

/// Product.
#[inline]
pub fn mul(a: Gf, b: Gf) -> Gf {
    let a = u32::from(a);
    let b = u32::from(b);
    // Carry-less product, one masked partial product per bit of b (no branch on b).
    let mut t = a * (b & 1);
    let mut i = 1;
    while i < GF_BITS {
        t ^= a * (b & (1 << i));
        i += 1;
    }
    reduce(t)
}

/// Reduces a carry-less product of two elements (at most 23 bits) modulo z^12 + z^3 + 1.
#[inline]
fn reduce(mut t: u32) -> Gf {
    // z^12 = z^3 + 1: fold bits 14..22 down by 9 and by 12 (landing at bit 13 at most), then
    // fold bits 12..13 the same way.
    let high = t & 0x7F_C000;
    t ^= high >> 9;
    t ^= high >> 12;
    let high = t & 0x3000;
    t ^= high >> 9;
    t ^= high >> 12;
    (t as Gf) & GF_MASK
}

/// Square.
#[inline]
pub fn sq(a: Gf) -> Gf {
    mul(a, a)
}

/// Multiplicative inverse (a^(2^12 - 2)); the inverse of 0 is 0.
pub fn inv(a: Gf) -> Gf {
    // Square-and-multiply over the public exponent 2^12 - 2 = 0b1111_1111_1110: the schedule
    // is fixed, so `a` never decides a branch.
    let mut r: Gf = 1;
    let mut p = a;
    let mut e: u32 = (1 << GF_BITS) - 2;
    while e != 0 {
        if e & 1 == 1 {
            r = mul(r, p);
        }
        p = sq(p);
        e >>= 1;
    }
    r
}

/// `num / den` (0 when `den` is 0).
#[inline]
pub fn frac(den: Gf, num: Gf) -> Gf {
    mul(inv(den), num)
}

/// Reads a field element stored little-endian in two bytes (high bits masked off).
#[inline]
pub fn load(bytes: [u8; 2]) -> Gf {
    u16::from_le_bytes(bytes) & GF_MASK
}

/// Writes a field element little-endian in two bytes.
#[inline]
pub fn store(a: Gf) -> [u8; 2] {
    a.to_le_bytes()
}

/// Reverses the 12 bits of `a` (the order in which the reference maps field elements to the
/// support).
#[inline]
pub fn bitrev(a: Gf) -> Gf {
    a.reverse_bits() >> (16 - GF_BITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Schoolbook product and reduction, bit by bit, as an independent reference.
    fn slow_mul(a: Gf, b: Gf) -> Gf {
        let mut acc: u32 = 0;
        for i in 0..12 {
            if (b >> i) & 1 == 1 {
                acc ^= u32::from(a) << i;
            }
        }
        for bit in (12..24).rev() {
            if (acc >> bit) & 1 == 1 {
                acc ^= (1 << bit) | (1 << (bit - 9)) | (1 << (bit - 12));
            }
        }
        acc as Gf
    }

    #[test]
    fn mul_matches_schoolbook() {
        let mut x: u32 = 1;
        for _ in 0..20_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let a = (x >> 4) as Gf & GF_MASK;
            let b = (x >> 16) as Gf & GF_MASK;
            assert_eq!(mul(a, b), slow_mul(a, b), "{a} * {b}");
        }
    }

    #[test]
    fn inverse_of_every_element() {
        assert_eq!(inv(0), 0);
        for a in 1..=GF_MASK {
            assert_eq!(mul(a, inv(a)), 1, "a = {a}");
        }
    }

    #[test]
    fn zero_mask_and_bitrev() {
        assert_eq!(is_zero_mask(0), GF_MASK);
        for a in 1..=GF_MASK {
            assert_eq!(is_zero_mask(a), 0);
            assert_eq!(bitrev(bitrev(a)), a);
        }
        assert_eq!(bitrev(1), 0x800);
    }
}
