#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
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
#[cfg(feature = "ivpn")]
pub mod ivpn;
#[doc(hidden)]
pub mod mce;
pub mod mceliece;
pub mod mlkem;
mod psk;
mod rng;
mod secret;
mod server;
pub mod sizes;
pub mod suite;
pub mod wire;

pub use client::ClientSecret;
pub use error::{Error, Field};
pub use psk::{Psk, PskBase64};
pub use secret::SharedSecret;
pub use server::{respond, respond_suite};
pub use suite::Suite;

/// The operating system's random number generator (`getrandom`), for callers with `std`.
#[cfg(feature = "std")]
pub use getrandom::SysRng as OsRng;

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
