//! The client side: generate both key pairs, later finish with the server's ciphertexts.

use rand_core::TryCryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::combiner;
use crate::error::{as_array, as_array_mut, Error, Field};
use crate::psk::Psk;
use crate::rng::{draw_seed, Expander, Purpose};
use crate::secret::{with_stack_scrub, EXCHANGE_SCRUB_LEN, KEYGEN_SCRUB_LEN};
use crate::sizes::{
    CLIENT_SECRET_LEN, MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN,
    MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN, PUBLIC_KEY_DIGEST_LEN,
};
use crate::{mceliece, mlkem};

/// Magic and version that start a serialized [`ClientSecret`].
const EXPORT_MAGIC: [u8; 4] = *b"pqs\x01";

/// The client's secret half of one exchange: both secret keys and the digest of both public keys
/// (6,589 bytes). Caller-owned, so it can live in a `static`, a `Box` or on the stack.
///
/// It is single-use: [`ClientSecret::finish`] wipes it, and a second `finish` fails with
/// [`Error::NoClientSecret`]. It is also wiped on drop and never printed by `Debug`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ClientSecret {
    ready: bool,
    mlkem_seed: [u8; MLKEM_SEED_LEN],
    mceliece_secret_key: [u8; MCELIECE_SECRET_KEY_LEN],
    public_key_digest: [u8; PUBLIC_KEY_DIGEST_LEN],
}

impl Default for ClientSecret {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientSecret")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

impl ClientSecret {
    /// An empty secret, ready for [`ClientSecret::generate`]. `const`, so it can initialise a
    /// `static`.
    pub const fn new() -> Self {
        ClientSecret {
            ready: false,
            mlkem_seed: [0; MLKEM_SEED_LEN],
            mceliece_secret_key: [0; MCELIECE_SECRET_KEY_LEN],
            public_key_digest: [0; PUBLIC_KEY_DIGEST_LEN],
        }
    }

    /// An empty secret on the heap.
    #[cfg(feature = "alloc")]
    pub fn new_boxed() -> alloc::boxed::Box<Self> {
        alloc::boxed::Box::new(Self::new())
    }

    /// Whether a key pair is held (generated or imported, and not yet finished).
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Generates both key pairs: the secret halves into `self` (replacing and wiping any earlier
    /// ones) and the public keys into the caller's buffers, which are what the client sends.
    ///
    /// `mlkem_public_key_out` must be [`MLKEM_PUBLIC_KEY_LEN`] bytes and `mceliece_public_key_out`
    /// [`MCELIECE_PUBLIC_KEY_LEN`] bytes. Draws [`RNG_SEED_LEN`](crate::sizes::RNG_SEED_LEN)
    /// bytes from `rng`. Lengths are checked and the RNG is read before anything is written, so
    /// an error leaves `self` and both buffers untouched.
    ///
    /// Needs about 430 KB of stack (McEliece key generation): see no_std.md.
    pub fn generate<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        mlkem_public_key_out: &mut [u8],
        mceliece_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        let mlkem_pk: &mut [u8; MLKEM_PUBLIC_KEY_LEN] =
            as_array_mut(Field::MlKemPublicKey, mlkem_public_key_out)?;
        let mceliece_pk: &mut [u8; MCELIECE_PUBLIC_KEY_LEN] =
            as_array_mut(Field::McEliecePublicKey, mceliece_public_key_out)?;
        let seed = draw_seed(rng)?;

        self.zeroize();
        with_stack_scrub::<KEYGEN_SCRUB_LEN, _>(|| {
            let mut stream = Expander::new(Purpose::Keygen, &seed);
            mlkem::generate(&mut stream, &mut self.mlkem_seed, mlkem_pk);
            mceliece::generate(&mut stream, mceliece_pk, &mut self.mceliece_secret_key);
            self.public_key_digest = combiner::public_key_digest(mlkem_pk, mceliece_pk);
        });
        self.ready = true;
        Ok(())
    }

