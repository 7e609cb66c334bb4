//! The IVPN suites (feature `ivpn`) through the public API: both variants agree end to end, the
//! PSK is IVPN's formula recomputed here from the backends, buffers and exports behave, and (with
//! `ivpn-json`) the JSON documents round-trip and never panic on garbage. Interoperability with
//! liboqs itself is in interop/ (`.ci/ivpn-interop`).
#![cfg(feature = "ivpn")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/exchange.rs"]
mod exchange;
#[cfg(feature = "ivpn-json")]
#[path = "common/splitmix.rs"]
mod splitmix;
#[path = "common/test_rng.rs"]
mod test_rng;

use exchange::{exchange as run, Exchange};
use pqpsk::ivpn::kyber;
use pqpsk::sizes::*;
use pqpsk::{mceliece, respond_suite, ClientSecret, Error, Field, Suite};
use sha2::{Digest, Sha256};
use test_rng::FixedRng;

const IVPN: [Suite; 2] = [Suite::IvpnKyber1024McEliece348864, Suite::IvpnKyber1024];

#[test]
fn both_variants_agree_and_match_ivpns_formula() {
    for suite in IVPN {
        let mut ex = run(suite, 1, 2);
        // Recompute from the exported secret keys, the backends and sha2 directly.
        let mut exported = vec![0u8; CLIENT_SECRET_LEN];
        ex.client.export_into(&mut exported).unwrap();
        let seed: [u8; KYBER_SEED_LEN] = exported[4..4 + KYBER_SEED_LEN].try_into().unwrap();
        let ss1 = kyber::decapsulate(&seed, ex.ct1.as_slice().try_into().unwrap());
        let mut h = Sha256::new();
        h.update(ss1.as_bytes());
        if suite.has_kem2() {
            let sk: [u8; MCELIECE_SECRET_KEY_LEN] = exported
                [4 + KYBER_SEED_LEN..4 + KYBER_SEED_LEN + MCELIECE_SECRET_KEY_LEN]
                .try_into()
                .unwrap();
            let ss2 = mceliece::decapsulate(&sk, ex.ct2.as_slice().try_into().unwrap());
            h.update(ss2.as_bytes());
        }
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(ex.server.as_bytes(), &expected, "{suite}");
        // Nothing of the default suite's binding: the digest slot stays zero.
        assert!(exported[CLIENT_SECRET_LEN - 32..].iter().all(|&b| b == 0));

        let client_psk = ex.client.finish(&ex.ct1, &ex.ct2).unwrap();
        assert_eq!(client_psk, ex.server, "{suite}");
        assert_eq!(
            ex.client.finish(&ex.ct1, &ex.ct2),
            Err(Error::NoClientSecret)
        );
    }
}

#[test]
fn suites_give_different_keys_from_the_same_randomness() {
    let mut psks = Vec::new();
    let suites = [
        Suite::MlKem1024McEliece348864,
        Suite::IvpnKyber1024McEliece348864,
        Suite::IvpnKyber1024,
    ];
    for suite in suites {
        let mut ex = run(suite, 3, 4);
        let psk = ex.client.finish(&ex.ct1, &ex.ct2).unwrap();
        assert_eq!(psk, ex.server);
        psks.push((ex.pk1, psk));
    }
    // ML-KEM and Kyber derive different keys from the same seed, and the PSKs all differ.
    assert_ne!(psks[0].0, psks[1].0);
    assert_eq!(psks[1].0, psks[2].0); // both IVPN suites: the same Kyber key from the same seed
    assert_ne!(psks[0].1, psks[1].1);
    assert_ne!(psks[1].1, psks[2].1);
}

