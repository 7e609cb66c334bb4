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

// The layering that keeps the module graph acyclic: the twins use only the raw loads and stores
// of the leaf `lanes` (and their own backend's portable modules); this module calls the twins;
// the backends' drivers (src/mlkem/kpke.rs, src/mce/{keygen,encaps,decaps}.rs, ...) call this
// module. No twin imports a driver or this module.
pub(crate) mod lanes;

use crate::mce::decoder;
use crate::mce::fft::Evals;
use crate::mce::gf::Gf;
use crate::mce::goppa::{self, GenpolyScratch, T};
use crate::mce::params::E_WORDS;
use crate::mce::sort;
use crate::mce::syndrome;
use crate::mce::systematic::{self, SBlock, FIELD_SIZE, PUBLIC_KEY_LEN};
use crate::mce::vec::Vec12;

/// True when the AVX2 twins may run (checked once, then cached by `std`). Never in a build with
/// `--cfg pqpsk_force_portable` (see [`FORCE_PORTABLE`]).
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[inline]
fn avx2() -> bool {
    !FORCE_PORTABLE && std::is_x86_feature_detected!("avx2")
}

/// Whether the build was told to run the portable code on every CPU (`RUSTFLAGS="--cfg
/// pqpsk_force_portable"`): the dispatch below then never picks an AVX2 twin, and the twins,
/// never called, are left out of the binary. For .ci/ct-check, which can only check the code that
/// runs on the CI machine's CPU: with this, the portable ML-KEM and McEliece code that every
/// ARM router runs is checked on an AVX2 machine too. Not for production builds (only slower).
/// NEON is chosen at compile time, not here, and stays as it is.
#[cfg(target_arch = "x86_64")]
const FORCE_PORTABLE: bool = cfg!(pqpsk_force_portable);

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

/// [`decoder::portable::inverse_goppa_squares`] on the best code for this CPU.
#[inline]
pub fn mce_inverse_goppa_squares(out: &mut Evals, tmp: &mut Evals, goppa: &[u8]) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decoder::avx2::inverse_goppa_squares(out, tmp, goppa) };
    }
    decoder::portable::inverse_goppa_squares(out, tmp, goppa);
}

/// [`decoder::portable::syndrome`] on the best code for this CPU.
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
        return unsafe { decoder::avx2::syndrome(lo, hi, inv_g2, w, tmp) };
    }
    decoder::portable::syndrome(lo, hi, inv_g2, w, tmp);
}

/// [`decoder::portable::locator`] on the best code for this CPU.
#[inline]
pub fn mce_locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decoder::avx2::locator(s_lo, s_hi) };
    }
    decoder::portable::locator(s_lo, s_hi)
}

/// [`decoder::portable::roots`] on the best code for this CPU.
#[inline]
pub fn mce_roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { decoder::avx2::roots(word, sigma, tmp) };
    }
    decoder::portable::roots(word, sigma, tmp);
}

/// [`syndrome::portable::syndrome_u64`] on the best code for this CPU.
#[inline]
pub fn mce_syndrome(
    public_key: &[u8; crate::sizes::MCELIECE_PUBLIC_KEY_LEN],
    e: &[u64; E_WORDS],
    s: &mut [u8; crate::sizes::MCELIECE_CIPHERTEXT_LEN],
) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if avx2() {
        // SAFETY: the CPU has AVX2 (module docs).
        return unsafe { syndrome::avx2::syndrome_u64(public_key, e, s) };
    }
    syndrome::portable::syndrome_u64(public_key, e, s);
}

/// # ML-KEM on aarch64
///
/// NEON is part of the aarch64 baseline (every aarch64 Linux target enables it), so the twins of
/// src/mlkem/neon.rs need no run-time check. They are `#[target_feature(enable = "neon")]`
/// functions, which Rust lets ordinary code call only through `unsafe`; calling one is undefined
/// behaviour only on a CPU without NEON, and this module is compiled only where the build's
/// target has it (`target_feature = "neon"`, so the compiler already uses NEON everywhere). The
/// twins take the same references as their portable originals and contain no `unsafe` of their
/// own; their loads and stores are the helpers of src/simd/lanes.rs, which take references too.
#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little"
))]
pub(crate) mod neon {
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

    /// `mlkem::kpke::sample_ntt_row_acc` on NEON (on the two-way Keccak if `two_way`).
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

    /// `mlkem::kpke::sample_ntt_col_acc` on NEON (on the two-way Keccak if `two_way`).
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
}

