//! ByteEncode / ByteDecode and Compress / Decompress (FIPS 203 sections 4.2.1 and 4.2.1 eq. 4.7-4.8).
//!
//! Compression rounds `2^d x / q` with a multiplication by a precomputed reciprocal and a shift,
//! never a division: a division by q of a secret value is the KyberSlash timing leak. The
//! reciprocals are checked against the exact rounding for every input in the tests.

use super::arith::canonical;
use super::params::{Poly, DU, DV, N, POLY_BYTES, Q, U_POLY_BYTES, V_BYTES};

/// round(2^11 x / q) mod 2^11 for x in [0, q).
#[inline(always)]
fn compress_du(x: u16) -> u16 {
    // 645084 ~ 2^31 / q; exact for every x < q (tested below).
    let t = ((u64::from(x) << DU) + (Q as u64 / 2)) * 645_084;
    ((t >> 31) & ((1 << DU) - 1)) as u16
}

/// round(2^5 x / q) mod 2^5 for x in [0, q).
#[inline(always)]
fn compress_dv(x: u16) -> u16 {
    // 40318 ~ 2^27 / q. Wrapping keeps bits 27..31 of the product, the only ones used.
    let t = ((u32::from(x) << DV) + (Q as u32 / 2)).wrapping_mul(40_318);
    ((t >> 27) & ((1 << DV) - 1)) as u16
}

/// round(2 x / q) mod 2 for x in [0, q): the message bit.
#[inline(always)]
fn compress_1(x: u16) -> u8 {
    let t = ((u32::from(x) << 1) + 1665) * 80_635;
    ((t >> 28) & 1) as u8
}

/// round(q y / 2^d).
#[inline(always)]
fn decompress(y: u32, d: u32) -> i16 {
    ((y * Q as u32 + (1 << (d - 1))) >> d) as i16
}

/// Packs eight `D`-bit values into `D` bytes, little-endian bit order (ByteEncode_D).
#[inline(always)]
#[expect(
    clippy::indexing_slicing,
    reason = "8 values of D bits fill exactly D bytes"
)]
fn pack8<const D: usize>(values: [u16; 8]) -> [u8; D] {
    let mut out = [0u8; D];
    let (mut buf, mut bits, mut o) = (0u32, 0usize, 0usize);
    for v in values {
        buf |= u32::from(v) << bits;
        bits += D;
        while bits >= 8 {
            out[o] = buf as u8;
            buf >>= 8;
            bits -= 8;
            o += 1;
        }
    }
    out
}

/// Unpacks `D` bytes into eight `D`-bit values (ByteDecode_D before any reduction).
#[inline(always)]
#[expect(
    clippy::indexing_slicing,
    reason = "D bytes hold exactly 8 values of D bits"
)]
fn unpack8<const D: usize>(bytes: &[u8; D]) -> [u16; 8] {
    let mut out = [0u16; 8];
    let (mut buf, mut bits, mut i) = (0u32, 0usize, 0usize);
    for &b in bytes {
        buf |= u32::from(b) << bits;
        bits += 8;
        while bits >= D && i < 8 {
            out[i] = (buf & ((1 << D) - 1)) as u16;
            buf >>= D;
            bits -= D;
            i += 1;
        }
    }
    out
}

/// Two 12-bit values from three bytes.
#[inline(always)]
pub(super) fn decode12_pair(b: &[u8; 3]) -> [u16; 2] {
    // Element by element, not `map`: at opt-level "s" a map over three bytes stays a loop.
    let (b0, b1, b2) = (u16::from(b[0]), u16::from(b[1]), u16::from(b[2]));
    [b0 | ((b1 & 0x0F) << 8), (b1 >> 4) | (b2 << 4)]
}

/// ByteEncode_12 of the canonical representatives of `p`.
pub(super) fn poly_to_bytes(p: &Poly, out: &mut [u8; POLY_BYTES]) {
    let (out, _) = out.as_chunks_mut::<3>();
    let (pairs, _) = p.as_chunks::<2>();
    for (o, pair) in out.iter_mut().zip(pairs) {
        let (a, b) = (canonical(pair[0]), canonical(pair[1]));
        *o = [a as u8, ((a >> 8) | (b << 4)) as u8, (b >> 4) as u8];
    }
}

