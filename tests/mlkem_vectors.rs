//! Known-answer tests of our ML-KEM-1024 (`pqpsk::mlkem`) against NIST ACVP and Wycheproof.
//! The files and their provenance: tests/vectors/mlkem1024/README.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::convert::Infallible;
use pqpsk::mlkem::{self, DecapsulationKey, PublicKey, DECAPSULATION_KEY_LEN};
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};
use rand_core::{TryCryptoRng, TryRng};
use serde_json::Value;

/// Replays given bytes, then fails the test if more are drawn.
struct Replay(Vec<u8>);

impl TryRng for Replay {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unimplemented!("ML-KEM draws bytes only")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unimplemented!("ML-KEM draws bytes only")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        assert!(dst.len() <= self.0.len(), "drew more than the vector gives");
        let rest = self.0.split_off(dst.len());
        dst.copy_from_slice(&self.0);
        self.0 = rest;
        Ok(())
    }
}
impl TryCryptoRng for Replay {}

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/vectors/mlkem1024/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect("JSON")
}

fn hex(v: &Value, field: &str) -> Vec<u8> {
    let s = v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no field {field}"));
    assert!(s.len().is_multiple_of(2));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes
        .try_into()
        .unwrap_or_else(|_| panic!("expected {N} bytes, got {}", bytes.len()))
}

fn tests_of(group: &Value) -> &Vec<Value> {
    group["tests"].as_array().expect("tests")
}

/// Key generation from a seed through the hybrid's entry point, plus the expanded key.
fn keygen(
    seed: &[u8; MLKEM_SEED_LEN],
) -> ([u8; MLKEM_PUBLIC_KEY_LEN], Box<[u8; DECAPSULATION_KEY_LEN]>) {
    let mut rng = Replay(seed.to_vec());
    let mut seed_out = [0u8; MLKEM_SEED_LEN];
    let mut ek = [0u8; MLKEM_PUBLIC_KEY_LEN];
    mlkem::generate(&mut rng, &mut seed_out, &mut ek);
    assert_eq!(&seed_out, seed);
    assert!(rng.0.is_empty(), "key generation draws exactly d || z");
    let mut dk = Box::new([0u8; DECAPSULATION_KEY_LEN]);
    mlkem::expand_decapsulation_key(seed, &mut dk);
    (ek, dk)
}

#[test]
fn acvp_keygen() {
    let file = load("acvp-key-gen-ML-KEM-1024.json");
    let mut n = 0;
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-1024");
        for t in tests_of(group) {
            let mut seed = hex(t, "d");
            seed.extend(hex(t, "z"));
            let (ek, dk) = keygen(&array(&seed));
            assert_eq!(ek.to_vec(), hex(t, "ek"), "tcId {}", t["tcId"]);
            assert_eq!(dk.to_vec(), hex(t, "dk"), "tcId {}", t["tcId"]);
            n += 1;
        }
    }
    assert_eq!(n, 25);
}

#[test]
fn acvp_encapsulation_and_decapsulation() {
    let file = load("acvp-encap-decap-ML-KEM-1024.json");
    let (mut encaps, mut decaps, mut modified) = (0, 0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-1024");
        match group["function"].as_str().unwrap() {
            "encapsulation" => {
                for t in tests_of(group) {
                    let ek = PublicKey::parse(&array(&hex(t, "ek"))).expect("valid ek");
                    let mut rng = Replay(hex(t, "m"));
                    let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
                    let k = mlkem::encapsulate_to(&mut rng, &ek, &mut ct);
                    assert_eq!(ct.to_vec(), hex(t, "c"), "tcId {}", t["tcId"]);
                    assert_eq!(k.as_bytes().to_vec(), hex(t, "k"), "tcId {}", t["tcId"]);
                    // The dk of the same key pair decapsulates what we encapsulated.
                    let dk_bytes: [u8; DECAPSULATION_KEY_LEN] = array(&hex(t, "dk"));
                    let dk = DecapsulationKey::parse(&dk_bytes).expect("valid dk");
                    assert_eq!(dk.decapsulate(&ct).as_bytes(), k.as_bytes());
                    encaps += 1;
                }
            }
            "decapsulation" => {
                let dk_bytes: [u8; DECAPSULATION_KEY_LEN] = array(&hex(group, "dk"));
                let dk = DecapsulationKey::parse(&dk_bytes).expect("valid dk");
                for t in tests_of(group) {
                    let k = dk.decapsulate(&array(&hex(t, "c")));
                    assert_eq!(k.as_bytes().to_vec(), hex(t, "k"), "tcId {}", t["tcId"]);
                    if t["reason"] != "no modification" {
                        modified += 1;
                    }
                    decaps += 1;
                }
            }
            other => panic!("unknown function {other}"),
        }
    }
    assert_eq!((encaps, decaps), (25, 10));
    assert!(modified > 0, "the set includes modified ciphertexts");
}

