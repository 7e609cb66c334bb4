//! Our own mceliece348864 (Classic McEliece, round 4), byte-identical to the reference code.
//!
//! Shared pieces: [`gf`] (the field GF(2^12)), [`vec`] (its bitsliced vectors), [`params`].
//!
//! Key generation: [`keygen`] (the entry point, in caller memory) with [`goppa`] (the Goppa
//! polynomial), [`sort`] (constant-time sorting), [`systematic`] (the public key) and
//! [`controlbits`] (the Benes network of the field ordering). `src/simd.rs` picks the code
//! for the CPU at run time (AVX2 on x86_64 with `std`), the crate's only `unsafe`.
//!
//! Encapsulation: [`encaps`], with its syndrome kernels in [`syndrome`]; decapsulation:
//! [`decaps`], with the decoder's steps in [`decoder`]. The kernels and steps (and their AVX2
//! twins) sit below the two drivers so that src/simd.rs, which calls the twins and is called by
//! the drivers, closes no import cycle.

/// `hot! { item }`: `item` inlined into the AVX2 twins where they exist (x86_64 with `std`, not
/// compiled with AVX2 already; src/simd.rs), so that each twin gets its own copy compiled with
/// AVX2; elsewhere the compiler decides. `hot! { else ATTR; item }`: elsewhere `#[ATTR]` (an
/// `inline(never)` that keeps a frame small on the Cortex-M4, say). The one place that writes
/// this condition for an attribute.
macro_rules! hot {
    (else $otherwise:meta; $item:item) => {
        #[cfg_attr(
            all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")),
            inline(always)
        )]
        #[cfg_attr(
            not(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2"))),
            $otherwise
        )]
        $item
    };
    ($item:item) => {
        #[cfg_attr(
            all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")),
            inline(always)
        )]
        $item
    };
}

/// `twins!(entry_points)`: a file's entry points (its local `entry_points!` macro, which takes
/// the attributes for every function) as the module pair that src/simd.rs chooses from:
/// `portable` for every CPU, and `avx2`, the same code compiled with 256-bit vectors, where the
/// run-time choice exists. The one place that writes the pair and its condition.
macro_rules! twins {
    ($entry_points:ident) => {
        /// For every CPU of the target.
        pub mod portable {
            $entry_points!();
        }

        /// For x86_64 CPUs with AVX2 (the same code, compiled with 256-bit vectors).
        #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
        pub mod avx2 {
            $entry_points!(#[target_feature(enable = "avx2")]);
        }
    };
}

pub mod benes;
pub mod bm;
pub mod controlbits;
pub mod decaps;
pub mod decoder;
pub mod encaps;
pub mod fft;
pub mod gf;
pub mod goppa;
pub mod keygen;
pub mod params;
#[cfg(test)]
mod reference;
pub mod sort;
pub mod syndrome;
pub mod systematic;
pub mod vec;
