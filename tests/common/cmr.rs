#![allow(dead_code)] // each test, bench or example that includes this file uses only some of it

//! classic-mceliece-rust 3.1.0 called directly: the independent implementation that our own
//! mceliece348864 (`pqpsk::mce`) is compared with, byte for byte and in speed.

use classic_mceliece_rust as cm;
use pqpsk::sizes::{MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN};

/// Presents a `rand_core` 0.10 RNG as the `rand_core` 0.6 RNG classic-mceliece-rust takes.
pub struct Rng06<'a, R: rand_core::CryptoRng + ?Sized>(pub &'a mut R);

impl<R: rand_core::CryptoRng + ?Sized> rand_core_06::RngCore for Rng06<'_, R> {
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

impl<R: rand_core::CryptoRng + ?Sized> rand_core_06::CryptoRng for Rng06<'_, R> {}

/// Its key generation, into our buffers (about 424 KB of stack: call it on a big thread).
pub fn keypair<R: rand_core::CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; MCELIECE_SECRET_KEY_LEN],
) {
    let _views = cm::keypair(public_key_out, secret_key_out, &mut Rng06(rng));
}
