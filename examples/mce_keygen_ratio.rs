//! Our own McEliece (`pqpsk::mce`) against pq-mceliece 0.3.0 and classic-mceliece-rust 3.1.0,
//! interleaved seed by seed so that all see the same seeds (the same attempt counts, the same
//! error vectors) and the same machine load; prints the means and the ratios ours / theirs
//! (below 1: ours is faster); for encapsulation and decapsulation also the medians of single
//! calls, ours and theirs back to back, which a busy machine disturbs much less than the sums.
//! Criterion's groups (benches/) run one after the other, so on a
//! shared machine their ratio moves with the load; this one does not, much. Every key,
//! ciphertext and secret is checked equal across the implementations before it counts.
//!
//! ```sh
//! cargo run --release --example mce_keygen_ratio -- 40
//! ```
//!
//! A second argument `ours`, `pqm` (pq-mceliece) or `cmr` (classic-mceliece-rust) runs only that
//! implementation, key generation, encapsulation and decapsulation per seed, as counted regions
//! 1, 2 and 3 for the qemu-user instruction counter (.ci/qemu-icount.c; see .ci/mce-icount), and
//! prints a digest of everything it produced so that runs of different implementations can be
//! compared byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../tests/common/cmr.rs"]
mod cmr;
#[path = "../tests/common/measure.rs"]
mod measure;
#[path = "../tests/common/splitmix.rs"]
mod splitmix;

use std::hint::black_box;
use std::time::{Duration, Instant};

use pq_mceliece::Algorithm;
use pqpsk::mce::keygen::{self, KeygenWorkspace};
use pqpsk::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_SECRET_KEY_LEN, SHARED_SECRET_LEN};
use splitmix::SplitMix64;

const PQM: Algorithm = Algorithm::McEliece348864;
/// Encapsulation and decapsulation are microseconds: each is repeated this often per seed.
const REPEAT: u32 = 20;

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("number of seeds"))
        .unwrap_or(20);
    let only = std::env::args().nth(2);
    // classic-mceliece-rust needs about 424 KB of stack.
    std::thread::Builder::new()
        .stack_size(4 << 20)
        .spawn(move || match only.as_deref() {
            Some(which) => run_one(seeds, which),
            None => run(seeds),
        })
        .expect("spawn")
        .join()
        .expect("join");
}

/// The RNG stream of the encapsulation for `stream` (the same for every implementation).
fn encaps_rng(stream: u64) -> SplitMix64 {
    SplitMix64::new(stream ^ 0x656e_6361_7073_0000)
}

fn seed_of(stream: u64) -> [u8; 32] {
    let mut seed = [0u8; 32];
    SplitMix64::new(stream).fill(&mut seed);
    seed
}

/// Time of `f`, run `n` times.
fn time<T>(n: u32, mut f: impl FnMut() -> T) -> Duration {
    let t = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    t.elapsed()
}

#[derive(Default)]
struct Totals {
    ours: Duration,
    pqm: Duration,
    cmr: Duration,
    /// Single calls, ours and pq-mceliece's alternately (encapsulation and decapsulation).
    samples: Vec<(Duration, Duration)>,
}

/// The median of `v` (sorted in place).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

impl Totals {
    /// One call of each, timed back to back.
    fn add(&mut self, ours: Duration, pqm: Duration) {
        self.ours += ours;
        self.pqm += pqm;
        self.samples.push((ours, pqm));
    }

    /// Medians of the single calls and their ratio: a call that the shared machine's scheduler
    /// interrupted lands in the tail, not in the median.
    fn print_medians(&self, what: &str) {
        if self.samples.is_empty() {
            return;
        }
        let mut a: Vec<f64> = self.samples.iter().map(|s| s.0.as_secs_f64()).collect();
        let mut b: Vec<f64> = self.samples.iter().map(|s| s.1.as_secs_f64()).collect();
        let mut r: Vec<f64> = self
            .samples
            .iter()
            .map(|s| s.0.as_secs_f64() / s.1.as_secs_f64().max(1e-12))
            .collect();
        let (ma, mb) = (median(&mut a), median(&mut b));
        println!(
            "{what:<8} medians of {} single calls: ours {:.2} us, pq-mceliece {:.2} us, ratio {:.2}; median of the back-to-back ratios {:.2}",
            self.samples.len(),
            ma * 1e6,
            mb * 1e6,
            ma / mb,
            median(&mut r)
        );
    }

