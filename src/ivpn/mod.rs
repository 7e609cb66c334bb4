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
pub(crate) mod exchange;
#[cfg(feature = "ivpn-json")]
pub mod json;
pub mod kyber;

use crate::error::{as_array, as_array_mut, Error, Field};

// The client keeps either KEM's seed in the same field.
const _: () = assert!(crate::sizes::KYBER_SEED_LEN == crate::sizes::MLKEM_SEED_LEN);

/// The second KEM's buffer: its fixed-size array when the suite has a second KEM, or `None`
/// when it has none, in which case the caller must pass an empty slice.
pub(crate) fn kem2_mut<const N: usize>(
    has_kem2: bool,
    field: Field,
    bytes: &mut [u8],
) -> Result<Option<&mut [u8; N]>, Error> {
    if has_kem2 {
        as_array_mut(field, bytes).map(Some)
    } else {
        no_kem2(field, bytes.len()).map(|()| None)
    }
}

/// Read-only twin of [`kem2_mut`].
pub(crate) fn kem2<const N: usize>(
    has_kem2: bool,
    field: Field,
    bytes: &[u8],
) -> Result<Option<&[u8; N]>, Error> {
    if has_kem2 {
        as_array(field, bytes).map(Some)
    } else {
        no_kem2(field, bytes.len()).map(|()| None)
    }
}

/// A suite without a second KEM takes only an empty buffer for it.
fn no_kem2(field: Field, len: usize) -> Result<(), Error> {
    if len == 0 {
        Ok(())
    } else {
        Err(Error::Length {
            field,
            expected: 0,
            actual: len,
        })
    }
}
