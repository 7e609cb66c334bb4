//! The server side: encapsulate to the client's public keys and derive the PSK.

use crate::error::Error;
use crate::exchange;
use crate::psk::Psk;
use crate::rng::RandomSource;
use crate::suite::Suite;

/// Encapsulates to both of the client's public keys in the default suite, writes both
/// ciphertexts (what the server sends back) and returns the PSK. The same as [`respond_suite`]
/// with [`Suite::default`].
///
/// Lengths, the FIPS 203 check of the ML-KEM key and the RNG are all
/// dealt with before anything is written, so an error leaves both output buffers untouched.
/// Draws [`RNG_SEED_LEN`](crate::sizes::RNG_SEED_LEN) bytes from `rng`.
pub fn respond<R: RandomSource + ?Sized>(
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
pub fn respond_suite<R: RandomSource + ?Sized>(
    suite: Suite,
    rng: &mut R,
    kem1_public_key: &[u8],
    kem2_public_key: &[u8],
    kem1_ciphertext_out: &mut [u8],
    kem2_ciphertext_out: &mut [u8],
) -> Result<Psk, Error> {
    exchange::respond(
        suite,
        rng,
        kem1_public_key,
        kem2_public_key,
        kem1_ciphertext_out,
        kem2_ciphertext_out,
    )
}
