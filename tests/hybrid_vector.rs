//! Our own committed known-answer vector for the whole default suite, and an independent
//! re-derivation of the PSK from the formula in README.md.
//!
//! tests/vectors/hybrid-v1.txt was produced by this crate (v0.1.0) with the fixed test RNG below;
//! it is a regression guard: a change to the RNG expansion, a backend or the combiner changes it.
//! Regenerate (only for an intended, versioned change) with
//! `PQPSK_WRITE_VECTORS=1 cargo test --test hybrid_vector`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/hex.rs"]
mod hex;
#[path = "common/test_rng.rs"]
mod test_rng;

use pqpsk::sizes::*;
use pqpsk::{mceliece, mlkem, respond, ClientSecret};
use sha2::{Digest, Sha256};
use test_rng::FixedRng;

const VECTOR_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/hybrid-v1.txt");

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[test]
fn committed_hybrid_vector() {
    let mut client = ClientSecret::new_boxed();
    let mut pk1 = vec![0u8; MLKEM_PUBLIC_KEY_LEN];
    let mut pk2 = vec![0u8; MCELIECE_PUBLIC_KEY_LEN];
    client
        .generate(&mut FixedRng::new(0x11), &mut pk1, &mut pk2)
        .unwrap();
    let mut ct1 = vec![0u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct2 = vec![0u8; MCELIECE_CIPHERTEXT_LEN];
    let server_psk = respond(&mut FixedRng::new(0x22), &pk1, &pk2, &mut ct1, &mut ct2).unwrap();

    // Independent re-derivation of the PSK from README's formula, using the exported secret keys
    // and the backends directly, with sha2 called here rather than through src/combiner.rs.
    let mut exported = vec![0u8; CLIENT_SECRET_LEN];
    client.export_into(&mut exported).unwrap();
    let seed: [u8; MLKEM_SEED_LEN] = exported[4..4 + MLKEM_SEED_LEN].try_into().unwrap();
    let sk: [u8; MCELIECE_SECRET_KEY_LEN] = exported
        [4 + MLKEM_SEED_LEN..4 + MLKEM_SEED_LEN + MCELIECE_SECRET_KEY_LEN]
        .try_into()
        .unwrap();
    let ss1 = mlkem::decapsulate(&seed, ct1.as_slice().try_into().unwrap());
    let ss2 = mceliece::decapsulate(&sk, ct2.as_slice().try_into().unwrap());
    let pk_digest = sha256(&[b"pqpsk v1 public keys", &pk1, &pk2]);
    let expected_psk = sha256(&[
        b"pqpsk v1 ML-KEM-1024 + Classic-McEliece-348864",
        ss1.as_bytes(),
        ss2.as_bytes(),
        &ct1,
        &ct2,
        &pk_digest,
    ]);
    assert_eq!(server_psk.as_bytes(), &expected_psk, "README formula");
    assert_eq!(&exported[exported.len() - 32..], &pk_digest);

    // The ML-KEM seed is the first 64 bytes of the documented RNG expansion.
    let mut caller_bytes = [0u8; RNG_SEED_LEN];
    rand_core::Rng::fill_bytes(&mut FixedRng::new(0x11), &mut caller_bytes);
    let block = |i: u64| sha256(&[b"pqpsk v1 rng", &[1u8], &caller_bytes, &i.to_be_bytes()]);
    assert_eq!(&seed[..32], &block(0));
    assert_eq!(&seed[32..], &block(1));

    let client_psk = client.finish(&ct1, &ct2).unwrap();
    assert_eq!(client_psk, server_psk);

    let text = format!(
        "# pqpsk default suite v1 known-answer vector; see tests/vectors/README.md\n\
         client_rng = FixedRng(0x11)\n\
         server_rng = FixedRng(0x22)\n\
         sha256_pk_mlkem = {}\n\
         sha256_pk_mceliece = {}\n\
         pk_digest = {}\n\
         ct_mlkem = {}\n\
         ct_mceliece = {}\n\
         psk = {}\n\
         psk_base64 = {}\n",
        hex::lower(&sha256(&[&pk1])),
        hex::lower(&sha256(&[&pk2])),
        hex::lower(&pk_digest),
        hex::lower(&ct1),
        hex::lower(&ct2),
        hex::lower(server_psk.as_bytes()),
        server_psk.to_base64().as_str(),
    );
    if std::env::var_os("PQPSK_WRITE_VECTORS").is_some() {
        std::fs::write(VECTOR_FILE, &text).unwrap();
    }
    let committed = std::fs::read_to_string(VECTOR_FILE).expect("tests/vectors/hybrid-v1.txt");
    for (want, got) in committed.lines().zip(text.lines()) {
        let name = want.split(" = ").next().unwrap_or(want);
        assert_eq!(got, want, "field {name} differs from the committed vector");
    }
    assert_eq!(committed.lines().count(), text.lines().count());
}

/// The committed vectors of the suites that use the universal combiner, each with an
/// independent re-derivation of the PSK from the formula (sha2 called here, the KEMs' secrets
/// recomputed from the exported secret with the backends directly: `pqpsk::mlkem`, and the
/// `hqc-kem` crate for HQC-256).
#[test]
fn committed_vectors_of_the_universal_combiner_suites() {
    use pqpsk::{respond_suite, Suite};
    let mut suites = vec![(
        Suite::MlKem1024,
        "mlkem1024-v1.txt",
        &b"pqpsk v1 ML-KEM-1024"[..],
        &b"pqpsk v1 ML-KEM-1024 public key"[..],
    )];
    #[cfg(feature = "hqc")]
    suites.push((
        Suite::MlKem1024Hqc256,
        "mlkem1024-hqc256-v1.txt",
        &b"pqpsk v1 ML-KEM-1024 + HQC-256"[..],
        &b"pqpsk v1 ML-KEM-1024 + HQC-256 public keys"[..],
    ));
    for (suite, file, label, pk_label) in suites {
        let mut client = ClientSecret::new_boxed();
        let mut pk1 = vec![0u8; suite.kem1_public_key_len()];
        let mut pk2 = vec![0u8; suite.kem2_public_key_len()];
        client
            .generate_suite(suite, &mut FixedRng::new(0x11), &mut pk1, &mut pk2)
            .unwrap();
        let mut ct1 = vec![0u8; suite.kem1_ciphertext_len()];
        let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];
        let server_psk = respond_suite(
            suite,
            &mut FixedRng::new(0x22),
            &pk1,
            &pk2,
            &mut ct1,
            &mut ct2,
        )
        .unwrap();

        let mut exported = vec![0u8; CLIENT_SECRET_LEN];
        client.export_into(&mut exported).unwrap();
        let seed: [u8; MLKEM_SEED_LEN] = exported[4..4 + MLKEM_SEED_LEN].try_into().unwrap();
        let kem2_kept = &exported[4 + MLKEM_SEED_LEN..4 + MLKEM_SEED_LEN + MCELIECE_SECRET_KEY_LEN];
        let ss1 = mlkem::decapsulate(&seed, ct1.as_slice().try_into().unwrap());
        let mut secrets = ss1.as_bytes().to_vec();
        if suite.has_kem2() {
            #[cfg(feature = "hqc")]
            {
                use hqc_kem::hqc256;
                let hqc_seed: [u8; 32] = kem2_kept[..32].try_into().unwrap();
                assert!(kem2_kept[32..].iter().all(|&b| b == 0));
                let (ek, dk) = hqc256::generate_key_deterministic(&hqc_seed);
                assert_eq!(ek.as_ref(), &pk2[..]);
                let ct = hqc256::Ciphertext::try_from(&ct2[..]).unwrap();
                secrets.extend_from_slice(dk.decapsulate(&ct).as_ref());
            }
        } else {
            assert!(kem2_kept.iter().all(|&b| b == 0));
        }
        let pk_digest = sha256(&[pk_label, &pk1, &pk2]);
        let expected_psk = sha256(&[&secrets, &ct1, &ct2, &pk_digest, label]);
        assert_eq!(server_psk.as_bytes(), &expected_psk, "{suite}: formula");
        assert_eq!(&exported[exported.len() - 32..], &pk_digest);
        assert_eq!(client.finish(&ct1, &ct2).unwrap(), server_psk);

        let text = format!(
            "# pqpsk {suite} suite v1 known-answer vector; see tests/vectors/README.md\n\
             client_rng = FixedRng(0x11)\n\
             server_rng = FixedRng(0x22)\n\
             sha256_pk_1 = {}\n\
             sha256_pk_2 = {}\n\
             pk_digest = {}\n\
             ct_1 = {}\n\
             sha256_ct_2 = {}\n\
             psk = {}\n\
             psk_base64 = {}\n",
            hex::lower(&sha256(&[&pk1])),
            hex::lower(&sha256(&[&pk2])),
            hex::lower(&pk_digest),
            hex::lower(&ct1),
            hex::lower(&sha256(&[&ct2])),
            hex::lower(server_psk.as_bytes()),
            server_psk.to_base64().as_str(),
        );
        let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("PQPSK_WRITE_VECTORS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).expect("committed vector");
        for (want, got) in committed.lines().zip(text.lines()) {
            let name = want.split(" = ").next().unwrap_or(want);
            assert_eq!(
                got, want,
                "{suite}: field {name} differs from the committed vector"
            );
        }
        assert_eq!(committed.lines().count(), text.lines().count());
    }
}
