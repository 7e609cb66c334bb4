//! classic-mceliece-rust, called directly: the independent implementation that the differential
//! tests compare our code with (test builds only; the hybrid never calls this).

use classic_mceliece_rust as cm;
use rand_core::CryptoRng;

use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN, SHARED_SECRET_LEN,
};

/// Presents a `rand_core` 0.10 infallible RNG as the `rand_core` 0.6 RNG that
/// classic-mceliece-rust asks for.
struct Compat06<'a, R: rand_core::CryptoRng + ?Sized>(&'a mut R);

impl<R: rand_core::CryptoRng + ?Sized> rand_core_06::RngCore for Compat06<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core_06::Error> {
        self.0.fill_bytes(dest);
        Ok(())
    }
}

impl<R: rand_core::CryptoRng + ?Sized> rand_core_06::CryptoRng for Compat06<'_, R> {}

/// The differential tests mean nothing against the wrong parameter set: classic-mceliece-rust picks
/// it by cargo features and silently falls back when they collide, and "mceliece348864f" has the
/// same sizes as "mceliece348864", so the name is checked too (at compile time).
const _: () = {
    let (a, b) = (
        cm::CRYPTO_PRIMITIVE.as_bytes(),
        b"mceliece348864".as_slice(),
    );
    assert!(a.len() == b.len());
    let mut i = 0;
    while i < a.len() {
        assert!(a[i] == b[i]);
        i += 1;
    }
    assert!(cm::CRYPTO_PUBLICKEYBYTES == MCELIECE_PUBLIC_KEY_LEN);
    assert!(cm::CRYPTO_SECRETKEYBYTES == MCELIECE_SECRET_KEY_LEN);
    assert!(cm::CRYPTO_CIPHERTEXTBYTES == MCELIECE_CIPHERTEXT_LEN);
    assert!(cm::CRYPTO_BYTES == SHARED_SECRET_LEN);
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
