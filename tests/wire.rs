//! The wire format: one test per kind of bad input, each with its own error, and the byte-level
//! helpers (`generate_request`, `respond_to_request`, `finish_response`) end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
// Protocol 1 (`wire::respond_to_request`, `ClientSecret::finish_response`) is deprecated, not
// gone: these tests keep it working.
#![allow(deprecated)]

#[path = "common/test_rng.rs"]
mod test_rng;

use std::sync::OnceLock;

use pqpsk::sizes::*;
use pqpsk::wire::{self, Header, MessageType, Request, Response, HEADER_LEN};
use pqpsk::{ClientSecret, Error, Field, Suite};
use test_rng::{FailingRng, FixedRng};

const SUITE: Suite = Suite::MlKem1024McEliece348864;

/// One real exchange, made once: the client's exported secret, the request and the response.
struct Messages {
    secret: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
}

fn messages() -> &'static Messages {
    static MESSAGES: OnceLock<Messages> = OnceLock::new();
    MESSAGES.get_or_init(|| {
        let mut client = ClientSecret::new_boxed();
        let mut request = vec![0u8; wire::MAX_REQUEST_LEN];
        let n = client
            .generate_request(&mut FixedRng::new(1), &mut request)
            .unwrap();
        request.truncate(n);
        let mut response = vec![0u8; wire::MAX_RESPONSE_LEN];
        let (n, _) =
            wire::respond_to_request(&mut FixedRng::new(2), &request, &mut response).unwrap();
        response.truncate(n);
        let mut secret = vec![0u8; CLIENT_SECRET_LEN];
        client.export_into(&mut secret).unwrap();
        Messages {
            secret,
            request,
            response,
        }
    })
}

fn client() -> Box<ClientSecret> {
    let mut client = ClientSecret::new_boxed();
    client.import(&messages().secret).unwrap();
    client
}

fn with(bytes: &[u8], offset: usize, value: u8) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[offset] = value;
    v
}

#[test]
fn lengths_are_what_the_readme_table_says() {
    assert_eq!(HEADER_LEN, 12);
    assert_eq!(wire::request_len(SUITE), 12 + 1568 + 261_120);
    assert_eq!(wire::response_len(SUITE), 12 + 1568 + 96);
    assert!(wire::MAX_REQUEST_LEN >= wire::request_len(SUITE));
    assert!(wire::MAX_RESPONSE_LEN >= wire::response_len(SUITE));
}

#[test]
fn header_layout_byte_by_byte() {
    let m = messages();
    assert_eq!(&m.request[..12], b"PQPK\x01\x01\x00\x01\x00\x04\x02\x20");
    assert_eq!(&m.response[..12], b"PQPK\x01\x02\x00\x01\x00\x00\x06\x80");
    let header = Header::decode(&m.request[..12]).unwrap();
    assert_eq!(header.message_type, MessageType::Request);
    assert_eq!(header.suite, SUITE);
    assert_eq!(header.body_len, 262_688);
    assert_eq!(header.message_len(), m.request.len());
}

