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

use core::hint::black_box;

use super::gf::{self, Gf};
use super::goppa::{self, T};

/// Length of the code (columns of H): the support size n.
pub const CODE_LEN: usize = 3488;
/// Rows of H: m * t.
pub const ROWS: usize = 12 * T;
/// `u64` words per row of the square block S.
pub const S_WORDS: usize = ROWS / 64;
/// Words of the square block S.
pub const S_BLOCK_WORDS: usize = ROWS * S_WORDS;
/// Bytes per row of T (and of the public key).
pub const T_ROW_BYTES: usize = (CODE_LEN - ROWS) / 8;
/// Bytes of the public key.
pub const PUBLIC_KEY_LEN: usize = ROWS * T_ROW_BYTES;
/// Size of the field, and of the permutation that orders it.
pub const FIELD_SIZE: usize = 1 << gf::GF_BITS;

/// The square block S of H, row-major, one row = `S_WORDS` words, column c = bit c % 64 of word
/// c / 64.
pub type SBlock = [u64; S_BLOCK_WORDS];

/// Computes the columns `j0 .. j0 + 8` of H and hands them out as one byte per row: bit c of the
/// byte for row 12 i + k is bit k of `L_j^i / g(L_j)` for column j = j0 + c, where the support
/// element is `L_j = bitrev(pi[j])`.
#[allow(clippy::indexing_slicing)] // j0 + 8 <= CODE_LEN < FIELD_SIZE (callers step j0 by 8)
fn column_bytes(g: &[Gf; T], pi: &[u16; FIELD_SIZE], j0: usize, mut emit: impl FnMut(usize, u8)) {
    let mut a = [0 as Gf; 8];
    let mut v = [0 as Gf; 8];
    for c in 0..8 {
        a[c] = gf::bitrev(pi[j0 + c] & gf::GF_MASK);
        v[c] = gf::inv(goppa::eval_monic(g, a[c]));
    }
    for i in 0..T {
        // Pack the 8 values bit-plane by bit-plane: plane k gathers bit k of each value.
        let mut planes = 0u128;
        for (c, &vc) in v.iter().enumerate() {
            planes |= spread12(vc) << c;
        }
        for k in 0..gf::GF_BITS {
            emit(i * gf::GF_BITS + k, (planes >> (8 * k)) as u8);
        }
        for c in 0..8 {
            v[c] = gf::mul(v[c], a[c]);
        }
    }
}

/// Spreads the 12 bits of `v` to bit positions 0, 8, 16, ..., 88 of a `u128`.
#[inline(always)]
fn spread12(v: Gf) -> u128 {
    // Branch-free: each bit moved by a fixed shift.
    let mut out = 0u128;
    for k in 0..gf::GF_BITS {
        out |= u128::from((v >> k) & 1) << (8 * k);
    }
    out
}

/// Builds S, the first `ROWS` columns of H.
#[allow(clippy::indexing_slicing)] // row < ROWS and j0 / 64 < S_WORDS
fn build_s(g: &[Gf; T], pi: &[u16; FIELD_SIZE], s: &mut SBlock) {
    s.fill(0);
    for j0 in (0..ROWS).step_by(8) {
        let (word, shift) = (j0 / 64, j0 % 64);
        column_bytes(g, pi, j0, |row, byte| {
            s[row * S_WORDS + word] |= u64::from(byte) << shift;
        });
    }
}

/// Builds T, the last `CODE_LEN - ROWS` columns of H, in the public-key buffer.
#[allow(clippy::indexing_slicing)] // row < ROWS and (j0 - ROWS) / 8 < T_ROW_BYTES
fn build_t(g: &[Gf; T], pi: &[u16; FIELD_SIZE], t: &mut [u8; PUBLIC_KEY_LEN]) {
    for j0 in (ROWS..CODE_LEN).step_by(8) {
        let byte_index = (j0 - ROWS) / 8;
        column_bytes(g, pi, j0, |row, byte| {
            t[row * T_ROW_BYTES + byte_index] = byte;
        });
    }
}

/// `dst ^= src & mask` word by word.
#[inline(always)]
fn xor_masked_u64(dst: &mut [u64], src: &[u64], mask: u64) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s & mask;
    }
}

/// `dst ^= src & mask` byte by byte.
#[inline(always)]
fn xor_masked_u8(dst: &mut [u8], src: &[u8], mask: u8) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s & mask;
    }
}