// ---------------------------------------------------------------------------------------------
// ML-KEM
//
// K-PKE's key generation, encryption and decryption have an AVX2 twin (src/mlkem/avx2.rs:
// four-way Keccak for the matrix and the noise, the NTT and the base-case products on 16 lanes),
// written with `core::arch` intrinsics, which are safe inside its `#[target_feature(enable =
// "avx2")]` functions. What is left unsafe is here: calling those functions (sound after the
// check of `mlkem_avx2`, for the reason in the module docs) and the few raw loads and stores the
// twin needs (src/simd/lanes.rs, sound for the reason in each SAFETY comment). Unlike McEliece's
// twins, these are also used in a build with `-C target-feature=+avx2` (std or not): the
// portable ML-KEM code does not vectorise on its own.
//
// Each wrapper returns `None` or `false` when the CPU has no AVX2: the caller then runs the
// portable code.

#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
pub(crate) use mlkem_avx2_impl::*;

#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
mod mlkem_avx2_impl {
    use crate::mlkem::avx2;
    use crate::mlkem::sink::Sink;
    use crate::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN};
    use zeroize::Zeroizing;

    /// ByteEncode_12(s): 4 polynomials of 384 bytes.
    const VEC_BYTES: usize = 1536;

    /// True when the ML-KEM AVX2 twin may run: known at compile time with `+avx2`, else
    /// checked once by `std` (CPUID and the OS saving the YMM registers). Never with
    /// `--cfg pqpsk_force_portable` (see [`super::FORCE_PORTABLE`]).
    #[inline]
    fn mlkem_avx2() -> bool {
        if super::FORCE_PORTABLE {
            return false;
        }
        #[cfg(target_feature = "avx2")]
        return true;
        #[cfg(not(target_feature = "avx2"))]
        std::is_x86_feature_detected!("avx2")
    }

    /// [`avx2::keygen`] if the CPU has AVX2.
    #[inline]
    pub(crate) fn mlkem_keygen(
        d: &[u8; 32],
        ek: &mut [u8; MLKEM_PUBLIC_KEY_LEN],
        s_out: Option<&mut [u8; VEC_BYTES]>,
    ) -> Option<Zeroizing<[u8; 32]>> {
        if !mlkem_avx2() {
            return None;
        }
        // SAFETY: the CPU has AVX2 (module docs).
        Some(unsafe { avx2::keygen(d, ek, s_out) })
    }

    /// [`avx2::encrypt`] if the CPU has AVX2; false (nothing done) if not.
    #[inline]
    pub(crate) fn mlkem_encrypt<S: Sink + ?Sized>(
        ek: &[u8; MLKEM_PUBLIC_KEY_LEN],
        m: &[u8; 32],
        coins: &[u8; 32],
        sink: &mut S,
    ) -> bool {
        if !mlkem_avx2() {
            return false;
        }
        // SAFETY: the CPU has AVX2 (module docs).
        unsafe { avx2::encrypt(ek, m, coins, sink) };
        true
    }

    /// [`avx2::decrypt`] if the CPU has AVX2.
    #[inline]
    pub(crate) fn mlkem_decrypt(
        ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN],
        s_hat: &mut dyn FnMut(usize, &mut [i16; 256]),
    ) -> Option<Zeroizing<[u8; 32]>> {
        if !mlkem_avx2() {
            return None;
        }
        // SAFETY: the CPU has AVX2 (module docs).
        Some(unsafe { avx2::decrypt(ciphertext, s_hat) })
    }

    /// [`avx2::decrypt_from_sigma`] if the CPU has AVX2.
    #[inline]
    pub(crate) fn mlkem_decrypt_from_sigma(
        ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN],
        sigma: &[u8; 32],
    ) -> Option<Zeroizing<[u8; 32]>> {
        if !mlkem_avx2() {
            return None;
        }
        // SAFETY: the CPU has AVX2 (module docs).
        Some(unsafe { avx2::decrypt_from_sigma(ciphertext, sigma) })
    }

    /// The NTT twins, for the unit tests that compare them with the portable code (the CPU must
    /// have AVX2: the tests check first, and these check again).
    #[cfg(test)]
    pub(crate) fn mlkem_test_ntt(p: &mut [i16; 256]) {
        assert!(mlkem_avx2());
        // SAFETY: the CPU has AVX2 (asserted).
        unsafe { avx2::ntt(p) }
    }

    #[cfg(test)]
    pub(crate) fn mlkem_test_inv_ntt(p: &mut [i16; 256]) {
        assert!(mlkem_avx2());
        // SAFETY: the CPU has AVX2 (asserted).
        unsafe { avx2::inv_ntt(p) }
    }

    #[cfg(test)]
    pub(crate) fn mlkem_test_basemul(acc: &mut [i16; 256], a: &[i16; 256], b: &[i16; 256]) {
        assert!(mlkem_avx2());
        // SAFETY: the CPU has AVX2 (asserted).
        unsafe { avx2::basemul_acc(acc, a, b) }
    }
}
