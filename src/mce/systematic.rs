//! The public key: the Goppa code's parity-check matrix H (768 x 3488 bits) brought into
//! systematic form [I | P]; the public key is P, row by row.
//!
//! H = [S | T] is never stored whole. Its square left block S (768 x 768, 73,728 bytes) lives in
//! the key-generation workspace as `u64` words; its right block T (768 x 2720 bits) is exactly
//! the size of the public key and is built in the caller's public-key buffer. The reference
//! eliminates over the full 768 x 3488 matrix on every attempt and most attempts fail (S is
//! singular about 71% of the time), so here:
//!
//! 1. build S only and eliminate it: a cheap test of invertibility (12 words per row instead of
//!    55); a singular S ends the attempt, which is public, as in the reference;
//! 2. only then build S and T again and eliminate over both, S in the workspace and T in place
//!    in the public-key buffer, leaving T = S^-1 * T there.
//!
//! The reduced form [I | S^-1 T] is unique, so the bytes equal the reference's whatever pivot
//! rule is used. Row operations are masked (`row_k ^= row_r & mask`) and the masks pass through
//! an optimisation barrier so that the compiler cannot turn them back into branches, which it did
//! with the reference's byte loop.

use super::gf::{self, Gf};
use super::goppa::T;

pub use super::params::{FIELD_SIZE, N as CODE_LEN, PK_ROW_BYTES as T_ROW_BYTES, ROWS};
/// `u32` words per row of the square block S.
pub const S_WORDS: usize = ROWS / 32;
/// One row of the square block S: column c is bit c % 32 of word c / 32.
pub type SRow = [u32; S_WORDS];
/// The square block S of H, row by row.
pub type SBlock = [SRow; ROWS];
/// One row of T (of the public key).
type TRow = [u8; T_ROW_BYTES];
const _: () = assert!(T_ROW_BYTES.is_multiple_of(4));
/// Bytes of the public key.
pub const PUBLIC_KEY_LEN: usize = ROWS * T_ROW_BYTES;

/// Computes the columns `j0 .. j0 + 8` of H and hands them out as one byte per row: bit c of the
/// byte for row 12 i + k is bit k of `L_j^i / g(L_j)` for column j = j0 + c, where the support
/// element is `L_j = bitrev(pi[j])`.
///
/// The eight columns go through every step side by side (`Lanes`), so the compiler can put them
/// in one vector register each (the field multiplication is a few integer multiplications and
/// masks) and the long Horner chain of each column overlaps with the others'.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // j0 + 8 <= CODE_LEN < FIELD_SIZE (callers step j0 by 8)
fn column_bytes(g: &[Gf; T], pi: &[u16; FIELD_SIZE], j0: usize, mut emit: impl FnMut(usize, u8)) {
    let mut a: Lanes = [0; 8];
    for c in 0..8 {
        a[c] = gf::bitrev(pi[j0 + c] & gf::GF_MASK);
    }
    // g(a), monic, by Horner's rule, then 1 / g(a).
    let mut v: Lanes = [1; 8];
    for &coefficient in g.iter().rev() {
        v = mul_lanes(v, a);
        for x in v.iter_mut() {
            *x ^= coefficient;
        }
    }
    let mut v = inv_lanes(v);
    for i in 0..T {
        // Bit planes: byte c of `low` is the low 8 bits of value c, byte c of `high` its top 4
        // bits; transposing these 8 x 8 bit matrices gives in byte k the bit k of every value.
        let (mut low, mut high) = (0u64, 0u64);
        for (c, &vc) in v.iter().enumerate() {
            low |= u64::from(vc & 0xFF) << (8 * c);
            high |= u64::from(vc >> 8) << (8 * c);
        }
        let (low, high) = (
            transpose8(low).to_le_bytes(),
            transpose8(high).to_le_bytes(),
        );
        for (k, &byte) in low.iter().chain(&high[..gf::GF_BITS - 8]).enumerate() {
            emit(i * gf::GF_BITS + k, byte);
        }
        v = mul_lanes(v, a);
    }
}

