//! Each KEM on its own: pqpsk's backend (`pqpsk::mlkem`, `pqpsk::mceliece`) against PQClean's C
//! code (through the `pqcrypto-mlkem` and `pqcrypto-classicmceliece` crates).
//!
//! Groups are named `<kem>/<operation>` and hold one function per implementation:
//! - `pqpsk`: this crate's own backends, pure Rust (`pqpsk::mlkem`, and `pqpsk::mce` for every
//!   McEliece operation); benches/mlkem.rs puts our ML-KEM next to RustCrypto `ml-kem` and libcrux;
//! - `classic-mceliece-rust` (McEliece encapsulation and decapsulation): that crate called
//!   directly, the pure-Rust implementation `pqpsk::mce` replaces (byte-identical results);
//! - `pq-mceliece` (McEliece): pq-mceliece 0.3.0, pure Rust with run-time SIMD dispatch, the
//!   fastest other Rust implementation (checked to give our keys, ciphertexts and secrets);
//!   `pq-mceliece-prepare+decaps` includes its one-off decapsulation-key preparation;
//! - `pqclean`: PQClean's portable "clean" C implementation, the like-for-like comparison;
//! - `pqclean-avx2`: PQClean's AVX2 implementation, which pqcrypto's safe API picks at run time on
//!   a CPU that has AVX2 (only benchmarked there).
//!
//! Differences in what is measured, by design of pqpsk:
//! - pqpsk keeps the ML-KEM decapsulation key as its 64-byte seed, so `mlkem1024/decaps` for
//!   pqpsk re-expands the key (about one key generation) before decapsulating; PQClean
//!   decapsulates with the expanded 3,168-byte key.
//! - pqpsk's ML-KEM encapsulation checks the public key (FIPS 203 section 7.2) every call.
//! - pqpsk draws its randomness from the benchmark RNG in memory; PQClean reads the OS RNG
//!   (a `getrandom` system call per draw).

#[path = "../../tests/common/cmr.rs"]
mod cmr;
mod common;

use std::ffi::c_int;
use std::hint::black_box;

use common::{fast, slow, BenchRng};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
#[cfg(feature = "pqclean")]
use pqcrypto_classicmceliece::ffi as mc_ffi;
#[cfg(feature = "pqclean")]
use pqcrypto_mlkem::ffi as mlkem_ffi;
use pqpsk::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN,
    MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN, SHARED_SECRET_LEN,
};

type KeypairFn = unsafe extern "C" fn(pk: *mut u8, sk: *mut u8) -> c_int;
type EncFn = unsafe extern "C" fn(ct: *mut u8, ss: *mut u8, pk: *const u8) -> c_int;
type DecFn = unsafe extern "C" fn(ss: *mut u8, ct: *const u8, sk: *const u8) -> c_int;

/// One PQClean implementation of a KEM (PQClean's `crypto_kem_*` API), with safe wrappers that
/// check every buffer length before calling into C. None without the `pqclean` feature.
#[cfg_attr(not(feature = "pqclean"), allow(dead_code))]
struct CKem {
    name: &'static str,
    pk_len: usize,
    sk_len: usize,
    ct_len: usize,
    keypair: KeypairFn,
    enc: EncFn,
    dec: DecFn,
}

#[cfg_attr(not(feature = "pqclean"), allow(dead_code))]
impl CKem {
    fn keypair(&self, pk: &mut [u8], sk: &mut [u8]) {
        assert!(pk.len() == self.pk_len && sk.len() == self.sk_len);
        // SAFETY: the buffers are exactly as long as the C function writes.
        let rc = unsafe { (self.keypair)(pk.as_mut_ptr(), sk.as_mut_ptr()) };
        assert_eq!(rc, 0, "{} keypair failed", self.name);
    }

    fn encapsulate(&self, pk: &[u8], ct: &mut [u8], ss: &mut [u8; SHARED_SECRET_LEN]) {
        assert!(pk.len() == self.pk_len && ct.len() == self.ct_len);
        // SAFETY: the buffers are exactly as long as the C function reads or writes.
        let rc = unsafe { (self.enc)(ct.as_mut_ptr(), ss.as_mut_ptr(), pk.as_ptr()) };
        assert_eq!(rc, 0, "{} encapsulate failed", self.name);
    }

