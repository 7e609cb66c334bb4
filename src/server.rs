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
use crate::suite::Suite;
use crate::{mceliece, mlkem};

/// Encapsulates to both of the client's public keys in the default suite, writes both
/// ciphertexts (what the server sends back) and returns the PSK. The same as [`respond_suite`]
/// with [`Suite::default`].
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
    respond_suite(
        Suite::default(),
        rng,
        mlkem_public_key,
        mceliece_public_key,
        mlkem_ciphertext_out,
        mceliece_ciphertext_out,
    )
}

/// [`respond`] for any suite: encapsulates to the client's public keys of `suite`, writes the
/// ciphertexts and returns the PSK. Buffers have the suite's lengths ([`Suite`]'s `kem1_*` and
/// `kem2_*`); a suite without a second KEM takes empty `kem2_*` slices. Errors as for
/// [`respond`] (for the IVPN suites a Kyber key failing the modulus check is
/// `Error::InvalidKyberPublicKey`); nothing is written on error.
pub fn respond_suite<R: TryCryptoRng + ?Sized>(
    suite: Suite,
    rng: &mut R,
    kem1_public_key: &[u8],
    kem2_public_key: &[u8],
    kem1_ciphertext_out: &mut [u8],
    kem2_ciphertext_out: &mut [u8],
) -> Result<Psk, Error> {
    match suite {
        Suite::MlKem1024McEliece348864 => respond_default(
            rng,
            kem1_public_key,
            kem2_public_key,
            kem1_ciphertext_out,
            kem2_ciphertext_out,
        ),
        #[cfg(feature = "ivpn")]
        Suite::IvpnKyber1024McEliece348864 | Suite::IvpnKyber1024 => respond_ivpn(
            suite,
            rng,
            kem1_public_key,
            kem2_public_key,
            kem1_ciphertext_out,
            kem2_ciphertext_out,
        ),
    }
}

fn respond_default<R: TryCryptoRng + ?Sized>(
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

#[cfg(feature = "ivpn")]
fn respond_ivpn<R: TryCryptoRng + ?Sized>(
    suite: Suite,
    rng: &mut R,
    kyber_public_key: &[u8],
    mceliece_public_key: &[u8],
    kyber_ciphertext_out: &mut [u8],
    mceliece_ciphertext_out: &mut [u8],
) -> Result<Psk, Error> {
    use crate::ivpn::{kem2, kem2_mut, kyber};
    use crate::sizes::{KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN};
    let pk_kyber: &[u8; KYBER_PUBLIC_KEY_LEN] = as_array(Field::KyberPublicKey, kyber_public_key)?;
    let pk_mceliece = kem2::<MCELIECE_PUBLIC_KEY_LEN>(
        suite.has_kem2(),
        Field::McEliecePublicKey,
        mceliece_public_key,
    )?;
    let ct_kyber: &mut [u8; KYBER_CIPHERTEXT_LEN] =
        as_array_mut(Field::KyberCiphertext, kyber_ciphertext_out)?;
    let ct_mceliece = kem2_mut::<MCELIECE_CIPHERTEXT_LEN>(
        suite.has_kem2(),
        Field::McElieceCiphertext,
        mceliece_ciphertext_out,
    )?;
    let ek_kyber = kyber::PublicKey::parse(pk_kyber)?;
    let seed = draw_seed(rng)?;

    Ok(with_stack_scrub::<EXCHANGE_SCRUB_LEN, _>(|| {
        let mut stream = Expander::new(Purpose::Encapsulate, &seed);
        let mceliece = pk_mceliece.zip(ct_mceliece);
        crate::ivpn::exchange::respond(&mut stream, &ek_kyber, ct_kyber, mceliece)
    }))
}