#[test]
fn byte_helpers_agree_with_each_other_and_with_the_plain_api() {
    let m = messages();
    let mut response = vec![0u8; wire::MAX_RESPONSE_LEN];
    let (n, server_psk) =
        wire::respond_to_request(&mut FixedRng::new(2), &m.request, &mut response).unwrap();
    assert_eq!(&response[..n], &m.response[..]);
    let client_psk = client().finish_response(&m.response).unwrap();
    assert_eq!(client_psk, server_psk);

    // The same exchange through the plain API gives the same PSK.
    let request = Request::decode(&m.request).unwrap();
    let pk2 = request.kem2_public_key().to_vec();
    let mut ct1 = vec![0u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct2 = vec![0u8; MCELIECE_CIPHERTEXT_LEN];
    let psk = pqpsk::respond(
        &mut FixedRng::new(2),
        request.kem1_public_key(),
        &pk2,
        &mut ct1,
        &mut ct2,
    )
    .unwrap();
    assert_eq!(psk, server_psk);
    let decoded = Response::decode(&m.response).unwrap();
    assert_eq!(decoded.kem1_ciphertext(), &ct1[..]);
    assert_eq!(decoded.kem2_ciphertext(), &ct2[..]);
}

#[test]
fn decode_borrows_the_input() {
    let m = messages();
    let request = Request::decode(&m.request).unwrap();
    assert_eq!(request.suite(), SUITE);
    assert!(std::ptr::eq(
        request.kem2_public_key().as_ptr(),
        m.request[HEADER_LEN + MLKEM_PUBLIC_KEY_LEN..].as_ptr()
    ));
    assert_eq!(request.kem1_public_key().len(), MLKEM_PUBLIC_KEY_LEN);
    assert_eq!(request.kem2_public_key().len(), MCELIECE_PUBLIC_KEY_LEN);
}

#[test]
fn short_input_is_truncated() {
    let m = messages();
    for len in [0, 1, 11] {
        assert_eq!(
            Header::decode(&m.request[..len]),
            Err(Error::Truncated {
                needed: 12,
                actual: len
            })
        );
        assert_eq!(
            Request::decode(&m.request[..len]),
            Err(Error::Truncated {
                needed: 12,
                actual: len
            })
        );
    }
    let total = m.request.len();
    for len in [12, 13, total - 1] {
        assert_eq!(
            Request::decode(&m.request[..len]),
            Err(Error::Truncated {
                needed: total,
                actual: len
            })
        );
    }
    let total = m.response.len();
    assert_eq!(
        Response::decode(&m.response[..total - 1]),
        Err(Error::Truncated {
            needed: total,
            actual: total - 1
        })
    );
}

#[test]
fn extra_bytes_are_trailing() {
    let m = messages();
    let long = [&m.response[..], b"x"].concat();
    assert_eq!(
        Response::decode(&long),
        Err(Error::TrailingBytes {
            expected: m.response.len(),
            actual: m.response.len() + 1
        })
    );
    let long = [&m.request[..], &[0u8; 100][..]].concat();
    assert_eq!(
        Request::decode(&long),
        Err(Error::TrailingBytes {
            expected: m.request.len(),
            actual: m.request.len() + 100
        })
    );
}

#[test]
fn foreign_magic_version_type_and_suite_each_have_their_own_error() {
    let m = messages();
    assert_eq!(
        Request::decode(&with(&m.request, 0, b'X')),
        Err(Error::BadMagic)
    );
    assert_eq!(
        Request::decode(&with(&m.request, 4, 2)),
        Err(Error::UnsupportedVersion { version: 2 })
    );
    assert_eq!(
        Request::decode(&with(&m.request, 4, 0)),
        Err(Error::UnsupportedVersion { version: 0 })
    );
    for value in [0, 3, 255] {
        assert_eq!(
            Response::decode(&with(&m.response, 5, value)),
            Err(Error::UnknownMessageType { value })
        );
    }
    assert_eq!(
        Request::decode(&with(&m.request, 7, 0x7F)),
        Err(Error::UnknownSuite { id: 0x007F })
    );
    assert_eq!(
        Response::decode(&with(&m.response, 6, 0xAB)),
        Err(Error::UnknownSuite { id: 0xAB01 })
    );
}

#[test]
fn the_other_message_type_is_refused() {
    let m = messages();
    assert_eq!(
        Request::decode(&m.response),
        Err(Error::WrongMessageType {
            expected: MessageType::Request,
            actual: MessageType::Response
        })
    );
    assert_eq!(
        Response::decode(&m.request),
        Err(Error::WrongMessageType {
            expected: MessageType::Response,
            actual: MessageType::Request
        })
    );
    let mut c = client();
    assert!(matches!(
        c.finish_response(&m.request),
        Err(Error::WrongMessageType { .. })
    ));
    let mut out = vec![0u8; wire::MAX_RESPONSE_LEN];
    assert!(matches!(
        wire::respond_to_request(&mut FixedRng::new(2), &m.response, &mut out),
        Err(Error::WrongMessageType { .. })
    ));
}

#[test]
fn a_body_length_the_suite_does_not_have_is_refused() {
    let m = messages();
    // Declared 1 byte more than the suite's request body; and a huge declaration, which must be
    // refused from the header alone (nothing is sized from it).
    let body = (m.request.len() - HEADER_LEN) as u32;
    let mut bad = m.request.clone();
    bad[8..12].copy_from_slice(&(body + 1).to_be_bytes());
    assert_eq!(
        Request::decode(&bad),
        Err(Error::BodyLength {
            suite: SUITE,
            expected: body as usize,
            actual: body + 1
        })
    );
    let mut huge = m.response[..HEADER_LEN].to_vec();
    huge[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(
        Header::decode(&huge),
        Err(Error::BodyLength {
            suite: SUITE,
            expected: MLKEM_CIPHERTEXT_LEN + MCELIECE_CIPHERTEXT_LEN,
            actual: u32::MAX
        })
    );
}

#[test]
fn an_mlkem_key_that_fails_the_modulus_check_is_refused_before_any_work() {
    let m = messages();
    // Coefficient 0 of t := 3329 = 0xD01 (q itself): bytes 0x01, low nibble 0xD.
    let mut bad = m.request.clone();
    bad[HEADER_LEN] = 0x01;
    bad[HEADER_LEN + 1] = (bad[HEADER_LEN + 1] & 0xF0) | 0x0D;
    assert_eq!(Request::decode(&bad), Err(Error::InvalidMlKemPublicKey));
    // The last coefficient (high half of the last group of t) := 0xFFF.
    let mut bad = m.request.clone();
    let last = HEADER_LEN + MLKEM_PUBLIC_KEY_LEN - 32 - 1;
    bad[last] = 0xFF;
    bad[last - 1] |= 0xF0;
    assert_eq!(Request::decode(&bad), Err(Error::InvalidMlKemPublicKey));

    let mut out = vec![0x5Au8; wire::MAX_RESPONSE_LEN];
    let mut rng = FixedRng::new(9);
    assert_eq!(
        wire::respond_to_request(&mut rng, &bad, &mut out).map(|(n, _)| n),
        Err(Error::InvalidMlKemPublicKey)
    );
    assert_eq!(
        rng.drawn, 0,
        "randomness drawn for a request that was refused"
    );
    assert!(
        out.iter().all(|&b| b == 0x5A),
        "response buffer written on error"
    );
}

#[test]
fn modulus_check_agrees_with_ml_kem_on_random_keys() {
    let mut x: u64 = 0x1234_5678;
    for _ in 0..2000 {
        let mut key = [0u8; MLKEM_PUBLIC_KEY_LEN];
        for b in key.iter_mut() {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *b = (x >> 56) as u8;
        }
        // Mostly-valid keys: reduce all but (sometimes) one coefficient.
        for (i, g) in key[..MLKEM_PUBLIC_KEY_LEN - 32]
            .chunks_exact_mut(3)
            .enumerate()
        {
            if i as u64 != (x >> 20) % 700 {
                g[2] &= 0x7F; // high coefficient < 2048
                g[1] &= 0x77; // low coefficient < 2048
            }
        }
        let ours = pqpsk::mlkem::check_public_key(&key).is_ok();
        let theirs = pqpsk::mlkem::PublicKey::parse(&key).is_ok();
        assert_eq!(ours, theirs);
    }
}

#[test]
fn buffers_that_are_too_small_are_refused_and_left_untouched() {
    let m = messages();
    // Encoders.
    let request = Request::decode(&m.request).unwrap();
    let mut out = vec![0xEEu8; m.request.len() - 1];
    assert_eq!(
        request.encode_into(&mut out),
        Err(Error::BufferTooSmall {
            needed: m.request.len(),
            actual: m.request.len() - 1
        })
    );
    assert!(out.iter().all(|&b| b == 0xEE));
    let response = Response::decode(&m.response).unwrap();
    assert_eq!(
        response.encode_into(&mut [0u8; 100]),
        Err(Error::BufferTooSmall {
            needed: m.response.len(),
            actual: 100
        })
    );
    // A bigger buffer is fine: the length written is returned.
    let mut big = vec![0u8; m.response.len() + 10];
    assert_eq!(response.encode_into(&mut big), Ok(m.response.len()));
    assert_eq!(&big[..m.response.len()], &m.response[..]);

    // Server helper.
    let mut out = vec![0xEEu8; m.response.len() - 1];
    let mut rng = FixedRng::new(2);
    assert_eq!(
        wire::respond_to_request(&mut rng, &m.request, &mut out).map(|(n, _)| n),
        Err(Error::BufferTooSmall {
            needed: m.response.len(),
            actual: m.response.len() - 1
        })
    );
    assert_eq!(rng.drawn, 0);
    assert!(out.iter().all(|&b| b == 0xEE));

    // Client helper: nothing drawn, nothing written, the client not touched.
    let mut c = ClientSecret::new_boxed();
    let mut rng = FixedRng::new(1);
    let mut out = vec![0xEEu8; 1000];
    assert_eq!(
        c.generate_request(&mut rng, &mut out),
        Err(Error::BufferTooSmall {
            needed: m.request.len(),
            actual: 1000
        })
    );
    assert_eq!(rng.drawn, 0);
    assert!(!c.is_ready());
    assert!(out.iter().all(|&b| b == 0xEE));
}

#[test]
fn rng_failure_in_the_helpers_writes_nothing() {
    let m = messages();
    let mut out = vec![0xEEu8; wire::MAX_RESPONSE_LEN];
    assert_eq!(
        wire::respond_to_request(&mut FailingRng, &m.request, &mut out).map(|(n, _)| n),
        Err(Error::Rng)
    );
    assert!(out.iter().all(|&b| b == 0xEE));
    let mut c = ClientSecret::new_boxed();
    let mut out = vec![0xEEu8; wire::MAX_REQUEST_LEN];
    assert_eq!(
        c.generate_request(&mut FailingRng, &mut out),
        Err(Error::Rng)
    );
    assert!(out.iter().all(|&b| b == 0xEE));
}

#[test]
fn a_rejected_response_leaves_the_secret_usable() {
    let m = messages();
    let mut c = client();
    let truncated = &m.response[..m.response.len() - 1];
    assert!(matches!(
        c.finish_response(truncated),
        Err(Error::Truncated { .. })
    ));
    assert!(c.is_ready());
    let psk = c.finish_response(&m.response).unwrap();
    assert!(!c.is_ready());
    assert_eq!(c.finish_response(&m.response), Err(Error::NoClientSecret));
    let mut out = vec![0u8; wire::MAX_RESPONSE_LEN];
    let (_, server_psk) =
        wire::respond_to_request(&mut FixedRng::new(2), &m.request, &mut out).unwrap();
    assert_eq!(psk, server_psk);
}

#[test]
fn constructors_check_the_suite_lengths() {
    let pk1 = vec![0u8; MLKEM_PUBLIC_KEY_LEN];
    let pk2 = vec![0u8; MCELIECE_PUBLIC_KEY_LEN];
    assert_eq!(
        Request::new(SUITE, &pk1[1..], &pk2),
        Err(Error::Length {
            field: Field::MlKemPublicKey,
            expected: MLKEM_PUBLIC_KEY_LEN,
            actual: MLKEM_PUBLIC_KEY_LEN - 1
        })
    );
    assert_eq!(
        Request::new(SUITE, &pk1, &pk2[..10]),
        Err(Error::Length {
            field: Field::McEliecePublicKey,
            expected: MCELIECE_PUBLIC_KEY_LEN,
            actual: 10
        })
    );
    assert!(matches!(
        Response::new(SUITE, &pk1, &[0u8; 95]),
        Err(Error::Length {
            field: Field::McElieceCiphertext,
            ..
        })
    ));
}

#[test]
fn every_wire_error_has_its_own_message() {
    let errors = [
        Error::BadMagic,
        Error::UnsupportedVersion { version: 9 },
        Error::UnknownMessageType { value: 9 },
        Error::WrongMessageType {
            expected: MessageType::Request,
            actual: MessageType::Response,
        },
        Error::UnknownSuite { id: 9 },
        Error::WrongSuite {
            expected: SUITE,
            actual: SUITE,
        },
        Error::Truncated {
            needed: 12,
            actual: 3,
        },
        Error::TrailingBytes {
            expected: 12,
            actual: 13,
        },
        Error::BodyLength {
            suite: SUITE,
            expected: 1,
            actual: 2,
        },
        Error::BufferTooSmall {
            needed: 2,
            actual: 1,
        },
        Error::InvalidMlKemPublicKey,
    ];
    let texts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    for (i, t) in texts.iter().enumerate() {
        assert!(t.len() > 10, "{t}");
        assert!(!texts[i + 1..].contains(t), "duplicate message {t}");
    }
    assert_eq!(
        Error::Truncated {
            needed: 12,
            actual: 3
        }
        .to_string(),
        "message truncated: 3 bytes received, 12 needed"
    );
}

/// The IVPN suites travel in the same framing: the Kyber-only suite has an empty second part, and
/// a response of another suite than the client's is `WrongSuite`, leaving the secret usable.
#[cfg(feature = "ivpn")]
#[test]
fn ivpn_suites_in_the_wire_format() {
    let suite = Suite::IvpnKyber1024;
    assert_eq!(wire::request_len(suite), 12 + 1568);
    assert_eq!(wire::response_len(suite), 12 + 1568);
    let mut workspace = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
    let mut client = ClientSecret::new_boxed();
    let mut request = vec![0u8; wire::MAX_REQUEST_LEN];
    let n = client
        .generate_request_in(suite, &mut FixedRng::new(5), &mut workspace, &mut request)
        .unwrap();
    assert_eq!(n, wire::request_len(suite));
    assert_eq!(&request[4..8], &[1, 1, 0x01, 0x02]);
    let decoded = Request::decode(&request[..n]).unwrap();
    assert_eq!(decoded.suite(), suite);
    assert!(decoded.kem2_public_key().is_empty());
    let mut response = vec![0u8; wire::MAX_RESPONSE_LEN];
    let (m, server_psk) =
        wire::respond_to_request(&mut FixedRng::new(6), &request[..n], &mut response).unwrap();

    // A default-suite response to this Kyber-only client: refused, secret kept.
    assert_eq!(
        client.finish_response(&messages().response),
        Err(Error::WrongSuite {
            expected: suite,
            actual: SUITE
        })
    );
    assert!(client.is_ready());
    assert_eq!(client.finish_response(&response[..m]).unwrap(), server_psk);
}