    fn decapsulate(&self, sk: &[u8], ct: &[u8], ss: &mut [u8; SHARED_SECRET_LEN]) {
        assert!(sk.len() == self.sk_len && ct.len() == self.ct_len);
        // SAFETY: the buffers are exactly as long as the C function reads or writes.
        let rc = unsafe { (self.dec)(ss.as_mut_ptr(), ct.as_ptr(), sk.as_ptr()) };
        assert_eq!(rc, 0, "{} decapsulate failed", self.name);
    }

    /// Fresh key pair buffers, filled.
    fn generate(&self) -> (Vec<u8>, Vec<u8>) {
        let (mut pk, mut sk) = (vec![0u8; self.pk_len], vec![0u8; self.sk_len]);
        self.keypair(&mut pk, &mut sk);
        (pk, sk)
    }
}

/// Whether the AVX2 objects were built (the pqcrypto build scripts' own condition).
#[cfg(all(
    feature = "pqclean",
    target_arch = "x86_64",
    not(windows),
    not(target_os = "macos")
))]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("popcnt")
}

/// Without the `pqclean` feature: pqpsk (and classic-mceliece-rust) alone.
#[cfg(not(feature = "pqclean"))]
fn mlkem_impls() -> Vec<CKem> {
    Vec::new()
}

#[cfg(feature = "pqclean")]
fn mlkem_impls() -> Vec<CKem> {
    #[allow(unused_mut)]
    let mut impls = vec![CKem {
        name: "pqclean",
        pk_len: mlkem_ffi::PQCLEAN_MLKEM1024_CLEAN_CRYPTO_PUBLICKEYBYTES,
        sk_len: mlkem_ffi::PQCLEAN_MLKEM1024_CLEAN_CRYPTO_SECRETKEYBYTES,
        ct_len: mlkem_ffi::PQCLEAN_MLKEM1024_CLEAN_CRYPTO_CIPHERTEXTBYTES,
        keypair: mlkem_ffi::PQCLEAN_MLKEM1024_CLEAN_crypto_kem_keypair,
        enc: mlkem_ffi::PQCLEAN_MLKEM1024_CLEAN_crypto_kem_enc,
        dec: mlkem_ffi::PQCLEAN_MLKEM1024_CLEAN_crypto_kem_dec,
    }];
    #[cfg(all(target_arch = "x86_64", not(windows), not(target_os = "macos")))]
    if has_avx2() {
        impls.push(CKem {
            name: "pqclean-avx2",
            pk_len: mlkem_ffi::PQCLEAN_MLKEM1024_AVX2_CRYPTO_PUBLICKEYBYTES,
            sk_len: mlkem_ffi::PQCLEAN_MLKEM1024_AVX2_CRYPTO_SECRETKEYBYTES,
            ct_len: mlkem_ffi::PQCLEAN_MLKEM1024_AVX2_CRYPTO_CIPHERTEXTBYTES,
            keypair: mlkem_ffi::PQCLEAN_MLKEM1024_AVX2_crypto_kem_keypair,
            enc: mlkem_ffi::PQCLEAN_MLKEM1024_AVX2_crypto_kem_enc,
            dec: mlkem_ffi::PQCLEAN_MLKEM1024_AVX2_crypto_kem_dec,
        });
    }
    for c in &impls {
        assert_eq!(
            (c.pk_len, c.ct_len),
            (MLKEM_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN)
        );
    }
    impls
}

/// Without the `pqclean` feature: pqpsk (and classic-mceliece-rust) alone.
#[cfg(not(feature = "pqclean"))]
fn mceliece_impls() -> Vec<CKem> {
    Vec::new()
}