#[test]
fn kyber_only_takes_empty_second_buffers_and_refuses_others() {
    let suite = Suite::IvpnKyber1024;
    let mut client = ClientSecret::new();
    let mut pk1 = [0u8; KYBER_PUBLIC_KEY_LEN];
    let mut stray = [7u8; 5];
    assert_eq!(
        client.generate_suite(suite, &mut FixedRng::new(5), &mut pk1, &mut stray),
        Err(Error::Length {
            field: Field::McEliecePublicKey,
            expected: 0,
            actual: 5
        })
    );
    assert!(!client.is_ready());
    assert_eq!(pk1, [0u8; KYBER_PUBLIC_KEY_LEN], "nothing written on error");
    client
        .generate_suite(suite, &mut FixedRng::new(5), &mut pk1, &mut [])
        .unwrap();

    let mut ct1 = [0u8; KYBER_CIPHERTEXT_LEN];
    assert!(matches!(
        respond_suite(
            suite,
            &mut FixedRng::new(6),
            &pk1,
            &[],
            &mut ct1,
            &mut [0u8; 96]
        ),
        Err(Error::Length {
            field: Field::McElieceCiphertext,
            expected: 0,
            actual: 96
        })
    ));
    assert_eq!(ct1, [0u8; KYBER_CIPHERTEXT_LEN]);
    assert!(matches!(
        respond_suite(
            suite,
            &mut FixedRng::new(6),
            &pk1[1..],
            &[],
            &mut ct1,
            &mut []
        ),
        Err(Error::Length {
            field: Field::KyberPublicKey,
            expected: 1568,
            actual: 1567
        })
    ));
    let server = respond_suite(suite, &mut FixedRng::new(6), &pk1, &[], &mut ct1, &mut []).unwrap();
    assert_eq!(
        client.finish(&ct1, &[0u8; 96]),
        Err(Error::Length {
            field: Field::McElieceCiphertext,
            expected: 0,
            actual: 96
        })
    );
    assert_eq!(
        client.finish(&ct1[..100], &[]),
        Err(Error::Length {
            field: Field::KyberCiphertext,
            expected: 1568,
            actual: 100
        })
    );
    assert!(client.is_ready(), "a length error leaves the secret usable");
    assert_eq!(client.finish(&ct1, &[]).unwrap(), server);
}

#[test]
fn malformed_kyber_keys_are_errors() {
    // (A failing RNG, tampered ciphertexts and wrong lengths: tests/suites.rs, every suite.)
    for suite in IVPN {
        let pk2 = vec![0u8; suite.kem2_public_key_len()];
        // 0xFF.. decodes to coefficients 4095 > q: refused before any randomness is drawn.
        let bad_key = vec![0xFFu8; KYBER_PUBLIC_KEY_LEN];
        let mut ct1 = vec![0u8; KYBER_CIPHERTEXT_LEN];
        let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];
        let mut rng = FixedRng::new(9);
        assert_eq!(
            respond_suite(suite, &mut rng, &bad_key, &pk2, &mut ct1, &mut ct2),
            Err(Error::InvalidKyberPublicKey)
        );
        assert_eq!(rng.drawn, 0);
        assert!(ct1.iter().all(|&b| b == 0));
    }
}

#[test]
fn exports_record_the_suite() {
    for (suite, tag) in [
        (Suite::MlKem1024McEliece348864, 0x01),
        (Suite::IvpnKyber1024McEliece348864, 0x02),
        (Suite::IvpnKyber1024, 0x03),
    ] {
        let ex = run(suite, 10, 11);
        let mut exported = vec![0u8; CLIENT_SECRET_LEN];
        ex.client.export_into(&mut exported).unwrap();
        assert_eq!(&exported[..4], &[b'p', b'q', b's', tag]);
        if !suite.has_kem2() {
            assert!(exported[4 + 64..].iter().all(|&b| b == 0));
        }
        // Imported into a secret that last held another suite: the tag decides.
        let mut other = ClientSecret::new_boxed();
        let mut a = vec![0u8; 1568];
        other
            .generate_suite(Suite::IvpnKyber1024, &mut FixedRng::new(1), &mut a, &mut [])
            .unwrap();
        other.import(&exported).unwrap();
        assert_eq!(other.suite(), suite);
        assert_eq!(other.finish(&ex.ct1, &ex.ct2).unwrap(), ex.server);
    }
}

#[test]
fn the_hybrid_client_keeps_the_public_keys_out_of_its_secret() {
    // IVPN's formula binds no public key; this only checks the McEliece key went out whole.
    let ex = run(Suite::IvpnKyber1024McEliece348864, 12, 13);
    assert_eq!(ex.pk2.len(), MCELIECE_PUBLIC_KEY_LEN);
    assert!(ex.pk2.iter().any(|&b| b != 0));
    assert_eq!(ex.pk1.len(), KYBER_PUBLIC_KEY_LEN);
}

#[cfg(feature = "ivpn-json")]
mod json {
    use super::*;
    use pqpsk::ivpn::json::{JsonError, KeySetReply, KeySetRequest};
    use splitmix::SplitMix64;

    fn request(suite: Suite) -> (Exchange, String) {
        let ex = run(suite, 20, 21);
        let body = KeySetRequest::new(suite, "s3cr3t\"token\n", "PUB=", "", &ex.pk1, &ex.pk2)
            .to_json()
            .unwrap();
        (ex, body)
    }

