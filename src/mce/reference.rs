//! classic-mceliece-rust, called directly: the independent implementation that the differential
//! tests compare our code with (test builds only; the hybrid never calls this).

use classic_mceliece_rust as cm;
use rand_core::CryptoRng;

use crate::rng::Compat06;
use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN, SHARED_SECRET_LEN,
};

/// Its key generation, into our buffers.
pub fn keypair<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
) {
    let _views = cm::keypair(public_key_out, secret_key_out, &mut Compat06(rng));
}

/// Its encapsulation; returns the shared secret.
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) -> [u8; SHARED_SECRET_LEN] {
    // Its key view needs a mutable buffer; a copy keeps ours read-only.
    let mut key = std::boxed::Box::new(*public_key);
    let pk = cm::PublicKey::from(&mut *key);
    let mut ss = [0u8; SHARED_SECRET_LEN];
    let (ct, secret) = cm::encapsulate(&pk, &mut ss, &mut Compat06(rng));
    ciphertext_out.copy_from_slice(ct.as_array());
    *secret.as_array()
}

/// Its decapsulation; returns the shared secret.
pub fn decapsulate(
    secret_key: &[u8; MCELIECE_SECRET_KEY_LEN],
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> [u8; SHARED_SECRET_LEN] {
    let mut key = *secret_key;
    let sk = cm::SecretKey::from(&mut key);
    let mut ss = [0u8; SHARED_SECRET_LEN];
    let secret = *cm::decapsulate(&cm::Ciphertext::from(*ciphertext), &sk, &mut ss).as_array();
    secret
}
