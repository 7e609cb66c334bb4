//! HQC-256 (FIPS 207 initial public draft; HQC v5.0.0) as a [`Kem`], over RustCrypto's pure-Rust
//! `hqc-kem` (which tracks the reference implementation at commit 161cd4f, 2026-02-10, and checks
//! all 100 of its official known answers per level; tests/kat.rs checks the HQC-256 ones here).
//!
//! The client keeps only the 32-byte key-generation seed, which is what HQC's own secret key ends
//! with: `generate` draws it and expands it, `decapsulate` expands it again. That keeps the
//! [`ClientSecret`](crate::ClientSecret) layout and size unchanged (the expanded secret key is
//! 7,333 bytes) at the cost of one HQC key generation per `finish`.
//!
//! `hqc-kem` returns keys and ciphertexts by value (7 to 14 KB each, on the stack; nothing near
//! McEliece's 261 KB) and wipes its decapsulation key and shared secret on drop.

use hqc_kem::hqc256;
use rand_core::CryptoRng;

use crate::error::{Error, Field};
use crate::kem::Kem;
use crate::mceliece::KeygenWorkspace;
use crate::secret::SharedSecret;
use crate::sizes::{HQC_CIPHERTEXT_LEN, HQC_PUBLIC_KEY_LEN, HQC_SEED_LEN, SHARED_SECRET_LEN};

const _: () = assert!(HQC_PUBLIC_KEY_LEN == hqc256::PUBLIC_KEY_SIZE);
const _: () = assert!(HQC_CIPHERTEXT_LEN == hqc256::CIPHERTEXT_SIZE);
const _: () = assert!(SHARED_SECRET_LEN == hqc256::SHARED_SECRET_SIZE);

/// HQC-256; the client keeps the 32-byte seed its secret key is derived from.
pub(crate) struct Hqc256;

impl Kem for Hqc256 {
    type PublicKey = [u8; HQC_PUBLIC_KEY_LEN];
    type SecretKey = [u8; HQC_SEED_LEN];
    type Ciphertext = [u8; HQC_CIPHERTEXT_LEN];
    type Checked<'a> = hqc256::EncapsulationKey;
    type Shared = SharedSecret;

    const PUBLIC_KEY_FIELD: Field = Field::HqcPublicKey;
    const CIPHERTEXT_FIELD: Field = Field::HqcCiphertext;

    /// Draws the 32-byte seed exactly as `hqc-kem`'s (and the reference's) random key
    /// generation does, so NIST-DRBG known answers apply unchanged.
    fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        _workspace: Option<&mut KeygenWorkspace>,
        public_key_out: &mut Self::PublicKey,
        secret_key_out: &mut Self::SecretKey,
    ) {
        rng.fill_bytes(secret_key_out);
        let (ek, _dk) = hqc256::generate_key_deterministic(secret_key_out);
        public_key_out.copy_from_slice(ek.as_ref());
    }

    /// HQC defines no check of a public key beyond its length (any bytes are a key).
    fn check(public_key: &Self::PublicKey) -> Result<hqc256::EncapsulationKey, Error> {
        hqc256::EncapsulationKey::try_from(&public_key[..]).map_err(|_| Error::Length {
            field: Field::HqcPublicKey,
            expected: HQC_PUBLIC_KEY_LEN,
            actual: public_key.len(),
        })
    }

    fn validate(_public_key: &Self::PublicKey) -> Result<(), Error> {
        Ok(())
    }

    /// Draws `m` (32 bytes) then the salt (16), as the reference does.
    fn encapsulate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        public_key: &hqc256::EncapsulationKey,
        ciphertext_out: &mut Self::Ciphertext,
    ) -> SharedSecret {
        let (ct, ss) = public_key.encapsulate(&mut &mut *rng);
        ciphertext_out.copy_from_slice(ct.as_ref());
        shared(&ss)
    }

    fn decapsulate(secret_key: &Self::SecretKey, ciphertext: &Self::Ciphertext) -> SharedSecret {
        let (_ek, dk) = hqc256::generate_key_deterministic(secret_key);
        match hqc256::Ciphertext::try_from(&ciphertext[..]) {
            Ok(ct) => shared(&dk.decapsulate(&ct)),
            // The array has exactly the ciphertext's length, the only thing `try_from` checks.
            Err(_) => unreachable!("an HQC-256 ciphertext array has the ciphertext length"),
        }
    }
}

