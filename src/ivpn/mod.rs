//! IVPN-compatible suites (feature `ivpn`): the exchange that IVPN's apps and servers run today.
//!
//! - [`Suite::IvpnKyber1024McEliece348864`](crate::Suite::IvpnKyber1024McEliece348864) (IVPN's
//!   desktop apps): Round-3 Kyber1024 + Classic-McEliece-348864,
//!   PSK = SHA-256(ss_kyber || ss_mceliece).
//! - [`Suite::IvpnKyber1024`](crate::Suite::IvpnKyber1024) (IVPN's mobile apps): Kyber1024 alone,
//!   PSK = SHA-256(ss_kyber).
//!
//! Select one with [`ClientSecret::generate_suite`](crate::ClientSecret::generate_suite) and
//! [`respond_suite`](crate::respond_suite); `finish` follows the suite the secret was made for.
//! [`encoding`] turns keys and ciphertexts into IVPN's base64 message fields without a heap;
//! with the `ivpn-json` feature, `json` builds and parses whole request and reply documents.

mod combiner;
pub mod encoding;
#[cfg(feature = "ivpn-json")]
pub mod json;
pub(crate) mod kem;
pub mod kyber;
pub(crate) mod suites;

// The client keeps either lattice KEM's seed in the same field.
const _: () = assert!(crate::sizes::KYBER_SEED_LEN == crate::sizes::MLKEM_SEED_LEN);