#[cfg(feature = "pqclean")]
fn mceliece_impls() -> Vec<CKem> {
    #[allow(unused_mut)]
    let mut impls = vec![CKem {
        name: "pqclean",
        pk_len: mc_ffi::PQCLEAN_MCELIECE348864_CLEAN_CRYPTO_PUBLICKEYBYTES,
        sk_len: mc_ffi::PQCLEAN_MCELIECE348864_CLEAN_CRYPTO_SECRETKEYBYTES,
        ct_len: mc_ffi::PQCLEAN_MCELIECE348864_CLEAN_CRYPTO_CIPHERTEXTBYTES,
        keypair: mc_ffi::PQCLEAN_MCELIECE348864_CLEAN_crypto_kem_keypair,
        enc: mc_ffi::PQCLEAN_MCELIECE348864_CLEAN_crypto_kem_enc,
        dec: mc_ffi::PQCLEAN_MCELIECE348864_CLEAN_crypto_kem_dec,
    }];
    #[cfg(all(target_arch = "x86_64", not(windows), not(target_os = "macos")))]
    if has_avx2() {
        impls.push(CKem {
            name: "pqclean-avx2",
            pk_len: mc_ffi::PQCLEAN_MCELIECE348864_AVX2_CRYPTO_PUBLICKEYBYTES,
            sk_len: mc_ffi::PQCLEAN_MCELIECE348864_AVX2_CRYPTO_SECRETKEYBYTES,
            ct_len: mc_ffi::PQCLEAN_MCELIECE348864_AVX2_CRYPTO_CIPHERTEXTBYTES,
            keypair: mc_ffi::PQCLEAN_MCELIECE348864_AVX2_crypto_kem_keypair,
            enc: mc_ffi::PQCLEAN_MCELIECE348864_AVX2_crypto_kem_enc,
            dec: mc_ffi::PQCLEAN_MCELIECE348864_AVX2_crypto_kem_dec,
        });
    }
    for c in &impls {
        assert_eq!(
            (c.pk_len, c.sk_len, c.ct_len),
            (
                MCELIECE_PUBLIC_KEY_LEN,
                MCELIECE_SECRET_KEY_LEN,
                MCELIECE_CIPHERTEXT_LEN
            )
        );
    }
    impls
}

// ---------------------------------------------------------------------------------------------
// ML-KEM-1024

/// A pqpsk ML-KEM key pair: (seed, public key).
fn pqpsk_mlkem_keys(rng: &mut BenchRng) -> ([u8; MLKEM_SEED_LEN], [u8; MLKEM_PUBLIC_KEY_LEN]) {
    let mut seed = [0u8; MLKEM_SEED_LEN];
    let mut pk = [0u8; MLKEM_PUBLIC_KEY_LEN];
    pqpsk::mlkem::generate(rng, &mut seed, &mut pk);
    (seed, pk)
}

/// Before timing anything: every implementation round-trips, and each interoperates with pqpsk
/// in both directions (so the benchmarks call working code on equivalent keys).
fn check_mlkem(rng: &mut BenchRng, impls: &[CKem]) {
    let (seed, pk) = pqpsk_mlkem_keys(rng);
    let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
    let ss = pqpsk::mlkem::encapsulate(rng, &pk, &mut ct).expect("valid key");
    assert_eq!(
        ss.as_bytes(),
        pqpsk::mlkem::decapsulate(&seed, &ct).as_bytes()
    );
    for c in impls {
        let (c_pk, c_sk) = c.generate();
        let (mut ss1, mut ss2) = ([0u8; SHARED_SECRET_LEN], [0u8; SHARED_SECRET_LEN]);
        c.encapsulate(&c_pk, &mut ct, &mut ss1);
        c.decapsulate(&c_sk, &ct, &mut ss2);
        assert_eq!(ss1, ss2, "{} round trip", c.name);
        // pqpsk encapsulates to PQClean's key, PQClean decapsulates.
        let c_pk_array: [u8; MLKEM_PUBLIC_KEY_LEN] = c_pk.as_slice().try_into().expect("length");
        let ss = pqpsk::mlkem::encapsulate(rng, &c_pk_array, &mut ct).expect("valid key");
        c.decapsulate(&c_sk, &ct, &mut ss2);
        assert_eq!(ss.as_bytes(), &ss2, "pqpsk -> {}", c.name);
        // PQClean encapsulates to pqpsk's key, pqpsk decapsulates.
        c.encapsulate(&pk, &mut ct, &mut ss1);
        assert_eq!(
            &ss1,
            pqpsk::mlkem::decapsulate(&seed, &ct).as_bytes(),
            "{} -> pqpsk",
            c.name
        );
    }
}

