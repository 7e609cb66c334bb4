//! The KEM abstraction: what the generic exchange (`crate::exchange`) needs of a KEM, over
//! caller-owned fixed-size buffers.
//!
//! Every buffer is a byte array whose length is part of its type ([`Bytes`]), so the generic code
//! checks a caller's slice once, at the edge, and below that passes only arrays. Nothing here
//! allocates, nothing is `dyn`, and no key travels by value: key generation writes into the
//! caller's buffers (McEliece's 261 KB public key included), a public-key check returns a checked
//! key that borrows the bytes or holds a small parsed form, encapsulation writes a ciphertext and
//! decapsulation reads the client's kept secret. (RustCrypto's `kem` traits return keys by value,
//! which is fine for 1.5 KB and fatal for 261 KB on a small stack.)
//!
//! One file per KEM: [`mlkem1024`], [`mceliece348864`], the IVPN suites' Round-3 Kyber in
//! `crate::ivpn::kem`, and [`Absent`] for the empty second slot of a single-KEM suite.

#[cfg(feature = "hqc")]
pub(crate) mod hqc256;
pub(crate) mod mceliece348864;
pub(crate) mod mlkem1024;

use core::marker::PhantomData;

use rand_core::CryptoRng;

use crate::error::{Error, Field};
use crate::mceliece::KeygenWorkspace;

/// A byte array of a fixed length: the type of every KEM buffer.
pub(crate) trait Bytes {
    /// Its length.
    const LEN: usize;
    /// `bytes` as this array, if it has exactly this length.
    fn exact(bytes: &[u8]) -> Option<&Self>;
    /// Mutable twin of [`Bytes::exact`].
    fn exact_mut(bytes: &mut [u8]) -> Option<&mut Self>;
    /// The first [`Bytes::LEN`] bytes of `bytes`, if it has that many.
    fn prefix(bytes: &[u8]) -> Option<&Self>;
    /// Mutable twin of [`Bytes::prefix`].
    fn prefix_mut(bytes: &mut [u8]) -> Option<&mut Self>;
}

impl<const N: usize> Bytes for [u8; N] {
    const LEN: usize = N;
    fn exact(bytes: &[u8]) -> Option<&Self> {
        bytes.try_into().ok()
    }
    fn exact_mut(bytes: &mut [u8]) -> Option<&mut Self> {
        bytes.try_into().ok()
    }
    fn prefix(bytes: &[u8]) -> Option<&Self> {
        bytes.first_chunk()
    }
    fn prefix_mut(bytes: &mut [u8]) -> Option<&mut Self> {
        bytes.first_chunk_mut()
    }
}

/// `bytes` as the array `B`, or a length error naming `field`.
pub(crate) fn exact<B: Bytes>(field: Field, bytes: &[u8]) -> Result<&B, Error> {
    B::exact(bytes).ok_or(Error::Length {
        field,
        expected: B::LEN,
        actual: bytes.len(),
    })
}

/// Mutable twin of [`exact`].
pub(crate) fn exact_mut<B: Bytes>(field: Field, bytes: &mut [u8]) -> Result<&mut B, Error> {
    let actual = bytes.len();
    B::exact_mut(bytes).ok_or(Error::Length {
        field,
        expected: B::LEN,
        actual,
    })
}

/// A KEM as the exchange drives it. Randomness comes from the exchange's expanded stream
/// (`crate::rng`), in the order each backend's reference implementation draws it.
pub(crate) trait Kem {
    /// The public key the client sends.
    type PublicKey: Bytes;
    /// What the client keeps between its request and the server's response (a seed or the
    /// secret key): the exchange stores it in the [`ClientSecret`](crate::ClientSecret).
    type SecretKey: Bytes;
    /// The ciphertext the server sends back.
    type Ciphertext: Bytes;
    /// A public key that passed the KEM's check, parsed once; it may borrow the key's bytes.
    type Checked<'a>;
    /// The shared secret: [`SharedSecret`](crate::SharedSecret), or `()` for [`Absent`].
    type Shared;

    /// The field a wrong-length public key is reported as.
    const PUBLIC_KEY_FIELD: Field;
    /// The field a wrong-length ciphertext is reported as.
    const CIPHERTEXT_FIELD: Field;

    /// Generates a key pair into the caller's buffers. `workspace` is key-generation scratch for
    /// the KEMs that need it (McEliece: `None` puts it on the stack while it runs); others
    /// ignore it.
    fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        workspace: Option<&mut KeygenWorkspace>,
        public_key_out: &mut Self::PublicKey,
        secret_key_out: &mut Self::SecretKey,
    );

    /// Checks a public key as the KEM's standard asks, keeping what parsing computed.
    fn check(public_key: &Self::PublicKey) -> Result<Self::Checked<'_>, Error>;

    /// The same check as [`Kem::check`] at the least cost, for a decoder that only validates.
    fn validate(public_key: &Self::PublicKey) -> Result<(), Error> {
        Self::check(public_key).map(drop)
    }

    /// Encapsulates to a checked key, writes the ciphertext, returns the shared secret.
    fn encapsulate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        public_key: &Self::Checked<'_>,
        ciphertext_out: &mut Self::Ciphertext,
    ) -> Self::Shared;

    /// Decapsulates with the kept secret. Every KEM here rejects implicitly: a tampered
    /// ciphertext gives an unrelated secret, not an error.
    fn decapsulate(secret_key: &Self::SecretKey, ciphertext: &Self::Ciphertext) -> Self::Shared;
}

/// The second slot of a single-KEM suite: every buffer is empty and nothing is computed. `K`
/// is the KEM whose slot it leaves empty, which names the field in a length error (a stray
/// McEliece key in the IVPN Kyber-only suite is reported as such, as IVPN's apps leave out
/// exactly that field).
pub(crate) struct Absent<K>(PhantomData<K>);

impl<K: Kem> Kem for Absent<K> {
    type PublicKey = [u8; 0];
    type SecretKey = [u8; 0];
    type Ciphertext = [u8; 0];
    type Checked<'a> = ();
    type Shared = ();

    const PUBLIC_KEY_FIELD: Field = K::PUBLIC_KEY_FIELD;
    const CIPHERTEXT_FIELD: Field = K::CIPHERTEXT_FIELD;

    fn generate<R: CryptoRng + ?Sized>(
        _rng: &mut R,
        _workspace: Option<&mut KeygenWorkspace>,
        _public_key_out: &mut [u8; 0],
        _secret_key_out: &mut [u8; 0],
    ) {
    }

    fn check(_public_key: &[u8; 0]) -> Result<(), Error> {
        Ok(())
    }

    fn encapsulate<R: CryptoRng + ?Sized>(
        _rng: &mut R,
        _public_key: &(),
        _ciphertext_out: &mut [u8; 0],
    ) {
    }

    fn decapsulate(_secret_key: &[u8; 0], _ciphertext: &[u8; 0]) {}
}
