//! pqpsk's hybrid API, end to end: `ClientSecret::generate` (both key pairs), `pqpsk::respond`
//! (both encapsulations and the combiner) and `ClientSecret::finish` (both decapsulations and the
//! combiner). Compare with the sums of the per-KEM groups of the `kem` bench.

mod common;

use std::hint::black_box;

use common::{fast, slow, BenchRng};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use pqpsk::sizes::{
    CLIENT_SECRET_LEN, MCELIECE_CIPHERTEXT_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
};
use pqpsk::ClientSecret;

fn hybrid(c: &mut Criterion) {
    let mut rng = BenchRng::new(0x6879_6272_6964_0001);

    // Every call draws a new seed, so the mean covers McEliece's varying number of attempts.
    let mut group = c.benchmark_group("hybrid/keygen");
    slow(&mut group);
    group.bench_function("pqpsk", |b| {
        let mut secret = ClientSecret::new_boxed();
        let mut mlkem_pk = [0u8; MLKEM_PUBLIC_KEY_LEN];
        let mut mceliece_pk = pqpsk::mceliece_public_key_buffer();
        b.iter(|| {
            secret.generate(
                &mut rng,
                black_box(&mut mlkem_pk[..]),
                black_box(&mut mceliece_pk[..]),
            )
        });
    });
    group.finish();

    // One exchange's worth of inputs for the other two operations.
    let mut secret = ClientSecret::new_boxed();
    let mut mlkem_pk = [0u8; MLKEM_PUBLIC_KEY_LEN];
    let mut mceliece_pk = pqpsk::mceliece_public_key_buffer();
    secret
        .generate(&mut rng, &mut mlkem_pk, &mut mceliece_pk[..])
        .expect("generate");
    let mut exported = [0u8; CLIENT_SECRET_LEN];
    secret.export_into(&mut exported).expect("export");
    let mut mlkem_ct = [0u8; MLKEM_CIPHERTEXT_LEN];
    let mut mceliece_ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
    let server_psk = pqpsk::respond(
        &mut rng,
        &mlkem_pk,
        &mceliece_pk[..],
        &mut mlkem_ct,
        &mut mceliece_ct,
    )
    .expect("respond");
    let client_psk = secret.finish(&mlkem_ct, &mceliece_ct).expect("finish");
    assert!(
        client_psk.ct_eq(&server_psk),
        "client and server PSKs differ"
    );

    let mut group = c.benchmark_group("hybrid/respond");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        let mut mlkem_ct = [0u8; MLKEM_CIPHERTEXT_LEN];
        let mut mceliece_ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
        b.iter(|| {
            pqpsk::respond(
                &mut rng,
                black_box(&mlkem_pk),
                black_box(&mceliece_pk[..]),
                black_box(&mut mlkem_ct),
                black_box(&mut mceliece_ct),
            )
        });
    });
    group.finish();

    // `finish` is single-use (it wipes the secret), so each call gets a fresh copy, restored by
    // `import` outside the timed section (as is the drop of the copy).
    let mut group = c.benchmark_group("hybrid/finish");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        b.iter_batched_ref(
            || {
                let mut s = ClientSecret::new_boxed();
                s.import(&exported).expect("import");
                s
            },
            |s| s.finish(black_box(&mlkem_ct), black_box(&mceliece_ct)),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, hybrid);
criterion_main!(benches);
