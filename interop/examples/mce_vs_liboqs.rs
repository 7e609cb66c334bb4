//! Our own McEliece-348864 (`pqpsk::mce`) against liboqs 0.13.0 (through `oqs::ffi`, oqs-sys'
//! vendored build) and, with the `pq-mceliece` feature, pq-mceliece 0.3.0, interleaved seed by
//! seed in one process on the seeds of the main workspace's examples/mce_keygen_ratio.rs, so that
//! all see the same attempt counts, error vectors and machine load (issue 15's native column).
//!
//! ```sh
//! CARGO_TARGET_DIR=target cargo run --release --manifest-path interop/Cargo.toml \
//!     --example mce_vs_liboqs --features pq-mceliece -- 40
//! ```
//!
//! liboqs draws its randomness through `OQS_randombytes_custom_algorithm`, fed here by the same
//! SplitMix64 streams as ours: one 32-byte draw for a key pair (the seed), 256 bytes per attempt
//! at an error vector. Every key, ciphertext and secret is checked equal across the
//! implementations before it counts. Key generation is compared by its means over the seeds
//! (attempt counts vary by seed, the same for all); encapsulation and decapsulation, repeated
//! per seed, by the medians of single calls and of the back-to-back ratios, which a busy machine
//! disturbs much less than sums.
//!
//! Which McEliece liboqs runs: oqs-sys builds liboqs with `OQS_DIST_BUILD`, so both its `clean`
//! and its `avx2` implementations are compiled and each call picks `avx2` at run time when the
//! CPU has AVX2 and POPCNT (kem_classic_mceliece_348864.c); the example prints that choice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../../tests/common/splitmix.rs"]
mod splitmix;

use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

use oqs::ffi::common::{OQS_CPU_has_extension, OQS_CPU_EXT, OQS_STATUS};
use oqs::ffi::kem as oqs_kem;
use oqs::ffi::rand::OQS_randombytes_custom_algorithm;
use pqpsk::mce::keygen::{self, KeygenWorkspace};
use pqpsk::sizes::{
    MCELIECE_CIPHERTEXT_LEN as CT_LEN, MCELIECE_PUBLIC_KEY_LEN as PK_LEN,
    MCELIECE_SECRET_KEY_LEN as SK_LEN, SHARED_SECRET_LEN as SS_LEN,
};
use splitmix::SplitMix64;

/// Encapsulation and decapsulation are microseconds: each is repeated this often per seed.
const REPEAT: usize = 20;

/// The seed of key pair `stream` (examples/mce_keygen_ratio.rs's `seed_of`).
fn seed_of(stream: u64) -> [u8; 32] {
    let mut seed = [0u8; 32];
    SplitMix64::new(stream).fill(&mut seed);
    seed
}

/// The RNG stream of encapsulation `stream` (examples/mce_keygen_ratio.rs's `encaps_rng`).
fn encaps_rng(stream: u64) -> SplitMix64 {
    SplitMix64::new(stream ^ 0x656e_6361_7073_0000)
}

/// What liboqs' randombytes draws from next.
static OQS_RNG: Mutex<Option<SplitMix64>> = Mutex::new(None);

/// liboqs' randombytes: `SplitMix64::fill` from [`OQS_RNG`], so that a draw of liboqs takes the
/// same bytes as the same draw of ours.
unsafe extern "C" fn splitmix_randombytes(out: *mut u8, len: usize) {
    // SAFETY: liboqs passes `len` writable bytes at `out`, not aliased during the call.
    let out = unsafe { std::slice::from_raw_parts_mut(out, len) };
    let mut rng = OQS_RNG.lock().expect("rng lock");
    rng.as_mut().expect("stream set before the call").fill(out);
}

/// One implementation, holding its last key pair, ciphertext and secrets.
trait Kem {
    fn name(&self) -> &'static str;
    fn keygen(&mut self, stream: u64);
    fn encaps(&mut self, stream: u64);
    fn decaps(&mut self);
    /// Public key, secret key, ciphertext, encapsulated secret, decapsulated secret.
    fn outputs(&self) -> [&[u8]; 5];
}

struct Ours {
    ws: Box<KeygenWorkspace>,
    pk: Box<[u8; PK_LEN]>,
    sk: [u8; SK_LEN],
    ct: [u8; CT_LEN],
    ss: [u8; SS_LEN],
    ss2: [u8; SS_LEN],
}

impl Kem for Ours {
    fn name(&self) -> &'static str {
        "ours"
    }
    fn keygen(&mut self, stream: u64) {
        keygen::keypair_from_seed(&seed_of(stream), &mut self.pk, &mut self.sk, &mut self.ws);
    }
    fn encaps(&mut self, stream: u64) {
        let ss = pqpsk::mce::encaps::encapsulate(&mut encaps_rng(stream), &self.pk, &mut self.ct);
        self.ss.copy_from_slice(ss.as_bytes());
    }
    fn decaps(&mut self) {
        let ss = pqpsk::mce::decaps::decapsulate(&self.sk, &self.ct);
        self.ss2.copy_from_slice(ss.as_bytes());
    }
    fn outputs(&self) -> [&[u8]; 5] {
        [&self.pk[..], &self.sk, &self.ct, &self.ss, &self.ss2]
    }
}