/// Our copy of `hqc-kem`'s shared secret (which wipes itself on drop).
fn shared(ss: &hqc256::SharedSecret) -> SharedSecret {
    let mut bytes = [0u8; SHARED_SECRET_LEN];
    bytes.copy_from_slice(ss.as_ref());
    let secret = SharedSecret::from_array(bytes);
    zeroize::Zeroize::zeroize(&mut bytes);
    secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use shake::{ExtendableOutput, Update, XofReader};

    /// HQC's KAT generator: SHAKE256(seed || 0x00), read as a stream (the reference's
    /// `shake_prng`, as `hqc-kem`'s own tests describe it).
    struct KatRng(shake::Shake256Reader);

    impl KatRng {
        fn new(seed: &[u8]) -> Self {
            let mut h = shake::Shake256::default();
            h.update(seed);
            h.update(&[0x00]);
            KatRng(h.finalize_xof())
        }
    }

    impl rand_core::TryRng for KatRng {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0; 4];
            self.0.read(&mut b);
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0; 8];
            self.0.read(&mut b);
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
            self.0.read(dest);
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for KatRng {}

    fn hex(bytes: &[u8]) -> std::string::String {
        use core::fmt::Write;
        let mut s = std::string::String::new();
        for b in bytes {
            write!(s, "{b:02x}").unwrap();
        }
        s
    }

    /// All 100 official HQC-256 records (tests/vectors/hqc256-kat.txt says where they came
    /// from), through this file's `Kem` functions: the seed drawn and kept, the public key, the
    /// secret key expanded from the kept seed, the ciphertext and both sides' shared secret.
    #[test]
    fn hqc256_matches_the_reference_known_answers() {
        let text = include_str!("../../tests/vectors/hqc256-kat.txt");
        let mut records = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let f: std::vec::Vec<&str> = line.split(' ').collect();
            let [count, seed, pk, sk, ct, ss]: [&str; 6] = f[..].try_into().expect("six fields");
            let seed: std::vec::Vec<u8> = (0..seed.len() / 2)
                .map(|i| u8::from_str_radix(&seed[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            let mut rng = KatRng::new(&seed);
            let mut public_key = [0u8; HQC_PUBLIC_KEY_LEN];
            let mut kept = [0u8; HQC_SEED_LEN];
            Hqc256::generate(&mut rng, None, &mut public_key, &mut kept);
            assert_eq!(hex(&Sha256::digest(public_key)), pk, "pk, count {count}");
            let (_, dk) = hqc256::generate_key_deterministic(&kept);
            assert_eq!(hex(&Sha256::digest(dk.as_ref())), sk, "sk, count {count}");
            let checked = Hqc256::check(&public_key).unwrap();
            let mut ciphertext = [0u8; HQC_CIPHERTEXT_LEN];
            let server = Hqc256::encapsulate(&mut rng, &checked, &mut ciphertext);
            assert_eq!(hex(&Sha256::digest(ciphertext)), ct, "ct, count {count}");
            assert_eq!(hex(server.as_bytes()), ss, "ss, count {count}");
            let client = Hqc256::decapsulate(&kept, &ciphertext);
            assert_eq!(
                client.as_bytes(),
                server.as_bytes(),
                "decapsulation, count {count}"
            );
            // Implicit rejection: a flipped ciphertext bit gives another secret, no error.
            ciphertext[0] ^= 1;
            let rejected = Hqc256::decapsulate(&kept, &ciphertext);
            assert_ne!(rejected.as_bytes(), server.as_bytes(), "count {count}");
            records += 1;
        }
        assert_eq!(records, 100);
    }
}