/// Eight field elements, one per column of [`column_bytes`].
type Lanes = [Gf; 8];

/// `gf::mul` lane by lane.
#[inline(always)]
fn mul_lanes(x: Lanes, y: Lanes) -> Lanes {
    let mut r: Lanes = [0; 8];
    for ((r, &x), &y) in r.iter_mut().zip(&x).zip(&y) {
        *r = gf::mul(x, y);
    }
    r
}

/// `gf::inv` lane by lane: x^(2^12 - 2), the same square-and-multiply chain (its exponent is a
/// constant, so the loop's branch is too).
#[inline(always)]
fn inv_lanes(x: Lanes) -> Lanes {
    let (mut r, mut p): (Lanes, Lanes) = ([1; 8], x);
    let mut e: u32 = (1 << gf::GF_BITS) - 2;
    while e != 0 {
        if e & 1 == 1 {
            r = mul_lanes(r, p);
        }
        p = mul_lanes(p, p);
        e >>= 1;
    }
    r
}

/// Transposes the 8 x 8 bit matrix whose row i is byte i of `x` (bit j of row i at position
/// 8i + j): three rounds of swapping off-diagonal blocks (Hacker's Delight, section 7-3).
#[inline(always)]
fn transpose8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ (t << 28)
}

/// Builds S, the first `ROWS` columns of H. Inlined into each instruction set's
/// `public_key`, so that the columns are computed with its vectors.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // row < ROWS and j0 / 32 < S_WORDS
fn build_s(g: &[Gf; T], pi: &[u16; FIELD_SIZE], s: &mut SBlock) {
    for row in s.iter_mut() {
        row.fill(0);
    }
    for j0 in (0..ROWS).step_by(8) {
        let (word, shift) = (j0 / 32, j0 % 32);
        column_bytes(g, pi, j0, |row, byte| {
            s[row][word] |= u32::from(byte) << shift;
        });
    }
}

/// Builds T, the last `CODE_LEN - ROWS` columns of H, in the public-key buffer (inlined as
/// `build_s`).
#[inline(always)]
#[allow(clippy::indexing_slicing)] // row < ROWS and (j0 - ROWS) / 8 < T_ROW_BYTES
fn build_t(g: &[Gf; T], pi: &[u16; FIELD_SIZE], t: &mut [u8; PUBLIC_KEY_LEN]) {
    for j0 in (ROWS..CODE_LEN).step_by(8) {
        let byte_index = (j0 - ROWS) / 8;
        column_bytes(g, pi, j0, |row, byte| {
            t[row * T_ROW_BYTES + byte_index] = byte;
        });
    }
}

/// `dst ^= src & mask` on the words `FROM..` of a row of S (a constant range, so that the
/// compiler unrolls and vectorises it).
#[inline(always)]
#[allow(clippy::indexing_slicing)] // FROM <= S_WORDS (see `eliminate`)
fn xor_row<const FROM: usize>(dst: &mut SRow, src: &SRow, mask: u32) {
    for (d, s) in dst[FROM..].iter_mut().zip(&src[FROM..]) {
        *d ^= s & mask;
    }
}

/// `dst ^= src & mask` on a row of T.
#[inline(always)]
fn xor_t_row(dst: &mut TRow, src: &TRow, mask: u32) {
    // 32-bit words (a row is 85 of them): byte loops stay byte loops on CPUs without vector
    // units (armv7 without NEON, Cortex-M).
    let (dst, _) = dst.as_chunks_mut::<4>();
    let (src, _) = src.as_chunks::<4>();
    for (d, s) in dst.iter_mut().zip(src) {
        *d = (u32::from_le_bytes(*d) ^ (u32::from_le_bytes(*s) & mask)).to_le_bytes();
    }
}

/// Pivots per block of the elimination (see `clear_above`): a divisor of 32 and of 128, so that
/// a block's columns lie in one word of S and in one range of `FROM`.
const BLOCK: usize = 16;
const _: () = assert!(32usize.is_multiple_of(BLOCK) && ROWS.is_multiple_of(BLOCK));