    fn print(&self, what: &str, per: f64, unit: &str, scale: f64) {
        let (ours, pqm) = (self.ours.as_secs_f64(), self.pqm.as_secs_f64());
        print!(
            "{what:<8} pqpsk::mce {:>9.2} {unit}  pq-mceliece {:>9.2} {unit}  ours/pq-mceliece {:.2}",
            ours / per * scale,
            pqm / per * scale,
            ours / pqm
        );
        if self.cmr > Duration::ZERO {
            let cmr = self.cmr.as_secs_f64();
            print!(
                "  classic-mceliece-rust {:>9.2} {unit}  ours/cmr {:.2}",
                cmr / per * scale,
                ours / cmr
            );
        }
        println!();
    }
}

fn run(seeds: u64) {
    let mut ws = Box::new(KeygenWorkspace::new());
    let (mut pk, mut sk) = (
        pqpsk::mceliece_public_key_buffer(),
        [0u8; MCELIECE_SECRET_KEY_LEN],
    );
    let (mut pk2, mut sk2) = (
        pqpsk::mceliece_public_key_buffer(),
        [0u8; MCELIECE_SECRET_KEY_LEN],
    );
    let (mut keygen_t, mut encaps_t, mut decaps_t) =
        (Totals::default(), Totals::default(), Totals::default());
    let (mut prepared, mut prepare) = (Duration::ZERO, Duration::ZERO);
    let mut attempts = 0;
    for stream in 0..seeds {
        let seed = seed_of(stream);
        // Key generation; the order alternates so that neither always runs on a warm cache.
        let mut pqm_keys = None;
        let mut ours_keygen = || {
            let t = Instant::now();
            attempts += keygen::keypair_from_seed(&seed, &mut pk, &mut sk, &mut ws);
            keygen_t.ours += t.elapsed();
        };
        let mut pqm_keygen = || {
            let t = Instant::now();
            pqm_keys = Some(
                PQM.generate_keypair_from_seed(seed)
                    .expect("pq-mceliece keygen"),
            );
            keygen_t.pqm += t.elapsed();
        };
        if stream % 2 == 0 {
            ours_keygen();
            pqm_keygen();
        } else {
            pqm_keygen();
            ours_keygen();
        }
        let t = Instant::now();
        // Draws the same 32 bytes from the same stream.
        cmr::keypair(&mut SplitMix64::new(stream), &mut pk2, &mut sk2);
        keygen_t.cmr += t.elapsed();
        let (ek, dk) = pqm_keys.expect("generated above");
        assert!(
            pk == pk2 && sk == sk2,
            "cmr keys differ for stream {stream}"
        );
        assert!(
            ek.value() == &pk[..] && dk.value() == &sk[..],
            "pq-mceliece keys differ for stream {stream}"
        );

        // Encapsulation: the same RNG stream, so the same error vector.
        let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
        let ss = pqpsk::mce::encaps::encapsulate(&mut encaps_rng(stream), &pk, &mut ct);
        let (pqm_ct, pqm_ss) = PQM
            .encapsulate(&ek, encaps_rng(stream))
            .expect("pq-mceliece encaps");
        assert!(pqm_ct.value() == ct && pqm_ss.value() == ss.as_bytes());
        for _ in 0..REPEAT {
            let a = time(1, || {
                pqpsk::mce::encaps::encapsulate(&mut encaps_rng(stream), &pk, &mut ct)
            });
            let b = time(1, || PQM.encapsulate(&ek, encaps_rng(stream)));
            encaps_t.add(a, b);
        }

        // Decapsulation of that ciphertext.
        let ss2 = pqpsk::mce::decaps::decapsulate(&sk, &ct);
        let pqm_ss2 = dk.decapsulate(&pqm_ct).expect("pq-mceliece decaps");
        assert!(ss2.as_bytes() == ss.as_bytes() && pqm_ss2.value() == ss.as_bytes());
        for _ in 0..REPEAT {
            let a = time(1, || pqpsk::mce::decaps::decapsulate(&sk, &ct));
            let b = time(1, || dk.decapsulate(&pqm_ct));
            decaps_t.add(a, b);
        }
        // Their prepared key: the one-off preparation and the decapsulations after it.
        let t = Instant::now();
        let ready = dk.prepare();
        prepare += t.elapsed();
        assert!(ready.decapsulate(&pqm_ct).expect("prepared").value() == ss.as_bytes());
        prepared += time(REPEAT, || ready.decapsulate(&pqm_ct));
    }
    let n = seeds.max(1) as f64;
    let reps = n * f64::from(REPEAT);
    println!(
        "{seeds} seeds, {:.2} attempts per key; keys, ciphertexts and secrets identical",
        attempts as f64 / n
    );
    keygen_t.print("keygen", n, "ms", 1e3);
    encaps_t.print("encaps", reps, "us", 1e6);
    decaps_t.print("decaps", reps, "us", 1e6);
    encaps_t.print_medians("encaps");
    decaps_t.print_medians("decaps");
    println!(
        "decaps  pq-mceliece prepared key {:.2} us per decapsulation after a {:.2} us preparation",
        prepared.as_secs_f64() / reps * 1e6,
        prepare.as_secs_f64() / n * 1e6
    );
}

