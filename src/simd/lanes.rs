//! The raw vector loads and stores of the SIMD twins: each one `unsafe` intrinsic call behind a
//! safe function that takes a reference, so that the twins themselves need no `unsafe`.
//!
//! A leaf: it imports nothing of the crate, so that the twins (src/mlkem/avx2.rs,
//! src/mlkem/neon.rs) can use it while src/simd.rs, which calls into the twins, sits above them.
//! Part of the crate's one `unsafe` module, src/simd.rs (its `allow(unsafe_code)` covers this
//! file); each SAFETY comment says why its call is sound.

/// The AVX2 twins' loads and stores (src/mlkem/avx2.rs, src/mce/sort/tiles.rs): `target_feature` functions, callable
/// only from code that has AVX2 enabled itself, the twin's.
#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
pub(crate) mod avx2 {
    use core::arch::x86_64::{
        __m128i, __m256i, _mm256_loadu_si256, _mm256_storeu_si256, _mm_loadu_si128,
        _mm_storeu_si128,
    };

    /// Sixteen `i16` into a register.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn load_i16x16(a: &[i16; 16]) -> __m256i {
        // SAFETY: `a` is a reference to 32 readable bytes; `loadu` has no alignment requirement.
        unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
    }

    /// A register into sixteen `i16`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn store_i16x16(a: &mut [i16; 16], v: __m256i) {
        // SAFETY: `a` is an exclusive reference to 32 writable bytes; `storeu` has no alignment
        // requirement, and any bytes are a valid `i16`.
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().cast(), v) }
    }

    /// Thirty-two bytes into a register.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn load_u8x32(a: &[u8; 32]) -> __m256i {
        // SAFETY: `a` is a reference to 32 readable bytes; `loadu` has no alignment requirement.
        unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
    }

    /// Sixteen bytes into a 128-bit register.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn load_u8x16(a: &[u8; 16]) -> __m128i {
        // SAFETY: `a` is a reference to 16 readable bytes; `loadu` has no alignment requirement.
        unsafe { _mm_loadu_si128(a.as_ptr().cast()) }
    }

    /// A 128-bit register into eight `i16`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn store_i16x8(a: &mut [i16; 8], v: __m128i) {
        // SAFETY: `a` is an exclusive reference to 16 writable bytes; `storeu` has no alignment
        // requirement, and any bytes are a valid `i16`.
        unsafe { _mm_storeu_si128(a.as_mut_ptr().cast(), v) }
    }

    /// Eight `u32` into a register.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn load_u32x8(a: &[u32; 8]) -> __m256i {
        // SAFETY: `a` is a reference to 32 readable bytes; `loadu` has no alignment requirement.
        unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
    }

    /// A register into eight `u32`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn store_u32x8(a: &mut [u32; 8], v: __m256i) {
        // SAFETY: as `store_i16x16`: 32 writable bytes, no alignment needed, any bytes valid.
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().cast(), v) }
    }

    /// A register into four `u64`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn store_u64x4(a: &mut [u64; 4], v: __m256i) {
        // SAFETY: as `store_i16x16`: 32 writable bytes, no alignment needed, any bytes valid.
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().cast(), v) }
    }
}

/// The NEON twins' loads and stores (src/mlkem/neon.rs). NEON is enabled for the whole build
/// here (the cfg), so the instructions exist wherever these are called.
#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little"
))]
pub(crate) mod neon {
    use core::arch::aarch64::{int16x8_t, uint8x16_t, vld1q_s16, vld1q_u8, vst1q_s16};

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