fn mlkem(c: &mut Criterion) {
    let mut rng = BenchRng::new(0x6d6c_6b65_6d00_0001);
    let impls = mlkem_impls();
    check_mlkem(&mut rng, &impls);

    let mut group = c.benchmark_group("mlkem1024/keygen");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        let mut seed = [0u8; MLKEM_SEED_LEN];
        let mut pk = [0u8; MLKEM_PUBLIC_KEY_LEN];
        b.iter(|| pqpsk::mlkem::generate(&mut rng, black_box(&mut seed), black_box(&mut pk)));
    });
    bench_c_keygen(&mut group, &impls);
    group.finish();

    let mut group = c.benchmark_group("mlkem1024/encaps");
    fast(&mut group);
    let (seed, pk) = pqpsk_mlkem_keys(&mut rng);
    group.bench_function("pqpsk", |b| {
        let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
        b.iter(|| pqpsk::mlkem::encapsulate(&mut rng, black_box(&pk), black_box(&mut ct)));
    });
    let c_keys: Vec<(Vec<u8>, Vec<u8>)> = impls.iter().map(CKem::generate).collect();
    bench_c_encaps(&mut group, &impls, &c_keys);
    group.finish();

    let mut group = c.benchmark_group("mlkem1024/decaps");
    fast(&mut group);
    let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
    pqpsk::mlkem::encapsulate(&mut rng, &pk, &mut ct).expect("valid key");
    group.bench_function("pqpsk", |b| {
        b.iter(|| pqpsk::mlkem::decapsulate(black_box(&seed), black_box(&ct)));
    });
    bench_c_decaps(&mut group, &impls, &c_keys);
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Classic-McEliece-348864

/// A pqpsk McEliece key pair: (public key on the heap, secret key).
fn pqpsk_mceliece_keys(
    rng: &mut BenchRng,
) -> (
    Box<[u8; MCELIECE_PUBLIC_KEY_LEN]>,
    [u8; MCELIECE_SECRET_KEY_LEN],
) {
    let mut pk = pqpsk::mceliece_public_key_buffer();
    let mut sk = [0u8; MCELIECE_SECRET_KEY_LEN];
    let mut ws = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
    pqpsk::mceliece::generate(rng, &mut pk, &mut sk, &mut ws);
    (pk, sk)
}

/// As [`check_mlkem`]. Returns the keys made on the way (McEliece keys are slow to make).
#[allow(clippy::type_complexity)]
fn check_mceliece(
    rng: &mut BenchRng,
    impls: &[CKem],
) -> (
    (
        Box<[u8; MCELIECE_PUBLIC_KEY_LEN]>,
        [u8; MCELIECE_SECRET_KEY_LEN],
    ),
    Vec<(Vec<u8>, Vec<u8>)>,
) {
    let (pk, sk) = pqpsk_mceliece_keys(rng);
    let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
    let ss = pqpsk::mceliece::encapsulate(rng, &pk, &mut ct);
    assert_eq!(
        ss.as_bytes(),
        pqpsk::mceliece::decapsulate(&sk, &ct).as_bytes()
    );
    let mut c_keys = Vec::new();
    for c in impls {
        let (c_pk, c_sk) = c.generate();
        let (mut ss1, mut ss2) = ([0u8; SHARED_SECRET_LEN], [0u8; SHARED_SECRET_LEN]);
        c.encapsulate(&c_pk, &mut ct, &mut ss1);
        c.decapsulate(&c_sk, &ct, &mut ss2);
        assert_eq!(ss1, ss2, "{} round trip", c.name);
        let mut c_pk_box = pqpsk::mceliece_public_key_buffer();
        c_pk_box.copy_from_slice(&c_pk);
        let ss = pqpsk::mceliece::encapsulate(rng, &c_pk_box, &mut ct);
        c.decapsulate(&c_sk, &ct, &mut ss2);
        assert_eq!(ss.as_bytes(), &ss2, "pqpsk -> {}", c.name);
        c.encapsulate(&pk[..], &mut ct, &mut ss1);
        assert_eq!(
            &ss1,
            pqpsk::mceliece::decapsulate(&sk, &ct).as_bytes(),
            "{} -> pqpsk",
            c.name
        );
        c_keys.push((c_pk, c_sk));
    }
    ((pk, sk), c_keys)
}

