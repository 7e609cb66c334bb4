//! ML-KEM-1024 (FIPS 203), our own implementation, as the hybrid calls it.
//!
//! The decapsulation key is kept in its 64-byte seed form `d || z` (FIPS 203 section 7.1): it is
//! the smallest form, and the key is re-derived from it in [`decapsulate`] (about as much work as
//! one key generation, small next to McEliece). [`expand_decapsulation_key`] gives the 3,168-byte
//! FIPS 203 form instead, for callers who trade that memory for a faster
//! [`DecapsulationKey::decapsulate`].
//!
//! Layout: `params` (sizes), `arith` (Montgomery/Barrett arithmetic and the NTT), `hash`
//! (the Keccak functions), `sample` (noise and the streamed matrix), `encode` (byte encodings and
//! compression), `sink` (where the ciphertext goes), `kpke` (the public-key encryption, arranged
//! for a small stack, and where the code for this CPU is picked), and the KEM here. The SIMD
//! twins, `avx2` and `neon`, use the modules below `kpke` only: `kpke` calls them through
//! src/simd.rs, so a twin that used `kpke` would close an import cycle.
//! Nothing on a path that depends on a secret branches, indexes memory or divides.
//!
//! These functions take an infallible `rand_core` 0.10 [`CryptoRng`] so that known-answer tests
//! can drive them with NIST's DRBG; the hybrid feeds them from its expanded RNG stream (README, "Randomness").

/// `neon_twinned! { item }`: a portable original of a NEON twin (src/mlkem/neon.rs). On
/// little-endian aarch64 with NEON the twin replaces it and only the tests (which compare the two)
/// call it, so dead code is allowed there; the one place that writes that condition for it.
macro_rules! neon_twinned {
    ($item:item) => {
        #[cfg_attr(
            all(
                target_arch = "aarch64",
                target_feature = "neon",
                target_endian = "little",
                not(test)
            ),
            allow(dead_code)
        )]
        $item
    };
}

mod arith;
// The AVX2 twin of K-PKE (src/simd.rs picks it at run time).
#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
pub(crate) mod avx2;
mod encode;
mod hash;
mod keccak;
pub(crate) mod kpke;
// NEON twins of arith.rs (baseline on little-endian aarch64).
#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little"
))]
pub(crate) mod neon;
mod params;
mod sample;
pub(crate) mod sink;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::secret::SharedSecret;
use crate::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};
use params::{EK_LEN, VEC_BYTES};

/// Length of the expanded decapsulation key: ByteEncode_12(s) || ek || H(ek) || z.
pub const DECAPSULATION_KEY_LEN: usize = params::DK_LEN;

/// Generates a key pair: draws `d` then `z` (32 bytes each, FIPS 203 order) from `rng`, writes
/// the seed `d || z` into `seed_out` and the encapsulation key into `public_key_out`.
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    seed_out: &mut [u8; MLKEM_SEED_LEN],
    public_key_out: &mut [u8; MLKEM_PUBLIC_KEY_LEN],
) {
    rng.fill_bytes(seed_out);
    let (d, _z) = hash::halves(seed_out);
    kpke::keygen(d, public_key_out, None);
}

/// An encapsulation key that passed the FIPS 203 section 7.2 check (every coefficient reduced
/// mod q), with its hash H(ek). A caller that checks a key before drawing randomness keeps the
/// parsed key and encapsulates to it, rather than parsing twice.
pub struct PublicKey {
    key: [u8; MLKEM_PUBLIC_KEY_LEN],
    hash: [u8; 32],
}

impl PublicKey {
    /// Decodes and checks `public_key`.
    pub fn parse(public_key: &[u8; MLKEM_PUBLIC_KEY_LEN]) -> Result<Self, Error> {
        check_public_key(public_key)?;
        Ok(PublicKey {
            key: *public_key,
            hash: hash::sha3_256(&[public_key]),
        })
    }
}

/// The FIPS 203 section 7.2 modulus check on the encoded key alone, without decoding it into
/// a key (which also hashes it): every 12-bit coefficient of `t` must be below q = 3329. The wire
/// decoder runs this on every request; [`PublicKey::parse`] runs it too.
pub fn check_public_key(public_key: &[u8; MLKEM_PUBLIC_KEY_LEN]) -> Result<(), Error> {
    // The key is t (4 x 256 coefficients, 12 bits each, packed two per three bytes) || rho (32).
    let (t, _rho) = public_key.split_at(VEC_BYTES);
    // Public data: an early return reveals nothing.
    // 1536 bytes: exactly 512 three-byte groups, nothing left over.
    let (groups, _) = t.as_chunks::<3>();
    for group in groups {
        let [low, high] = encode::decode12_pair(group);
        if low >= params::Q as u16 || high >= params::Q as u16 {
            return Err(Error::InvalidMlKemPublicKey);
        }
    }
    Ok(())
}

/// Encapsulates to a checked key: draws `m` (32 bytes) from `rng`, writes the ciphertext into
/// `ciphertext_out` and returns the shared secret.
pub fn encapsulate_to<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &PublicKey,
    ciphertext_out: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    encapsulate_checked(rng, &public_key.key, &public_key.hash, ciphertext_out)
}