/// Decapsulation from the 64-byte seed (our secret form): valid cases must give K, and every
/// invalid case in these files is a seed or ciphertext of the wrong length, which the array
/// types of our API refuse.
#[test]
fn wycheproof_decapsulation_from_seed() {
    let file = load("wycheproof-mlkem_1024_test.json");
    let (mut valid, mut invalid, mut strcmp) = (0, 0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-1024");
        for t in tests_of(group) {
            let (seed, c) = (hex(t, "seed"), hex(t, "c"));
            let flags = t["flags"].as_array().unwrap();
            match t["result"].as_str().unwrap() {
                "valid" => {
                    let seed: [u8; MLKEM_SEED_LEN] = array(&seed);
                    let (ek, dk) = keygen(&seed);
                    assert_eq!(ek.to_vec(), hex(t, "ek"), "tcId {}", t["tcId"]);
                    let c: [u8; MLKEM_CIPHERTEXT_LEN] = array(&c);
                    let k = mlkem::decapsulate(&seed, &c);
                    assert_eq!(k.as_bytes().to_vec(), hex(t, "K"), "tcId {}", t["tcId"]);
                    let dk = DecapsulationKey::parse(&dk).expect("own expanded key");
                    assert_eq!(dk.decapsulate(&c).as_bytes(), k.as_bytes());
                    strcmp += usize::from(flags.iter().any(|f| f == "Strcmp"));
                    valid += 1;
                }
                "invalid" => {
                    assert!(
                        seed.len() != MLKEM_SEED_LEN || c.len() != MLKEM_CIPHERTEXT_LEN,
                        "tcId {}: an invalid case of the right lengths",
                        t["tcId"]
                    );
                    invalid += 1;
                }
                other => panic!("unknown result {other}"),
            }
        }
    }
    assert_eq!(valid + invalid, 193);
    assert!(strcmp >= 1 && invalid > 0);
}

#[test]
fn wycheproof_keygen_from_seed() {
    let file = load("wycheproof-mlkem_1024_keygen_seed_test.json");
    let mut n = 0;
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-1024");
        for t in tests_of(group) {
            assert_eq!(t["result"], "valid");
            let (ek, dk) = keygen(&array(&hex(t, "seed")));
            assert_eq!(ek.to_vec(), hex(t, "ek"), "tcId {}", t["tcId"]);
            assert_eq!(dk.to_vec(), hex(t, "dk"), "tcId {}", t["tcId"]);
            n += 1;
        }
    }
    assert_eq!(n, 100);
}

/// The FIPS 203 section 7.3 checks on an expanded key: lengths (by type), the embedded hash, and
/// ciphertexts whose last bytes a faulty comparison would miss.
#[test]
fn wycheproof_semi_expanded_decapsulation_key() {
    let file = load("wycheproof-mlkem_1024_semi_expanded_decaps_test.json");
    let (mut valid, mut rejected_key, mut wrong_length) = (0, 0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        assert_eq!(group["parameterSet"], "ML-KEM-1024");
        for t in tests_of(group) {
            let (dk, c) = (hex(t, "dk"), hex(t, "c"));
            let flags: Vec<&str> = t["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            if dk.len() != DECAPSULATION_KEY_LEN || c.len() != MLKEM_CIPHERTEXT_LEN {
                assert_eq!(t["result"], "invalid");
                wrong_length += 1;
                continue;
            }
            let dk: [u8; DECAPSULATION_KEY_LEN] = array(&dk);
            let parsed = DecapsulationKey::parse(&dk);
            if flags.contains(&"InvalidDecapsulationKey") {
                assert_eq!(t["result"], "invalid");
                assert!(
                    parsed.is_err(),
                    "tcId {}: corrupted key accepted",
                    t["tcId"]
                );
                rejected_key += 1;
                continue;
            }
            assert_eq!(t["result"], "valid", "tcId {}", t["tcId"]);
            let k = parsed.expect("valid key").decapsulate(&array(&c));
            assert_eq!(k.as_bytes().to_vec(), hex(t, "K"), "tcId {}", t["tcId"]);
            valid += 1;
        }
    }
    assert_eq!((valid, rejected_key, wrong_length), (3, 2, 4));
}
