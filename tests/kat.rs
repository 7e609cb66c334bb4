//! Known-answer tests against liboqs: the crate's ML-KEM-1024 and Classic-McEliece-348864
//! backends (and, with the `ivpn` feature, its Round-3 Kyber1024 backend), driven by NIST's
//! AES-256-CTR DRBG exactly as liboqs' `kat_kem` test program drives its own implementations,
//! must print the same NIST `.rsp` text, checked through its SHA-256.
//!
//! Expected hashes: liboqs 0.13.0, file tests/KATs/kem/kats.json, entries "ML-KEM-1024",
//! "Classic-McEliece-348864" and "Kyber1024" (copied in ../shared/vectors/liboqs-kats.json,
//! whose README describes the text format and the DRBG use reproduced below).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/hex.rs"]
mod hex;
#[path = "common/nist_drbg.rs"]
mod nist_drbg;

use nist_drbg::NistDrbg;
use pqpsk::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN,
    MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN,
};
use sha2::{Digest, Sha256};

/// liboqs 0.13.0 tests/KATs/kem/kats.json, "ML-KEM-1024" / "single" (record 0).
const MLKEM1024_SINGLE: &str = "f580d851e5fb27e6876e5e203fa18be4cdbfd49e05d48fec3d3992c8f43a13e6";
/// liboqs 0.13.0 tests/KATs/kem/kats.json, "ML-KEM-1024" / "all" (100 records).
const MLKEM1024_ALL: &str = "81d1ae0468f62154885b6f2a293c0eb48f9339645357a88bbbc186c57ab0ace0";
/// liboqs 0.13.0 tests/KATs/kem/kats.json, "Classic-McEliece-348864" / "single" (record 0).
const MCELIECE348864_SINGLE: &str =
    "6f0f50626df15ce403c0c1d5f91648245282afebcac90e5db3595ce9b20b1817";
/// liboqs 0.13.0 tests/KATs/kem/kats.json, "Classic-McEliece-348864" / "all" (10 records).
const MCELIECE348864_ALL: &str = "6dcd5dd585437593a5abbaad23ce560b1651909f2868085234a27ada5034be8e";

/// The outer DRBG's entropy input in liboqs' `kat_kem`: bytes 0x00, 0x01, ..., 0x2F.
fn kat_entropy() -> [u8; nist_drbg::SEED_LEN] {
    core::array::from_fn(|i| i as u8)
}

/// One known-answer record's outputs (the `count` and `seed` lines come from the driver).
struct Record {
    pk: Vec<u8>,
    sk: Vec<u8>,
    ct: Vec<u8>,
    ss: [u8; 32],
}

/// The SHA-256 (lowercase hex) of the `.rsp` text of the first `records` records: for each, a
/// 48-byte seed drawn from the outer DRBG seeds a fresh inner DRBG that `run` uses for key
/// generation and encapsulation. The outer DRBG is never touched by `run`, which is liboqs'
/// save / re-seed / restore of its single global DRBG.
fn kat_hash(records: usize, mut run: impl FnMut(&mut NistDrbg) -> Record) -> String {
    let mut outer = NistDrbg::new(&kat_entropy());
    let mut hasher = Sha256::new();
    for count in 0..records {
        let mut seed = [0u8; nist_drbg::SEED_LEN];
        outer.randombytes(&mut seed);
        let mut inner = NistDrbg::new(&seed);
        let r = run(&mut inner);
        if count > 0 {
            hasher.update(b"\n");
        }
        let text = format!(
            "count = {count}\nseed = {}\npk = {}\nsk = {}\nct = {}\nss = {}\n",
            hex::upper(&seed),
            hex::upper(&r.pk),
            hex::upper(&r.sk),
            hex::upper(&r.ct),
            hex::upper(&r.ss),
        );
        hasher.update(text.as_bytes());
    }
    hex::lower(&hasher.finalize())
}

/// One ML-KEM-1024 record through `pqpsk::mlkem`; the `sk` line is the 3168-byte expanded
/// decapsulation key that liboqs prints, derived from the 64-byte seed with `ml-kem` directly.
fn mlkem_record(rng: &mut NistDrbg) -> Record {
    let mut seed = [0u8; MLKEM_SEED_LEN];
    let mut pk = [0u8; MLKEM_PUBLIC_KEY_LEN];
    pqpsk::mlkem::generate(rng, &mut seed, &mut pk);
    let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
    let ss = pqpsk::mlkem::encapsulate(rng, &pk, &mut ct).unwrap();
    let ss_dec = pqpsk::mlkem::decapsulate(&seed, &ct);
    assert_eq!(ss.as_bytes(), ss_dec.as_bytes(), "ML-KEM decapsulation");

    #[allow(deprecated)]
    let sk = {
        use ml_kem::ExpandedKeyEncoding as _;
        ml_kem::DecapsulationKey1024::from_seed(seed.into())
            .to_expanded_bytes()
            .to_vec()
    };
    assert_eq!(sk.len(), 3168);
    Record {
        pk: pk.to_vec(),
        sk,
        ct: ct.to_vec(),
        ss: *ss.as_bytes(),
    }
}

