//! The client side: generate both key pairs, later finish with the server's ciphertexts.

use rand_core::TryCryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::combiner;
use crate::error::{as_array, as_array_mut, Error, Field};
use crate::mceliece::KeygenWorkspace;
use crate::psk::Psk;
use crate::rng::{draw_seed, Expander, Purpose};
use crate::secret::{with_stack_scrub, EXCHANGE_SCRUB_LEN, KEYGEN_SCRUB_LEN};
use crate::sizes::{
    CLIENT_SECRET_LEN, MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN,
    MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN, PUBLIC_KEY_DIGEST_LEN,
};
use crate::suite::Suite;
use crate::{mceliece, mlkem};

/// The first three bytes of a serialized [`ClientSecret`]; the fourth says which suite (and
/// layout version) follows, see [`export_tag`].
const EXPORT_MAGIC: [u8; 3] = *b"pqs";

/// The fourth byte of a serialized [`ClientSecret`]. 0x01 is the default suite, unchanged since
/// the first release (so old exports stay readable); the IVPN suites use the same layout and
/// length with their own tags. Tags are never reused.
const fn export_tag(suite: Suite) -> u8 {
    match suite {
        Suite::MlKem1024McEliece348864 => 0x01,
        #[cfg(feature = "ivpn")]
        Suite::IvpnKyber1024McEliece348864 => 0x02,
        #[cfg(feature = "ivpn")]
        Suite::IvpnKyber1024 => 0x03,
    }
}

