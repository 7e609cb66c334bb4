//! Differential test: our ML-KEM-1024 (`pqpsk::mlkem`) against RustCrypto `ml-kem` (and, with the
//! `ivpn` feature, which brings it in, libcrux's ML-KEM-1024) on random seeds, messages and
//! tampered or random ciphertexts. Every output must be byte-identical.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/replay.rs"]
mod replay;
#[path = "common/splitmix.rs"]
mod splitmix;

use ml_kem::array::Array;
use ml_kem::kem::{Decapsulate, Encapsulate, KeyExport};
use ml_kem::{DecapsulationKey1024, EncapsulationKey1024};
use pqpsk::mlkem::{self, DecapsulationKey, PublicKey, DECAPSULATION_KEY_LEN};
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};
use replay::Replay;
use splitmix::SplitMix64;

const CASES: usize = 40;

#[test]
fn same_bytes_as_ml_kem() {
    let mut rng = SplitMix64::new(0x6d6c_6b65_6d31_3032);
    for case in 0..CASES {
        let mut seed = [0u8; MLKEM_SEED_LEN];
        rng.fill(&mut seed);
        let mut m = [0u8; 32];
        rng.fill(&mut m);

        // Key generation.
        let mut seed_out = [0u8; MLKEM_SEED_LEN];
        let mut ek = [0u8; MLKEM_PUBLIC_KEY_LEN];
        mlkem::generate(&mut Replay(&seed), &mut seed_out, &mut ek);
        let theirs_dk = DecapsulationKey1024::from_seed(Array(seed));
        let theirs_ek = theirs_dk.encapsulation_key().clone();
        assert_eq!(ek[..], theirs_ek.to_bytes()[..], "case {case}: ek");
        let mut dk = [0u8; DECAPSULATION_KEY_LEN];
        mlkem::expand_decapsulation_key(&seed, &mut dk);
        #[allow(deprecated)]
        {
            use ml_kem::ExpandedKeyEncoding as _;
            assert_eq!(dk[..], theirs_dk.to_expanded_bytes()[..], "case {case}: dk");
        }

        // Encapsulation with the same m.
        let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
        let ss = mlkem::encapsulate_to(&mut Replay(&m), &PublicKey::parse(&ek).unwrap(), &mut ct);
        let (theirs_ct, theirs_ss) = theirs_ek.encapsulate_with_rng(&mut Replay(&m));
        assert_eq!(ct[..], theirs_ct[..], "case {case}: ciphertext");
        assert_eq!(
            ss.as_bytes()[..],
            theirs_ss[..],
            "case {case}: shared secret"
        );

        // Decapsulation of the honest ciphertext, of tampered ones and of a random one, from the
        // seed and from the expanded key.
        let expanded = DecapsulationKey::parse(&dk).unwrap();
        let mut inputs = vec![ct];
        for _ in 0..3 {
            let mut t = ct;
            let word = rng.next_word();
            let pos = (word % MLKEM_CIPHERTEXT_LEN as u64) as usize;
            t[pos] ^= 1 << ((word >> 32) % 8);
            inputs.push(t);
        }
        let mut last = ct;
        last[MLKEM_CIPHERTEXT_LEN - 1] ^= 0x80;
        inputs.push(last);
        let mut random = [0u8; MLKEM_CIPHERTEXT_LEN];
        rng.fill(&mut random);
        inputs.push(random);
        for (i, c) in inputs.iter().enumerate() {
            let ours = mlkem::decapsulate(&seed, c);
            let theirs = theirs_dk.decapsulate(&Array(*c));
            assert_eq!(
                ours.as_bytes()[..],
                theirs[..],
                "case {case}, ciphertext {i}"
            );
            assert_eq!(expanded.decapsulate(c).as_bytes(), ours.as_bytes());
            assert_eq!(
                i == 0,
                ours.as_bytes() == ss.as_bytes(),
                "case {case}, ciphertext {i}"
            );
        }
    }
}