/// The elimination, compiled once per instruction set (see `src/simd.rs`, which picks one):
/// the row kernels are plain loops over words, which the compiler vectorises for the target.
macro_rules! kernels {
    ($(#[$isa:meta])*) => {
use core::hint::black_box;

use super::{
    build_s, build_t, xor_row, xor_t_row, Gf, SBlock, SRow, TRow, BLOCK, FIELD_SIZE,
    PUBLIC_KEY_LEN, ROWS, S_WORDS, T, T_ROW_BYTES,
};

/// Pivot step `r` of [`eliminate`]; `FROM <= r / 32` is the first word of S that can be non-zero
/// in row r and below. Returns false when column r has no pivot (S is singular).
///
/// Rows below r are handled in one pass as in [`echelon_step`] (the pivot row trades places
/// with the first row that has bit r if it lacks it, then clears bit r in the rest), with the
/// pivot row's S part in registers and its T part in a local copy; the rows above it in its
/// block (from `r0`, see [`eliminate`]) are then cleared with the final pivot. The rows above
/// the block are left to [`clear_above`].
///
/// Not inlined: the verdict then stays a branch of its own, on the line the constant-time check
/// accepts (inlined, the compiler merged it with the callers' and lost its line).
#[inline(never)]
$(#[$isa])*
#[allow(clippy::indexing_slicing)] // r < ROWS; r / 32 < S_WORDS; FROM <= S_WORDS
fn step<const FROM: usize>(
    s: &mut SBlock,
    t: &mut [u8; PUBLIC_KEY_LEN],
    r0: usize,
    r: usize,
) -> bool {
    let (w, b) = (r / 32, r % 32);
    // An opaque zero: masks are XORed with it so that the compiler cannot know that they are
    // all-zeros or all-ones, and so cannot turn the masked XORs into branches.
    let opaque = black_box(0u32);

    let (upper, lower) = s.split_at_mut(r + 1);
    let (t_rows, _) = t.as_chunks_mut::<T_ROW_BYTES>();
    let (t_upper, t_lower) = t_rows.split_at_mut(r + 1);
    let mut pivot = upper[r];
    let mut pivot_t: TRow = t_upper[r];

    // 1. Rows below: find the pivot and clear bit r, in one pass (`found`: see
    // `echelon_step`).
    let mut found = (pivot[w] >> b) & 1;
    for (row_k, t_row_k) in lower.iter_mut().zip(t_lower.iter_mut()) {
        let has_k = (row_k[w] >> b) & 1;
        let take = (!found & has_k).wrapping_neg() ^ opaque;
        found |= has_k;
        let clear = has_k.wrapping_neg() ^ opaque;
        for (p, k) in pivot[FROM..].iter_mut().zip(row_k[FROM..].iter_mut()) {
            let new_pivot = *p ^ (*k & take);
            *p = new_pivot;
            *k ^= new_pivot & clear;
        }
        let (pivot_words, _) = pivot_t.as_chunks_mut::<4>();
        let (row_words, _) = t_row_k.as_chunks_mut::<4>();
        for (p, k) in pivot_words.iter_mut().zip(row_words.iter_mut()) {
            let (pw, kw) = (u32::from_le_bytes(*p), u32::from_le_bytes(*k));
            let new_pivot = pw ^ (kw & take);
            *p = new_pivot.to_le_bytes();
            *k = (kw ^ (new_pivot & clear)).to_le_bytes();
        }
    }
    // No pivot: S is singular. Which attempt succeeds is public (the reference returns here
    // too).
    if found == 0 {
        // ct-check: accepted branch (singular S, attempt fails)
        return false;
    }
    upper[r] = pivot;
    t_upper[r] = pivot_t;

    // 2. Rows above in the block: clear bit r with the pivot.
    for (row_k, t_row_k) in upper[r0..r].iter_mut().zip(t_upper[r0..r].iter_mut()) {
        let mask = ((row_k[w] >> b) & 1).wrapping_neg() ^ opaque;
        xor_row::<FROM>(row_k, &pivot, mask);
        xor_t_row(t_row_k, &pivot_t, mask);
    }
    true
}

/// Clears the columns `r0 .. r0 + BLOCK` in the rows above `r0`, with the block's pivot rows
/// (rows `r0 ..`, each with one bit of the block's columns, see [`step`]): row k gains pivot row
/// r0 + i where it has bit r0 + i. Done once per block instead of once per pivot, each row
/// above is read and written once for BLOCK pivots instead of BLOCK times. This gives what
/// clearing pivot by pivot gives: either way row k ends as itself plus pivot rows, with no bit
/// left in the block's columns, and only one such combination exists (the pivot rows' block
/// columns are the identity). `FROM <= r0 / 32`: the pivot rows are zero before it.
#[inline(never)]
$(#[$isa])*
#[allow(clippy::indexing_slicing)] // r0 + BLOCK <= ROWS; FROM <= S_WORDS
fn clear_above<const FROM: usize>(s: &mut SBlock, t: &mut [u8; PUBLIC_KEY_LEN], r0: usize) {
    let (w, b) = (r0 / 32, r0 % 32);
    let opaque = black_box(0u32);
    let (above, below) = s.split_at_mut(r0);
    let (t_rows, _) = t.as_chunks_mut::<T_ROW_BYTES>();
    let (t_above, t_below) = t_rows.split_at_mut(r0);
    let pivots: &[SRow; BLOCK] = match below.first_chunk() {
        Some(p) => p,
        None => return,
    };
    let t_pivots: &[TRow; BLOCK] = match t_below.first_chunk() {
        Some(p) => p,
        None => return,
    };
    for (row_k, t_row_k) in above.iter_mut().zip(t_above.iter_mut()) {
        let bits = row_k[w] >> b;
        let mut masks = [0u32; BLOCK];
        for (i, m) in masks.iter_mut().enumerate() {
            *m = ((bits >> i) & 1).wrapping_neg() ^ opaque;
        }
        for j in FROM..S_WORDS {
            let mut acc = row_k[j];
            for (p, &m) in pivots.iter().zip(&masks) {
                acc ^= p[j] & m;
            }
            row_k[j] = acc;
        }
        // The T part as 32-bit words in memory order: AND with a full or empty mask and XOR
        // act byte by byte, so the byte order does not matter.
        let (k_words, _) = t_row_k.as_chunks_mut::<4>();
        for (j, kw) in k_words.iter_mut().enumerate() {
            let mut acc = u32::from_ne_bytes(*kw);
            for (p, &m) in t_pivots.iter().zip(&masks) {
                let (p_words, _) = p.as_chunks::<4>();
                acc ^= u32::from_ne_bytes(p_words[j]) & m;
            }
            *kw = acc.to_ne_bytes();
        }
    }
}

/// Step `r` of the invertibility test: Gaussian elimination to echelon form, in one pass over
/// the rows below r with the pivot row held in registers. For each row k below: if the pivot
/// so far lacks bit r and row k has it, the two rows trade places (pivot += row k, then row k +=
/// new pivot = old pivot); else if row k has bit r, the pivot is added to it. Afterwards no row
/// below has bit r. Returns false when no row had it (S is singular).
#[inline(never)]
$(#[$isa])*
#[allow(clippy::indexing_slicing)] // r < ROWS; r / 32 < S_WORDS; FROM <= S_WORDS
fn echelon_step<const FROM: usize>(s: &mut SBlock, r: usize) -> bool {
    let (w, b) = (r / 32, r % 32);
    // An opaque zero, as in `step`.
    let opaque = black_box(0u32);
    let (upper, lower) = s.split_at_mut(r + 1);
    let row_r = &mut upper[r];
    let mut pivot = *row_r;
    // Whether the pivot has bit r yet, kept apart from the pivot row: reading it from the row
    // (`pivot[w]`, w known only at run time) kept the row in memory and made each row below
    // wait for the previous one's store (a chain of about 15 cycles a row); now the rows only
    // wait for this one bit (the pivot gains bit r exactly when it lacked it and row k has it).
    let mut found = (pivot[w] >> b) & 1;
    for row_k in lower.iter_mut() {
        let has_k = (row_k[w] >> b) & 1;
        let take = (!found & has_k).wrapping_neg() ^ opaque;
        found |= has_k;
        let clear = has_k.wrapping_neg() ^ opaque;
        for (p, k) in pivot[FROM..].iter_mut().zip(row_k[FROM..].iter_mut()) {
            let new_pivot = *p ^ (*k & take);
            *p = new_pivot;
            *k ^= new_pivot & clear;
        }
    }
    *row_r = pivot;
    if found == 0 {
        // ct-check: accepted branch (singular S, attempt fails)
        return false;
    }
    true
}

/// Echelon form of S (the invertibility test): false when S is singular.
$(#[$isa])*
fn is_invertible(s: &mut SBlock) -> bool {
    for r in 0..ROWS {
        let ok = match r / 128 {
            0 => echelon_step::<0>(s, r),
            1 => echelon_step::<4>(s, r),
            2 => echelon_step::<8>(s, r),
            3 => echelon_step::<12>(s, r),
            4 => echelon_step::<16>(s, r),
            _ => echelon_step::<20>(s, r),
        };
        if !ok {
            // ct-check: accepted branch (singular S, attempt fails)
            return false;
        }
    }
    true
}

/// Gauss-Jordan elimination of S, with the same row operations applied to the rows of `t`.
/// Returns false when S is singular (not expected: [`is_invertible`] is asked first).
///
/// Columns left of r are already reduced in rows r and below, and row r is zero there, so row
/// operations on S can skip the words before r / 32; `step` is instantiated for a few starting
/// words (every 128 columns) to keep the loops over S of constant length. Pivots go in blocks
/// of [`BLOCK`]: rows above a block are cleared once for all of its pivots ([`clear_above`]).
$(#[$isa])*
fn eliminate(s: &mut SBlock, t: &mut [u8; PUBLIC_KEY_LEN]) -> bool {
    for r0 in (0..ROWS).step_by(BLOCK) {
        for r in r0..r0 + BLOCK {
            let ok = match r / 128 {
                0 => step::<0>(s, t, r0, r),
                1 => step::<4>(s, t, r0, r),
                2 => step::<8>(s, t, r0, r),
                3 => step::<12>(s, t, r0, r),
                4 => step::<16>(s, t, r0, r),
                _ => step::<20>(s, t, r0, r),
            };
            if !ok {
                // ct-check: accepted branch (singular S, attempt fails)
                return false;
            }
        }
        match r0 / 128 {
            0 => clear_above::<0>(s, t, r0),
            1 => clear_above::<4>(s, t, r0),
            2 => clear_above::<8>(s, t, r0),
            3 => clear_above::<12>(s, t, r0),
            4 => clear_above::<16>(s, t, r0),
            _ => clear_above::<20>(s, t, r0),
        }
    }
    true
}

/// Builds the public key of the Goppa code (g, support from `pi`) into `pk`. Returns false when
/// the code has no systematic form with the identity on the first 768 columns (the attempt
/// fails, as in the reference). `s` is scratch space.
$(#[$isa])*
pub fn public_key(
    g: &[Gf; T],
    pi: &[u16; FIELD_SIZE],
    s: &mut SBlock,
    pk: &mut [u8; PUBLIC_KEY_LEN],
) -> bool {
    build_s(g, pi, s);
    let invertible = is_invertible(s);
    if !invertible {
        // ct-check: accepted branch (singular S, attempt fails)
        return false;
    }
    build_s(g, pi, s);
    build_t(g, pi, pk);
    let done = eliminate(s, pk);
    // S was found invertible above; the same elimination cannot fail on the same matrix.
    debug_assert!(done);
    done
}
    };
}

twins!(kernels);
