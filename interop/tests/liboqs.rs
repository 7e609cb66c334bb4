//! pqpsk's IVPN suites against liboqs 0.13.0 (through the `oqs` crate), whose "Kyber1024" and
//! "Classic-McEliece-348864" are what IVPN's own apps and servers link. Both directions, both
//! variants, with the messages in IVPN's JSON form:
//!
//! - liboqs as the client: liboqs key pairs, a request whose base64 is written by the `base64`
//!   crate, parsed by pqpsk; pqpsk responds; liboqs decapsulates pqpsk's ciphertexts (read back
//!   with serde_json and `base64`), and IVPN's formula over liboqs' secrets must equal pqpsk's PSK.
//! - liboqs as the server: pqpsk's request, read with serde_json and `base64`; liboqs
//!   encapsulates; IVPN's formula over liboqs' secrets must equal the PSK pqpsk's client finishes
//!   with from the reply.
//!
//! The formula is written out here with sha2 (SHA-256 of the raw secrets, Kyber first), not
//! taken from pqpsk.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pqpsk::ivpn::json::{KeySetReply, KeySetRequest};
use pqpsk::{ClientSecret, Psk, Suite, SysRng};

mod common;
use common::{ivpn_formula, ivpn_request, kems, on_big_stack};

const SUITES: [Suite; 2] = [Suite::IvpnKyber1024McEliece348864, Suite::IvpnKyber1024];

fn liboqs_client_pqpsk_server(suite: Suite) {
    let (kyber, mceliece) = kems();
    let (pk1, sk1) = kyber.keypair().unwrap();
    let hybrid = suite.has_kem2();
    let second = hybrid.then(|| mceliece.keypair().unwrap());

    let request = ivpn_request(pk1.as_ref(), second.as_ref().map(|(pk2, _)| pk2.as_ref()));
    let parsed = KeySetRequest::from_json(&request.to_string()).unwrap();
    assert_eq!(parsed.suite, suite);
    assert_eq!(parsed.kem_public_key1, pk1.as_ref());

    let mut ct1 = vec![0u8; suite.kem1_ciphertext_len()];
    let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];
    let server_psk = pqpsk::respond_suite(
        suite,
        &mut SysRng,
        &parsed.kem_public_key1,
        &parsed.kem_public_key2,
        &mut ct1,
        &mut ct2,
    )
    .unwrap();
    let reply = KeySetReply::success(suite, "10.0.0.2", &ct1, &ct2).unwrap();

    // liboqs' side reads the reply independently and decapsulates.
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["status"], 200);
    let ct1 = STANDARD
        .decode(reply["kem_cipher1"].as_str().unwrap())
        .unwrap();
    let ss1 = kyber
        .decapsulate(&sk1, kyber.ciphertext_from_bytes(&ct1).unwrap())
        .unwrap();
    let ss2 = second.map(|(_, sk2)| {
        let ct2 = STANDARD
            .decode(reply["kem_cipher2"].as_str().unwrap())
            .unwrap();
        mceliece
            .decapsulate(&sk2, mceliece.ciphertext_from_bytes(&ct2).unwrap())
            .unwrap()
    });
    if !hybrid {
        assert!(reply.get("kem_cipher2").is_none());
    }
    let expected = ivpn_formula(ss1.as_ref(), ss2.as_ref().map(|s| s.as_ref()));
    assert_eq!(
        server_psk,
        Psk::from_bytes(expected),
        "{suite}: liboqs client"
    );
}

