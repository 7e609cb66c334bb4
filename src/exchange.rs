//! The one generic exchange (generate, respond, finish) over a suite's types, and the one place
//! that maps a runtime [`Suite`] to them ([`with_suite!`]). The client ([`ClientSecret`]), the
//! server ([`respond_suite`]) and the wire helpers all come through here.
//!
//! Each step checks the caller's slices against the suite's lengths, turns them into arrays,
//! draws the RNG seed, and only then writes anything: an error leaves every output as it was.
//!
//! [`ClientSecret`]: crate::ClientSecret
//! [`respond_suite`]: crate::respond_suite

use rand_core::TryCryptoRng;
use zeroize::Zeroize;

use crate::error::Error;
use crate::kem::{exact, exact_mut, Bytes, Kem};
use crate::mceliece::KeygenWorkspace;
use crate::psk::Psk;
use crate::rng::{draw_seed, Expander, Purpose};
use crate::secret::{with_stack_scrub, ScrubDepths};
use crate::sizes::{KEM1_SECRET_MAX_LEN, KEM2_SECRET_MAX_LEN, PUBLIC_KEY_DIGEST_LEN};
use crate::suite::Suite;
use crate::suites::{Binding, Shape, SuiteSpec};

/// Runs `$body` with `$S` naming the suite type of the runtime `$suite` (and, in the second form,
/// `$D` its [`ScrubDepths`]): the only `match` from a [`Suite`] to its types. A new suite is one
/// arm here, with the stack depths its steps were measured to reach (tests/scrub_stack.rs and the
/// firmware check them).
macro_rules! with_suite {
    ($suite:expr, $S:ident => $body:expr) => {
        with_suite!($suite, $S, _DEPTHS => $body)
    };
    ($suite:expr, $S:ident, $D:ident => $body:expr) => {
        match $suite {
            Suite::MlKem1024McEliece348864 => {
                type $S = crate::suites::mlkem1024_mceliece348864::MlKem1024McEliece348864;
                #[allow(dead_code)]
                const $D: ScrubDepths = ScrubDepths::DEFAULT_SUITE;
                $body
            }
            #[cfg(feature = "hqc")]
            Suite::MlKem1024Hqc256 => {
                type $S = crate::suites::mlkem1024_hqc256::MlKem1024Hqc256;
                #[allow(dead_code)]
                const $D: ScrubDepths = ScrubDepths::MLKEM1024_HQC256;
                $body
            }
            Suite::MlKem1024 => {
                type $S = crate::suites::mlkem1024::MlKem1024;
                #[allow(dead_code)]
                const $D: ScrubDepths = ScrubDepths::MLKEM1024;
                $body
            }
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 => {
                type $S = crate::ivpn::suites::IvpnKyber1024McEliece348864;
                #[allow(dead_code)]
                const $D: ScrubDepths = ScrubDepths::IVPN_KYBER1024_MCELIECE348864;
                $body
            }
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024 => {
                type $S = crate::ivpn::suites::IvpnKyber1024;
                #[allow(dead_code)]
                const $D: ScrubDepths = ScrubDepths::IVPN_KYBER1024;
                $body
            }
        }
    };
}

/// The buffers of `suite`.
pub(crate) const fn shape(suite: Suite) -> Shape {
    with_suite!(suite, S => S::SHAPE)
}

/// Every length of a suite's messages. (The suite's names are in `crate::suite`, which imports
/// nothing; its lengths come from its KEMs, so they are defined here.)
impl Suite {
    /// Length of the first KEM's public key (the lattice KEM's: ML-KEM or Kyber).
    pub const fn kem1_public_key_len(self) -> usize {
        shape(self).kem1_public_key.len
    }

    /// Length of the second KEM's public key; 0 if the suite has one KEM.
    pub const fn kem2_public_key_len(self) -> usize {
        shape(self).kem2_public_key.len
    }

    /// Length of the first KEM's ciphertext.
    pub const fn kem1_ciphertext_len(self) -> usize {
        shape(self).kem1_ciphertext.len
    }

    /// Length of the second KEM's ciphertext; 0 if the suite has one KEM.
    pub const fn kem2_ciphertext_len(self) -> usize {
        shape(self).kem2_ciphertext.len
    }

    /// Whether the suite has a second KEM; if not, its buffers are empty.
    pub const fn has_kem2(self) -> bool {
        self.kem2_public_key_len() != 0
    }
}

/// What a client keeps between its request and the server's response, for any suite: each
/// KEM's kept secret at the start of its field (the rest zero) and the public-key binding.
/// Sized for the largest suite, so that [`ClientSecret`](crate::ClientSecret) is one type that
/// can be built in a `const` and live in a `static`.
#[derive(Zeroize)]
pub(crate) struct KeptSecrets {
    pub(crate) kem1: [u8; KEM1_SECRET_MAX_LEN],
    pub(crate) kem2: [u8; KEM2_SECRET_MAX_LEN],
    pub(crate) binding: Binding,
}

