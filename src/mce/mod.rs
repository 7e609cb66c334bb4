//! Our own mceliece348864 (Classic McEliece, round 4), byte-identical to the reference code.
//!
//! Work in progress (issue 8): `gf` is the shared field arithmetic.

pub mod benes;
pub mod bm;
pub mod decaps;
pub mod encaps;
pub mod fft;
pub mod gf;
#[cfg(test)]
mod reference;
pub mod vec;
