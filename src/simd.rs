//! The one place where an instruction set is picked at run time, and the crate's only `unsafe`.
//!
//! Every backend that has a faster path for some CPUs puts its dispatch functions here, each a
//! safe wrapper that calls its twin only after the check below; the twins themselves live next
//! to their portable originals and contain no `unsafe`.
//!
//! # McEliece
//!
//! The hot loops of key generation (the systematic-form elimination, the sorting networks and
//! the Goppa polynomial's linear system) and the whole of decapsulation (its additive FFTs, work
//! on four bitsliced vectors at a time, and Berlekamp-Massey, all inlined into one entry point)
//! are plain word loops, compiled twice: `portable` for every CPU of the target, and on x86_64
//! with `std` also `avx2`, the same source compiled with `#[target_feature(enable = "avx2")]`
//! so that the compiler vectorises it with 256-bit registers. Both compute the same bytes
//! (the tests run the portable one in the builds without `std` and the AVX2 one where the CPU has
//! it; the other targets, s390x big-endian included, run the portable one).
//!
//! Why the calls below are sound: calling a `#[target_feature(enable = "avx2")]` function is
//! undefined behaviour only on a CPU without AVX2; the AVX2 twin is called only after
//! `std::is_x86_feature_detected!("avx2")` returned true on this CPU (which checks CPUID and
//! that the OS saves the YMM registers). The twins take the same references as their portable
//! originals and contain no `unsafe` themselves, so nothing else about them can go wrong.
//!
//! Without `std` (firmware, no_std) there is no run-time detection: the build picks its code at
//! compile time, and a build with `-C target-feature=+avx2` already vectorises the portable
//! code with AVX2, so the twins are not compiled at all.
#![allow(unsafe_code)]

use crate::mce::decaps;
use crate::mce::gf::Gf;
use crate::mce::goppa::{self, GenpolyScratch, T};
use crate::mce::sort;
use crate::mce::systematic::{self, SBlock, FIELD_SIZE, PUBLIC_KEY_LEN};

/// True when the AVX2 twins may run (checked once, then cached by `std`).
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[inline]
fn avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// [`sort::portable::sort_u32`] on the best code for this CPU.
#[inline]
pub fn sort_u32(x: &mut [u32]) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { sort::avx2::sort_u32(x) };
    }
    sort::portable::sort_u32(x);
}

/// [`sort::portable::sort_u32_with`] on the best code for this CPU.
#[inline]
pub fn sort_u32_with(keys: &mut [u32], payload: &mut [u16]) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { sort::avx2::sort_u32_with(keys, payload) };
    }
    sort::portable::sort_u32_with(keys, payload);
}

/// [`systematic::portable::public_key`] on the best code for this CPU.
#[inline]
pub fn public_key(
    g: &[Gf; T],
    pi: &[u16; FIELD_SIZE],
    s: &mut SBlock,
    pk: &mut [u8; PUBLIC_KEY_LEN],
) -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { systematic::avx2::public_key(g, pi, s, pk) };
    }
    systematic::portable::public_key(g, pi, s, pk)
}

/// [`goppa::portable::generate`] on the best code for this CPU.
#[inline]
pub fn goppa_generate(f: &[Gf; T], mat: &mut GenpolyScratch) -> Option<[Gf; T]> {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { goppa::avx2::generate(f, mat) };
    }
    goppa::portable::generate(f, mat)
}

/// [`decaps::portable::decapsulate`] on the best code for this CPU.
#[inline]
pub fn mce_decapsulate(
    secret_key: &[u8; crate::sizes::MCELIECE_SECRET_KEY_LEN],
    ciphertext: &[u8; crate::sizes::MCELIECE_CIPHERTEXT_LEN],
) -> crate::secret::SharedSecret {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decaps::avx2::decapsulate(secret_key, ciphertext) };
    }
    decaps::portable::decapsulate(secret_key, ciphertext)
}