    /// Decapsulates the server's two ciphertexts and derives the PSK, then wipes `self`.
    ///
    /// A ciphertext of the right length that was tampered with is not an error: it gives a PSK
    /// that differs from the server's (both KEMs reject implicitly). A wrong length is an error
    /// that leaves `self` as it was, so the right response can still be finished.
    pub fn finish(
        &mut self,
        mlkem_ciphertext: &[u8],
        mceliece_ciphertext: &[u8],
    ) -> Result<Psk, Error> {
        let ct_mlkem: &[u8; MLKEM_CIPHERTEXT_LEN] =
            as_array(Field::MlKemCiphertext, mlkem_ciphertext)?;
        let ct_mceliece: &[u8; MCELIECE_CIPHERTEXT_LEN] =
            as_array(Field::McElieceCiphertext, mceliece_ciphertext)?;
        if !self.ready {
            return Err(Error::NoClientSecret);
        }
        let psk = with_stack_scrub::<EXCHANGE_SCRUB_LEN, _>(|| {
            let ss_mlkem = mlkem::decapsulate(&self.mlkem_seed, ct_mlkem);
            let ss_mceliece = mceliece::decapsulate(&self.mceliece_secret_key, ct_mceliece);
            combiner::combine(
                ss_mlkem,
                ss_mceliece,
                ct_mlkem,
                ct_mceliece,
                &self.public_key_digest,
            )
        });
        self.zeroize();
        Ok(psk)
    }

    /// Wipes the secret without finishing (an abandoned exchange).
    pub fn wipe(&mut self) {
        self.zeroize();
    }

    /// Serializes the secret (for a client that must survive a restart between sending its
    /// public keys and receiving the reply) into the first [`CLIENT_SECRET_LEN`] bytes of `out`;
    /// returns that length. The bytes are as secret as the keys: store them like a private key.
    ///
    /// Layout: `"pqs" 0x01`, ML-KEM seed (64), McEliece secret key (6,492), public-key digest (32).
    pub fn export_into(&self, out: &mut [u8]) -> Result<usize, Error> {
        if !self.ready {
            return Err(Error::NoClientSecret);
        }
        let actual = out.len();
        let out: &mut [u8; CLIENT_SECRET_LEN] = out
            .get_mut(..CLIENT_SECRET_LEN)
            .and_then(|o| o.try_into().ok())
            .ok_or(Error::Length {
                field: Field::ClientSecret,
                expected: CLIENT_SECRET_LEN,
                actual,
            })?;
        let (magic, rest) = out.split_at_mut(EXPORT_MAGIC.len());
        let (seed, rest) = rest.split_at_mut(MLKEM_SEED_LEN);
        let (sk, digest) = rest.split_at_mut(MCELIECE_SECRET_KEY_LEN);
        magic.copy_from_slice(&EXPORT_MAGIC);
        seed.copy_from_slice(&self.mlkem_seed);
        sk.copy_from_slice(&self.mceliece_secret_key);
        digest.copy_from_slice(&self.public_key_digest);
        Ok(CLIENT_SECRET_LEN)
    }

    /// Restores a secret written by [`ClientSecret::export_into`]. `bytes` must be exactly
    /// [`CLIENT_SECRET_LEN`] long. On error `self` is left as it was.
    pub fn import(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let bytes: &[u8; CLIENT_SECRET_LEN] = as_array(Field::ClientSecret, bytes)?;
        let (magic, rest) = bytes.split_at(EXPORT_MAGIC.len());
        if magic != EXPORT_MAGIC {
            return Err(Error::InvalidClientSecret);
        }
        let (seed, rest) = rest.split_at(MLKEM_SEED_LEN);
        let (sk, digest) = rest.split_at(MCELIECE_SECRET_KEY_LEN);
        self.mlkem_seed.copy_from_slice(seed);
        self.mceliece_secret_key.copy_from_slice(sk);
        self.public_key_digest.copy_from_slice(digest);
        self.ready = true;
        Ok(())
    }
}
