//! The server side: encapsulate to the client's two public keys and derive the PSK.

use rand_core::TryCryptoRng;

use crate::combiner;
use crate::error::{as_array, as_array_mut, Error, Field};
use crate::psk::Psk;
use crate::rng::{draw_seed, Expander, Purpose};
use crate::secret::{with_stack_scrub, EXCHANGE_SCRUB_LEN};
use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
};
use crate::{mceliece, mlkem};

/// Encapsulates to both of the client's public keys, writes both ciphertexts (what the server
/// sends back) and returns the PSK.
///
/// Lengths, the FIPS 203 check of the ML-KEM key and the RNG are all
/// dealt with before anything is written, so an error leaves both output buffers untouched.
/// Draws [`RNG_SEED_LEN`](crate::sizes::RNG_SEED_LEN) bytes from `rng`.
pub fn respond<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    mlkem_public_key: &[u8],
    mceliece_public_key: &[u8],
    mlkem_ciphertext_out: &mut [u8],
    mceliece_ciphertext_out: &mut [u8],
) -> Result<Psk, Error> {
    let pk_mlkem: &[u8; MLKEM_PUBLIC_KEY_LEN] = as_array(Field::MlKemPublicKey, mlkem_public_key)?;
    let pk_mceliece: &[u8; MCELIECE_PUBLIC_KEY_LEN] =
        as_array(Field::McEliecePublicKey, mceliece_public_key)?;
    let ct_mlkem: &mut [u8; MLKEM_CIPHERTEXT_LEN] =
        as_array_mut(Field::MlKemCiphertext, mlkem_ciphertext_out)?;
    let ct_mceliece: &mut [u8; MCELIECE_CIPHERTEXT_LEN] =
        as_array_mut(Field::McElieceCiphertext, mceliece_ciphertext_out)?;
    let ek_mlkem = mlkem::PublicKey::parse(pk_mlkem)?;
    let seed = draw_seed(rng)?;

    Ok(with_stack_scrub::<EXCHANGE_SCRUB_LEN, _>(|| {
        let pk_digest = combiner::public_key_digest(pk_mlkem, pk_mceliece);
        let mut stream = Expander::new(Purpose::Encapsulate, &seed);
        let ss_mlkem = mlkem::encapsulate_to(&mut stream, &ek_mlkem, ct_mlkem);
        let ss_mceliece = mceliece::encapsulate(&mut stream, pk_mceliece, ct_mceliece);
        combiner::combine(ss_mlkem, ss_mceliece, ct_mlkem, ct_mceliece, &pk_digest)
    }))
}
