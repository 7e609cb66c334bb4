//! ML-KEM-1024 parameters (FIPS 203 section 8, Table 2) and the sizes derived from them.

/// The modulus q.
pub(super) const Q: i16 = 3329;
/// Coefficients per polynomial.
pub(super) const N: usize = 256;
/// Module rank k.
pub(super) const K: usize = 4;
/// Bits per coefficient of the compressed u (d_u).
pub(super) const DU: u32 = 11;
/// Bits per coefficient of the compressed v (d_v).
pub(super) const DV: u32 = 5;
/// eta_1 = eta_2 = 2: PRF output bytes per noise polynomial (64 * eta).
pub(super) const PRF_LEN: usize = 128;

/// One polynomial in ByteEncode_12 form.
pub(super) const POLY_BYTES: usize = 384;
/// The vector t or s in ByteEncode_12 form.
pub(super) const VEC_BYTES: usize = K * POLY_BYTES;
/// Encapsulation key: ByteEncode_12(t) || rho.
pub(super) const EK_LEN: usize = VEC_BYTES + 32;
/// One compressed polynomial of u.
pub(super) const U_POLY_BYTES: usize = N * DU as usize / 8;
/// Compressed v.
pub(super) const V_BYTES: usize = N * DV as usize / 8;
/// Ciphertext: compressed u || compressed v.
pub(super) const CT_LEN: usize = K * U_POLY_BYTES + V_BYTES;
/// Expanded decapsulation key: ByteEncode_12(s) || ek || H(ek) || z.
pub(super) const DK_LEN: usize = VEC_BYTES + EK_LEN + 32 + 32;

/// A polynomial: 256 coefficients, each a signed representative of a class mod q.
pub(super) type Poly = [i16; N];

const _: () = assert!(EK_LEN == crate::sizes::MLKEM_PUBLIC_KEY_LEN);
const _: () = assert!(CT_LEN == crate::sizes::MLKEM_CIPHERTEXT_LEN);
const _: () = assert!(DK_LEN == 3168);