struct Liboqs {
    pk: Vec<u8>,
    sk: Vec<u8>,
    ct: Vec<u8>,
    ss: Vec<u8>,
    ss2: Vec<u8>,
}

fn check(status: OQS_STATUS, what: &str) {
    assert!(status == OQS_STATUS::OQS_SUCCESS, "liboqs {what} failed");
}

fn set_oqs_rng(rng: SplitMix64) {
    *OQS_RNG.lock().expect("rng lock") = Some(rng);
}

impl Kem for Liboqs {
    fn name(&self) -> &'static str {
        "liboqs"
    }
    fn keygen(&mut self, stream: u64) {
        set_oqs_rng(SplitMix64::new(stream));
        // SAFETY: the buffers have liboqs' public and secret key lengths (checked in main).
        let s = unsafe {
            oqs_kem::OQS_KEM_classic_mceliece_348864_keypair(
                self.pk.as_mut_ptr(),
                self.sk.as_mut_ptr(),
            )
        };
        check(s, "keygen");
    }
    fn encaps(&mut self, stream: u64) {
        set_oqs_rng(encaps_rng(stream));
        // SAFETY: as above, ciphertext, secret and public key lengths.
        let s = unsafe {
            oqs_kem::OQS_KEM_classic_mceliece_348864_encaps(
                self.ct.as_mut_ptr(),
                self.ss.as_mut_ptr(),
                self.pk.as_ptr(),
            )
        };
        check(s, "encaps");
    }
    fn decaps(&mut self) {
        // SAFETY: as above, secret, ciphertext and secret key lengths.
        let s = unsafe {
            oqs_kem::OQS_KEM_classic_mceliece_348864_decaps(
                self.ss2.as_mut_ptr(),
                self.ct.as_ptr(),
                self.sk.as_ptr(),
            )
        };
        check(s, "decaps");
    }
    fn outputs(&self) -> [&[u8]; 5] {
        [&self.pk, &self.sk, &self.ct, &self.ss, &self.ss2]
    }
}

#[cfg(feature = "pq-mceliece")]
mod pqm {
    use super::{encaps_rng, seed_of, Kem};
    use pq_mceliece::{Algorithm, Ciphertext, DecapsulationKey, EncapsulationKey, SharedSecret};

    const ALG: Algorithm = Algorithm::McEliece348864;

    #[derive(Default)]
    pub struct PqMceliece {
        keys: Option<(EncapsulationKey, DecapsulationKey)>,
        ct: Option<(Ciphertext, SharedSecret)>,
        ss2: Option<SharedSecret>,
    }

    impl Kem for PqMceliece {
        fn name(&self) -> &'static str {
            "pq-mceliece"
        }
        fn keygen(&mut self, stream: u64) {
            self.keys = Some(
                ALG.generate_keypair_from_seed(seed_of(stream))
                    .expect("keygen"),
            );
        }
        fn encaps(&mut self, stream: u64) {
            let (ek, _) = self.keys.as_ref().expect("keys");
            self.ct = Some(ALG.encapsulate(ek, encaps_rng(stream)).expect("encaps"));
        }
        fn decaps(&mut self) {
            let (_, dk) = self.keys.as_ref().expect("keys");
            let (ct, _) = self.ct.as_ref().expect("ciphertext");
            self.ss2 = Some(dk.decapsulate(ct).expect("decaps"));
        }
        fn outputs(&self) -> [&[u8]; 5] {
            let (ek, dk) = self.keys.as_ref().expect("keys");
            let (ct, ss) = self.ct.as_ref().expect("ciphertext");
            let ss2 = self.ss2.as_ref().expect("decapsulated");
            [ek.value(), dk.value(), ct.value(), ss.value(), ss2.value()]
        }
    }
}

/// The median of `v` (sorted in place).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Seconds of one call of `f`.
fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    black_box(t.elapsed().as_secs_f64())
}

/// Every implementation's outputs `parts` must equal ours.
fn same(kems: &[Box<dyn Kem>], parts: &[usize], what: &str, stream: u64) {
    let ours = kems[0].outputs();
    for k in &kems[1..] {
        let theirs = k.outputs();
        for &p in parts {
            assert!(
                theirs[p] == ours[p],
                "{} {what} differs for stream {stream}",
                k.name()
            );
        }
    }
}

/// Samples of one operation: per call, one time per implementation, back to back.
struct Op {
    name: &'static str,
    samples: Vec<Vec<f64>>,
}