/// pq-mceliece's mceliece348864 (pure Rust, run-time SIMD dispatch).
const PQM: pq_mceliece::Algorithm = pq_mceliece::Algorithm::McEliece348864;

/// pq-mceliece makes our keys from the same seed, and the same ciphertext and secret from the
/// same encapsulation randomness; returns its key pair.
fn check_pq_mceliece(
    rng: &mut BenchRng,
) -> (pq_mceliece::EncapsulationKey, pq_mceliece::DecapsulationKey) {
    let mut seed = [0u8; 32];
    rng.fill(&mut seed);
    let (mut pk, mut sk) = (
        pqpsk::mceliece_public_key_buffer(),
        [0u8; MCELIECE_SECRET_KEY_LEN],
    );
    let mut ws = Box::new(pqpsk::mce::keygen::KeygenWorkspace::new());
    pqpsk::mce::keygen::keypair_from_seed(&seed, &mut pk, &mut sk, &mut ws);
    let (ek, dk) = PQM.generate_keypair_from_seed(seed).expect("seed length");
    assert!(
        ek.value() == &pk[..] && dk.value() == &sk[..],
        "pq-mceliece keys differ"
    );
    let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
    let ss = pqpsk::mceliece::encapsulate(&mut BenchRng::new(7), &pk, &mut ct);
    let (pqm_ct, pqm_ss) = PQM.encapsulate(&ek, BenchRng::new(7)).expect("encaps");
    assert!(
        pqm_ct.value() == ct && pqm_ss.value() == ss.as_bytes(),
        "pq-mceliece encaps differs"
    );
    (ek, dk)
}

