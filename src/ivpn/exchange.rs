//! The IVPN suites' three steps over fixed-size buffers; `ClientSecret` and `respond_suite`
//! check lengths and dispatch here. McEliece is `None` in the Kyber-only suite.
//!
//! Randomness comes from the same expanded stream as in the default suite (`crate::rng`):
//! key generation feeds Kyber (`d`, then `z`) and then McEliece; encapsulation feeds Kyber (32
//! bytes) and then McEliece's error vector.

use crate::ivpn::{combiner, kyber};
use crate::mceliece;
use crate::psk::Psk;
use crate::rng::Expander;
use crate::sizes::{
    KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN, KYBER_SEED_LEN, MCELIECE_CIPHERTEXT_LEN,
    MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN,
};

/// McEliece's public key and secret key (client key generation).
pub(crate) type McElieceKeyPair<'a> = (
    &'a mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    &'a mut [u8; MCELIECE_SECRET_KEY_LEN],
);

/// Client: Kyber key pair (seed kept), then McEliece's if the suite has it.
pub(crate) fn generate(
    stream: &mut Expander,
    kyber_seed: &mut [u8; KYBER_SEED_LEN],
    kyber_public_key: &mut [u8; KYBER_PUBLIC_KEY_LEN],
    mceliece: Option<McElieceKeyPair<'_>>,
    workspace: Option<&mut mceliece::KeygenWorkspace>,
) {
    kyber::generate(stream, kyber_seed, kyber_public_key);
    if let Some((public_key, secret_key)) = mceliece {
        mceliece::generate_in_or_on_stack(stream, public_key, secret_key, workspace);
    }
}

/// Server: encapsulate to both keys (or Kyber's alone) and combine as IVPN does.
pub(crate) fn respond(
    stream: &mut Expander,
    kyber_public_key: &kyber::PublicKey,
    kyber_ciphertext: &mut [u8; KYBER_CIPHERTEXT_LEN],
    mceliece: Option<(
        &[u8; MCELIECE_PUBLIC_KEY_LEN],
        &mut [u8; MCELIECE_CIPHERTEXT_LEN],
    )>,
) -> Psk {
    let ss_kyber = kyber::encapsulate_to(stream, kyber_public_key, kyber_ciphertext);
    match mceliece {
        Some((public_key, ciphertext)) => {
            let ss_mceliece = mceliece::encapsulate(stream, public_key, ciphertext);
            combiner::combine(ss_kyber, ss_mceliece)
        }
        None => combiner::combine_kyber_only(ss_kyber),
    }
}

/// Client: decapsulate and combine.
pub(crate) fn finish(
    kyber_seed: &[u8; KYBER_SEED_LEN],
    kyber_ciphertext: &[u8; KYBER_CIPHERTEXT_LEN],
    mceliece: Option<(
        &[u8; MCELIECE_SECRET_KEY_LEN],
        &[u8; MCELIECE_CIPHERTEXT_LEN],
    )>,
) -> Psk {
    let ss_kyber = kyber::decapsulate(kyber_seed, kyber_ciphertext);
    match mceliece {
        Some((secret_key, ciphertext)) => {
            let ss_mceliece = mceliece::decapsulate(secret_key, ciphertext);
            combiner::combine(ss_kyber, ss_mceliece)
        }
        None => combiner::combine_kyber_only(ss_kyber),
    }
}
