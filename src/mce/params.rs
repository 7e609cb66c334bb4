//! The parameters of mceliece348864, in one place (every other file re-exports or uses these).

use super::gf::GF_BITS;
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN};

/// Code length n: the support size, and the positions of an error vector.
pub const N: usize = 3488;
/// Errors corrected t: the degree of the Goppa polynomial and the weight of an error vector.
pub const T: usize = 64;
/// Size of the field GF(2^m), and of the permutation that orders it.
pub const FIELD_SIZE: usize = 1 << GF_BITS;
/// Rows of the parity-check matrix, m * t (also the syndrome's bits).
pub const ROWS: usize = GF_BITS * T;
/// Bytes of one public-key row: the n - m t columns of the non-identity part.
pub const PK_ROW_BYTES: usize = (N - ROWS) / 8;
/// Bytes of an error vector (and of the implicit-rejection secret s).
pub const E_BYTES: usize = N / 8;
/// 64-bit words holding the error vector (the last one half used).
pub const E_WORDS: usize = N.div_ceil(64);
/// Bytes of the Benes network's control bits in the secret key: (2m - 1) 2^(m-1) bits.
pub const CONTROL_BYTES: usize = ((2 * GF_BITS - 1) * FIELD_SIZE / 2).div_ceil(8);

/// Secret-key layout: delta (32) || pivots (8) || g (2 t) || control bits || s (n / 8).
pub const SK_PIVOTS_AT: usize = 32;
/// Offset of the Goppa polynomial's coefficients in the secret key.
pub const SK_GOPPA_AT: usize = SK_PIVOTS_AT + 8;
/// Offset of the control bits in the secret key.
pub const SK_CONTROL_AT: usize = SK_GOPPA_AT + 2 * T;
/// Offset of s in the secret key.
pub const SK_S_AT: usize = SK_CONTROL_AT + CONTROL_BYTES;

const _: () = assert!(PK_ROW_BYTES * ROWS == MCELIECE_PUBLIC_KEY_LEN);
const _: () = assert!(ROWS / 8 == MCELIECE_CIPHERTEXT_LEN);
const _: () = assert!(SK_S_AT + E_BYTES == MCELIECE_SECRET_KEY_LEN);
const _: () = assert!(CONTROL_BYTES == 5888);