/// ML-KEM.Encaps_internal (FIPS 203 Algorithm 17) to a key that passed the check, with its hash.
fn encapsulate_checked<R: CryptoRng + ?Sized>(
    rng: &mut R,
    ek: &[u8; EK_LEN],
    h: &[u8; 32],
    ciphertext_out: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    let mut m = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut *m);
    encapsulate_deterministic(ek, h, &m, ciphertext_out)
}

/// Encaps_internal once m is drawn; not inlined, so that its copy of the key is not in the
/// caller's frame.
#[inline(never)]
fn encapsulate_deterministic(
    ek: &[u8; EK_LEN],
    h: &[u8; 32],
    m: &[u8; 32],
    ciphertext_out: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    // (K, r) = G(m || H(ek)).
    let g = Zeroizing::new(hash::sha3_512(&[m, h]));
    let (key, coins) = hash::halves(&g);
    // Encryption consumes its copy of the key as workspace (src/mlkem/kpke.rs).
    let mut work = *ek;
    kpke::encrypt(&mut work, m, coins, &mut sink::Write(ciphertext_out));
    SharedSecret::from_array(*key)
}

/// [`PublicKey::parse`] then [`encapsulate_to`]. Fails only if the key fails the FIPS 203 check,
/// in which case nothing is drawn and nothing is written.
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &[u8; MLKEM_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> Result<SharedSecret, Error> {
    // As parse then encapsulate_to, without a second copy of the key.
    check_public_key(public_key)?;
    let h = hash::sha3_256(&[public_key]);
    Ok(encapsulate_checked(rng, public_key, &h, ciphertext_out))
}

/// Decapsulates `ciphertext` with the key whose seed is `seed`. Any ciphertext of the right length
/// is accepted: a tampered one gives an unrelated secret (implicit rejection), not an error.
pub fn decapsulate(
    seed: &[u8; MLKEM_SEED_LEN],
    ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    let (d, z) = hash::halves(seed);
    // Decryption needs s alone (from d), not ek: done first, it does not share the stack with
    // the re-derived ek below.
    let m = decrypt_from_seed(d, ciphertext);
    let mut ek = [0u8; EK_LEN];
    drop(kpke::keygen(d, &mut ek, None));
    let h = hash::sha3_256(&[&ek]);
    finish_decapsulation(&mut ek, &h, z, &m, ciphertext)
}

/// K-PKE.Decrypt with s re-derived from d, one polynomial at a time.
#[inline(never)]
fn decrypt_from_seed(d: &[u8; 32], ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN]) -> Zeroizing<[u8; 32]> {
    let (sigma, _rho) = hash::expand_d(d);
    #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
    if let Some(m) = crate::simd::mlkem_decrypt_from_sigma(ciphertext, &sigma) {
        return m;
    }
    kpke::decrypt(ciphertext, |j, p| kpke::secret_poly(&sigma, j, p))
}

/// The rest of ML-KEM.Decaps_internal (FIPS 203 Algorithm 18, lines 7-11) once m' is known:
/// (K', r') = G(m' || h), the re-encryption with r' compared with `ciphertext` as it is produced,
/// and the choice between K' and J(z || c) by a mask. Consumes `ek` (a copy of the key).
#[inline(never)]
fn finish_decapsulation(
    ek: &mut [u8; EK_LEN],
    h: &[u8; 32],
    z: &[u8; 32],
    m: &[u8; 32],
    ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN],
) -> SharedSecret {
    let g = Zeroizing::new(hash::sha3_512(&[m, h]));
    let (key, coins) = hash::halves(&g);
    // The rejection key J(z || c), computed whether or not it is used.
    let rejected = Zeroizing::new(hash::j(z, ciphertext));
    let mut compare = sink::Compare {
        ciphertext,
        diff: 0,
    };
    kpke::encrypt(ek, m, coins, &mut compare);
    // keep = 0xFF when the re-encryption matched, else 0x00; black_box keeps LLVM from turning
    // the mask back into a branch on the comparison.
    let differs = ((u16::from(compare.diff) + 0xFF) >> 8) as u8;
    let keep = core::hint::black_box(differs.wrapping_sub(1));
    let mut out = [0u8; 32];
    for ((o, k), r) in out.iter_mut().zip(key.iter()).zip(rejected.iter()) {
        *o = (k & keep) | (r & !keep);
    }
    let secret = SharedSecret::from_array(out);
    zeroize::Zeroize::zeroize(&mut out);
    secret
}