/// FNV-1a over everything produced, to compare runs of different implementations.
struct Digest(u64);

impl Digest {
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// One implementation only, `seeds` times: keygen, encaps, decaps as counted regions 1, 2, 3.
fn run_one(seeds: u64, which: &str) {
    let mut ws = Box::new(KeygenWorkspace::new());
    let (mut pk, mut sk) = (
        pqpsk::mceliece_public_key_buffer(),
        [0u8; MCELIECE_SECRET_KEY_LEN],
    );
    let mut digest = Digest(0xcbf2_9ce4_8422_2325);
    for stream in 0..seeds {
        let seed = seed_of(stream);
        let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
        let (mut ss, mut ss2) = ([0u8; SHARED_SECRET_LEN], [0u8; SHARED_SECRET_LEN]);
        match which {
            "ours" => {
                measure::icount_mark(1, 0);
                keygen::keypair_from_seed(&seed, &mut pk, &mut sk, &mut ws);
                measure::icount_mark(1, 1);
                measure::icount_mark(2, 0);
                let s = pqpsk::mce::encaps::encapsulate(&mut encaps_rng(stream), &pk, &mut ct);
                measure::icount_mark(2, 1);
                measure::icount_mark(3, 0);
                let s2 = pqpsk::mce::decaps::decapsulate(&sk, &ct);
                measure::icount_mark(3, 1);
                ss.copy_from_slice(s.as_bytes());
                ss2.copy_from_slice(s2.as_bytes());
            }
            "pqm" => {
                measure::icount_mark(1, 0);
                let (ek, dk) = PQM.generate_keypair_from_seed(seed).expect("keygen");
                measure::icount_mark(1, 1);
                measure::icount_mark(2, 0);
                let (c, s) = PQM.encapsulate(&ek, encaps_rng(stream)).expect("encaps");
                measure::icount_mark(2, 1);
                measure::icount_mark(3, 0);
                let s2 = dk.decapsulate(&c).expect("decaps");
                measure::icount_mark(3, 1);
                pk.copy_from_slice(ek.value());
                sk.copy_from_slice(dk.value());
                ct.copy_from_slice(c.value());
                ss.copy_from_slice(s.value());
                ss2.copy_from_slice(s2.value());
            }
            "cmr" => {
                measure::icount_mark(1, 0);
                cmr::keypair(&mut SplitMix64::new(stream), &mut pk, &mut sk);
                measure::icount_mark(1, 1);
                let mut key = pk.clone();
                let view = classic_mceliece_rust::PublicKey::from(&mut *key);
                let mut rng = encaps_rng(stream);
                measure::icount_mark(2, 0);
                let mut buf = [0u8; SHARED_SECRET_LEN];
                let (c, s) =
                    classic_mceliece_rust::encapsulate(&view, &mut buf, &mut cmr::Rng06(&mut rng));
                measure::icount_mark(2, 1);
                ss = *s.as_array();
                ct = *c.as_array();
                let mut key = sk;
                let view = classic_mceliece_rust::SecretKey::from(&mut key);
                let c = classic_mceliece_rust::Ciphertext::from(ct);
                measure::icount_mark(3, 0);
                let mut buf = [0u8; SHARED_SECRET_LEN];
                let s2 = classic_mceliece_rust::decapsulate(&c, &view, &mut buf);
                measure::icount_mark(3, 1);
                ss2 = *s2.as_array();
            }
            other => panic!("unknown implementation {other:?}: ours, pqm or cmr"),
        }
        assert_eq!(
            ss, ss2,
            "{which}: decapsulation differs for stream {stream}"
        );
        for part in [&pk[..], &sk, &ct, &ss] {
            digest.add(part);
        }
    }
    println!("{which}: {seeds} seeds, digest {:016x}", digest.0);
}