fn mceliece(c: &mut Criterion) {
    let mut rng = BenchRng::new(0x6d63_656c_6965_0001);
    let impls = mceliece_impls();
    let ((pk, sk), c_keys) = check_mceliece(&mut rng, &impls);
    let (pqm_ek, pqm_dk) = check_pq_mceliece(&mut rng);

    // Every call draws a new seed (the RNG advances; PQClean reads the OS RNG), so the mean
    // covers the varying number of attempts that key generation needs.
    let mut group = c.benchmark_group("mceliece348864/keygen");
    slow(&mut group);
    group.bench_function("pqpsk", |b| {
        let mut pk = pqpsk::mceliece_public_key_buffer();
        let mut sk = [0u8; MCELIECE_SECRET_KEY_LEN];
        let mut ws = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
        b.iter(|| {
            pqpsk::mceliece::generate(&mut rng, black_box(&mut pk), black_box(&mut sk), &mut ws)
        });
    });
    group.bench_function("pq-mceliece", |b| {
        let mut seed = [0u8; 32];
        b.iter(|| {
            rng.fill(&mut seed);
            PQM.generate_keypair_from_seed(black_box(seed))
        });
    });
    bench_c_keygen(&mut group, &impls);
    group.finish();

    let mut group = c.benchmark_group("mceliece348864/encaps");
    fast(&mut group);
    group.bench_function("pqpsk", |b| {
        let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
        b.iter(|| pqpsk::mceliece::encapsulate(&mut rng, black_box(&pk), black_box(&mut ct)));
    });
    group.bench_function("classic-mceliece-rust", |b| {
        // Its key view wants a mutable buffer: a copy.
        let mut key = pk.clone();
        let view = classic_mceliece_rust::PublicKey::from(&mut *key);
        let mut ss = [0u8; SHARED_SECRET_LEN];
        b.iter(|| {
            let (ct, _) = classic_mceliece_rust::encapsulate(
                black_box(&view),
                &mut ss,
                &mut cmr::Rng06(&mut rng),
            );
            ct
        });
    });
    group.bench_function("pq-mceliece", |b| {
        b.iter(|| PQM.encapsulate(black_box(&pqm_ek), &mut rng));
    });
    bench_c_encaps(&mut group, &impls, &c_keys);
    group.finish();

    let mut group = c.benchmark_group("mceliece348864/decaps");
    fast(&mut group);
    let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
    pqpsk::mceliece::encapsulate(&mut rng, &pk, &mut ct);
    group.bench_function("pqpsk", |b| {
        b.iter(|| pqpsk::mceliece::decapsulate(black_box(&sk), black_box(&ct)));
    });
    group.bench_function("classic-mceliece-rust", |b| {
        let mut key = sk;
        let view = classic_mceliece_rust::SecretKey::from(&mut key);
        let cm_ct = classic_mceliece_rust::Ciphertext::from(ct);
        let mut ss = [0u8; SHARED_SECRET_LEN];
        // Same secret as ours (the differential tests check this over many ciphertexts).
        assert_eq!(
            classic_mceliece_rust::decapsulate(&cm_ct, &view, &mut ss).as_array(),
            pqpsk::mceliece::decapsulate(&sk, &ct).as_bytes()
        );
        b.iter(|| {
            *classic_mceliece_rust::decapsulate(black_box(&cm_ct), black_box(&view), &mut ss)
                .as_array()
        });
    });
    // pq-mceliece decapsulates with its own key pair (from check_pq_mceliece, the same bytes as
    // ours for that seed): a ciphertext to that key, and our secret for it as the reference.
    let (pqm_ct, _) = PQM.encapsulate(&pqm_ek, &mut rng).expect("encaps");
    let pqm_sk: [u8; MCELIECE_SECRET_KEY_LEN] =
        pqm_dk.value().try_into().expect("secret key length");
    let pqm_ct_bytes: [u8; MCELIECE_CIPHERTEXT_LEN] =
        pqm_ct.value().try_into().expect("ciphertext length");
    assert_eq!(
        pqm_dk
            .decapsulate(&pqm_ct)
            .expect("pq-mceliece decaps")
            .value(),
        pqpsk::mceliece::decapsulate(&pqm_sk, &pqm_ct_bytes).as_bytes()
    );
    group.bench_function("pq-mceliece", |b| {
        b.iter(|| pqm_dk.decapsulate(black_box(&pqm_ct)));
    });
    // Its prepared key caches the key-only part; a client decapsulates once per key, so the
    // preparation is timed with it.
    group.bench_function("pq-mceliece-prepare+decaps", |b| {
        b.iter(|| pqm_dk.prepare().decapsulate(black_box(&pqm_ct)));
    });
    bench_c_decaps(&mut group, &impls, &c_keys);
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// The PQClean side of each group, the same for both KEMs.

type Group<'a> = BenchmarkGroup<'a, WallTime>;

fn bench_c_keygen(group: &mut Group<'_>, impls: &[CKem]) {
    for imp in impls {
        group.bench_function(imp.name, |b| {
            let (mut pk, mut sk) = (vec![0u8; imp.pk_len], vec![0u8; imp.sk_len]);
            b.iter(|| imp.keypair(black_box(&mut pk), black_box(&mut sk)));
        });
    }
}

/// `c_keys[i]` is a (public, secret) key pair of `impls[i]`.
fn bench_c_encaps(group: &mut Group<'_>, impls: &[CKem], c_keys: &[(Vec<u8>, Vec<u8>)]) {
    for (imp, (c_pk, _)) in impls.iter().zip(c_keys) {
        group.bench_function(imp.name, |b| {
            let mut ct = vec![0u8; imp.ct_len];
            let mut ss = [0u8; SHARED_SECRET_LEN];
            b.iter(|| imp.encapsulate(black_box(c_pk), black_box(&mut ct), black_box(&mut ss)));
        });
    }
}

fn bench_c_decaps(group: &mut Group<'_>, impls: &[CKem], c_keys: &[(Vec<u8>, Vec<u8>)]) {
    for (imp, (c_pk, c_sk)) in impls.iter().zip(c_keys) {
        let mut ct = vec![0u8; imp.ct_len];
        let mut ss = [0u8; SHARED_SECRET_LEN];
        imp.encapsulate(c_pk, &mut ct, &mut ss);
        group.bench_function(imp.name, |b| {
            b.iter(|| imp.decapsulate(black_box(c_sk), black_box(&ct), black_box(&mut ss)));
        });
    }
}

criterion_group!(benches, mlkem, mceliece);
criterion_main!(benches);
