//! What each suite is: two KEMs (the second may be [`Absent`](crate::kem::Absent)) and a
//! combiner. One file per suite; `crate::exchange` maps a runtime [`Suite`](crate::Suite) to
//! these types, in its one `match`.

pub(crate) mod mlkem1024;
#[cfg(feature = "hqc")]
pub(crate) mod mlkem1024_hqc256;
pub(crate) mod mlkem1024_mceliece348864;

use crate::error::Field;
use crate::kem::{Bytes, Kem};
use crate::psk::Psk;
use crate::sizes::PUBLIC_KEY_DIGEST_LEN;

/// The first KEM's public key in suite `S`, and so on: the names the generic code uses.
pub(crate) type PublicKey1<S> = <<S as SuiteSpec>::Kem1 as Kem>::PublicKey;
/// The second KEM's public key.
pub(crate) type PublicKey2<S> = <<S as SuiteSpec>::Kem2 as Kem>::PublicKey;
/// The first KEM's ciphertext.
pub(crate) type Ciphertext1<S> = <<S as SuiteSpec>::Kem1 as Kem>::Ciphertext;
/// The second KEM's ciphertext.
pub(crate) type Ciphertext2<S> = <<S as SuiteSpec>::Kem2 as Kem>::Ciphertext;
/// The first KEM's shared secret.
pub(crate) type Shared1<S> = <<S as SuiteSpec>::Kem1 as Kem>::Shared;
/// The second KEM's shared secret.
pub(crate) type Shared2<S> = <<S as SuiteSpec>::Kem2 as Kem>::Shared;

/// What the combiner binds of the public keys, kept by the client between request and response
/// (a digest of both, or zeros for a combiner that binds none).
pub(crate) type Binding = [u8; PUBLIC_KEY_DIGEST_LEN];

/// A suite's two KEMs and its combiner.
pub(crate) trait SuiteSpec {
    /// The first KEM (the lattice KEM in every suite so far).
    type Kem1: Kem;
    /// The second KEM, or `Absent`.
    type Kem2: Kem;

    /// The suite's buffers: each one's field (for errors) and length.
    const SHAPE: Shape = Shape {
        kem1_public_key: part::<<Self::Kem1 as Kem>::PublicKey>(Self::Kem1::PUBLIC_KEY_FIELD),
        kem2_public_key: part::<<Self::Kem2 as Kem>::PublicKey>(Self::Kem2::PUBLIC_KEY_FIELD),
        kem1_ciphertext: part::<<Self::Kem1 as Kem>::Ciphertext>(Self::Kem1::CIPHERTEXT_FIELD),
        kem2_ciphertext: part::<<Self::Kem2 as Kem>::Ciphertext>(Self::Kem2::CIPHERTEXT_FIELD),
    };

    /// What the combiner will bind of both public keys; computed once by each side.
    fn bind(public_key1: &PublicKey1<Self>, public_key2: &PublicKey2<Self>) -> Binding;

    /// Derives the PSK. Consumes the shared secrets so that they are wiped as soon as used.
    fn combine(
        shared1: Shared1<Self>,
        shared2: Shared2<Self>,
        ciphertext1: &Ciphertext1<Self>,
        ciphertext2: &Ciphertext2<Self>,
        binding: &Binding,
    ) -> Psk;
}

/// One buffer of a suite: the field it is reported as and its length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part {
    pub(crate) field: Field,
    pub(crate) len: usize,
}

const fn part<B: Bytes>(field: Field) -> Part {
    Part { field, len: B::LEN }
}

/// Every buffer of a suite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) kem1_public_key: Part,
    pub(crate) kem2_public_key: Part,
    pub(crate) kem1_ciphertext: Part,
    pub(crate) kem2_ciphertext: Part,
}
