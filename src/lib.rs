//! Agree on a post-quantum WireGuard pre-shared key (PSK), with no heap and no C toolchain.
//!
//! A client and a server run one exchange and both get the same 32-byte [`Psk`], which goes into
//! WireGuard's `preshared-key`. The key comes from a hybrid of two key-encapsulation mechanisms,
//! ML-KEM-1024 (FIPS 203) and Classic-McEliece-348864, so that breaking one is not enough. The
//! crate is `#![no_std]`, needs no allocator, and works in buffers the caller provides (a
//! `static` on firmware). The exchange authenticates nobody: run it over an authenticated channel
//! (inside the tunnel whose PSK it rotates, or HTTPS).
//!
//! ```rust
//! use pqpsk::sizes::{MCELIECE_CIPHERTEXT_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN};
//! use pqpsk::{ClientSecret, SysRng};
//!
//! # fn main() -> Result<(), pqpsk::Error> {
//! // Client: key pairs. The secret half stays in `client`; the public keys go to the server.
//! let mut client = ClientSecret::new_boxed(); // or a `static` on firmware
//! let mut pk_mlkem = [0u8; MLKEM_PUBLIC_KEY_LEN];
//! let mut pk_mceliece = pqpsk::mceliece_public_key_buffer(); // 261,120 bytes
//! client.generate(&mut SysRng, &mut pk_mlkem, &mut pk_mceliece[..])?;
//!
//! // Server: encapsulates to both keys; the ciphertexts go back to the client.
//! let mut ct_mlkem = [0u8; MLKEM_CIPHERTEXT_LEN];
//! let mut ct_mceliece = [0u8; MCELIECE_CIPHERTEXT_LEN];
//! let server_psk =
//!     pqpsk::respond(&mut SysRng, &pk_mlkem, &pk_mceliece[..], &mut ct_mlkem, &mut ct_mceliece)?;
//!
//! // Client: the same key, in WireGuard's 44-character base64 (as `wg genpsk` prints it).
//! let client_psk = client.finish(&ct_mlkem, &ct_mceliece)?;
//! assert_eq!(client_psk, server_psk); // constant time
//! assert_eq!(client_psk.to_base64().as_str().len(), 44);
//! # Ok(())
//! # }
//! ```
//!
//! [`wire`] frames the two messages for a network or a file
//! ([`ClientSecret::generate_request`], [`wire::respond_to_request`],
//! [`ClientSecret::finish_response`]). Errors are typed ([`Error`]) and name what was wrong; every
//! check happens before anything is written. Secrets are wiped on drop and never printed.
//!
//! # Features
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `std` | yes | [`SysRng`], the OS generator (`getrandom`); implies `alloc` |
//! | `alloc` | via `std` | [`ClientSecret::new_boxed`], [`mceliece_public_key_buffer`] |
//! | `ivpn` | no | IVPN's suites (Round-3 Kyber1024 + McEliece, Kyber alone), `no_std` |
//! | `ivpn-json` | no | IVPN's JSON request and reply documents; implies `ivpn` and `std` |
//!
//! With `default-features = false` everything is `no_std` and allocation-free; bring a
//! [`rand_core`] 0.10 `TryCryptoRng` (re-exported here as [`rand_core`], so the version always
//! matches; [`no_std_guide`] shows a ten-line adapter for a HAL's TRNG).
//!
//! # Memory
//!
//! The client's buffers are 361 KB in all (McEliece's 261,120-byte public key, a 90,240-byte
//! key-generation workspace, a 6.6 KB [`ClientSecret`], the ML-KEM key and ciphertexts); a server
//! needs 264 KB per exchange. Peak stack is at most 16 KiB per operation of the default suite on a
//! Cortex-M4 with the workspace in a `static` ([`ClientSecret::generate_in`]), and about 100 KB for
//! [`ClientSecret::generate`], which puts the workspace on the stack. [`no_std_guide`] has the
//! measured flash, RAM, stack and instruction counts per target.
//!
//! # More
//!
//! - [`no_std_guide`]: building without std, memory per target, firmware advice, RNG adapters.
//! - The repository's README (PSK formula, wire format, IVPN compatibility, threat model),
//!   BENCHMARKS.md, and `cli/README.md` for the `pqpsk` command (wg-quick hooks, TCP rotation).
#![no_std]
// `deny`, not `forbid`: one module, src/simd.rs (with its leaf src/simd/lanes.rs, the twins' raw
// loads and stores), allows it for the calls into the backends' AVX2 and NEON twins, each after
// a check that the CPU has the instructions (why that is sound: its docs).
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Tests may panic: that is how they fail.
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

mod base64;
mod client;
pub mod combiner;
pub mod confirm;
mod error;
mod exchange;
#[cfg(feature = "ivpn")]
pub mod ivpn;
mod kem;
#[doc(hidden)]
pub mod mce;
pub mod mceliece;
mod message;
pub mod mlkem;
mod psk;
mod rng;
mod secret;
mod server;
mod simd;
pub mod sizes;
pub mod suite;
mod suites;
pub mod wire;

pub use client::ClientSecret;
pub use error::{Error, Field};
pub use psk::{Psk, PskBase64};
pub use rng::RandomSource;
pub use secret::SharedSecret;
pub use server::{respond, respond_suite};
pub use suite::Suite;

/// The `rand_core` this crate's RNG bounds come from: implement its `TryCryptoRng` (or
/// `CryptoRng`) for your generator through this path, and the versions cannot differ.
pub use rand_core;

/// The operating system's random number generator (`getrandom`), for callers with `std`. Named
/// as in rand 0.10.
#[cfg(feature = "std")]
pub use getrandom::SysRng;

/// The former name of [`SysRng`], kept for existing callers; use [`SysRng`].
// A type and a constant of the same name, as the unit struct itself is both: `#[deprecated]` on
// a `pub use` has no effect, on these two it warns at every use (`OsRng` and `&mut OsRng`; the
// latter also draws rustc's `const_item_mutation` note, which the same rename silences).
#[cfg(feature = "std")]
#[deprecated(since = "0.1.0", note = "renamed `SysRng`, as in rand 0.10")]
pub type OsRng = getrandom::SysRng;

/// The former name of [`SysRng`] as a value (`&mut OsRng`); use [`SysRng`].
#[cfg(feature = "std")]
#[deprecated(since = "0.1.0", note = "renamed `SysRng`, as in rand 0.10")]
#[allow(non_upper_case_globals)]
pub const OsRng: getrandom::SysRng = getrandom::SysRng;

/// `no_std.md`: building without std, memory and stack per target, advice for firmware authors,
/// and adapters from a HAL's random number generator.
#[doc = include_str!("../no_std.md")]
pub mod no_std_guide {}

/// The README's examples, compiled and run as doctests (the crate docs above are shorter).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// A zeroed McEliece public-key buffer on the heap, allocated without a stack temporary.
#[cfg(feature = "alloc")]
pub fn mceliece_public_key_buffer() -> alloc::boxed::Box<[u8; sizes::MCELIECE_PUBLIC_KEY_LEN]> {
    let boxed: alloc::boxed::Box<[u8]> = alloc::vec![0u8; sizes::MCELIECE_PUBLIC_KEY_LEN].into();
    match boxed.try_into() {
        Ok(array) => array,
        // The vector was created with exactly this length.
        Err(_) => unreachable!("buffer has MCELIECE_PUBLIC_KEY_LEN bytes"),
    }
}
