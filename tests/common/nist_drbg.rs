//! The NIST AES-256-CTR DRBG used to generate post-quantum KAT files (`randombytes_init` and
//! `randombytes` of NIST's `rng.c`, as shipped with PQCgenKAT_kem and reused by liboqs'
//! `OQS_randombytes_nist_kat_init_256bit`), written from its description for the tests:
//!
//! - state: a 256-bit AES key `Key` and a 128-bit counter `V`, both zero before seeding;
//! - `Update(provided)`: three times increment `V` (128-bit big-endian) and encrypt it under
//!   `Key`, giving 48 bytes; XOR in the 48-byte `provided` data if any; the first 32 bytes become
//!   the new `Key`, the last 16 the new `V`;
//! - `init(entropy)`: `Update(entropy)` from the zero state (no personalization string);
//! - `randombytes(n)`: for each 16-byte block (the last one possibly cut short) increment `V` and
//!   output `AES(Key, V)`; then `Update(none)`. Each call updates once, so splitting a request in
//!   two gives different bytes: every `fill_bytes` call here is one `randombytes` call.

use core::convert::Infallible;

use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use aes::Aes256;
use rand_core::{TryCryptoRng, TryRng};

/// Length of the seed material (`entropy_input`) that initialises the DRBG.
pub const SEED_LEN: usize = 48;

/// The DRBG state. `Clone` is the save/restore of liboqs' `OQS_KAT_PRNG_save_state`.
#[derive(Clone)]
pub struct NistDrbg {
    key: [u8; 32],
    v: [u8; 16],
}

impl NistDrbg {
    /// `randombytes_init(entropy_input, NULL, 256)`.
    pub fn new(entropy_input: &[u8; SEED_LEN]) -> Self {
        let mut drbg = NistDrbg {
            key: [0; 32],
            v: [0; 16],
        };
        drbg.update(Some(entropy_input));
        drbg
    }

    /// `randombytes(out, out.len())`.
    pub fn randombytes(&mut self, out: &mut [u8]) {
        let cipher = Aes256::new(GenericArray::from_slice(&self.key));
        for chunk in out.chunks_mut(16) {
            let block = self.next_block(&cipher);
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        self.update(None);
    }

    /// Increments `V` as a 128-bit big-endian integer and returns `AES-256(Key, V)`.
    fn next_block(&mut self, cipher: &Aes256) -> [u8; 16] {
        let counter = u128::from_be_bytes(self.v).wrapping_add(1);
        self.v = counter.to_be_bytes();
        let mut block = GenericArray::clone_from_slice(&self.v);
        cipher.encrypt_block(&mut block);
        block.into()
    }

    /// `AES256_CTR_DRBG_Update(provided_data, Key, V)`.
    fn update(&mut self, provided_data: Option<&[u8; SEED_LEN]>) {
        let cipher = Aes256::new(GenericArray::from_slice(&self.key));
        let mut temp = [0u8; SEED_LEN];
        for chunk in temp.chunks_mut(16) {
            chunk.copy_from_slice(&self.next_block(&cipher));
        }
        if let Some(data) = provided_data {
            for (t, d) in temp.iter_mut().zip(data) {
                *t ^= d;
            }
        }
        self.key.copy_from_slice(&temp[..32]);
        self.v.copy_from_slice(&temp[32..]);
    }
}

impl TryRng for NistDrbg {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.randombytes(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.randombytes(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.randombytes(dst);
        Ok(())
    }
}

impl TryCryptoRng for NistDrbg {}