    #[test]
    fn request_and_reply_round_trip() {
        for suite in IVPN {
            let (mut ex, body) = request(suite);
            let parsed = KeySetRequest::from_json(&body).unwrap();
            assert_eq!(parsed.suite, suite);
            assert_eq!(parsed.session_token, "s3cr3t\"token\n");
            let printed = format!("{parsed:?}");
            assert!(
                printed.contains("<redacted>") && !printed.contains("s3cr3t"),
                "{printed}"
            );
            assert_eq!(parsed.kem_library_version, "0.10.0");
            assert_eq!(parsed.kem_public_key1, ex.pk1);
            assert_eq!(parsed.kem_public_key2, ex.pk2);
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            if suite.has_kem2() {
                assert_eq!(value["kem_public_key2"].as_str().unwrap().len(), 348_160);
            } else {
                assert!(value.get("kem_public_key2").is_none());
            }

            let reply = KeySetReply::success(suite, "10.0.0.7", &ex.ct1, &ex.ct2).unwrap();
            let parsed = KeySetReply::from_json(suite, &reply).unwrap();
            assert_eq!(parsed.status, 200);
            assert_eq!(parsed.ip_address.as_deref(), Some("10.0.0.7"));
            let psk = ex
                .client
                .finish(&parsed.kem_cipher1, &parsed.kem_cipher2)
                .unwrap();
            assert_eq!(psk, ex.server);
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let suite = Suite::IvpnKyber1024;
        assert_eq!(
            KeySetReply::from_json(suite, r#"{"status": 401, "message": "Unauthorized"}"#),
            Err(JsonError::Status {
                status: 401,
                message: Some("Unauthorized".into())
            })
        );
        assert_eq!(
            KeySetReply::from_json(suite, r#"{"status": "200"}"#),
            Err(JsonError::WrongType {
                field: "status",
                expected: "integer"
            })
        );
        assert_eq!(
            KeySetReply::from_json(suite, r#"{"status": 200}"#),
            Err(JsonError::Missing("kem_cipher1"))
        );
        assert_eq!(
            KeySetReply::from_json(suite, "[1,2]"),
            Err(JsonError::NotAnObject)
        );
        assert!(matches!(
            KeySetReply::from_json(suite, "{\"status\": 200,\n  \"kem_cipher1\": tru"),
            Err(JsonError::Syntax { line: 2, .. })
        ));
        assert_eq!(
            KeySetReply::from_json(Suite::MlKem1024McEliece348864, "{}"),
            Err(JsonError::NotIvpnSuite(Suite::MlKem1024McEliece348864))
        );
        let err = KeySetReply::from_json(suite, r#"{"status": 200, "kem_cipher1": "AAAAA"}"#)
            .unwrap_err();
        assert_eq!(
            err,
            JsonError::Field {
                field: "kem_cipher1",
                error: Error::Base64Padding {
                    field: Field::KyberCiphertext
                }
            }
        );
        let (_, body) = request(suite);
        let bad = body.replacen("\"kem_public_key1\":\"", "\"kem_public_key1\":\"AAAA", 1);
        let err = KeySetRequest::from_json(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "JSON field `kem_public_key1`: Kyber1024 public key: expected 1568 bytes, got 1571"
        );
    }

    /// Random bytes, every truncation of a real document, byte flips and deep nesting: errors,
    /// never a panic (the test harness would report one as a failure).
    #[test]
    fn garbage_never_panics() {
        let (_, body) = request(Suite::IvpnKyber1024);
        let suite = Suite::IvpnKyber1024;
        let mut rng = SplitMix64::new(0x1337);
        for cut in (0..body.len()).step_by(7) {
            if let Some(prefix) = body.get(..cut) {
                let _ = KeySetRequest::from_json(prefix);
                let _ = KeySetReply::from_json(suite, prefix);
            }
        }
        let bytes = body.as_bytes();
        for _ in 0..2000 {
            let mut doc = bytes.to_vec();
            let flips = 1 + (rng.next_word() % 4) as usize;
            for _ in 0..flips {
                let at = (rng.next_word() as usize) % doc.len();
                doc[at] = rng.next_word() as u8;
            }
            let text = String::from_utf8_lossy(&doc);
            let _ = KeySetRequest::from_json(&text);
            let _ = KeySetReply::from_json(suite, &text);
        }
        for _ in 0..500 {
            let len = (rng.next_word() % 300) as usize;
            let doc: Vec<u8> = (0..len).map(|_| rng.next_word() as u8).collect();
            let text = String::from_utf8_lossy(&doc);
            assert!(KeySetRequest::from_json(&text).is_err());
        }
        let deep = "[".repeat(100_000);
        assert!(matches!(
            KeySetRequest::from_json(&deep),
            Err(JsonError::Syntax { .. })
        ));
        let deep_inside = format!("{{\"status\":200,\"x\":{}}}", "{\"a\":".repeat(50_000));
        assert!(KeySetReply::from_json(suite, &deep_inside).is_err());
    }
}
