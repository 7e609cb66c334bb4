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

/// Carry-less product of two elements, not reduced (at most 23 bits).
#[inline]
pub const fn clmul(a: Gf, b: Gf) -> u32 {
    // Carry-less product from integer products of operands "with holes" (BearSSL's bmul): each
    // operand is split into three parts whose bits are 3 apart (bits i, i+3, i+6, i+9). In an
    // integer product of two such parts every column sums at most 4 bits, so its carries stay
    // in the two-bit hole above it and the column's low bit is the XOR we want. Integer
    // multiplication takes the same time whatever the operands; the obvious per-bit
    // `a * (b & (1 << i))` was compiled into conditional moves on b's bits (seen under
    // valgrind).
    const M0: u32 = 0x0049_2492 >> 1; // bits 0, 3, 6, ... (0x249249)
    const M1: u32 = M0 << 1;
    const M2: u32 = M0 << 2;
    // `as` rather than `u32::from`: trait calls are not allowed in a const fn.
    let a = a as u32;
    let b = b as u32;
    let (a0, a1, a2) = (a & M0, a & M1, a & M2);
    let (b0, b1, b2) = (b & M0, b & M1, b & M2);
    let z0 = (a0 * b0) ^ (a1 * b2) ^ (a2 * b1);
    let z1 = (a0 * b1) ^ (a1 * b0) ^ (a2 * b2);
    let z2 = (a0 * b2) ^ (a1 * b1) ^ (a2 * b0);
    (z0 & M0) | (z1 & M1) | (z2 & M2)
}

/// Product. `const`, so the FFT's tables are built with the same code at compile time.
#[inline]
pub const fn mul(a: Gf, b: Gf) -> Gf {
    reduce(clmul(a, b))
}

/// Reduces a carry-less product of two elements (at most 23 bits), or a sum of such products,
/// modulo z^12 + z^3 + 1. Both are linear, so a sum of products can be reduced once.
#[inline]
pub const fn reduce(mut t: u32) -> Gf {
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
pub const fn sq(a: Gf) -> Gf {
    mul(a, a)
}

/// Multiplicative inverse (a^(2^12 - 2)); the inverse of 0 is 0.
pub const fn inv(a: Gf) -> Gf {
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