impl Op {
    /// Means (key generation: the attempts vary by seed, the same for all) or medians of single
    /// calls and of the back-to-back ratios ours / theirs.
    fn print(&self, kems: &[Box<dyn Kem>], mean: bool) {
        let n = self.samples.len();
        let column = |i: usize| self.samples.iter().map(|s| s[i]).collect::<Vec<_>>();
        let summary = |mut v: Vec<f64>| {
            if mean {
                v.iter().sum::<f64>() / v.len().max(1) as f64
            } else {
                median(&mut v)
            }
        };
        let (unit, scale) = if mean { ("ms", 1e3) } else { ("us", 1e6) };
        let ours = summary(column(0));
        print!(
            "{:<7} {} of {n} calls: ours {:.2} {unit}",
            self.name,
            if mean { "mean" } else { "median" },
            ours * scale
        );
        for (i, k) in kems.iter().enumerate().skip(1) {
            let theirs = summary(column(i));
            let mut ratios: Vec<f64> = self.samples.iter().map(|s| s[0] / s[i]).collect();
            print!(
                "; {} {:.2} {unit}, ours/{} {:.3} (median back-to-back {:.3})",
                k.name(),
                theirs * scale,
                k.name(),
                ours / theirs,
                median(&mut ratios)
            );
        }
        println!();
    }
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("number of seeds"))
        .unwrap_or(20);
    // liboqs' clean key generation alone keeps about 340 KB on the stack.
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || run(seeds))
        .expect("spawn")
        .join()
        .expect("join");
}

fn run(seeds: u64) {
    oqs::init();
    let kem = oqs::kem::Kem::new(oqs::kem::Algorithm::ClassicMcEliece348864).expect("liboqs kem");
    assert_eq!(
        (kem.length_public_key(), kem.length_secret_key()),
        (PK_LEN, SK_LEN)
    );
    assert_eq!(
        (kem.length_ciphertext(), kem.length_shared_secret()),
        (CT_LEN, SS_LEN)
    );
    // SAFETY: a plain query of liboqs' CPU feature detection.
    let avx2 = unsafe {
        OQS_CPU_has_extension(OQS_CPU_EXT::OQS_CPU_EXT_AVX2) != 0
            && OQS_CPU_has_extension(OQS_CPU_EXT::OQS_CPU_EXT_POPCNT) != 0
    };
    // SAFETY: a function with the signature liboqs asks for, which stays valid for the process.
    unsafe { OQS_randombytes_custom_algorithm(Some(splitmix_randombytes)) };

    let mut kems: Vec<Box<dyn Kem>> = vec![
        Box::new(Ours {
            ws: Box::new(KeygenWorkspace::new()),
            pk: pqpsk::mceliece_public_key_buffer(),
            sk: [0; SK_LEN],
            ct: [0; CT_LEN],
            ss: [0; SS_LEN],
            ss2: [0; SS_LEN],
        }),
        Box::new(Liboqs {
            pk: vec![0; PK_LEN],
            sk: vec![0; SK_LEN],
            ct: vec![0; CT_LEN],
            ss: vec![0; SS_LEN],
            ss2: vec![0; SS_LEN],
        }),
    ];
    #[cfg(feature = "pq-mceliece")]
    kems.push(Box::new(pqm::PqMceliece::default()));
    let n = kems.len();
    let mut ops = ["keygen", "encaps", "decaps"].map(|name| Op {
        name,
        samples: Vec::new(),
    });
    let started = Instant::now();
    for stream in 0..seeds {
        // Key generation once per seed, the order rotating so that none always runs first.
        let mut t = vec![0.0; n];
        for j in 0..n {
            let i = (j + stream as usize) % n;
            t[i] = time(|| kems[i].keygen(stream));
        }
        ops[0].samples.push(t);
        for _ in 0..REPEAT {
            let t = kems.iter_mut().map(|k| time(|| k.encaps(stream))).collect();
            ops[1].samples.push(t);
            let t = kems.iter_mut().map(|k| time(|| k.decaps())).collect();
            ops[2].samples.push(t);
        }
        same(&kems, &[0, 1, 2, 3, 4], "output", stream);
        assert!(
            kems[0].outputs()[3] == kems[0].outputs()[4],
            "decapsulation differs"
        );
    }
    println!(
        "{seeds} seeds in {:.1} s; keys, ciphertexts and secrets identical; liboqs runs its {} \
         McEliece",
        started.elapsed().as_secs_f64(),
        if avx2 { "avx2" } else { "clean" }
    );
    #[cfg(all(feature = "pq-mceliece", target_arch = "x86_64"))]
    println!(
        "pq-mceliece's run-time dispatch (its hazmat/simd.rs) finds {}",
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
        {
            "AVX-512"
        } else {
            "no AVX-512"
        }
    );
    for (i, op) in ops.iter().enumerate() {
        op.print(&kems, i == 0);
    }
}
