//! ML-KEM-1024, pqpsk's own against libcrux (its run-time dispatch, which picks AVX2 where the
//! CPU has it, as pqpsk's does), interleaved: each round times a batch of each implementation
//! in turn on the same seed and message, so that both see the same machine load; prints the
//! median over rounds of the ratio pqpsk / libcrux per operation (below 1: pqpsk is faster).
//! Criterion's groups (benches/mlkem.rs) run one after the other, so on a shared machine their
//! ratio moves with the load; this one moves much less. Outputs are checked equal first.
//!
//! ```sh
//! cargo bench -p pqpsk-bench --no-default-features --bench mlkem_ratio -- 200
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[allow(dead_code)]
mod common;
// The inputs, made and checked as in benches/mlkem.rs.
#[path = "common/mlkem.rs"]
mod inputs;

use std::hint::black_box;
use std::time::Instant;

use inputs::{Inputs, Replay};
use libcrux_ml_kem::mlkem1024 as crux;
use pqpsk::mlkem::DecapsulationKey;
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};

/// Calls per timed batch.
const BATCH: u32 = 50;

fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..BATCH {
        f();
    }
    t.elapsed().as_secs_f64() / f64::from(BATCH)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; the first number is the round count.
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let Inputs {
        seed,
        m,
        pk,
        ct,
        ss,
        dk,
        crux: pair,
    } = inputs::inputs(0x6d6c_6b65_6d01);
    let crux_pk = crux::MlKem1024PublicKey::from(pk);
    let (crux_ct, crux_ss) = crux::encapsulate(&crux_pk, m);
    assert_eq!(crux_ct.as_slice(), &ct);
    assert_eq!(crux_ss, ss);
    let crux_ct = crux::MlKem1024Ciphertext::from(ct);

    // "expanded": parse (the FIPS 203 section 7.3 hash check, 12 Keccak permutations, which
    // libcrux's decapsulate does not do) and decapsulate, as in benches/mlkem.rs; "expanded,
    // parsed once": decapsulate alone, like libcrux's.
    let ops = [
        "keygen",
        "encaps",
        "decaps (seed)",
        "decaps (expanded)",
        "decaps (exp., parsed once)",
    ];
    let parsed = DecapsulationKey::parse(&dk).expect("valid");
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    let mut ours_t: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    let mut theirs_t: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    for round in 0..rounds {
        let mut sample = |i: usize, ours: f64, theirs: f64| {
            // The first rounds warm the caches and the CPU clock up.
            if round >= 3 {
                ratios[i].push(ours / theirs);
                ours_t[i].push(ours);
                theirs_t[i].push(theirs);
            }
        };
        let (mut s, mut p) = ([0u8; MLKEM_SEED_LEN], [0u8; MLKEM_PUBLIC_KEY_LEN]);
        let ours = time(|| pqpsk::mlkem::generate(&mut Replay(black_box(&seed)), &mut s, &mut p));
        let theirs = time(|| {
            black_box(crux::generate_key_pair(black_box(seed)));
        });
        sample(0, ours, theirs);

        let mut out = [0u8; MLKEM_CIPHERTEXT_LEN];
        let ours = time(|| {
            black_box(pqpsk::mlkem::encapsulate(&mut Replay(&m), black_box(&pk), &mut out).ok());
        });
        let theirs = time(|| {
            let key = crux::MlKem1024PublicKey::from(*black_box(&pk));
            assert!(crux::validate_public_key(&key));
            black_box(crux::encapsulate(&key, m));
        });
        sample(1, ours, theirs);

        let theirs = time(|| {
            black_box(crux::decapsulate(black_box(pair.private_key()), &crux_ct));
        });
        let ours = time(|| {
            black_box(pqpsk::mlkem::decapsulate(black_box(&seed), black_box(&ct)));
        });
        sample(2, ours, theirs);
        let ours = time(|| {
            let key = DecapsulationKey::parse(black_box(&dk)).expect("valid");
            black_box(key.decapsulate(black_box(&ct)));
        });
        sample(3, ours, theirs);
        let ours = time(|| {
            black_box(parsed.decapsulate(black_box(&ct)));
        });
        sample(4, ours, theirs);
    }
    println!(
        "ML-KEM-1024, pqpsk / libcrux (run-time dispatch; AVX2 detected: {}), {} rounds of {BATCH} calls",
        std::is_x86_feature_detected!("avx2"),
        rounds.saturating_sub(3)
    );
    println!(
        "{:<27} {:>9} {:>11} {:>7}",
        "operation", "pqpsk us", "libcrux us", "ratio"
    );
    for (i, op) in ops.iter().enumerate() {
        println!(
            "{:<27} {:>9.2} {:>11.2} {:>7.3}",
            op,
            median(ours_t[i].clone()) * 1e6,
            median(theirs_t[i].clone()) * 1e6,
            median(ratios[i].clone())
        );
    }
}
