//! The one place where an instruction set is picked at run time, and the crate's only `unsafe`.
//!
//! Every backend that has a faster path for some CPUs puts its dispatch functions here, each a
//! safe wrapper that calls its twin only after the check below; the twins themselves live next
//! to their portable originals and contain no `unsafe`.
//!
//! # McEliece
//!
//! The hot loops of key generation (the systematic-form elimination, the sorting networks and
//! the Goppa polynomial's linear system) are plain word loops, compiled twice: `portable` for every CPU of the target, and on x86_64
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

/// # ML-KEM on aarch64
///
/// NEON is part of the aarch64 baseline (every aarch64 Linux target enables it), so the twins of
/// src/mlkem/neon.rs need no run-time check. They are `#[target_feature(enable = "neon")]`
/// functions, which Rust lets ordinary code call only through `unsafe`; calling one is undefined
/// behaviour only on a CPU without NEON, and this module is compiled only where the build's
/// target has it (`target_feature = "neon"`, so the compiler already uses NEON everywhere). The
/// twins take the same references as their portable originals and contain no `unsafe` of their
/// own; their loads and stores are the two helpers below, which take references too.
#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little"
))]
pub(crate) mod neon {
    use core::arch::aarch64::{int16x8_t, uint8x16_t, vld1q_s16, vld1q_u8, vst1q_s16};

    use crate::mlkem::neon;

    /// `mlkem::arith::ntt_portable` on NEON.
    #[inline]
    pub(crate) fn mlkem_ntt(r: &mut [i16; 256]) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::ntt(r) }
    }

    /// `mlkem::arith::inv_ntt_portable` on NEON.
    #[inline]
    pub(crate) fn mlkem_inv_ntt(r: &mut [i16; 256]) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::inv_ntt(r) }
    }

    /// `mlkem::sample::sample_ntt_row_acc` on NEON (on the two-way Keccak if `two_way`).
    #[inline]
    pub(crate) fn mlkem_sample_ntt_row_acc(
        acc: &mut [i16; 256],
        rho: &[u8; 32],
        x: u8,
        b: &[[u8; 384]],
        two_way: bool,
    ) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::sample_ntt_row_acc(acc, rho, x, b, two_way) }
    }

    /// `mlkem::sample::sample_ntt_col_acc` on NEON (on the two-way Keccak if `two_way`).
    #[inline]
    pub(crate) fn mlkem_sample_ntt_col_acc(
        t: &mut [[u8; 384]],
        rho: &[u8; 32],
        j: u8,
        s: &[i16; 256],
        acc: &mut [i16; 256],
        two_way: bool,
    ) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::sample_ntt_col_acc(t, rho, j, s, acc, two_way) }
    }

    /// acc += a o b with `b` packed (ByteEncode_12), on NEON.
    #[inline]
    pub(crate) fn mlkem_basemul_acc_packed(acc: &mut [i16; 256], a: &[i16; 256], b: &[u8; 384]) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::basemul_acc_packed(acc, a, b) }
    }

    /// `mlkem::arith::to_mont_portable` on NEON.
    #[inline]
    pub(crate) fn mlkem_to_mont(r: &mut [i16; 256]) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::to_mont(r) }
    }

    /// `mlkem::arith::poly_basemul_acc_portable` on NEON.
    #[inline]
    pub(crate) fn mlkem_poly_basemul_acc(acc: &mut [i16; 256], a: &[i16; 256], b: &[i16; 256]) {
        // SAFETY: the build's target has NEON (module docs).
        unsafe { neon::poly_basemul_acc(acc, a, b) }
    }

    /// The eight lanes of `a`, lane i = `a[i]`.
    #[inline(always)]
    pub(crate) fn load(a: &[i16; 8]) -> int16x8_t {
        // SAFETY: `a` is a live reference to 8 initialised i16 (16 bytes); vld1q_s16 reads
        // exactly those 16 bytes and needs only i16 alignment, which the reference has. NEON is
        // enabled for this build (the cfg above), so the instruction exists.
        unsafe { vld1q_s16(a.as_ptr()) }
    }

    /// The sixteen bytes of `a` as a vector, lane i = `a[i]`.
    #[inline(always)]
    pub(crate) fn load_u8(a: &[u8; 16]) -> uint8x16_t {
        // SAFETY: `a` is a live reference to 16 initialised bytes; vld1q_u8 reads exactly those
        // (no alignment needed). NEON is enabled for this build (the cfg above).
        unsafe { vld1q_u8(a.as_ptr()) }
    }

    /// Writes the eight lanes of `v` into `a`, lane i to `a[i]`.
    #[inline(always)]
    pub(crate) fn store(a: &mut [i16; 8], v: int16x8_t) {
        // SAFETY: `a` is a unique live reference to 8 i16 (16 bytes); vst1q_s16 writes exactly
        // those 16 bytes with i16 alignment, which the reference has; every bit pattern is a
        // valid i16. NEON is enabled for this build (the cfg above).
        unsafe { vst1q_s16(a.as_mut_ptr(), v) }
    }
}