impl KeptSecrets {
    /// All zero.
    pub(crate) const fn new() -> Self {
        KeptSecrets {
            kem1: [0; KEM1_SECRET_MAX_LEN],
            kem2: [0; KEM2_SECRET_MAX_LEN],
            binding: [0; PUBLIC_KEY_DIGEST_LEN],
        }
    }

    /// Both KEMs' kept secrets of suite `S`, as their arrays.
    fn split_mut<S: SuiteSpec>(
        &mut self,
    ) -> (
        &mut <S::Kem1 as Kem>::SecretKey,
        &mut <S::Kem2 as Kem>::SecretKey,
    ) {
        (prefix_mut(&mut self.kem1), prefix_mut(&mut self.kem2))
    }
}

/// The first `B::LEN` bytes of `field`. Every suite's secrets fit (checked at compile time).
fn prefix_mut<B: Bytes, const N: usize>(field: &mut [u8; N]) -> &mut B {
    const {
        assert!(
            B::LEN <= N,
            "a KEM's kept secret is larger than its ClientSecret field"
        )
    };
    match B::prefix_mut(field) {
        Some(bytes) => bytes,
        None => unreachable!("B::LEN <= N, checked at compile time"),
    }
}

/// Read-only twin of [`prefix_mut`].
fn prefix<B: Bytes, const N: usize>(field: &[u8; N]) -> &B {
    const {
        assert!(
            B::LEN <= N,
            "a KEM's kept secret is larger than its ClientSecret field"
        )
    };
    match B::prefix(field) {
        Some(bytes) => bytes,
        None => unreachable!("B::LEN <= N, checked at compile time"),
    }
}

/// Client, step 1: both key pairs of `suite`, the public keys into the caller's buffers and the
/// secrets into `kept` (wiped first). `workspace` as for McEliece's key generation.
pub(crate) fn generate<R: TryCryptoRng + ?Sized>(
    suite: Suite,
    rng: &mut R,
    workspace: Option<&mut KeygenWorkspace>,
    kept: &mut KeptSecrets,
    public_key1_out: &mut [u8],
    public_key2_out: &mut [u8],
) -> Result<(), Error> {
    // Two depths: McEliece's key generation puts its 90 KB workspace on the stack when the
    // caller gives none, and its frames then lie below that.
    match workspace {
        Some(workspace) => with_suite!(suite, S, D => generate_as::<S, R, { D.generate }>(
            rng,
            Some(workspace),
            kept,
            public_key1_out,
            public_key2_out
        )),
        None => with_suite!(suite, S, D => generate_as::<S, R, { D.generate_on_stack }>(
            rng,
            None,
            kept,
            public_key1_out,
            public_key2_out
        )),
    }
}

// Out of line: one frame per suite, so that a suite with small buffers does not pay for the
// largest suite's locals when all of them are inlined into the one dispatching function.
#[inline(never)]
fn generate_as<S: SuiteSpec, R: TryCryptoRng + ?Sized, const SCRUB: usize>(
    rng: &mut R,
    workspace: Option<&mut KeygenWorkspace>,
    kept: &mut KeptSecrets,
    public_key1_out: &mut [u8],
    public_key2_out: &mut [u8],
) -> Result<(), Error> {
    let pk1 = exact_mut(S::Kem1::PUBLIC_KEY_FIELD, public_key1_out)?;
    let pk2 = exact_mut(S::Kem2::PUBLIC_KEY_FIELD, public_key2_out)?;
    let seed = draw_seed(rng)?;

    kept.zeroize();
    with_stack_scrub::<SCRUB, _>(|| {
        let mut stream = Expander::new(Purpose::Keygen, &seed);
        let (sk1, sk2) = kept.split_mut::<S>();
        generate_apart::<S::Kem1>(&mut stream, None, pk1, sk1);
        generate_apart::<S::Kem2>(&mut stream, workspace, pk2, sk2);
        kept.binding = S::bind(pk1, pk2);
    });
    Ok(())
}

/// Server: encapsulates to both public keys of `suite`, writes both ciphertexts, returns the
/// PSK. Lengths and the public-key checks come before the RNG is read.
pub(crate) fn respond<R: TryCryptoRng + ?Sized>(
    suite: Suite,
    rng: &mut R,
    public_key1: &[u8],
    public_key2: &[u8],
    ciphertext1_out: &mut [u8],
    ciphertext2_out: &mut [u8],
) -> Result<Psk, Error> {
    with_suite!(suite, S, D => respond_as::<S, R, { D.respond }>(
        rng,
        public_key1,
        public_key2,
        ciphertext1_out,
        ciphertext2_out
    ))
}

