//! Round-3 Kyber1024 as a [`Kem`](crate::kem::Kem), through [`super::kyber`].

use rand_core::CryptoRng;

use crate::error::{Error, Field};
use crate::ivpn::kyber;
use crate::kem::Kem;
use crate::mceliece::KeygenWorkspace;
use crate::secret::SharedSecret;
use crate::sizes::{KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN, KYBER_SEED_LEN};

/// Round-3 Kyber1024; the client keeps the 64-byte seed `d || z`.
pub(crate) struct Kyber1024;

impl Kem for Kyber1024 {
    type PublicKey = [u8; KYBER_PUBLIC_KEY_LEN];
    type SecretKey = [u8; KYBER_SEED_LEN];
    type Ciphertext = [u8; KYBER_CIPHERTEXT_LEN];
    type Checked<'a> = kyber::PublicKey;
    type Shared = SharedSecret;

    const PUBLIC_KEY_FIELD: Field = Field::KyberPublicKey;
    const CIPHERTEXT_FIELD: Field = Field::KyberCiphertext;

    fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        _workspace: Option<&mut KeygenWorkspace>,
        public_key_out: &mut Self::PublicKey,
        secret_key_out: &mut Self::SecretKey,
    ) {
        kyber::generate(rng, secret_key_out, public_key_out);
    }

    fn check(public_key: &Self::PublicKey) -> Result<kyber::PublicKey, Error> {
        kyber::PublicKey::parse(public_key)
    }

    fn encapsulate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        public_key: &kyber::PublicKey,
        ciphertext_out: &mut Self::Ciphertext,
    ) -> SharedSecret {
        kyber::encapsulate_to(rng, public_key, ciphertext_out)
    }

    fn decapsulate(secret_key: &Self::SecretKey, ciphertext: &Self::Ciphertext) -> SharedSecret {
        kyber::decapsulate(secret_key, ciphertext)
    }
}
