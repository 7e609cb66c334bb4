//! Every length the exchange uses, as plain `usize` constants.
//!
//! The McEliece lengths are checked at compile time against the parameters of our own backend
//! (`mce::params`), and in test builds against classic-mceliece-rust's (`mce::reference`).

/// ML-KEM-1024 encapsulation (public) key, FIPS 203.
pub const MLKEM_PUBLIC_KEY_LEN: usize = 1568;
/// ML-KEM-1024 ciphertext.
pub const MLKEM_CIPHERTEXT_LEN: usize = 1568;
/// ML-KEM-1024 decapsulation key in its 64-byte seed form `d || z` (FIPS 203, section 7.1).
pub const MLKEM_SEED_LEN: usize = 64;

/// Classic-McEliece-348864 public key.
pub const MCELIECE_PUBLIC_KEY_LEN: usize = 261_120;
/// Classic-McEliece-348864 secret key.
pub const MCELIECE_SECRET_KEY_LEN: usize = 6_492;
/// Classic-McEliece-348864 ciphertext.
pub const MCELIECE_CIPHERTEXT_LEN: usize = 96;

/// HQC-256 public key (FIPS 207 draft, HQC v5.0.0).
#[cfg(feature = "hqc")]
pub const HQC_PUBLIC_KEY_LEN: usize = 7_237;
/// HQC-256 ciphertext.
#[cfg(feature = "hqc")]
pub const HQC_CIPHERTEXT_LEN: usize = 14_421;
/// HQC-256 key-generation seed (the client keeps this, not the 7,333-byte secret key).
#[cfg(feature = "hqc")]
pub const HQC_SEED_LEN: usize = 32;

/// A KEM shared secret (every KEM here gives 32 bytes).
pub const SHARED_SECRET_LEN: usize = 32;
/// The WireGuard pre-shared key.
pub const PSK_LEN: usize = 32;
/// The PSK in WireGuard's text form: standard base64 with padding, as `wg genpsk` prints it.
pub const PSK_BASE64_LEN: usize = 44;
/// The digest of both public keys that the combiner binds.
pub const PUBLIC_KEY_DIGEST_LEN: usize = 32;
/// Random bytes drawn from the caller's RNG per randomised operation (then expanded, see `rng`).
pub const RNG_SEED_LEN: usize = 32;

/// The client's field for its first KEM's kept secret: the largest any suite keeps (a lattice
/// KEM's 64-byte seed).
pub(crate) const KEM1_SECRET_MAX_LEN: usize = MLKEM_SEED_LEN;
/// The client's field for its second KEM's kept secret (McEliece's secret key is the largest).
pub(crate) const KEM2_SECRET_MAX_LEN: usize = MCELIECE_SECRET_KEY_LEN;

/// Size of a serialized [`ClientSecret`](crate::ClientSecret) (see
/// [`ClientSecret::export_into`](crate::ClientSecret::export_into)).
pub const CLIENT_SECRET_LEN: usize =
    4 + KEM1_SECRET_MAX_LEN + KEM2_SECRET_MAX_LEN + PUBLIC_KEY_DIGEST_LEN;

/// Round-3 Kyber1024 public key (IVPN suites; the same size as ML-KEM-1024's).
#[cfg(feature = "ivpn")]
pub const KYBER_PUBLIC_KEY_LEN: usize = 1568;
/// Round-3 Kyber1024 ciphertext.
#[cfg(feature = "ivpn")]
pub const KYBER_CIPHERTEXT_LEN: usize = 1568;
/// Round-3 Kyber1024 key-generation seed `d || z` (the client keeps this, not the full key).
#[cfg(feature = "ivpn")]
pub const KYBER_SEED_LEN: usize = 64;
/// Round-3 Kyber1024 secret key in the reference (and liboqs) layout, derived from the seed.
#[cfg(feature = "ivpn")]
pub const KYBER_SECRET_KEY_LEN: usize = 3168;
