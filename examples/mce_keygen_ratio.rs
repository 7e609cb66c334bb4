//! Key generation time of our own McEliece (`pqpsk::mce::keygen`) against classic-mceliece-rust,
//! interleaved seed by seed so that both see the same seeds (the same attempt counts) and the
//! same machine load; prints the means and their ratio. Criterion's groups (benches/mce_keygen.rs)
//! run one after the other, so on a shared machine their ratio moves with the load; this one
//! does not, much.
//!
//! ```sh
//! cargo run --release --example mce_keygen_ratio -- 40
//! ```
//!
//! A second argument `ours` or `theirs` runs only that implementation (no comparison), for
//! counting instructions under qemu (../shared/tools/qemu-icount) one at a time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../tests/common/cmr.rs"]
mod cmr;
#[path = "../tests/common/splitmix.rs"]
mod splitmix;

use std::time::{Duration, Instant};

use pqpsk::mce::keygen::{self, KeygenWorkspace};
use pqpsk::sizes::MCELIECE_SECRET_KEY_LEN;
use splitmix::SplitMix64;

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
    let (mut ours, mut theirs) = (Duration::ZERO, Duration::ZERO);
    let mut attempts = 0;
    for stream in 0..seeds {
        let mut seed = [0u8; 32];
        SplitMix64::new(stream).fill(&mut seed);
        let t = Instant::now();
        attempts += keygen::keypair_from_seed(&seed, &mut pk, &mut sk, &mut ws);
        ours += t.elapsed();
        let t = Instant::now();
        // Draws the same 32 bytes from the same stream.
        cmr::keypair(&mut SplitMix64::new(stream), &mut pk2, &mut sk2);
        theirs += t.elapsed();
        assert!(pk == pk2 && sk == sk2, "keys differ for stream {stream}");
    }
    let n = seeds.max(1) as u32;
    println!(
        "{seeds} seeds, {:.2} attempts per key: pqpsk::mce {:.1} ms, classic-mceliece-rust {:.1} ms, \
         ratio {:.2}",
        attempts as f64 / f64::from(n),
        (ours / n).as_secs_f64() * 1e3,
        (theirs / n).as_secs_f64() * 1e3,
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}

/// Key generation with one implementation only, `seeds` times; prints the attempt count.
fn run_one(seeds: u64, which: &str) {
    let mut ws = Box::new(KeygenWorkspace::new());
    let (mut pk, mut sk) = (
        pqpsk::mceliece_public_key_buffer(),
        [0u8; MCELIECE_SECRET_KEY_LEN],
    );
    let mut attempts = 0;
    for stream in 0..seeds {
        let mut seed = [0u8; 32];
        SplitMix64::new(stream).fill(&mut seed);
        match which {
            "ours" => attempts += keygen::keypair_from_seed(&seed, &mut pk, &mut sk, &mut ws),
            "theirs" => cmr::keypair(&mut SplitMix64::new(stream), &mut pk, &mut sk),
            other => panic!("unknown implementation {other:?}: ours or theirs"),
        }
    }
    println!("{which}: {seeds} keys, {attempts} attempts (counted for ours only)");
}
