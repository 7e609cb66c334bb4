//! A KEM shared secret: 32 bytes that are wiped on drop and never printed.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::sizes::SHARED_SECRET_LEN;

/// One KEM's shared secret, as a backend returns it. Only the combiner should ever look inside;
/// [`SharedSecret::as_bytes`] exists for known-answer tests.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SharedSecret([u8; SHARED_SECRET_LEN]);

impl SharedSecret {
    pub(crate) fn from_array(bytes: [u8; SHARED_SECRET_LEN]) -> Self {
        SharedSecret(bytes)
    }

    /// The secret bytes. Hash them; do not log, compare with `==` or branch on them.
    pub fn as_bytes(&self) -> &[u8; SHARED_SECRET_LEN] {
        &self.0
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(<secret>)")
    }
}

/// How many bytes of stack each step of one suite wipes after its backends ran (the
/// `with_suite!` arms in `exchange.rs` name them). Each value is at least the depth that step's
/// backends reach below the step's own frame, measured on 32-bit (thumbv7em at opt-level "s" and
/// 3, armv7 Linux) and 64-bit (x86_64, aarch64) builds: the backends leave secret intermediates
/// in their dead frames (our ML-KEM wipes its polynomials, seeds and Keccak states, but not the
/// register spills; Kyber's and HQC's crates wipe less), so the scrub must reach as deep as they
/// did. It should reach no deeper, or the scrub itself would set
/// the step's peak stack. tests/scrub_stack.rs checks, on the host, that no byte the backends left
/// survives below the public entry points' own frames; the firmware (examples/firmware) checks
/// the same on the Cortex-M4.
#[derive(Clone, Copy)]
pub(crate) struct ScrubDepths {
    /// After key generation with the caller's McEliece workspace.
    pub(crate) generate: usize,
    /// After key generation without one (McEliece's workspace then lies on the stack, above its
    /// frames).
    pub(crate) generate_on_stack: usize,
    /// After the server's encapsulations and combiner.
    pub(crate) respond: usize,
    /// After the client's decapsulations and combiner.
    pub(crate) finish: usize,
}

/// `bits32` on targets with 32-bit pointers, `bits64` on the others: the backends' frames differ
/// (register spills, 64-bit words split in two, different inlining).
const fn by_width(bits32: usize, bits64: usize) -> usize {
    if cfg!(target_pointer_width = "32") {
        bits32
    } else {
        bits64
    }
}

/// `simd` on x86_64 builds that have the AVX2 twins (src/simd.rs; with `std`, or compiled with
/// AVX2), `other` elsewhere: the twins keep more on the stack (our ML-KEM samples four matrix
/// entries at a time, McEliece's decoder runs four bitsliced vectors side by side). On an x86_64
/// CPU without AVX2 the portable code runs and the scrub reaches deeper than it needs to.
const fn by_simd(simd: usize, other: usize) -> usize {
    if cfg!(all(
        target_arch = "x86_64",
        any(feature = "std", target_feature = "avx2")
    )) {
        simd
    } else {
        other
    }
}

/// `bare` on targets without an OS (thumbv7em and the other bare-metal builds), `hosted` on the
/// others: for the one backend whose frames differ that much between them (`hqc-kem`: 141 KB on
/// thumbv7em, 179 KB on armv7 Linux in key generation).
#[cfg(feature = "hqc")]
const fn by_os(bare: usize, hosted: usize) -> usize {
    if cfg!(target_os = "none") {
        bare
    } else {
        hosted
    }
}

const KIB: usize = 1024;

/// McEliece's key generation with a caller's workspace.
const MCELIECE_GENERATE: usize = by_width(9 * KIB + KIB / 2, 12 * KIB);
/// The hybrid suites' key generation with a caller's workspace: McEliece's, or ML-KEM's where
/// that goes deeper (x86_64's AVX2 twins in `release-router`, 13,991 B; see `MLKEM1024`).
const HYBRID_GENERATE: usize = max(MCELIECE_GENERATE, ScrubDepths::MLKEM1024.generate);
/// Key generation with McEliece's workspace on the stack: the workspace, then the frames that
/// run below it, as deep as with a caller's workspace.
const HYBRID_GENERATE_ON_STACK: usize = crate::mce::keygen::KEYGEN_WORKSPACE_LEN + HYBRID_GENERATE;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

