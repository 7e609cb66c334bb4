//! The one place where an instruction set is picked at run time, and the crate's only `unsafe`.
//!
//! Every backend that has a faster path for some CPUs puts its dispatch functions here, each a
//! safe wrapper that calls its twin only after the check below; the twins themselves live next
//! to their portable originals and contain no `unsafe`.
//!
//! # McEliece
//!
//! The hot loops of key generation (the systematic-form elimination, the sorting networks and
//! the Goppa polynomial's linear system), the decoder's steps (the additive FFTs on four
//! bitsliced vectors at a time, Berlekamp-Massey) and the syndrome of encapsulation are plain
//! word loops, compiled twice: `portable` for every CPU of the target, and on x86_64
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
use crate::mce::encaps;
use crate::mce::fft::Evals;
use crate::mce::gf::Gf;
use crate::mce::goppa::{self, GenpolyScratch, T};
use crate::mce::sort;
use crate::mce::systematic::{self, SBlock, FIELD_SIZE, PUBLIC_KEY_LEN};
use crate::mce::vec::Vec12;

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

/// [`decaps::portable::inverse_goppa_squares`] on the best code for this CPU.
#[inline]
pub fn mce_inverse_goppa_squares(out: &mut Evals, tmp: &mut Evals, goppa: &[u8]) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decaps::avx2::inverse_goppa_squares(out, tmp, goppa) };
    }
    decaps::portable::inverse_goppa_squares(out, tmp, goppa);
}

/// [`decaps::portable::syndrome`] on the best code for this CPU.
#[inline]
pub fn mce_syndrome128(
    lo: &mut Vec12,
    hi: &mut Vec12,
    inv_g2: &Evals,
    w: &[u64; 64],
    tmp: &mut Evals,
) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decaps::avx2::syndrome(lo, hi, inv_g2, w, tmp) };
    }
    decaps::portable::syndrome(lo, hi, inv_g2, w, tmp);
}

/// [`decaps::portable::locator`] on the best code for this CPU.
#[inline]
pub fn mce_locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decaps::avx2::locator(s_lo, s_hi) };
    }
    decaps::portable::locator(s_lo, s_hi)
}

/// [`decaps::portable::roots`] on the best code for this CPU.
#[inline]
pub fn mce_roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decaps::avx2::roots(word, sigma, tmp) };
    }
    decaps::portable::roots(word, sigma, tmp);
}

/// [`encaps::portable::syndrome_u64`] on the best code for this CPU.
#[inline]
pub fn mce_syndrome(
    public_key: &[u8; crate::sizes::MCELIECE_PUBLIC_KEY_LEN],
    e: &[u64; encaps::E_WORDS],
    s: &mut [u8; crate::sizes::MCELIECE_CIPHERTEXT_LEN],
) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { encaps::avx2::syndrome_u64(public_key, e, s) };
    }
    encaps::portable::syndrome_u64(public_key, e, s);
}