/// The client's secret half of one exchange: the suite, both secret keys and the digest of both
/// public keys (6,589 bytes, 6,590 with the `ivpn` feature). Caller-owned, so it can live in a
/// `static`, a `Box` or on the stack.
///
/// It is single-use: [`ClientSecret::finish`] wipes it, and a second `finish` fails with
/// [`Error::NoClientSecret`]. It is also wiped on drop and never printed by `Debug`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ClientSecret {
    ready: bool,
    /// Which suite the keys belong to; decides what `finish` does. Public, not wiped.
    #[zeroize(skip)]
    suite: Suite,
    /// The lattice KEM's 64-byte seed `d || z`: ML-KEM-1024's, or Round-3 Kyber1024's.
    kem1_seed: [u8; MLKEM_SEED_LEN],
    /// Unused (zero) in the Kyber-only suite.
    mceliece_secret_key: [u8; MCELIECE_SECRET_KEY_LEN],
    /// Default suite only (the IVPN combiner binds no public key); zero otherwise.
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
            suite: Suite::MlKem1024McEliece348864,
            kem1_seed: [0; MLKEM_SEED_LEN],
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

    /// The suite of the key pair held (or last held): what [`ClientSecret::finish`] will use.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Generates both key pairs of the default suite: the secret halves into `self` (replacing
    /// and wiping any earlier ones) and the public keys into the caller's buffers, which are what
    /// the client sends. The same as [`ClientSecret::generate_suite`] with [`Suite::default`].
    ///
    /// `mlkem_public_key_out` must be [`MLKEM_PUBLIC_KEY_LEN`] bytes and `mceliece_public_key_out`
    /// [`MCELIECE_PUBLIC_KEY_LEN`] bytes. Draws [`RNG_SEED_LEN`](crate::sizes::RNG_SEED_LEN)
    /// bytes from `rng`. Lengths are checked and the RNG is read before anything is written, so
    /// an error leaves `self` and both buffers untouched.
    ///
    /// Puts McEliece's key-generation workspace
    /// ([`KEYGEN_WORKSPACE_LEN`](crate::mce::keygen::KEYGEN_WORKSPACE_LEN) bytes) on the stack:
    /// about 110 KB of stack in all. With a smaller stack, use [`ClientSecret::generate_in`] and a
    /// workspace of your own (a `static` on firmware). See no_std.md.
    pub fn generate<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        mlkem_public_key_out: &mut [u8],
        mceliece_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        self.generate_suite(
            Suite::default(),
            rng,
            mlkem_public_key_out,
            mceliece_public_key_out,
        )
    }

    /// Generates the key pairs of `suite`: the secret halves into `self` (replacing and wiping
    /// any earlier ones, and recording the suite for [`ClientSecret::finish`]) and the public
    /// keys into the caller's buffers, of [`Suite::kem1_public_key_len`] and
    /// [`Suite::kem2_public_key_len`] bytes (an empty `kem2_public_key_out` for a suite without a
    /// second KEM). Errors, RNG and stack as for [`ClientSecret::generate`].
    pub fn generate_suite<R: TryCryptoRng + ?Sized>(
        &mut self,
        suite: Suite,
        rng: &mut R,
        kem1_public_key_out: &mut [u8],
        kem2_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        self.generate_with(suite, rng, None, kem1_public_key_out, kem2_public_key_out)
    }

    /// [`ClientSecret::generate_suite`] with McEliece's key-generation scratch in `workspace`
    /// (wiped before returning) instead of on the stack: the whole key generation then needs
    /// only tens of KB of stack (no_std.md gives the figures per target).
    pub fn generate_in<R: TryCryptoRng + ?Sized>(
        &mut self,
        suite: Suite,
        rng: &mut R,
        workspace: &mut KeygenWorkspace,
        kem1_public_key_out: &mut [u8],
        kem2_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        self.generate_with(
            suite,
            rng,
            Some(workspace),
            kem1_public_key_out,
            kem2_public_key_out,
        )
    }

    /// The one place key generation dispatches on the suite; `workspace` as in
    /// `mceliece::generate_in_or_on_stack`.
    fn generate_with<R: TryCryptoRng + ?Sized>(
        &mut self,
        suite: Suite,
        rng: &mut R,
        workspace: Option<&mut KeygenWorkspace>,
        kem1_public_key_out: &mut [u8],
        kem2_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        match suite {
            Suite::MlKem1024McEliece348864 => {
                self.generate_default(rng, workspace, kem1_public_key_out, kem2_public_key_out)?
            }
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 | Suite::IvpnKyber1024 => self.generate_ivpn(
                suite,
                rng,
                workspace,
                kem1_public_key_out,
                kem2_public_key_out,
            )?,
        }
        self.suite = suite;
        self.ready = true;
        Ok(())
    }

    fn generate_default<R: TryCryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        workspace: Option<&mut KeygenWorkspace>,
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
            mlkem::generate(&mut stream, &mut self.kem1_seed, mlkem_pk);
            mceliece::generate_in_or_on_stack(
                &mut stream,
                mceliece_pk,
                &mut self.mceliece_secret_key,
                workspace,
            );
            self.public_key_digest = combiner::public_key_digest(mlkem_pk, mceliece_pk);
        });
        Ok(())
    }

    #[cfg(feature = "ivpn")]
    fn generate_ivpn<R: TryCryptoRng + ?Sized>(
        &mut self,
        suite: Suite,
        rng: &mut R,
        workspace: Option<&mut KeygenWorkspace>,
        kyber_public_key_out: &mut [u8],
        mceliece_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        use crate::sizes::KYBER_PUBLIC_KEY_LEN;
        let kyber_pk: &mut [u8; KYBER_PUBLIC_KEY_LEN] =
            as_array_mut(Field::KyberPublicKey, kyber_public_key_out)?;
        let mceliece_pk = crate::ivpn::kem2_mut::<MCELIECE_PUBLIC_KEY_LEN>(
            suite.has_kem2(),
            Field::McEliecePublicKey,
            mceliece_public_key_out,
        )?;
        let seed = draw_seed(rng)?;

        self.zeroize();
        let run = || {
            let mut stream = Expander::new(Purpose::Keygen, &seed);
            let mceliece = mceliece_pk.map(|pk| (pk, &mut self.mceliece_secret_key));
            crate::ivpn::exchange::generate(
                &mut stream,
                &mut self.kem1_seed,
                kyber_pk,
                mceliece,
                workspace,
            );
        };
        with_stack_scrub::<KEYGEN_SCRUB_LEN, _>(run);
        Ok(())
    }

    /// Decapsulates the server's ciphertexts with the suite the key pairs were generated for
    /// ([`ClientSecret::suite`]) and derives the PSK, then wipes `self`. The ciphertexts have
    /// that suite's [`Suite::kem1_ciphertext_len`] and [`Suite::kem2_ciphertext_len`] (an empty
    /// `kem2_ciphertext` for a suite without a second KEM).
    ///
    /// A ciphertext of the right length that was tampered with is not an error: it gives a PSK
    /// that differs from the server's (every KEM here rejects implicitly). A wrong length is an
    /// error that leaves `self` as it was, so the right response can still be finished.
    pub fn finish(&mut self, kem1_ciphertext: &[u8], kem2_ciphertext: &[u8]) -> Result<Psk, Error> {
        let psk = match self.suite {
            Suite::MlKem1024McEliece348864 => {
                self.finish_default(kem1_ciphertext, kem2_ciphertext)?
            }
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 | Suite::IvpnKyber1024 => {
                self.finish_ivpn(kem1_ciphertext, kem2_ciphertext)?
            }
        };
        self.zeroize();
        Ok(psk)
    }

    fn finish_default(
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
        Ok(with_stack_scrub::<EXCHANGE_SCRUB_LEN, _>(|| {
            let ss_mlkem = mlkem::decapsulate(&self.kem1_seed, ct_mlkem);
            let ss_mceliece = mceliece::decapsulate(&self.mceliece_secret_key, ct_mceliece);
            combiner::combine(
                ss_mlkem,
                ss_mceliece,
                ct_mlkem,
                ct_mceliece,
                &self.public_key_digest,
            )
        }))
    }

    #[cfg(feature = "ivpn")]
    fn finish_ivpn(
        &mut self,
        kyber_ciphertext: &[u8],
        mceliece_ciphertext: &[u8],
    ) -> Result<Psk, Error> {
        use crate::sizes::KYBER_CIPHERTEXT_LEN;
        let ct_kyber: &[u8; KYBER_CIPHERTEXT_LEN] =
            as_array(Field::KyberCiphertext, kyber_ciphertext)?;
        let ct_mceliece = crate::ivpn::kem2::<MCELIECE_CIPHERTEXT_LEN>(
            self.suite.has_kem2(),
            Field::McElieceCiphertext,
            mceliece_ciphertext,
        )?;
        if !self.ready {
            return Err(Error::NoClientSecret);
        }
        Ok(with_stack_scrub::<EXCHANGE_SCRUB_LEN, _>(|| {
            let mceliece = ct_mceliece.map(|ct| (&self.mceliece_secret_key, ct));
            crate::ivpn::exchange::finish(&self.kem1_seed, ct_kyber, mceliece)
        }))
    }

    /// Wipes the secret without finishing (an abandoned exchange).
    pub fn wipe(&mut self) {
        self.zeroize();
    }

    /// Serializes the secret (for a client that must survive a restart between sending its
    /// public keys and receiving the reply) into the first [`CLIENT_SECRET_LEN`] bytes of `out`;
    /// returns that length. The bytes are as secret as the keys: store them like a private key.
    ///
    /// Layout: `"pqs"`, a suite tag (0x01 default suite, 0x02 IVPN Kyber1024 + McEliece, 0x03
    /// IVPN Kyber1024 alone), the lattice KEM's seed (64), McEliece secret key (6,492; zeros
    /// without McEliece), public-key digest (32; zeros in the IVPN suites). The default suite's
    /// layout is the one every earlier version wrote.
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
        let (tag, rest) = rest.split_at_mut(1);
        let (seed, rest) = rest.split_at_mut(MLKEM_SEED_LEN);
        let (sk, digest) = rest.split_at_mut(MCELIECE_SECRET_KEY_LEN);
        magic.copy_from_slice(&EXPORT_MAGIC);
        tag.fill(export_tag(self.suite));
        seed.copy_from_slice(&self.kem1_seed);
        sk.copy_from_slice(&self.mceliece_secret_key);
        digest.copy_from_slice(&self.public_key_digest);
        Ok(CLIENT_SECRET_LEN)
    }

    /// Restores a secret written by [`ClientSecret::export_into`]. `bytes` must be exactly
    /// [`CLIENT_SECRET_LEN`] long. A magic or suite tag this build does not know (an IVPN
    /// suite's secret without the `ivpn` feature) is [`Error::InvalidClientSecret`]. On error
    /// `self` is left as it was.
    pub fn import(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let bytes: &[u8; CLIENT_SECRET_LEN] = as_array(Field::ClientSecret, bytes)?;
        let (magic, rest) = bytes.split_at(EXPORT_MAGIC.len());
        let (tag, rest) = rest.split_at(1);
        let suite = Suite::ALL
            .iter()
            .copied()
            .find(|&suite| tag == [export_tag(suite)]);
        let Some(suite) = suite.filter(|_| magic == EXPORT_MAGIC) else {
            return Err(Error::InvalidClientSecret);
        };
        let (seed, rest) = rest.split_at(MLKEM_SEED_LEN);
        let (sk, digest) = rest.split_at(MCELIECE_SECRET_KEY_LEN);
        self.suite = suite;
        self.kem1_seed.copy_from_slice(seed);
        self.mceliece_secret_key.copy_from_slice(sk);
        self.public_key_digest.copy_from_slice(digest);
        self.ready = true;
        Ok(())
    }
}
