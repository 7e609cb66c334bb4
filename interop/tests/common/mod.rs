//! The liboqs side shared by both interop tests (tests/liboqs.rs through the library,
//! tests/command.rs through the command): liboqs' KEMs, the request an IVPN client sends, and
//! IVPN's PSK formula written out with sha2 (not taken from pqpsk).
#![allow(dead_code)] // each test binary uses only some of it

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use oqs::kem::{Algorithm, Kem};
use sha2::{Digest, Sha256};

/// liboqs' Kyber1024 and Classic-McEliece-348864, as IVPN's apps and servers link them.
pub fn kems() -> (Kem, Kem) {
    oqs::init();
    (
        Kem::new(Algorithm::Kyber1024).unwrap(),
        Kem::new(Algorithm::ClassicMcEliece348864).unwrap(),
    )
}

/// IVPN's PSK from liboqs' shared secrets: SHA-256(ss_kyber || ss_mceliece), or SHA-256(ss_kyber).
pub fn ivpn_formula(ss_kyber: &[u8], ss_mceliece: Option<&[u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(ss_kyber);
    if let Some(ss) = ss_mceliece {
        h.update(ss);
    }
    h.finalize().into()
}

/// The `session/wg/set` request as an IVPN client would send it (base64 by the `base64`
/// crate), with the McEliece key for the hybrid.
pub fn ivpn_request(
    kyber_public_key: &[u8],
    mceliece_public_key: Option<&[u8]>,
) -> serde_json::Value {
    let mut request = serde_json::json!({
        "session_token": "interop-token",
        "public_key": "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=",
        "connected_public_key": "",
        "kem_public_key1": STANDARD.encode(kyber_public_key),
        "kem_library_version": "0.10.0",
    });
    if let Some(pk2) = mceliece_public_key {
        request["kem_public_key2"] = STANDARD.encode(pk2).into();
    }
    request
}

/// McEliece key generation needs several hundred KB of stack in both implementations.
pub fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}