/// Gauss-Jordan elimination of S, with the same row operations applied to the rows of `t`
/// when given. Returns false when S is singular (the attempt fails).
///
/// Pivot rule: when row r lacks the pivot bit, the first row below that has it is added to it
/// (masked additions of every row below). Columns left of r are already reduced in rows r and
/// below, so row operations start at word r / 64.
#[allow(clippy::indexing_slicing)] // r < ROWS; row slices are whole rows of S and T
fn eliminate(s: &mut SBlock, mut t: Option<&mut [u8; PUBLIC_KEY_LEN]>) -> bool {
    let mut pivot_t = [0u8; T_ROW_BYTES];
    for r in 0..ROWS {
        let (w, b) = (r / 64, r % 64);
        // An opaque zero per step: masks are XORed with it so that the compiler cannot know they
        // are all-zeros or all-ones and branch on them.
        let opaque = black_box(0u64);

        // 1. Pivot repair.
        let (upper, lower) = s.split_at_mut((r + 1) * S_WORDS);
        let row_r = &mut upper[r * S_WORDS..];
        match t.as_deref_mut() {
            None => {
                for row_k in lower.chunks_exact(S_WORDS) {
                    let missing = !(row_r[w] >> b) & 1;
                    let mask = (missing & (row_k[w] >> b) & 1).wrapping_neg() ^ opaque;
                    xor_masked_u64(&mut row_r[w..], &row_k[w..], mask);
                }
            }
            Some(t) => {
                let (t_upper, t_lower) = t.split_at_mut((r + 1) * T_ROW_BYTES);
                let t_row_r = &mut t_upper[r * T_ROW_BYTES..];
                for (row_k, t_row_k) in lower
                    .chunks_exact(S_WORDS)
                    .zip(t_lower.chunks_exact(T_ROW_BYTES))
                {
                    let missing = !(row_r[w] >> b) & 1;
                    let mask = (missing & (row_k[w] >> b) & 1).wrapping_neg() ^ opaque;
                    xor_masked_u64(&mut row_r[w..], &row_k[w..], mask);
                    xor_masked_u8(t_row_r, t_row_k, mask as u8);
                }
                pivot_t.copy_from_slice(t_row_r);
            }
        }
        // Still no pivot: S is singular. Which attempt succeeds is public (the reference
        // returns here too).
        if (row_r[w] >> b) & 1 == 0 {
            // ct-check: accepted branch (singular S, attempt fails)
            return false;
        }
        let mut pivot = [0u64; S_WORDS];
        pivot.copy_from_slice(row_r);

        // 2. Clear column r in every other row.
        match t.as_deref_mut() {
            None => {
                for (k, row_k) in s.chunks_exact_mut(S_WORDS).enumerate() {
                    let other = u64::from(k != r);
                    let mask = (other & (row_k[w] >> b) & 1).wrapping_neg() ^ opaque;
                    xor_masked_u64(&mut row_k[w..], &pivot[w..], mask);
                }
            }
            Some(t) => {
                for (k, (row_k, t_row_k)) in s
                    .chunks_exact_mut(S_WORDS)
                    .zip(t.chunks_exact_mut(T_ROW_BYTES))
                    .enumerate()
                {
                    let other = u64::from(k != r);
                    let mask = (other & (row_k[w] >> b) & 1).wrapping_neg() ^ opaque;
                    xor_masked_u64(&mut row_k[w..], &pivot[w..], mask);
                    xor_masked_u8(t_row_k, &pivot_t, mask as u8);
                }
            }
        }
    }
    true
}

/// Builds the public key of the Goppa code (g, support from `pi`) into `pk`. Returns false when
/// the code has no systematic form with the identity on the first 768 columns (the attempt
/// fails, as in the reference). `s` is scratch space.
pub fn public_key(
    g: &[Gf; T],
    pi: &[u16; FIELD_SIZE],
    s: &mut SBlock,
    pk: &mut [u8; PUBLIC_KEY_LEN],
) -> bool {
    build_s(g, pi, s);
    if !eliminate(s, None) {
        return false;
    }
    build_s(g, pi, s);
    build_t(g, pi, pk);
    let done = eliminate(s, Some(pk));
    // S was found invertible above; the same elimination cannot fail on the same matrix.
    debug_assert!(done);
    done
}