/// The encapsulation-key check agrees with `ml-kem`'s on keys with one coefficient pushed out
/// of range (FIPS 203 section 7.2).
#[test]
fn same_public_key_check_as_ml_kem() {
    let mut rng = SplitMix64::new(7);
    let mut seed = [0u8; MLKEM_SEED_LEN];
    rng.fill(&mut seed);
    let mut seed_out = [0u8; MLKEM_SEED_LEN];
    let mut ek = [0u8; MLKEM_PUBLIC_KEY_LEN];
    mlkem::generate(&mut Replay(&seed), &mut seed_out, &mut ek);
    assert!(mlkem::check_public_key(&ek).is_ok());
    for case in 0..64 {
        let mut bad = ek;
        let group = (rng.next_word() % 512) as usize;
        // Set one of the two 12-bit values of the group to a value in [q, 4096).
        let value = 3329 + (rng.next_word() % (4096 - 3329)) as u16;
        if case % 2 == 0 {
            bad[3 * group] = value as u8;
            bad[3 * group + 1] = (bad[3 * group + 1] & 0xF0) | (value >> 8) as u8;
        } else {
            bad[3 * group + 1] = (bad[3 * group + 1] & 0x0F) | ((value & 0x0F) << 4) as u8;
            bad[3 * group + 2] = (value >> 4) as u8;
        }
        assert!(mlkem::check_public_key(&bad).is_err(), "case {case}");
        assert!(PublicKey::parse(&bad).is_err(), "case {case}");
        assert!(
            EncapsulationKey1024::new(&Array(bad)).is_err(),
            "case {case}"
        );
        let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
        assert!(mlkem::encapsulate(&mut Replay(&[0; 32]), &bad, &mut ct).is_err());
    }
}

/// A corrupted hash or embedded key in an expanded key is refused (FIPS 203 section 7.3).
#[test]
fn expanded_key_hash_check() {
    let mut dk = [0u8; DECAPSULATION_KEY_LEN];
    mlkem::expand_decapsulation_key(&[5; MLKEM_SEED_LEN], &mut dk);
    assert!(DecapsulationKey::parse(&dk).is_ok());
    for pos in [1536, 1536 + 700, 1536 + 1567, 3104, 3135] {
        let mut bad = dk;
        bad[pos] ^= 1;
        assert!(DecapsulationKey::parse(&bad).is_err(), "byte {pos}");
    }
    // s and z are not covered by the hash: they are the caller's secret to keep intact.
    let mut other = dk;
    other[0] ^= 1;
    other[3167] ^= 1;
    assert!(DecapsulationKey::parse(&other).is_ok());
}

#[cfg(feature = "ivpn")]
#[test]
fn same_bytes_as_libcrux() {
    use libcrux_ml_kem::mlkem1024;
    let mut rng = SplitMix64::new(0x6c69_6263_7275_7800);
    for case in 0..CASES {
        let mut seed = [0u8; MLKEM_SEED_LEN];
        rng.fill(&mut seed);
        let mut m = [0u8; 32];
        rng.fill(&mut m);
        let pair = mlkem1024::generate_key_pair(seed);
        let mut seed_out = [0u8; MLKEM_SEED_LEN];
        let mut ek = [0u8; MLKEM_PUBLIC_KEY_LEN];
        mlkem::generate(&mut Replay(&seed), &mut seed_out, &mut ek);
        assert_eq!(&ek, pair.public_key().as_slice(), "case {case}: ek");
        let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
        let ss = mlkem::encapsulate(&mut Replay(&m), &ek, &mut ct).unwrap();
        let (theirs_ct, theirs_ss) = mlkem1024::encapsulate(pair.public_key(), m);
        assert_eq!(&ct, theirs_ct.as_slice(), "case {case}: ciphertext");
        assert_eq!(ss.as_bytes(), &theirs_ss, "case {case}: shared secret");
        let mut tampered = ct;
        tampered[(rng.next_word() % MLKEM_CIPHERTEXT_LEN as u64) as usize] ^= 4;
        let theirs = mlkem1024::decapsulate(pair.private_key(), &tampered.into());
        assert_eq!(
            mlkem::decapsulate(&seed, &tampered).as_bytes(),
            &theirs,
            "case {case}"
        );
    }
}
