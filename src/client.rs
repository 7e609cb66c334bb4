//! The client side: generate both key pairs, later finish with the server's ciphertexts; and
//! the same two steps straight into and out of wire messages.

use rand_core::TryCryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::confirm::{BoundResponse, MessageDigest};
use crate::error::{as_array, Error, Field};
use crate::exchange::{self, KeptSecrets};
use crate::mceliece::KeygenWorkspace;
use crate::message::MessageType;
use crate::psk::Psk;
use crate::rng::RandomSource;
use crate::sizes::{CLIENT_SECRET_LEN, KEM1_SECRET_MAX_LEN, KEM2_SECRET_MAX_LEN};
use crate::suite::Suite;
use crate::wire::{self, Header, Response};

/// The first three bytes of a serialized [`ClientSecret`]; the fourth is the suite's export tag
/// (0x01 for the default suite, unchanged since the first release).
const EXPORT_MAGIC: [u8; 3] = *b"pqs";

/// The client's secret half of one exchange: the suite, what each KEM keeps (a seed or secret
/// key) and the digest of the public keys (6,590 bytes, sized for the largest suite). Caller-owned, so it can live in a
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
    /// Each KEM's kept secret and the public-key binding (zeros where a suite has none).
    kept: KeptSecrets,
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
            kept: KeptSecrets::new(),
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
    /// `mlkem_public_key_out` must be [`MLKEM_PUBLIC_KEY_LEN`](crate::sizes::MLKEM_PUBLIC_KEY_LEN) bytes and `mceliece_public_key_out`
    /// [`MCELIECE_PUBLIC_KEY_LEN`](crate::sizes::MCELIECE_PUBLIC_KEY_LEN) bytes. Draws [`RNG_SEED_LEN`](crate::sizes::RNG_SEED_LEN)
    /// bytes from `rng`. Lengths are checked and the RNG is read before anything is written, so
    /// an error leaves `self` and both buffers untouched.
    ///
    /// Puts McEliece's key-generation workspace
    /// ([`KEYGEN_WORKSPACE_LEN`](crate::mce::keygen::KEYGEN_WORKSPACE_LEN) bytes) on the stack:
    /// about 100 KB of stack in all on x86_64 (no_std.md gives the figure per target). With a smaller stack, use [`ClientSecret::generate_in`] and a
    /// workspace of your own (a `static` on firmware). See no_std.md.
    pub fn generate<R: RandomSource + ?Sized>(
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
    pub fn generate_suite<R: RandomSource + ?Sized>(
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
    pub fn generate_in<R: RandomSource + ?Sized>(
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

    /// Key generation through the generic exchange; `workspace` as in
    /// `mceliece::generate_in_or_on_stack`. On error `self` is unchanged.
    fn generate_with<R: TryCryptoRng + ?Sized>(
        &mut self,
        suite: Suite,
        rng: &mut R,
        workspace: Option<&mut KeygenWorkspace>,
        kem1_public_key_out: &mut [u8],
        kem2_public_key_out: &mut [u8],
    ) -> Result<(), Error> {
        exchange::generate(
            suite,
            rng,
            workspace,
            &mut self.kept,
            kem1_public_key_out,
            kem2_public_key_out,
        )?;
        self.suite = suite;
        self.ready = true;
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
        let psk = exchange::finish(
            self.suite,
            self.ready,
            &self.kept,
            kem1_ciphertext,
            kem2_ciphertext,
        )?;
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
    /// Layout: `"pqs"`, the suite's tag (0x01 default suite, 0x02 IVPN Kyber1024 + McEliece, 0x03
    /// IVPN Kyber1024 alone), the first KEM's kept secret (64 bytes: the lattice KEM's seed), the
    /// second KEM's (6,492 bytes: McEliece's secret key; zeros without a second KEM), the
    /// public-key digest (32; zeros in the IVPN suites). The default suite's layout is the one
    /// every earlier version wrote.
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
        let (kem1, rest) = rest.split_at_mut(KEM1_SECRET_MAX_LEN);
        let (kem2, binding) = rest.split_at_mut(KEM2_SECRET_MAX_LEN);
        magic.copy_from_slice(&EXPORT_MAGIC);
        tag.fill(self.suite.export_tag());
        kem1.copy_from_slice(&self.kept.kem1);
        kem2.copy_from_slice(&self.kept.kem2);
        binding.copy_from_slice(&self.kept.binding);
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
        let suite = match tag {
            [tag] => Suite::from_export_tag(*tag),
            _ => None,
        };
        let Some(suite) = suite.filter(|_| magic == EXPORT_MAGIC) else {
            return Err(Error::InvalidClientSecret);
        };
        let (kem1, rest) = rest.split_at(KEM1_SECRET_MAX_LEN);
        let (kem2, binding) = rest.split_at(KEM2_SECRET_MAX_LEN);
        self.suite = suite;
        self.kept.kem1.copy_from_slice(kem1);
        self.kept.kem2.copy_from_slice(kem2);
        self.kept.binding.copy_from_slice(binding);
        self.ready = true;
        Ok(())
    }

    /// Generates both key pairs of the default suite (as [`ClientSecret::generate`], workspace on
    /// the stack) straight into a request message in the start of `request_out`, and returns the
    /// message length ([`wire::request_len`]). On error nothing is written and `self` is
    /// unchanged.
    pub fn generate_request<R: RandomSource + ?Sized>(
        &mut self,
        rng: &mut R,
        request_out: &mut [u8],
    ) -> Result<usize, Error> {
        let mut workspace = KeygenWorkspace::new();
        self.generate_request_in(Suite::default(), rng, &mut workspace, request_out)
    }

    /// [`ClientSecret::generate_request`] for any `suite`, with McEliece's key-generation scratch
    /// in the caller's `workspace` (as [`ClientSecret::generate_in`]).
    pub fn generate_request_in<R: RandomSource + ?Sized>(
        &mut self,
        suite: Suite,
        rng: &mut R,
        workspace: &mut KeygenWorkspace,
        request_out: &mut [u8],
    ) -> Result<usize, Error> {
        let header = Header::new(suite, MessageType::Request);
        let slots = wire::message_slots(header, request_out)?;
        self.generate_in(suite, rng, workspace, slots.first, slots.second)?;
        slots.header.copy_from_slice(&header.to_bytes());
        Ok(header.message_len())
    }

    /// Decodes the server's response and finishes (as [`ClientSecret::finish`]). A malformed
    /// message is an error that leaves `self` as it was; a well-formed one consumes the secret.
    ///
    /// Protocol 1: a response to another (older) request is accepted, and gives a PSK the
    /// server does not have. New code uses [`ClientSecret::finish_bound_response`] (protocol 2,
    /// see [`crate::confirm`]); IVPN's protocol, which has no binding, uses
    /// [`ClientSecret::finish`] and its own framing, not this.
    #[deprecated(
        since = "0.1.0",
        note = "protocol 1 (accepts a response to another request): use \
                `finish_bound_response` with `confirm::request_digest` of the request \
                (protocol 2); IVPN uses `finish`"
    )]
    pub fn finish_response(&mut self, response: &[u8]) -> Result<Psk, Error> {
        let response = Response::decode(response)?;
        let expected = self.suite();
        if response.suite() != expected {
            return Err(Error::WrongSuite {
                expected,
                actual: response.suite(),
            });
        }
        self.finish(response.kem1_ciphertext(), response.kem2_ciphertext())
    }

    /// Protocol 2: checks that `response` is a bound response to the request whose digest is
    /// `request_digest` ([`crate::confirm::request_digest`] of the request this secret generated), then
    /// finishes as [`ClientSecret::finish`]. A malformed response, one of another suite, a
    /// protocol-1 one or one for another request is an error that leaves `self` as it was.
    pub fn finish_bound_response(
        &mut self,
        request_digest: &MessageDigest,
        response: &[u8],
    ) -> Result<Psk, Error> {
        let response = BoundResponse::decode(response)?;
        let expected = self.suite();
        if response.suite() != expected {
            return Err(Error::WrongSuite {
                expected,
                actual: response.suite(),
            });
        }
        response.check_request(request_digest)?;
        self.finish(response.kem1_ciphertext(), response.kem2_ciphertext())
    }
}
