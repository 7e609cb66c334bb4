//! FIPS 203 ML-KEM-1024 as a [`Kem`], through the crate's ML-KEM facade (`crate::mlkem`).

use rand_core::CryptoRng;

use crate::error::{Error, Field};
use crate::kem::Kem;
use crate::mceliece::KeygenWorkspace;
use crate::mlkem;
use crate::secret::SharedSecret;
use crate::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};

/// ML-KEM-1024; the client keeps the 64-byte seed `d || z`.
pub(crate) struct MlKem1024;

impl Kem for MlKem1024 {
    type PublicKey = [u8; MLKEM_PUBLIC_KEY_LEN];
    type SecretKey = [u8; MLKEM_SEED_LEN];
    type Ciphertext = [u8; MLKEM_CIPHERTEXT_LEN];
    type Checked<'a> = mlkem::PublicKey;
    type Shared = SharedSecret;

    const PUBLIC_KEY_FIELD: Field = Field::MlKemPublicKey;
    const CIPHERTEXT_FIELD: Field = Field::MlKemCiphertext;

    fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        _workspace: Option<&mut KeygenWorkspace>,
        public_key_out: &mut Self::PublicKey,
        secret_key_out: &mut Self::SecretKey,
    ) {
        mlkem::generate(rng, secret_key_out, public_key_out);
    }

    fn check(public_key: &Self::PublicKey) -> Result<mlkem::PublicKey, Error> {
        mlkem::PublicKey::parse(public_key)
    }

    /// The modulus check alone, without decoding and hashing the key.
    fn validate(public_key: &Self::PublicKey) -> Result<(), Error> {
        mlkem::check_public_key(public_key)
    }

    fn encapsulate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        public_key: &mlkem::PublicKey,
        ciphertext_out: &mut Self::Ciphertext,
    ) -> SharedSecret {
        mlkem::encapsulate_to(rng, public_key, ciphertext_out)
    }

    fn decapsulate(secret_key: &Self::SecretKey, ciphertext: &Self::Ciphertext) -> SharedSecret {
        mlkem::decapsulate(secret_key, ciphertext)
    }
}
