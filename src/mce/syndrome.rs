//! The syndrome kernels of encapsulation (`encaps::syndrome` picks one): one row at a
//! time in 64-bit words, compiled once per instruction set (src/simd.rs picks the AVX2 twin on
//! x86_64 with `std`), and four rows at a time in 32-bit words.
//!
//! A module of its own, below [`super::encaps`]: src/simd.rs calls the twins here, and encaps
//! calls src/simd.rs, so the twins must not sit in (or import) encaps.

use zeroize::Zeroize;

use super::params::{E_WORDS, PK_ROW_BYTES, ROWS};
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN};

/// Little-endian value of up to 8 bytes.
#[inline]
fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// The 64-bit syndrome kernel, compiled once per instruction set (see `src/simd.rs`, which
/// picks one): with AVX2 the row loop runs in 256-bit registers.
macro_rules! entry_points {
    ($(#[$isa:meta])*) => {
        /// `super::super::encaps::syndrome`, one row at a time in 64-bit words.
        $(#[$isa])*
        pub fn syndrome_u64(
            public_key: &[u8; super::MCELIECE_PUBLIC_KEY_LEN],
            e: &[u64; super::E_WORDS],
            s: &mut [u8; super::MCELIECE_CIPHERTEXT_LEN],
        ) {
            super::syndrome_u64_body(public_key, e, s);
        }
    };
}

twins!(entry_points);

/// Bit `i` (below mt) of the error vector.
#[inline(always)]
fn e_bit(e: &[u64; E_WORDS], i: usize) -> u32 {
    e.get(i / 64).map_or(0, |w| ((w >> (i % 64)) & 1) as u32)
}

/// ORs syndrome bit `i` (`bit` is 0 or 1) into `s`.
#[inline(always)]
fn set_bit(s: &mut [u8; MCELIECE_CIPHERTEXT_LEN], i: usize, bit: u32) {
    if let Some(byte) = s.get_mut(i / 8) {
        *byte |= (bit as u8) << (i % 8);
    }
}

/// The body of [`portable::syndrome_u64`] (see the entry points).
#[inline(always)]
fn syndrome_u64_body(
    public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    e: &[u64; E_WORDS],
    s: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) {
    let (_, e_tail) = e.split_at(ROWS / 64);
    let (rows, _) = public_key.as_chunks::<PK_ROW_BYTES>();
    s.fill(0);
    for (i, row) in rows.iter().enumerate() {
        let (words, rest) = row.as_chunks::<8>();
        let mut acc = 0u64;
        for (chunk, ew) in words.iter().zip(e_tail) {
            acc ^= u64::from_le_bytes(*chunk) & ew;
        }
        // The row's last 4 bytes meet the low half of e's last word.
        if let Some(ew) = e_tail.get(words.len()) {
            acc ^= le_u64(rest) & ew;
        }
        set_bit(s, i, (acc.count_ones() ^ e_bit(e, i)) & 1);
    }
}

/// 32-bit words of a public-key row.
const ROW_WORDS32: usize = PK_ROW_BYTES / 4;
const _: () = assert!(PK_ROW_BYTES.is_multiple_of(4) && ROWS.is_multiple_of(4));

/// The little-endian word at `bytes[at..at + 4]` (0 past the end, which no caller reaches).
#[inline(always)]
fn le_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
}

/// `encaps::syndrome`, four rows at a time in 32-bit words.
pub(super) fn syndrome_u32x4(
    public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    e: &[u64; E_WORDS],
    s: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) {
    // e's last n - mt bits as little-endian 32-bit words: word w holds positions 32w.. of the
    // tail, as `u32::from_le_bytes` of the row's bytes 4w.. does.
    let mut tail = [0u32; ROW_WORDS32];
    let (_, e_tail) = e.split_at(ROWS / 64);
    for (pair, &w) in tail.chunks_mut(2).zip(e_tail) {
        for (half, shift) in pair.iter_mut().zip([0, 32]) {
            *half = (w >> shift) as u32;
        }
    }
    let (rows, _) = public_key.as_chunks::<PK_ROW_BYTES>();
    let (quads, _) = rows.as_chunks::<4>();
    s.fill(0);
    let (tail_pairs, tail_last) = tail.as_chunks::<2>();
    for (q, [r0, r1, r2, r3]) in quads.iter().enumerate() {
        let mut acc = [0u32; 4];
        // Two words per row and step (the loop overhead is a quarter of the work otherwise),
        // then the row's last word.
        let (p0, l0) = r0.as_chunks::<8>();
        let (p1, l1) = r1.as_chunks::<8>();
        let (p2, l2) = r2.as_chunks::<8>();
        let (p3, l3) = r3.as_chunks::<8>();
        for ((((a, b), c), d), ew) in p0.iter().zip(p1).zip(p2).zip(p3).zip(tail_pairs) {
            for (h, &e) in ew.iter().enumerate() {
                let at = 4 * h;
                acc[0] ^= le_u32(a, at) & e;
                acc[1] ^= le_u32(b, at) & e;
                acc[2] ^= le_u32(c, at) & e;
                acc[3] ^= le_u32(d, at) & e;
            }
        }
        if let Some(&e) = tail_last.first() {
            acc[0] ^= le_u32(l0, 0) & e;
            acc[1] ^= le_u32(l1, 0) & e;
            acc[2] ^= le_u32(l2, 0) & e;
            acc[3] ^= le_u32(l3, 0) & e;
        }
        for (r, a) in acc.iter().enumerate() {
            let i = 4 * q + r;
            set_bit(s, i, (a.count_ones() ^ e_bit(e, i)) & 1);
        }
    }
    tail.zeroize();
}