/// Writes the expanded FIPS 203 decapsulation key of `seed` into `dk_out` (ML-KEM.KeyGen_internal,
/// Algorithm 16): ByteEncode_12(s) || ek || H(ek) || z.
pub fn expand_decapsulation_key(
    seed: &[u8; MLKEM_SEED_LEN],
    dk_out: &mut [u8; DECAPSULATION_KEY_LEN],
) {
    let (d, z) = hash::halves(seed);
    let (s, rest) = dk_out.split_at_mut(VEC_BYTES);
    let (ek, rest) = rest.split_at_mut(EK_LEN);
    let (h, z_out) = rest.split_at_mut(32);
    if let (Ok(s), Ok(ek)) = (
        <&mut [u8; VEC_BYTES]>::try_from(s),
        <&mut [u8; EK_LEN]>::try_from(ek),
    ) {
        drop(kpke::keygen(d, ek, Some(s)));
        h.copy_from_slice(&hash::sha3_256(&[ek]));
    }
    z_out.copy_from_slice(z);
}

/// An expanded decapsulation key that passed the FIPS 203 section 7.3 input check: the hash
/// stored in it is H of the encapsulation key stored in it (and that key passes the 7.2 check).
pub struct DecapsulationKey<'a>(&'a [u8; DECAPSULATION_KEY_LEN]);

impl<'a> DecapsulationKey<'a> {
    /// Checks `dk`. Fails with [`Error::InvalidMlKemDecapsulationKey`] if the encapsulation key
    /// inside it fails the modulus check or the hash stored with it does not match.
    pub fn parse(dk: &'a [u8; DECAPSULATION_KEY_LEN]) -> Result<Self, Error> {
        let (_, ek, h, _) = Self::split(dk);
        check_public_key(ek).map_err(|_| Error::InvalidMlKemDecapsulationKey)?;
        // A key is not secret's hash: comparing it with a branch is fine.
        if hash::sha3_256(&[ek]) != *h {
            return Err(Error::InvalidMlKemDecapsulationKey);
        }
        Ok(DecapsulationKey(dk))
    }

    fn split(
        dk: &[u8; DECAPSULATION_KEY_LEN],
    ) -> (&[u8; VEC_BYTES], &[u8; EK_LEN], &[u8; 32], &[u8; 32]) {
        let (s, rest) = dk
            .split_first_chunk::<VEC_BYTES>()
            .unwrap_or_else(|| unreachable!());
        let (ek, rest) = rest
            .split_first_chunk::<EK_LEN>()
            .unwrap_or_else(|| unreachable!());
        let (h, rest) = rest
            .split_first_chunk::<32>()
            .unwrap_or_else(|| unreachable!());
        let (z, _) = rest
            .split_first_chunk::<32>()
            .unwrap_or_else(|| unreachable!());
        (s, ek, h, z)
    }

    /// Decapsulates `ciphertext` (implicit rejection, like [`decapsulate`]).
    pub fn decapsulate(&self, ciphertext: &[u8; MLKEM_CIPHERTEXT_LEN]) -> SharedSecret {
        let (s, ek, h, z) = Self::split(self.0);
        let m = kpke::decrypt(ciphertext, |j, p| kpke::unpack_secret(s, j, p));
        let mut work = *ek;
        finish_decapsulation(&mut work, h, z, &m, ciphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed-seed expanded key: its own seed's, so that it passes.
    fn expanded() -> [u8; DECAPSULATION_KEY_LEN] {
        let seed: [u8; MLKEM_SEED_LEN] = core::array::from_fn(|i| i as u8);
        let mut dk = [0u8; DECAPSULATION_KEY_LEN];
        expand_decapsulation_key(&seed, &mut dk);
        dk
    }

    #[test]
    fn a_corrupt_expanded_key_has_its_own_error() {
        let dk = expanded();
        assert!(DecapsulationKey::parse(&dk).is_ok());

        // The stored hash no longer matches the key.
        let mut bad_hash = dk;
        bad_hash[VEC_BYTES + EK_LEN] ^= 1;
        assert!(matches!(
            DecapsulationKey::parse(&bad_hash),
            Err(Error::InvalidMlKemDecapsulationKey)
        ));

        // The embedded key's first coefficient set to q = 3329 (not reduced), with its hash
        // recomputed, so that only the modulus check can refuse it.
        let mut unreduced = dk;
        unreduced[VEC_BYTES] = 0x01;
        unreduced[VEC_BYTES + 1] = (unreduced[VEC_BYTES + 1] & 0xF0) | 0x0D;
        let ek: [u8; EK_LEN] = unreduced[VEC_BYTES..VEC_BYTES + EK_LEN].try_into().unwrap();
        assert_eq!(
            check_public_key(&ek),
            Err(Error::InvalidMlKemPublicKey),
            "the test key must fail the modulus check"
        );
        let h = hash::sha3_256(&[&ek]);
        unreduced[VEC_BYTES + EK_LEN..VEC_BYTES + EK_LEN + 32].copy_from_slice(&h);
        assert!(matches!(
            DecapsulationKey::parse(&unreduced),
            Err(Error::InvalidMlKemDecapsulationKey)
        ));

        // It is not the serialized-secret error it used to be, and says what it is about.
        assert_ne!(
            Error::InvalidMlKemDecapsulationKey,
            Error::InvalidClientSecret
        );
        let text = std::format!("{}", Error::InvalidMlKemDecapsulationKey);
        assert!(text.contains("decapsulation key rejected"), "{text}");
    }
}
