//! The exchange's properties, written once and run over every suite of the build
//! ([`Suite::ALL`]): agreement, single use, tampering, lengths, RNG failure, export/import and
//! the wire round trip. A new suite is covered by adding it to `Suite::ALL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
// Protocol 1 (`wire::respond_to_request`, `ClientSecret::finish_response`) is deprecated, not
// gone: these tests keep it working.
#![allow(deprecated)]

#[path = "common/exchange.rs"]
mod exchange;
#[path = "common/test_rng.rs"]
mod test_rng;

use exchange::Exchange;
use pqpsk::mceliece::KeygenWorkspace;
use pqpsk::sizes::CLIENT_SECRET_LEN;
use pqpsk::wire::{self, Request, Response};
use pqpsk::{respond_suite, ClientSecret, Error, Psk, Suite};
use test_rng::{FailingRng, FixedRng};

/// The exchange with the server's RNG one salt after the client's.
fn exchange(suite: Suite, salt: u8) -> Exchange {
    exchange::exchange(suite, salt, salt.wrapping_add(1))
}

/// Runs `f` for every suite on a thread with room for McEliece's key generation.
fn for_every_suite(f: fn(Suite)) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            for &suite in Suite::ALL {
                f(suite);
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn both_sides_agree_and_the_secret_is_single_use() {
    for_every_suite(|suite| {
        let mut ex = exchange(suite, 1);
        assert_eq!(
            ex.client.finish(&ex.ct1, &ex.ct2).unwrap(),
            ex.server,
            "{suite}"
        );
        assert!(!ex.client.is_ready());
        assert_eq!(
            ex.client.finish(&ex.ct1, &ex.ct2),
            Err(Error::NoClientSecret),
            "{suite}"
        );
        assert_eq!(suite.has_kem2(), suite.kem2_ciphertext_len() != 0);
    });
}

#[test]
fn suites_give_different_psks_from_the_same_randomness() {
    let psks: Vec<Psk> = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| Suite::ALL.iter().map(|&s| exchange(s, 3).server).collect())
        .unwrap()
        .join()
        .unwrap();
    for (i, a) in psks.iter().enumerate() {
        for b in &psks[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn a_tampered_ciphertext_gives_another_psk_not_an_error() {
    for_every_suite(|suite| {
        for which in [1, 2] {
            let ex = exchange(suite, 5);
            let (mut ct1, mut ct2) = (ex.ct1.clone(), ex.ct2.clone());
            let ct = if which == 1 { &mut ct1 } else { &mut ct2 };
            if ct.is_empty() {
                continue;
            }
            let last = ct.len() - 1;
            ct[last] ^= 0x01;
            let mut client = ex.client;
            let psk = client.finish(&ct1, &ct2).unwrap();
            assert_ne!(psk, ex.server, "{suite}: ciphertext {which} tampered");
        }
    });
}

#[test]
fn wrong_lengths_are_errors_that_write_nothing() {
    for_every_suite(|suite| {
        let mut ex = exchange(suite, 7);
        // Client: one byte too many in either ciphertext; the secret stays usable.
        let mut long1 = ex.ct1.clone();
        long1.push(0);
        assert!(matches!(
            ex.client.finish(&long1, &ex.ct2),
            Err(Error::Length { expected, actual, .. }) if expected == ex.ct1.len() && actual == expected + 1
        ));
        let mut long2 = ex.ct2.clone();
        long2.push(0);
        assert!(matches!(
            ex.client.finish(&ex.ct1, &long2),
            Err(Error::Length { expected, .. }) if expected == ex.ct2.len()
        ));
        assert!(ex.client.is_ready(), "{suite}");
        // Server: a short public key or output buffer; nothing written, nothing drawn.
        let mut ct1 = vec![0x5Au8; ex.ct1.len()];
        let mut ct2 = vec![0x5Au8; ex.ct2.len()];
        let mut rng = FixedRng::new(9);
        assert!(matches!(
            respond_suite(suite, &mut rng, &ex.pk1[1..], &ex.pk2, &mut ct1, &mut ct2),
            Err(Error::Length { .. })
        ));
        let mut short = vec![0u8; ex.ct1.len() - 1];
        assert!(matches!(
            respond_suite(suite, &mut rng, &ex.pk1, &ex.pk2, &mut short, &mut ct2),
            Err(Error::Length { .. })
        ));
        assert_eq!(rng.drawn, 0);
        assert!(ct1.iter().chain(&ct2).all(|&b| b == 0x5A), "{suite}");
        // Client key generation: a wrong buffer length leaves the buffers and secret untouched.
        let mut fresh = ClientSecret::new_boxed();
        let mut pk1 = vec![0u8; ex.pk1.len()];
        let mut pk2 = vec![0u8; ex.pk2.len() + 1];
        assert!(matches!(
            fresh.generate_suite(suite, &mut FixedRng::new(1), &mut pk1, &mut pk2),
            Err(Error::Length { .. })
        ));
        assert!(!fresh.is_ready());
        assert!(pk1.iter().all(|&b| b == 0));
    });
}

#[test]
fn a_failing_rng_is_an_error_that_changes_nothing() {
    for_every_suite(|suite| {
        let ex = exchange(suite, 11);
        let mut client = ClientSecret::new_boxed();
        let mut pk1 = vec![0u8; suite.kem1_public_key_len()];
        let mut pk2 = vec![0u8; suite.kem2_public_key_len()];
        assert_eq!(
            client.generate_suite(suite, &mut FailingRng, &mut pk1, &mut pk2),
            Err(Error::Rng)
        );
        assert!(!client.is_ready());
        let mut ct1 = vec![0u8; suite.kem1_ciphertext_len()];
        let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];
        assert_eq!(
            respond_suite(suite, &mut FailingRng, &ex.pk1, &ex.pk2, &mut ct1, &mut ct2),
            Err(Error::Rng)
        );
        assert!(ct1.iter().chain(&ct2).all(|&b| b == 0), "{suite}");
    });
}

#[test]
fn an_exported_secret_imports_and_finishes_the_same() {
    for_every_suite(|suite| {
        let mut ex = exchange(suite, 13);
        let mut bytes = vec![0u8; CLIENT_SECRET_LEN];
        assert_eq!(ex.client.export_into(&mut bytes), Ok(CLIENT_SECRET_LEN));
        assert_eq!(&bytes[..3], b"pqs");
        let mut restored = ClientSecret::new_boxed();
        restored.import(&bytes).unwrap();
        assert_eq!(restored.suite(), suite);
        assert_eq!(
            restored.finish(&ex.ct1, &ex.ct2).unwrap(),
            ex.server,
            "{suite}"
        );
        assert_eq!(ex.client.finish(&ex.ct1, &ex.ct2).unwrap(), ex.server);
        // An unknown tag is refused and leaves the secret empty.
        bytes[3] = 0xEE;
        let mut refused = ClientSecret::new_boxed();
        assert_eq!(refused.import(&bytes), Err(Error::InvalidClientSecret));
        assert!(!refused.is_ready());
    });
}

#[test]
fn the_wire_round_trip_works_and_refuses_the_other_suites() {
    for_every_suite(|suite| {
        let mut workspace = Box::new(KeygenWorkspace::new());
        let mut client = ClientSecret::new_boxed();
        let mut request = vec![0u8; wire::request_len(suite)];
        let n = client
            .generate_request_in(suite, &mut FixedRng::new(17), &mut workspace, &mut request)
            .unwrap();
        assert_eq!(n, request.len());
        assert!(n <= wire::MAX_REQUEST_LEN);
        let decoded = Request::decode(&request).unwrap();
        assert_eq!(decoded.suite(), suite);
        let mut response = vec![0u8; wire::response_len(suite)];
        let (m, server) =
            wire::respond_to_request(&mut FixedRng::new(18), &request, &mut response).unwrap();
        assert_eq!(m, response.len());
        assert_eq!(Response::decode(&response).unwrap().suite(), suite);
        // A response of any other suite is refused without consuming the secret.
        for &other in Suite::ALL.iter().filter(|&&o| o != suite) {
            let ct1 = vec![0u8; other.kem1_ciphertext_len()];
            let ct2 = vec![0u8; other.kem2_ciphertext_len()];
            let foreign = Response::new(other, &ct1, &ct2).unwrap();
            let mut bytes = vec![0u8; foreign.encoded_len()];
            foreign.encode_into(&mut bytes).unwrap();
            assert_eq!(
                client.finish_response(&bytes),
                Err(Error::WrongSuite {
                    expected: suite,
                    actual: other
                })
            );
        }
        assert_eq!(
            client.finish_response(&response).unwrap(),
            server,
            "{suite}"
        );
    });
}
