//! Our own mceliece348864 (Classic McEliece, round 4), byte-identical to the reference code.
//!
//! Work in progress (issue 8): `gf` is the shared field arithmetic.
//!
//! Key generation: [`keygen`] (the entry point, in caller memory) with [`goppa`] (the Goppa
//! polynomial), [`sort`] (constant-time sorting), [`systematic`] (the public key) and
//! [`controlbits`] (the Benes network of the field ordering).

pub mod controlbits;
pub mod gf;
pub mod goppa;
pub mod keygen;
pub mod sort;
pub mod systematic;
