//! The crate's one error type.

use core::fmt;

use crate::message::{MessageType, VERSION};
use crate::suite::Suite;

/// Which input or output a length error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The client's ML-KEM-1024 public (encapsulation) key.
    MlKemPublicKey,
    /// The client's Classic-McEliece-348864 public key.
    McEliecePublicKey,
    /// The server's ML-KEM-1024 ciphertext.
    MlKemCiphertext,
    /// The server's Classic-McEliece-348864 ciphertext.
    McElieceCiphertext,
    /// A serialized [`ClientSecret`](crate::ClientSecret).
    ClientSecret,
    /// A PSK in WireGuard's base64 text form.
    PskBase64,
    /// The client's HQC-256 public key.
    #[cfg(feature = "hqc")]
    HqcPublicKey,
    /// The server's HQC-256 ciphertext.
    #[cfg(feature = "hqc")]
    HqcCiphertext,
    /// The client's Round-3 Kyber1024 public key (IVPN suites).
    #[cfg(feature = "ivpn")]
    KyberPublicKey,
    /// The server's Round-3 Kyber1024 ciphertext (IVPN suites).
    #[cfg(feature = "ivpn")]
    KyberCiphertext,
}

impl Field {
    /// A short human-readable name, as used in error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Field::MlKemPublicKey => "ML-KEM-1024 public key",
            Field::McEliecePublicKey => "Classic-McEliece-348864 public key",
            Field::MlKemCiphertext => "ML-KEM-1024 ciphertext",
            Field::McElieceCiphertext => "Classic-McEliece-348864 ciphertext",
            Field::ClientSecret => "serialized client secret",
            Field::PskBase64 => "base64 PSK",
            #[cfg(feature = "hqc")]
            Field::HqcPublicKey => "HQC-256 public key",
            #[cfg(feature = "hqc")]
            Field::HqcCiphertext => "HQC-256 ciphertext",
            #[cfg(feature = "ivpn")]
            Field::KyberPublicKey => "Kyber1024 public key",
            #[cfg(feature = "ivpn")]
            Field::KyberCiphertext => "Kyber1024 ciphertext",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong. Errors carry no secret data.
///
/// A tampered or corrupted ciphertext is deliberately *not* an error: both KEMs reject implicitly,
/// so decapsulation succeeds and yields a PSK that does not match the server's. WireGuard's
/// handshake then fails, which is how the mismatch is detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// An input or output buffer has the wrong length.
    Length {
        /// Which buffer.
        field: Field,
        /// The length this field must have.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// The ML-KEM-1024 public key fails the FIPS 203 encapsulation-key check (a coefficient is
    /// not reduced modulo q = 3329).
    InvalidMlKemPublicKey,
    /// An expanded ML-KEM-1024 decapsulation key
    /// ([`mlkem::DecapsulationKey`](crate::mlkem::DecapsulationKey)) fails the FIPS 203 section
    /// 7.3 check: the encapsulation key inside it is not reduced modulo q = 3329, or the hash
    /// stored after it is not H of that key. The key was corrupted or is not an ML-KEM-1024
    /// decapsulation key.
    InvalidMlKemDecapsulationKey,
    /// The caller's random number generator reported a failure.
    Rng,
    /// The [`ClientSecret`](crate::ClientSecret) holds no key pair: it was never generated, was
    /// already used by `finish` (it is single-use), or was wiped.
    NoClientSecret,
    /// A serialized client secret does not start with a magic and version this build knows
    /// (an IVPN suite's secret needs the `ivpn` feature).
    InvalidClientSecret,
    /// Base64 text contains a byte that is not in the standard base64 alphabet.
    Base64Character {
        /// Which value the text encodes.
        field: Field,
        /// Zero-based position of the first offending byte.
        position: usize,
    },
    /// Base64 text is not padded with `=` to a multiple of 4 characters as standard base64 is
    /// (for a PSK: it does not end with exactly one `=`).
    Base64Padding {
        /// Which value the text encodes.
        field: Field,
    },
    /// Base64 text's last character has bits set that do not belong to the value (a
    /// non-canonical encoding: an encoder would print a different string for the same bytes).
    Base64NonCanonical {
        /// Which value the text encodes.
        field: Field,
    },
    /// The Round-3 Kyber1024 public key fails the modulus check (a coefficient is not reduced
    /// modulo q = 3329); an honestly generated key always passes.
    #[cfg(feature = "ivpn")]
    InvalidKyberPublicKey,
    /// A message does not start with the wire format's magic (`"PQPK"`): it is not a pqpsk
    /// message at all.
    BadMagic,
    /// A message has a framing version this build does not speak.
    UnsupportedVersion {
        /// The version byte received.
        version: u8,
    },
    /// A response answers another request than the one it was checked against (its request
    /// digest differs): a stale or replayed response. Found before anything is decapsulated.
    ResponseForAnotherRequest,
    /// A protocol-1 response (type 2, without request binding) where a protocol-2 one was
    /// needed: the server is an older pqpsk.
    UnboundResponse,
    /// A key-confirmation tag is wrong: the peer does not hold the same key (or the transcript
    /// differs). Nothing may be applied.
    ConfirmationFailed,
    /// A server confirmation's status byte is neither 0 (not applied) nor 1 (applied).
    BadConfirmationStatus {
        /// The status byte received.
        value: u8,
    },
    /// A message has a type byte that is neither request (1) nor response (2).
    UnknownMessageType {
        /// The type byte received.
        value: u8,
    },
    /// A well-formed message of the other type (a response where a request was expected, or
    /// the reverse).
    WrongMessageType {
        /// The type this call reads.
        expected: MessageType,
        /// The type received.
        actual: MessageType,
    },
    /// A message names a suite this build does not know (or was built without).
    UnknownSuite {
        /// The suite id received.
        id: u16,
    },
    /// A message of a known suite that is not the one this exchange uses.
    WrongSuite {
        /// The suite of this exchange.
        expected: Suite,
        /// The suite received.
        actual: Suite,
    },
    /// A message is shorter than its header says (or shorter than a header).
    Truncated {
        /// The length a complete message (or header) has.
        needed: usize,
        /// The length received.
        actual: usize,
    },
    /// A message is longer than its header says.
    TrailingBytes {
        /// The length the message should have.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// A header declares a body length that its suite and message type do not have.
    BodyLength {
        /// The suite named in the header.
        suite: Suite,
        /// The body length that suite and type require.
        expected: usize,
        /// The body length declared.
        actual: u32,
    },
    /// An output buffer is too small for the message to be written.
    BufferTooSmall {
        /// The length needed.
        needed: usize,
        /// The length given.
        actual: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Length {
                field,
                expected,
                actual,
            } => write!(f, "{field}: expected {expected} bytes, got {actual}"),
            Error::InvalidMlKemPublicKey => f.write_str(
                "ML-KEM-1024 public key rejected: a coefficient is not reduced modulo 3329 (FIPS 203 key check)",
            ),
            Error::InvalidMlKemDecapsulationKey => f.write_str(
                "ML-KEM-1024 decapsulation key rejected: its encapsulation key is not reduced \
                 modulo 3329 or does not match the hash stored with it (FIPS 203 key check)",
            ),
            Error::Rng => f.write_str("the random number generator failed"),
            Error::NoClientSecret => f.write_str(
                "client secret is empty: never generated, already used once, or wiped",
            ),
            Error::InvalidClientSecret => f.write_str(
                "serialized client secret has a wrong magic or version (IVPN suites need the `ivpn` feature)",
            ),
            Error::Base64Character { field, position } => {
                write!(f, "{field}: invalid base64 character at position {position}")
            }
            Error::Base64Padding { field } => write!(
                f,
                "{field}: wrong base64 padding ('=' only at the end, to a multiple of 4 characters)"
            ),
            Error::Base64NonCanonical { field } => write!(
                f,
                "{field}: non-canonical base64 (unused low bits of the last character are set)"
            ),
            #[cfg(feature = "ivpn")]
            Error::InvalidKyberPublicKey => f.write_str(
                "Kyber1024 public key rejected: a coefficient is not reduced modulo 3329",
            ),
            Error::ResponseForAnotherRequest => f.write_str(
                "the response answers another request (its request digest differs): a stale or \
                 replayed response; nothing was decapsulated",
            ),
            Error::UnboundResponse => f.write_str(
                "the peer speaks protocol 1 (a response without request binding or key \
                 confirmation); this build speaks protocol 2: upgrade the peer",
            ),
            Error::ConfirmationFailed => f.write_str(
                "key confirmation failed: the peer's tag does not match (it does not hold the \
                 same key, or answered another exchange); nothing may be applied",
            ),
            Error::BadConfirmationStatus { value } => write!(
                f,
                "server confirmation has status byte {value:#04x}; expected 0 (not applied) or 1 \
                 (applied)"
            ),
            Error::BadMagic => f.write_str("not a pqpsk message (the magic \"PQPK\" is missing)"),
            Error::UnsupportedVersion { version } => write!(
                f,
                "message has wire-format version {version}; this build speaks version {VERSION}"
            ),
            Error::UnknownMessageType { value } => write!(
                f,
                "message type {value} is unknown (1 = request, 2 = response)"
            ),
            Error::WrongMessageType { expected, actual } => {
                write!(f, "expected a {expected} message, got a {actual}")
            }
            Error::UnknownSuite { id } => {
                write!(f, "suite id {id:#06x} is not supported by this build")
            }
            Error::WrongSuite { expected, actual } => {
                write!(f, "message is for suite {actual}, but this exchange uses {expected}")
            }
            Error::Truncated { needed, actual } => write!(
                f,
                "message truncated: {actual} bytes received, {needed} needed"
            ),
            Error::TrailingBytes { expected, actual } => write!(
                f,
                "message has {} trailing bytes: {actual} bytes received, {expected} expected",
                actual.saturating_sub(expected)
            ),
            Error::BodyLength {
                suite,
                expected,
                actual,
            } => write!(
                f,
                "header declares a {actual}-byte body; suite {suite} needs {expected}"
            ),
            Error::BufferTooSmall { needed, actual } => write!(
                f,
                "output buffer too small: {actual} bytes given, {needed} needed"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// Borrows `bytes` as a fixed-size array, or says which field had which wrong length.
pub(crate) fn as_array<const N: usize>(field: Field, bytes: &[u8]) -> Result<&[u8; N], Error> {
    bytes.try_into().map_err(|_| Error::Length {
        field,
        expected: N,
        actual: bytes.len(),
    })
}
