//! One suite's exchange through the public API, shared by the tests that check its properties
//! (tests/suites.rs, over every suite) and the IVPN specifics (tests/ivpn.rs). Included with
//! `#[path]` next to `common/test_rng.rs`, whose `FixedRng` it draws from.

use pqpsk::mceliece::KeygenWorkspace;
use pqpsk::{respond_suite, ClientSecret, Psk, Suite};

use crate::test_rng::FixedRng;

/// One suite's exchange: the client after key generation, its public keys, and the server's
/// ciphertexts and PSK.
pub struct Exchange {
    pub client: Box<ClientSecret>,
    pub pk1: Vec<u8>,
    pub pk2: Vec<u8>,
    pub ct1: Vec<u8>,
    pub ct2: Vec<u8>,
    pub server: Psk,
}

/// Runs key generation (with a boxed McEliece workspace, so the test thread's stack suffices) and
/// the server's response, each from its own fixed RNG.
pub fn exchange(suite: Suite, client_salt: u8, server_salt: u8) -> Exchange {
    let mut workspace = Box::new(KeygenWorkspace::new());
    let mut client = ClientSecret::new_boxed();
    let mut pk1 = vec![0u8; suite.kem1_public_key_len()];
    let mut pk2 = vec![0u8; suite.kem2_public_key_len()];
    client
        .generate_in(
            suite,
            &mut FixedRng::new(client_salt),
            &mut workspace,
            &mut pk1,
            &mut pk2,
        )
        .unwrap();
    assert_eq!(client.suite(), suite);
    let mut ct1 = vec![0u8; suite.kem1_ciphertext_len()];
    let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];
    let server = respond_suite(
        suite,
        &mut FixedRng::new(server_salt),
        &pk1,
        &pk2,
        &mut ct1,
        &mut ct2,
    )
    .unwrap();
    Exchange {
        client,
        pk1,
        pk2,
        ct1,
        ct2,
        server,
    }
}