/// One Classic-McEliece-348864 record through `pqpsk::mceliece` (our own code, `pqpsk::mce`).
/// The public key and the key-generation workspace live on the heap.
fn mceliece_record(rng: &mut NistDrbg) -> Record {
    let mut pk: Box<[u8; MCELIECE_PUBLIC_KEY_LEN]> = vec![0u8; MCELIECE_PUBLIC_KEY_LEN]
        .into_boxed_slice()
        .try_into()
        .unwrap();
    let mut sk = [0u8; MCELIECE_SECRET_KEY_LEN];
    let mut ws = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
    pqpsk::mceliece::generate(rng, &mut pk, &mut sk, &mut ws);
    let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
    let ss = pqpsk::mceliece::encapsulate(rng, &pk, &mut ct);
    let ss_dec = pqpsk::mceliece::decapsulate(&sk, &ct);
    assert_eq!(ss.as_bytes(), ss_dec.as_bytes(), "McEliece decapsulation");
    Record {
        pk: pk.to_vec(),
        sk: sk.to_vec(),
        ct: ct.to_vec(),
        ss: *ss.as_bytes(),
    }
}

#[test]
fn drbg_first_seed_matches_nist() {
    // ../shared/vectors/README.md: the first seed is 061550234D158C5E...FFA1 (as in every NIST
    // PQC round-3 KAT file's `count = 0` record).
    let mut drbg = NistDrbg::new(&kat_entropy());
    let mut seed = [0u8; nist_drbg::SEED_LEN];
    drbg.randombytes(&mut seed);
    let hex = hex::upper(&seed);
    assert!(hex.starts_with("061550234D158C5E"), "{hex}");
    assert!(hex.ends_with("FFA1"), "{hex}");
}

#[test]
fn mlkem1024_single_matches_liboqs() {
    assert_eq!(kat_hash(1, mlkem_record), MLKEM1024_SINGLE);
}

#[test]
fn mlkem1024_all_matches_liboqs() {
    assert_eq!(kat_hash(100, mlkem_record), MLKEM1024_ALL);
}

#[test]
fn mceliece348864_single_matches_liboqs() {
    assert_eq!(kat_hash(1, mceliece_record), MCELIECE348864_SINGLE);
}

#[test]
fn mceliece348864_all_matches_liboqs() {
    assert_eq!(kat_hash(10, mceliece_record), MCELIECE348864_ALL);
}

/// Round-3 Kyber1024 (`pqpsk::ivpn::kyber`, over libcrux-ml-kem) against liboqs' "Kyber1024".
/// Key generation draws `d` and then `z` in two 32-byte calls of the DRBG, encapsulation one
/// 32-byte call (which Kyber hashes before use), as liboqs' round-3 code does.
#[cfg(feature = "ivpn")]
mod kyber1024 {
    use super::*;
    use pqpsk::ivpn::kyber;
    use pqpsk::sizes::{
        KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN, KYBER_SECRET_KEY_LEN, KYBER_SEED_LEN,
    };

    /// liboqs 0.13.0 tests/KATs/kem/kats.json, "Kyber1024" / "single" (record 0).
    const KYBER1024_SINGLE: &str =
        "5afcf2a568ad32d49b55105b032af1850f03f3888ff9e2a72f4059c58e968f60";
    /// liboqs 0.13.0 tests/KATs/kem/kats.json, "Kyber1024" / "all" (100 records).
    const KYBER1024_ALL: &str = "b72b97eb9270d76f2c7a8a0b03022c81c879af9e247abff52405127d77dd3a46";

    /// One record; the `sk` line is the 3168-byte reference-layout key derived from the seed.
    fn kyber_record(rng: &mut NistDrbg) -> Record {
        let mut seed = [0u8; KYBER_SEED_LEN];
        let mut pk = [0u8; KYBER_PUBLIC_KEY_LEN];
        kyber::generate(rng, &mut seed, &mut pk);
        let mut ct = [0u8; KYBER_CIPHERTEXT_LEN];
        let ss = kyber::encapsulate(rng, &pk, &mut ct).unwrap();
        let ss_dec = kyber::decapsulate(&seed, &ct);
        assert_eq!(ss.as_bytes(), ss_dec.as_bytes(), "Kyber decapsulation");
        let mut sk = [0u8; KYBER_SECRET_KEY_LEN];
        kyber::expanded_secret_key(&seed, &mut sk);
        Record {
            pk: pk.to_vec(),
            sk: sk.to_vec(),
            ct: ct.to_vec(),
            ss: *ss.as_bytes(),
        }
    }

    #[test]
    fn kyber1024_single_matches_liboqs() {
        assert_eq!(kat_hash(1, kyber_record), KYBER1024_SINGLE);
    }

    #[test]
    fn kyber1024_all_matches_liboqs() {
        assert_eq!(kat_hash(100, kyber_record), KYBER1024_ALL);
    }

    /// The same DRBG bytes through ML-KEM-1024 give another shared secret: the suites really
    /// use different KEMs.
    #[test]
    fn kyber_and_mlkem_secrets_differ() {
        let kyber = kyber_record(&mut NistDrbg::new(&kat_entropy()));
        let mlkem = mlkem_record(&mut NistDrbg::new(&kat_entropy()));
        assert_ne!(kyber.ss, mlkem.ss);
    }
}