/// ByteDecode_12 (values below 2^12; every later use is mod q, so no reduction is needed).
pub(super) fn poly_from_bytes(bytes: &[u8; POLY_BYTES], p: &mut Poly) {
    let (groups, _) = bytes.as_chunks::<3>();
    let (pairs, _) = p.as_chunks_mut::<2>();
    for (pair, g) in pairs.iter_mut().zip(groups) {
        *pair = decode12_pair(g).map(|x| x as i16);
    }
}

/// Compress_11 then ByteEncode_11 of one polynomial of u, handed out 11 bytes at a time.
pub(super) fn compress_u(p: &Poly, mut put: impl FnMut(usize, &[u8])) {
    let (groups, _) = p.as_chunks::<8>();
    for (g, coeffs) in groups.iter().enumerate() {
        let bytes = pack8::<11>(coeffs.map(|c| compress_du(canonical(c))));
        put(g * 11, &bytes);
    }
}

/// ByteDecode_11 then Decompress_11 of one polynomial of u.
pub(super) fn decompress_u(bytes: &[u8; U_POLY_BYTES], p: &mut Poly) {
    let (groups, _) = bytes.as_chunks::<11>();
    let (out, _) = p.as_chunks_mut::<8>();
    for (o, g) in out.iter_mut().zip(groups) {
        *o = unpack8::<11>(g).map(|y| decompress(u32::from(y), DU));
    }
}

/// Compress_5 then ByteEncode_5 of v, handed out 5 bytes at a time.
pub(super) fn compress_v(p: &Poly, mut put: impl FnMut(usize, &[u8])) {
    let (groups, _) = p.as_chunks::<8>();
    for (g, coeffs) in groups.iter().enumerate() {
        let bytes = pack8::<5>(coeffs.map(|c| compress_dv(canonical(c))));
        put(g * 5, &bytes);
    }
}

/// ByteDecode_5 then Decompress_5 of v.
pub(super) fn decompress_v(bytes: &[u8; V_BYTES], p: &mut Poly) {
    let (groups, _) = bytes.as_chunks::<5>();
    let (out, _) = p.as_chunks_mut::<8>();
    for (o, g) in out.iter_mut().zip(groups) {
        *o = unpack8::<5>(g).map(|y| decompress(u32::from(y), DV));
    }
}

/// p += Decompress_1(ByteDecode_1(m)): each bit becomes 0 or (q + 1) / 2, by a mask.
pub(super) fn add_message(p: &mut Poly, m: &[u8; 32]) {
    let (out, _) = p.as_chunks_mut::<8>();
    for (o, &byte) in out.iter_mut().zip(m) {
        for (bit, c) in o.iter_mut().enumerate() {
            let mask = 0i16.wrapping_sub(i16::from((byte >> bit) & 1));
            *c += mask & ((Q + 1) / 2);
        }
    }
}

/// ByteEncode_1(Compress_1(p)).
pub(super) fn message(p: &Poly) -> [u8; 32] {
    let mut m = [0u8; 32];
    let (groups, _) = p.as_chunks::<8>();
    for (byte, g) in m.iter_mut().zip(groups) {
        for (bit, &c) in g.iter().enumerate() {
            *byte |= compress_1(canonical(c)) << bit;
        }
    }
    m
}

const _: () = assert!(N.is_multiple_of(8));

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(x: u16, d: u32) -> u16 {
        // round(2^d x / q) with exact integers, mod 2^d.
        let num = (u32::from(x) << d) * 2 + Q as u32;
        ((num / (2 * Q as u32)) % (1 << d)) as u16
    }

    #[test]
    fn compression_is_exact_rounding() {
        for x in 0..Q as u16 {
            assert_eq!(compress_du(x), exact(x, DU), "du, x = {x}");
            assert_eq!(compress_dv(x), exact(x, DV), "dv, x = {x}");
            assert_eq!(u16::from(compress_1(x)), exact(x, 1), "1, x = {x}");
        }
    }

    #[test]
    fn packing_round_trips() {
        let v: [u16; 8] = [0x7ff, 1, 0x400, 0x123, 0, 0x7fe, 0x555, 0x2aa];
        assert_eq!(unpack8::<11>(&pack8::<11>(v)), v);
        let w = v.map(|x| x & 31);
        assert_eq!(unpack8::<5>(&pack8::<5>(w)), w);
        let p: Poly = core::array::from_fn(|i| (i * 13) as i16 % Q);
        let mut bytes = [0u8; POLY_BYTES];
        poly_to_bytes(&p, &mut bytes);
        let mut back = [0i16; N];
        poly_from_bytes(&bytes, &mut back);
        assert_eq!(p, back);
    }
}