// The figures: peak stack with no scrub at all, in bytes, measured on 2026-12-01 as
// thumbv7em opt "s" / thumbv7em opt 3 / armv7-linux (test profile) ; x86_64 / aarch64 (test
// profile), then rounded up to a multiple of 512 B with some headroom. Each figure includes the
// 200-300 B of the entry points' own frames, which lie above the scrubbed region: the scrub
// starts below them and so reaches that much deeper than its length.
impl ScrubDepths {
    /// ML-KEM-1024 + McEliece-348864. McEliece sets the depths of key generation (with a
    /// workspace) and decapsulation, at most 16 KiB each, but where ML-KEM's AVX2 twins go
    /// deeper (below); ML-KEM's encapsulation sets `respond`. Measured generate
    /// 9,040 / 8,996 / 9,059 ; 10,199 / 11,724, respond 8,520 / 10,268 / 8,803 ; 8,791 / 8,916,
    /// finish 15,276 / 15,692 / 15,419 ; 15,323 / 15,428. With the AVX2 twins (x86_64, 2026-12-02)
    /// `respond` reaches 15,775 B (ML-KEM's encapsulation samples four matrix entries at a time).
    pub(crate) const DEFAULT_SUITE: ScrubDepths = ScrubDepths {
        generate: HYBRID_GENERATE,
        generate_on_stack: HYBRID_GENERATE_ON_STACK,
        // ML-KEM's encapsulation and SHA-256 over its public key set it (see `MLKEM1024`).
        respond: Self::MLKEM1024.respond,
        // With the entry frames above it (200-300 B), the Cortex-M4's `finish` stays within
        // issue 16's 16 KiB. s390x's frames (a 160-byte register save area per call, and the
        // decoder's steps are out of line) reach 17,086 B: its scrub goes deeper. The other
        // 64-bit targets reach 16,540 B on aarch64 in the release profile (16,175 on x86_64),
        // past 15.5 KiB and its entry frames (about 16,150 B). x86_64 with the AVX2 twins goes
        // deepest in our `release-router` profile (opt-level "s", LTO, what `.ci/release`
        // ships), where LTO inlines the twins into fewer, larger frames: 13,991 / 19,543 /
        // 18,367 B in `generate_in` / `respond` / `finish` (2026-12-02), hence its 14.5 / 20 /
        // 19 KiB (and the same for ML-KEM alone, which sets generate and respond there).
        finish: if cfg!(target_arch = "s390x") {
            17 * KIB
        } else {
            by_simd(19 * KIB, by_width(15 * KIB + KIB / 2, 16 * KIB + KIB / 2))
        },
    };
    /// ML-KEM-1024 alone: at most 4 KiB per operation, plus SHA-256 over the public key in
    /// `respond`. Measured generate 2,104 / 2,588 / 2,259 ; 2,423 / 3,652, respond 8,520 /
    /// 10,284 / 6,987 ; 8,759 / 7,908, finish 4,152 / 4,284 / 4,347 ; 4,487 / 5,188; with
    /// the AVX2 twins (x86_64) about 10.2 KB in key generation and 12.7 KB in decapsulation.
    /// (armv7 and aarch64 re-measured 2026-12-02 with the NEON samplers; x86_64's portable
    /// figures are older, the test runs its AVX2 twins.)
    ///
    /// The 64-bit targets without the twins get deeper `generate` and `finish` scrubs: aarch64's
    /// NEON samplers take key generation to 3,652 B in the test profile, 3,612 B in release,
    /// 4,556 B in `release-router` (opt-level "s", LTO) and 4,452 B at opt-level "z" with LTO
    /// (OpenWrt's settings, contrib/README.md); decapsulation to 5,188 / 5,324 / 5,980 /
    /// 5,828 B; s390x 3,454 B and 5,662 B (test profile). 3 KiB and 5 KiB left no margin there
    /// (key generation) or fell short (decapsulation in the size-optimised builds). x86_64's
    /// AVX2 twins in `release-router`: 13,991 / 19,575 / 16,375 B (2026-12-02).
    pub(crate) const MLKEM1024: ScrubDepths = ScrubDepths {
        generate: by_simd(14 * KIB + KIB / 2, by_width(3 * KIB, 4 * KIB + KIB / 2)),
        generate_on_stack: by_simd(14 * KIB + KIB / 2, by_width(3 * KIB, 4 * KIB + KIB / 2)),
        respond: by_simd(20 * KIB, by_width(11 * KIB, 9 * KIB + KIB / 2)),
        finish: by_simd(17 * KIB, by_width(5 * KIB, 6 * KIB)),
    };
    /// ML-KEM-1024 + HQC-256: the `hqc-kem` crate keeps 7-14 KB values on the stack and reaches
    /// far deeper than the other suites, and deeper on armv7 Linux than on the Cortex-M4
    /// (bare metal gets its own generate and respond). Measured generate 141,212 / 118,816 / 178,887 ;
    /// 178,183 / 178,068, respond 186,716 / 116,104 / 230,167 ; 229,479 / 229,236, finish
    /// 236,676 / 206,224 / 199,791 ; 199,031 / 213,252. `finish` is the Cortex-M4's depth on
    /// every target: at opt-level "s" or "z" with LTO, aarch64 reaches it too (236,620 and
    /// 237,108 B, 2026-12-02), past the 212 KiB it had on 64-bit targets.
    #[cfg(feature = "hqc")]
    pub(crate) const MLKEM1024_HQC256: ScrubDepths = ScrubDepths {
        generate: by_os(140 * KIB, by_width(178 * KIB, 176 * KIB)),
        generate_on_stack: by_os(140 * KIB, by_width(178 * KIB, 176 * KIB)),
        respond: by_os(184 * KIB, 228 * KIB),
        finish: 234 * KIB,
    };
    /// IVPN: Round-3 Kyber-1024 (libcrux's portable code, see `ivpn/kyber.rs`) +
    /// McEliece-348864. Kyber sets the depths but that of McEliece's key generation with the
    /// workspace on the stack. One figure for every target, the deepest of these builds
    /// (2026-12-02, no scrub; the Kyber-only suite within 112 B of them), measured as
    /// x86_64 / aarch64 / armv7 / s390x in the test profile ; x86_64 / aarch64 release ;
    /// aarch64 at opt-level "z" with LTO (OpenWrt's settings): generate 41,225 / 38,436 /
    /// 41,103 / 37,014 ; 34,335 / 39,836 ; 39,060, respond 42,375 / 41,268 / 41,795 / 41,542 ;
    /// 43,567 / 44,764 ; 47,364, finish 47,575 / 46,148 / 46,843 / 46,702 ; 48,959 / 50,220 ;
    /// 52,596. Our `release-router` profile (opt-level "s", LTO) builds libcrux at opt-level 3
    /// (Cargo.toml): at "s" its decapsulation left data 68 KB deep on x86_64 and 69 KB on
    /// aarch64; at 3, 38,951 / 42,135 / 43,783 B on x86_64 (2026-12-02).
    #[cfg(feature = "ivpn")]
    pub(crate) const IVPN_KYBER1024_MCELIECE348864: ScrubDepths = ScrubDepths {
        generate: Self::IVPN_KYBER1024.generate,
        generate_on_stack: HYBRID_GENERATE_ON_STACK,
        respond: Self::IVPN_KYBER1024.respond,
        finish: Self::IVPN_KYBER1024.finish,
    };
    /// IVPN: Round-3 Kyber-1024 alone; the figures above.
    #[cfg(feature = "ivpn")]
    pub(crate) const IVPN_KYBER1024: ScrubDepths = ScrubDepths {
        generate: 42 * KIB,
        generate_on_stack: 42 * KIB,
        respond: 47 * KIB + KIB / 2,
        finish: 53 * KIB,
    };
}

/// Runs `f` in a frame of its own, then wipes `N` bytes of the stack where that frame and
/// everything `f` called were. `f` must not be inlined into the caller, or the caller's frame would
/// hold the backends' data above the scrubbed region and the scrub would add to the peak stack
/// instead of reusing it (seen on thumbv7em, where LTO inlined McEliece key generation).
#[inline(always)]
pub(crate) fn with_stack_scrub<const N: usize, T>(f: impl FnOnce() -> T) -> T {
    let out = out_of_line(f);
    scrub_stack::<N>();
    out
}

#[inline(never)]
fn out_of_line<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Best-effort wipe of the stack just below the caller's frame, where the backends' dead frames
/// lie. Safe Rust: a zeroed array that `black_box` forces the compiler to really write. (The
/// `memset` that zeroes it runs below the array and leaves its return address there: code
/// addresses, not data; the stack tests skip those bottom bytes.)
#[inline(never)]
fn scrub_stack<const N: usize>() {
    let mut scratch = [0u8; N];
    core::hint::black_box(&mut scratch);
}
