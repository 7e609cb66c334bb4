//! ML-KEM-1024 in Rust, same seeds and messages: pqpsk's own (`pqpsk::mlkem`, from the 64-byte
//! seed and from the expanded key), RustCrypto `ml-kem` (the crate it replaced), libcrux
//! (portable, and its run-time dispatch, which picks AVX2 where the CPU has it), next to
//! PQClean's C (through `pqcrypto-mlkem`'s safe API, which picks its AVX2 code where available).
//!
//! Groups `mlkem1024-impls/<operation>`, one function per implementation. What each measures:
//! - keygen: from a 64-byte seed (PQClean: from the OS RNG);
//! - encaps: the public-key check and hash included for pqpsk, ml-kem (`EncapsulationKey::new`)
//!   and libcrux (`validate_public_key`);
//! - decaps: `pqpsk` re-derives the key from the seed every call (its default secret form), as does
//!   `ml-kem` from its seed; `pqpsk-expanded` (3,168-byte FIPS 203 key, hash check included),
//!   libcrux and PQClean use the expanded key.

// Shared with the other bench targets; this one uses only part of it.
#[allow(dead_code)]
mod common;
// The inputs, made and checked as in benches/mlkem_ratio.rs (which also reads `ss`).
#[allow(dead_code)]
#[path = "common/mlkem.rs"]
mod inputs;

use std::hint::black_box;

use common::fast;
use criterion::{criterion_group, criterion_main, Criterion};
use inputs::{Inputs, Replay};
use libcrux_ml_kem::mlkem1024 as crux;
use ml_kem::array::Array;
use ml_kem::kem::{Decapsulate, Encapsulate, KeyExport};
use pqcrypto_mlkem::mlkem1024 as pqclean;
use pqcrypto_traits::kem::{Ciphertext as _, PublicKey as _};
use pqpsk::mlkem::DecapsulationKey;
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};

fn mlkem(c: &mut Criterion) {
    // Keys and ciphertexts, checked to agree before anything is timed.
    let Inputs {
        seed,
        m,
        pk,
        ct,
        dk,
        crux: pair,
        ..
    } = inputs::inputs(0x6d6c_6b65_6d00);
    let rc_dk = ml_kem::DecapsulationKey1024::from_seed(Array(seed));
    assert_eq!(rc_dk.encapsulation_key().to_bytes()[..], pk[..]);
    let (pq_pk, pq_sk) = pqclean::keypair();
    let (_, pq_ct) = pqclean::encapsulate(&pq_pk);
    let mut pq_pk_bytes = [0u8; MLKEM_PUBLIC_KEY_LEN];
    pq_pk_bytes.copy_from_slice(pq_pk.as_bytes());
    let _ = pqpsk::mlkem::encapsulate(
        &mut Replay(&m),
        &pq_pk_bytes,
        &mut [0u8; MLKEM_CIPHERTEXT_LEN],
    )
    .expect("PQClean key passes our check");

    let mut group = c.benchmark_group("mlkem1024-impls/keygen");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        let (mut s, mut p) = ([0u8; MLKEM_SEED_LEN], [0u8; MLKEM_PUBLIC_KEY_LEN]);
        b.iter(|| pqpsk::mlkem::generate(&mut Replay(black_box(&seed)), &mut s, &mut p))
    });
    group.bench_function("ml-kem", |b| {
        b.iter(|| {
            ml_kem::DecapsulationKey1024::from_seed(Array(black_box(seed)))
                .encapsulation_key()
                .to_bytes()
        })
    });
    group.bench_function("libcrux-portable", |b| {
        b.iter(|| crux::portable::generate_key_pair(black_box(seed)))
    });
    group.bench_function("libcrux", |b| {
        b.iter(|| crux::generate_key_pair(black_box(seed)))
    });
    group.bench_function("pqclean", |b| b.iter(pqclean::keypair));
    group.finish();

    let mut group = c.benchmark_group("mlkem1024-impls/encaps");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        let mut out = [0u8; MLKEM_CIPHERTEXT_LEN];
        b.iter(|| pqpsk::mlkem::encapsulate(&mut Replay(&m), black_box(&pk), &mut out))
    });
    group.bench_function("ml-kem", |b| {
        b.iter(|| {
            let ek = ml_kem::EncapsulationKey1024::new(&Array(*black_box(&pk))).expect("valid");
            ek.encapsulate_with_rng(&mut Replay(&m))
        })
    });
    group.bench_function("libcrux-portable", |b| {
        b.iter(|| {
            let key = crux::MlKem1024PublicKey::from(*black_box(&pk));
            assert!(crux::portable::validate_public_key(&key));
            crux::portable::encapsulate(&key, m)
        })
    });
    group.bench_function("libcrux", |b| {
        b.iter(|| {
            let key = crux::MlKem1024PublicKey::from(*black_box(&pk));
            assert!(crux::validate_public_key(&key));
            crux::encapsulate(&key, m)
        })
    });
    group.bench_function("pqclean", |b| {
        b.iter(|| pqclean::encapsulate(black_box(&pq_pk)))
    });
    group.finish();

    let mut group = c.benchmark_group("mlkem1024-impls/decaps");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        b.iter(|| pqpsk::mlkem::decapsulate(black_box(&seed), black_box(&ct)))
    });
    group.bench_function("pqpsk-expanded", |b| {
        b.iter(|| {
            DecapsulationKey::parse(black_box(&dk))
                .expect("valid")
                .decapsulate(black_box(&ct))
        })
    });
    group.bench_function("ml-kem", |b| {
        b.iter(|| {
            ml_kem::DecapsulationKey1024::from_seed(Array(black_box(seed))).decapsulate(&Array(ct))
        })
    });
    group.bench_function("libcrux-portable", |b| {
        let c = crux::MlKem1024Ciphertext::from(ct);
        b.iter(|| crux::portable::decapsulate(black_box(pair.private_key()), &c))
    });
    group.bench_function("libcrux", |b| {
        let c = crux::MlKem1024Ciphertext::from(ct);
        b.iter(|| crux::decapsulate(black_box(pair.private_key()), &c))
    });
    group.bench_function("pqclean", |b| {
        let _ = pq_ct.as_bytes();
        b.iter(|| pqclean::decapsulate(black_box(&pq_ct), &pq_sk))
    });
    group.finish();
    let _ = rc_dk;
}

criterion_group!(benches, mlkem);
criterion_main!(benches);
