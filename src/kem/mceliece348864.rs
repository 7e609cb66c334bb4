//! Classic-McEliece-348864 as a [`Kem`], through the crate's McEliece facade (`crate::mceliece`).
//! The 261 KB public key is only ever borrowed.

use rand_core::CryptoRng;

use crate::error::{Error, Field};
use crate::kem::Kem;
use crate::mceliece::{self, KeygenWorkspace};
use crate::secret::SharedSecret;
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN};

/// Classic-McEliece-348864; the client keeps the 6,492-byte secret key.
pub(crate) struct McEliece348864;

impl Kem for McEliece348864 {
    type PublicKey = [u8; MCELIECE_PUBLIC_KEY_LEN];
    type SecretKey = [u8; MCELIECE_SECRET_KEY_LEN];
    type Ciphertext = [u8; MCELIECE_CIPHERTEXT_LEN];
    /// Any 261,120 bytes are a public key (the KEM defines no check): the key is borrowed.
    type Checked<'a> = &'a [u8; MCELIECE_PUBLIC_KEY_LEN];
    type Shared = SharedSecret;

    const PUBLIC_KEY_FIELD: Field = Field::McEliecePublicKey;
    const CIPHERTEXT_FIELD: Field = Field::McElieceCiphertext;

    fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        workspace: Option<&mut KeygenWorkspace>,
        public_key_out: &mut Self::PublicKey,
        secret_key_out: &mut Self::SecretKey,
    ) {
        mceliece::generate_in_or_on_stack(rng, public_key_out, secret_key_out, workspace);
    }

    fn check(public_key: &Self::PublicKey) -> Result<&Self::PublicKey, Error> {
        Ok(public_key)
    }

    fn encapsulate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        public_key: &&Self::PublicKey,
        ciphertext_out: &mut Self::Ciphertext,
    ) -> SharedSecret {
        mceliece::encapsulate(rng, public_key, ciphertext_out)
    }

    fn decapsulate(secret_key: &Self::SecretKey, ciphertext: &Self::Ciphertext) -> SharedSecret {
        mceliece::decapsulate(secret_key, ciphertext)
    }
}
