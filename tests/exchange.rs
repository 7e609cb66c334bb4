//! End-to-end behaviour of the public API: a full exchange, single use, tampering, bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/test_rng.rs"]
mod test_rng;

use pqpsk::sizes::*;
use pqpsk::{respond, ClientSecret, Error, Field, Psk};
use test_rng::{FailingRng, FixedRng};

struct Exchange {
    client: Box<ClientSecret>,
    pk_mlkem: Vec<u8>,
    pk_mceliece: Vec<u8>,
    ct_mlkem: Vec<u8>,
    ct_mceliece: Vec<u8>,
    server_psk: Psk,
}

fn run_exchange(client_salt: u8, server_salt: u8) -> Exchange {
    let mut client = ClientSecret::new_boxed();
    let mut pk_mlkem = vec![0u8; MLKEM_PUBLIC_KEY_LEN];
    let mut pk_mceliece = vec![0u8; MCELIECE_PUBLIC_KEY_LEN];
    client
        .generate(
            &mut FixedRng::new(client_salt),
            &mut pk_mlkem,
            &mut pk_mceliece,
        )
        .unwrap();
    assert!(client.is_ready());
    let mut ct_mlkem = vec![0u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct_mceliece = vec![0u8; MCELIECE_CIPHERTEXT_LEN];
    let server_psk = respond(
        &mut FixedRng::new(server_salt),
        &pk_mlkem,
        &pk_mceliece,
        &mut ct_mlkem,
        &mut ct_mceliece,
    )
    .unwrap();
    Exchange {
        client,
        pk_mlkem,
        pk_mceliece,
        ct_mlkem,
        ct_mceliece,
        server_psk,
    }
}

#[test]
fn both_sides_agree_and_the_secret_is_single_use() {
    let mut ex = run_exchange(1, 2);
    let client_psk = ex.client.finish(&ex.ct_mlkem, &ex.ct_mceliece).unwrap();
    assert_eq!(client_psk, ex.server_psk);
    assert!(!ex.client.is_ready());
    assert_eq!(
        ex.client.finish(&ex.ct_mlkem, &ex.ct_mceliece),
        Err(Error::NoClientSecret)
    );
    // A second exchange with other randomness gives another key.
    let mut other = run_exchange(3, 4);
    let other_psk = other
        .client
        .finish(&other.ct_mlkem, &other.ct_mceliece)
        .unwrap();
    assert_ne!(other_psk, client_psk);
}

#[test]
fn tampered_ciphertexts_give_a_different_psk_not_an_error() {
    let ex = run_exchange(5, 6);
    let mut exported = vec![0u8; CLIENT_SECRET_LEN];
    ex.client.export_into(&mut exported).unwrap();
    for (which, index) in [(0, 0), (0, MLKEM_CIPHERTEXT_LEN - 1), (1, 0), (1, 95)] {
        let mut client = ClientSecret::new_boxed();
        client.import(&exported).unwrap();
        let (mut ct1, mut ct2) = (ex.ct_mlkem.clone(), ex.ct_mceliece.clone());
        if which == 0 {
            ct1[index] ^= 0x01;
        } else {
            ct2[index] ^= 0x80;
        }
        let psk = client.finish(&ct1, &ct2).unwrap();
        assert_ne!(psk, ex.server_psk, "flip in ciphertext {which} at {index}");
    }
    // And the untampered ciphertexts still give the server's key.
    let mut client = ClientSecret::new_boxed();
    client.import(&exported).unwrap();
    assert_eq!(
        client.finish(&ex.ct_mlkem, &ex.ct_mceliece).unwrap(),
        ex.server_psk
    );
}

#[test]
fn wrong_lengths_name_the_field_and_write_nothing() {
    let mut client = ClientSecret::new_boxed();
    let mut pk_mlkem = vec![0xAAu8; MLKEM_PUBLIC_KEY_LEN + 1];
    let mut pk_mceliece = vec![0xAAu8; MCELIECE_PUBLIC_KEY_LEN];
    let mut rng = FixedRng::new(7);
    assert_eq!(
        client.generate(&mut rng, &mut pk_mlkem, &mut pk_mceliece),
        Err(Error::Length {
            field: Field::MlKemPublicKey,
            expected: MLKEM_PUBLIC_KEY_LEN,
            actual: MLKEM_PUBLIC_KEY_LEN + 1
        })
    );
    assert_eq!(
        client.generate(
            &mut rng,
            &mut pk_mlkem[..MLKEM_PUBLIC_KEY_LEN],
            &mut pk_mceliece[..10]
        ),
        Err(Error::Length {
            field: Field::McEliecePublicKey,
            expected: MCELIECE_PUBLIC_KEY_LEN,
            actual: 10
        })
    );
    assert_eq!(
        rng.drawn, 0,
        "no randomness drawn before the lengths are checked"
    );
    assert!(pk_mlkem.iter().chain(&pk_mceliece).all(|&b| b == 0xAA));
    assert!(!client.is_ready());

    let mut ex = run_exchange(8, 9);
    let mut ct1 = vec![0x55u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct2 = vec![0x55u8; MCELIECE_CIPHERTEXT_LEN + 3];
    assert_eq!(
        respond(
            &mut rng,
            &ex.pk_mlkem[1..],
            &ex.pk_mceliece,
            &mut ct1,
            &mut ct2[..96]
        ),
        Err(Error::Length {
            field: Field::MlKemPublicKey,
            expected: MLKEM_PUBLIC_KEY_LEN,
            actual: MLKEM_PUBLIC_KEY_LEN - 1
        })
    );
    assert_eq!(
        respond(
            &mut rng,
            &ex.pk_mlkem,
            &ex.pk_mceliece,
            &mut ct1[..5],
            &mut ct2[..96]
        ),
        Err(Error::Length {
            field: Field::MlKemCiphertext,
            expected: MLKEM_CIPHERTEXT_LEN,
            actual: 5
        })
    );
    assert_eq!(
        respond(&mut rng, &ex.pk_mlkem, &ex.pk_mceliece, &mut ct1, &mut ct2),
        Err(Error::Length {
            field: Field::McElieceCiphertext,
            expected: MCELIECE_CIPHERTEXT_LEN,
            actual: MCELIECE_CIPHERTEXT_LEN + 3
        })
    );
    assert_eq!(rng.drawn, 0);
    assert!(ct1.iter().chain(&ct2).all(|&b| b == 0x55));

    // finish: a wrong length is refused without consuming the secret.
    assert_eq!(
        ex.client.finish(&ex.ct_mlkem, &ex.ct_mceliece[..95]),
        Err(Error::Length {
            field: Field::McElieceCiphertext,
            expected: MCELIECE_CIPHERTEXT_LEN,
            actual: 95
        })
    );
    assert!(ex.client.is_ready());
    assert_eq!(
        ex.client.finish(&ex.ct_mlkem, &ex.ct_mceliece).unwrap(),
        ex.server_psk
    );
}

#[test]
fn mlkem_key_failing_the_fips203_check_is_refused() {
    let mut ex = run_exchange(10, 11);
    // Set the first 12-bit coefficient of t-hat to 0xFFF (>= q = 3329).
    ex.pk_mlkem[0] = 0xFF;
    ex.pk_mlkem[1] |= 0x0F;
    let mut ct1 = vec![0x55u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct2 = vec![0x55u8; MCELIECE_CIPHERTEXT_LEN];
    let mut rng = FixedRng::new(0);
    assert_eq!(
        respond(&mut rng, &ex.pk_mlkem, &ex.pk_mceliece, &mut ct1, &mut ct2),
        Err(Error::InvalidMlKemPublicKey)
    );
    assert_eq!(rng.drawn, 0);
    assert!(ct1.iter().chain(&ct2).all(|&b| b == 0x55));
}

#[test]
fn rng_failure_is_an_error_and_writes_nothing() {
    let mut client = ClientSecret::new_boxed();
    let mut pk_mlkem = vec![0xAAu8; MLKEM_PUBLIC_KEY_LEN];
    let mut pk_mceliece = vec![0xAAu8; MCELIECE_PUBLIC_KEY_LEN];
    assert_eq!(
        client.generate(&mut FailingRng, &mut pk_mlkem, &mut pk_mceliece),
        Err(Error::Rng)
    );
    assert!(!client.is_ready());
    assert!(pk_mlkem.iter().chain(&pk_mceliece).all(|&b| b == 0xAA));

    let ex = run_exchange(12, 13);
    let mut ct1 = vec![0x55u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct2 = vec![0x55u8; MCELIECE_CIPHERTEXT_LEN];
    assert_eq!(
        respond(
            &mut FailingRng,
            &ex.pk_mlkem,
            &ex.pk_mceliece,
            &mut ct1,
            &mut ct2
        ),
        Err(Error::Rng)
    );
    assert!(ct1.iter().chain(&ct2).all(|&b| b == 0x55));
}

#[test]
fn same_rng_bytes_give_the_same_keys_and_psk() {
    let mut a = run_exchange(20, 21);
    let mut b = run_exchange(20, 21);
    assert_eq!(a.pk_mlkem, b.pk_mlkem);
    assert!(a.pk_mceliece == b.pk_mceliece);
    assert_eq!(a.ct_mlkem, b.ct_mlkem);
    assert_eq!(a.ct_mceliece, b.ct_mceliece);
    assert_eq!(a.server_psk, b.server_psk);
    let pa = a.client.finish(&a.ct_mlkem, &a.ct_mceliece).unwrap();
    let pb = b.client.finish(&b.ct_mlkem, &b.ct_mceliece).unwrap();
    assert_eq!(pa, pb);
}

#[test]
fn export_import_round_trip_and_refusals() {
    let mut empty = ClientSecret::new();
    let mut buf = vec![0u8; CLIENT_SECRET_LEN + 10];
    assert_eq!(empty.export_into(&mut buf), Err(Error::NoClientSecret));

    let mut ex = run_exchange(14, 15);
    assert_eq!(
        ex.client.export_into(&mut buf[..CLIENT_SECRET_LEN - 1]),
        Err(Error::Length {
            field: Field::ClientSecret,
            expected: CLIENT_SECRET_LEN,
            actual: CLIENT_SECRET_LEN - 1
        })
    );
    assert_eq!(ex.client.export_into(&mut buf).unwrap(), CLIENT_SECRET_LEN);
    let exported = &buf[..CLIENT_SECRET_LEN];

    assert_eq!(
        empty.import(&buf),
        Err(Error::Length {
            field: Field::ClientSecret,
            expected: CLIENT_SECRET_LEN,
            actual: CLIENT_SECRET_LEN + 10
        })
    );
    let mut bad = exported.to_vec();
    bad[3] = 0xff; // a suite tag nothing uses (0x02 and 0x03 are the IVPN suites)
    assert_eq!(empty.import(&bad), Err(Error::InvalidClientSecret));
    assert!(!empty.is_ready());

    empty.import(exported).unwrap();
    assert_eq!(
        empty.finish(&ex.ct_mlkem, &ex.ct_mceliece).unwrap(),
        ex.server_psk
    );
    // The original is still usable once (the export is a copy, as a saved state file is).
    assert_eq!(
        ex.client.finish(&ex.ct_mlkem, &ex.ct_mceliece).unwrap(),
        ex.server_psk
    );
    ex.client.wipe();
    assert!(!ex.client.is_ready());
}

#[test]
fn debug_output_never_shows_secret_bytes() {
    let ex = run_exchange(16, 17);
    let shown = format!(
        "{:?} {:?} {:?}",
        ex.client,
        ex.server_psk,
        ex.server_psk.to_base64()
    );
    assert_eq!(
        shown,
        "ClientSecret { ready: true, .. } Psk(<secret>) PskBase64(<secret>)"
    );
}

#[test]
fn arbitrary_ciphertexts_never_panic_and_never_match() {
    // Network input: any bytes of the right length must give a PSK (implicit rejection), never a
    // panic, and never the server's key. Includes all-zero and all-one ciphertexts.
    let ex = run_exchange(18, 19);
    let mut exported = vec![0u8; CLIENT_SECRET_LEN];
    ex.client.export_into(&mut exported).unwrap();
    let mut rng = FixedRng::new(0x5a);
    for round in 0..24 {
        let mut ct1 = vec![0u8; MLKEM_CIPHERTEXT_LEN];
        let mut ct2 = vec![0u8; MCELIECE_CIPHERTEXT_LEN];
        match round {
            0 => {}
            1 => {
                ct1.fill(0xFF);
                ct2.fill(0xFF);
            }
            _ => {
                rand_core::Rng::fill_bytes(&mut rng, &mut ct1);
                rand_core::Rng::fill_bytes(&mut rng, &mut ct2);
            }
        }
        let mut client = ClientSecret::new_boxed();
        client.import(&exported).unwrap();
        let psk = client.finish(&ct1, &ct2).unwrap();
        assert_ne!(psk, ex.server_psk, "round {round}");
    }
}

#[test]
fn arbitrary_public_keys_never_panic() {
    // Random bytes as an ML-KEM key almost always fail the FIPS 203 check (each 12-bit value is
    // >= 3329 with probability 0.19); all-zero keys pass it. A McEliece key is any 261,120 bytes.
    let mut rng = FixedRng::new(0x33);
    let mut pk1 = vec![0u8; MLKEM_PUBLIC_KEY_LEN];
    let mut pk2 = vec![0u8; MCELIECE_PUBLIC_KEY_LEN];
    let mut ct1 = vec![0u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct2 = vec![0u8; MCELIECE_CIPHERTEXT_LEN];
    assert!(respond(&mut rng, &pk1, &pk2, &mut ct1, &mut ct2).is_ok());
    pk1.fill(0xFF);
    pk2.fill(0xFF);
    assert_eq!(
        respond(&mut rng, &pk1, &pk2, &mut ct1, &mut ct2),
        Err(Error::InvalidMlKemPublicKey)
    );
    for _ in 0..8 {
        rand_core::Rng::fill_bytes(&mut rng, &mut pk1);
        rand_core::Rng::fill_bytes(&mut rng, &mut pk2);
        assert_eq!(
            respond(&mut rng, &pk1, &pk2, &mut ct1, &mut ct2),
            Err(Error::InvalidMlKemPublicKey)
        );
        // Reduce every 12-bit coefficient below q: now only the McEliece key is arbitrary.
        for pair in pk1[..1536].chunks_exact_mut(3) {
            let a = (u16::from(pair[0]) | u16::from(pair[1] & 0x0F) << 8) % 3329;
            let b = (u16::from(pair[1] >> 4) | u16::from(pair[2]) << 4) % 3329;
            pair[0] = a as u8;
            pair[1] = (a >> 8) as u8 | ((b & 0x0F) << 4) as u8;
            pair[2] = (b >> 4) as u8;
        }
        assert!(respond(&mut rng, &pk1, &pk2, &mut ct1, &mut ct2).is_ok());
    }
}