fn pqpsk_client_liboqs_server(suite: Suite) {
    let (kyber, mceliece) = kems();
    let mut client = ClientSecret::new_boxed();
    let mut pk1 = vec![0u8; suite.kem1_public_key_len()];
    let mut pk2 = vec![0u8; suite.kem2_public_key_len()];
    client
        .generate_suite(suite, &mut SysRng, &mut pk1, &mut pk2)
        .unwrap();
    let request = KeySetRequest::new(suite, "token", "WgPub=", "", &pk1, &pk2)
        .to_json()
        .unwrap();

    // The server side, independently: serde_json, `base64`, liboqs.
    let request: serde_json::Value = serde_json::from_str(&request).unwrap();
    assert_eq!(request["kem_library_version"], "0.10.0");
    let pk1 = STANDARD
        .decode(request["kem_public_key1"].as_str().unwrap())
        .unwrap();
    let (ct1, ss1) = kyber
        .encapsulate(kyber.public_key_from_bytes(&pk1).unwrap())
        .unwrap();
    let mut reply = serde_json::json!({
        "status": 200,
        "ip_address": "10.0.0.2",
        "kem_cipher1": STANDARD.encode(ct1.as_ref()),
    });
    let ss2 = if suite.has_kem2() {
        let pk2 = STANDARD
            .decode(request["kem_public_key2"].as_str().unwrap())
            .unwrap();
        let (ct2, ss2) = mceliece
            .encapsulate(mceliece.public_key_from_bytes(&pk2).unwrap())
            .unwrap();
        reply["kem_cipher2"] = STANDARD.encode(ct2.as_ref()).into();
        Some(ss2)
    } else {
        assert!(request.get("kem_public_key2").is_none());
        None
    };
    let expected = ivpn_formula(ss1.as_ref(), ss2.as_ref().map(|s| s.as_ref()));

    let reply = KeySetReply::from_json(suite, &reply.to_string()).unwrap();
    assert_eq!(client.suite(), suite);
    let client_psk = client
        .finish(&reply.kem_cipher1, &reply.kem_cipher2)
        .unwrap();
    assert_eq!(
        client_psk,
        Psk::from_bytes(expected),
        "{suite}: liboqs server"
    );
}

#[test]
fn liboqs_client_with_pqpsk_server() {
    on_big_stack(|| {
        for suite in SUITES {
            for _ in 0..3 {
                liboqs_client_pqpsk_server(suite);
            }
        }
    });
}

#[test]
fn pqpsk_client_with_liboqs_server() {
    on_big_stack(|| {
        for suite in SUITES {
            for _ in 0..3 {
                pqpsk_client_liboqs_server(suite);
            }
        }
    });
}

/// The same liboqs exchange computed with ML-KEM's formula would not match: the default suite is
/// not IVPN-compatible, and this test would notice if the IVPN suites quietly used ML-KEM.
#[test]
fn liboqs_kyber_is_not_fips203_mlkem() {
    let (kyber, _) = kems();
    let mut client = ClientSecret::new_boxed();
    let mut pk1 = vec![0u8; 1568];
    let mut pk2 = vec![0u8; 0];
    client
        .generate_suite(Suite::IvpnKyber1024, &mut SysRng, &mut pk1, &mut pk2)
        .unwrap();
    let (ct1, ss1) = kyber
        .encapsulate(kyber.public_key_from_bytes(&pk1).unwrap())
        .unwrap();
    let ours = client.finish(ct1.as_ref(), &[]).unwrap();
    assert_eq!(ours, Psk::from_bytes(ivpn_formula(ss1.as_ref(), None)));
    // ML-KEM-1024 decapsulation of the same ciphertext with the same seed gives another secret.
    let mut exported = vec![0u8; pqpsk::sizes::CLIENT_SECRET_LEN];
    let mut again = ClientSecret::new_boxed();
    let mut pk1b = vec![0u8; 1568];
    again
        .generate_suite(Suite::IvpnKyber1024, &mut SysRng, &mut pk1b, &mut [])
        .unwrap();
    again.export_into(&mut exported).unwrap();
    let seed: [u8; 64] = exported[4..68].try_into().unwrap();
    let (ct, ss) = kyber
        .encapsulate(kyber.public_key_from_bytes(&pk1b).unwrap())
        .unwrap();
    let mlkem_ss = pqpsk::mlkem::decapsulate(&seed, ct.as_ref().try_into().unwrap());
    assert_ne!(mlkem_ss.as_bytes(), ss.as_ref());
    let kyber_ss = pqpsk::ivpn::kyber::decapsulate(&seed, ct.as_ref().try_into().unwrap());
    assert_eq!(kyber_ss.as_bytes(), ss.as_ref());
}