// Out of line: one frame per suite, so that a suite with small buffers does not pay for the
// largest suite's locals when all of them are inlined into the one dispatching function.
#[inline(never)]
fn respond_as<S: SuiteSpec, R: TryCryptoRng + ?Sized, const SCRUB: usize>(
    rng: &mut R,
    public_key1: &[u8],
    public_key2: &[u8],
    ciphertext1_out: &mut [u8],
    ciphertext2_out: &mut [u8],
) -> Result<Psk, Error> {
    let pk1 = exact(S::Kem1::PUBLIC_KEY_FIELD, public_key1)?;
    let pk2 = exact(S::Kem2::PUBLIC_KEY_FIELD, public_key2)?;
    let ct1 = exact_mut(S::Kem1::CIPHERTEXT_FIELD, ciphertext1_out)?;
    let ct2 = exact_mut(S::Kem2::CIPHERTEXT_FIELD, ciphertext2_out)?;

    // The checks run inside the scrubbed frame too: their parsed keys (ML-KEM's is a 1.6 KB
    // copy, moved more than once) would otherwise sit in this frame, above the scrub.
    with_stack_scrub::<SCRUB, _>(|| {
        let checked1 = S::Kem1::check(pk1)?;
        let checked2 = S::Kem2::check(pk2)?;
        let seed = draw_seed(rng)?;
        let binding = S::bind(pk1, pk2);
        let mut stream = Expander::new(Purpose::Encapsulate, &seed);
        let ss1 = encapsulate_apart::<S::Kem1>(&mut stream, &checked1, ct1);
        let ss2 = encapsulate_apart::<S::Kem2>(&mut stream, &checked2, ct2);
        Ok(S::combine(ss1, ss2, ct1, ct2, &binding))
    })
}

/// Client, step 2: decapsulates both ciphertexts of `suite` with `kept` and derives the PSK.
/// Lengths are checked before `ready`, so that a wrong length says so even on an empty secret.
/// The caller wipes `kept` afterwards.
pub(crate) fn finish(
    suite: Suite,
    ready: bool,
    kept: &KeptSecrets,
    ciphertext1: &[u8],
    ciphertext2: &[u8],
) -> Result<Psk, Error> {
    with_suite!(suite, S, D => finish_as::<S, { D.finish }>(
        ready,
        kept,
        ciphertext1,
        ciphertext2
    ))
}

// Out of line: one frame per suite, so that a suite with small buffers does not pay for the
// largest suite's locals when all of them are inlined into the one dispatching function.
#[inline(never)]
fn finish_as<S: SuiteSpec, const SCRUB: usize>(
    ready: bool,
    kept: &KeptSecrets,
    ciphertext1: &[u8],
    ciphertext2: &[u8],
) -> Result<Psk, Error> {
    let ct1 = exact(S::Kem1::CIPHERTEXT_FIELD, ciphertext1)?;
    let ct2 = exact(S::Kem2::CIPHERTEXT_FIELD, ciphertext2)?;
    if !ready {
        return Err(Error::NoClientSecret);
    }
    Ok(with_stack_scrub::<SCRUB, _>(|| {
        let ss1 = decapsulate_apart::<S::Kem1>(prefix(&kept.kem1), ct1);
        let ss2 = decapsulate_apart::<S::Kem2>(prefix(&kept.kem2), ct2);
        S::combine(ss1, ss2, ct1, ct2, &kept.binding)
    }))
}

// Each KEM operation in a frame of its own, so that the step's depth is the deeper of its two
// KEMs, not the sum of both frames when the optimiser inlines both into one (seen on thumbv7em:
// McEliece's decapsulation inlined next to ML-KEM's made `finish` 18.4 KB instead of 15.3 KB).

#[inline(never)]
fn generate_apart<K: Kem>(
    rng: &mut Expander,
    workspace: Option<&mut KeygenWorkspace>,
    public_key_out: &mut K::PublicKey,
    secret_key_out: &mut K::SecretKey,
) {
    K::generate(rng, workspace, public_key_out, secret_key_out);
}

#[inline(never)]
fn encapsulate_apart<K: Kem>(
    rng: &mut Expander,
    public_key: &K::Checked<'_>,
    ciphertext_out: &mut K::Ciphertext,
) -> K::Shared {
    K::encapsulate(rng, public_key, ciphertext_out)
}

#[inline(never)]
fn decapsulate_apart<K: Kem>(secret_key: &K::SecretKey, ciphertext: &K::Ciphertext) -> K::Shared {
    K::decapsulate(secret_key, ciphertext)
}

/// The public-key checks a decoder makes on a request of `suite` (lengths, then each KEM's own
/// check at its least cost), without keeping anything.
pub(crate) fn validate_public_keys(
    suite: Suite,
    public_key1: &[u8],
    public_key2: &[u8],
) -> Result<(), Error> {
    with_suite!(suite, S => validate_as::<S>(public_key1, public_key2))
}

fn validate_as<S: SuiteSpec>(public_key1: &[u8], public_key2: &[u8]) -> Result<(), Error> {
    S::Kem1::validate(exact(S::Kem1::PUBLIC_KEY_FIELD, public_key1)?)?;
    S::Kem2::validate(exact(S::Kem2::PUBLIC_KEY_FIELD, public_key2)?)
}
