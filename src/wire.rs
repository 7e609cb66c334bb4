//! The two messages of the exchange on the wire: a fixed 12-byte header, then the body.
//!
//! ```text
//! offset  len  field
//!      0    4  magic "PQPK"
//!      4    1  version (1)
//!      5    1  message type: 1 = request (client -> server), 2 = response (server -> client)
//!      6    2  suite id, big-endian (see [`Suite::id`])
//!      8    4  body length, big-endian: exactly what the suite and message type require
//!     12    -  request body:  kem1 public key || kem2 public key
//!              response body: kem1 ciphertext || kem2 ciphertext
//! ```
//!
//! Every length is fixed by the suite, so the body length in the header is redundant on purpose:
//! a reader can check it against the suite (with [`Header::decode`], from the first 12 bytes
//! alone) and then read exactly that many bytes. No length an attacker writes is ever used to
//! allocate, to size a loop or to index: it is only compared with the suite's constant.
//!
//! Decoding borrows from the input (the 261 KB McEliece key is never copied just to be read) and
//! rejects, each with its own [`Error`]: a short input ([`Error::Truncated`]), extra bytes
//! ([`Error::TrailingBytes`]), a foreign magic ([`Error::BadMagic`]), a version, message type or
//! suite this build does not know ([`Error::UnsupportedVersion`], [`Error::UnknownMessageType`],
//! [`Error::UnknownSuite`]), the other message type ([`Error::WrongMessageType`]), a body length
//! that the suite does not have ([`Error::BodyLength`]), and a public key that fails its KEM's
//! check ([`Error::InvalidMlKemPublicKey`] for ML-KEM's FIPS 203 modulus check).
//!
//! This module is the codec: it frames and unframes. The exchange itself is `crate::exchange`;
//! the client's wire steps are [`ClientSecret::generate_request`](crate::ClientSecret::generate_request)
//! and [`ClientSecret::finish_response`](crate::ClientSecret::finish_response), the server's is
//! [`respond_to_request`] (decode, [`respond_suite`](crate::respond_suite), header).

use crate::error::Error;
use crate::exchange;
pub use crate::message::{MessageType, HEADER_LEN, MAGIC, VERSION};
use crate::psk::Psk;
use crate::rng::RandomSource;
use crate::suite::Suite;
use crate::suites::Part;

/// Body length of a message of type `message_type` in `suite`.
pub const fn body_len(suite: Suite, message_type: MessageType) -> usize {
    match message_type {
        MessageType::Request => suite.kem1_public_key_len() + suite.kem2_public_key_len(),
        MessageType::Response => suite.kem1_ciphertext_len() + suite.kem2_ciphertext_len(),
        MessageType::BoundResponse => {
            crate::message::DIGEST_LEN + suite.kem1_ciphertext_len() + suite.kem2_ciphertext_len()
        }
        MessageType::ClientConfirm => crate::message::TAG_LEN,
        MessageType::ServerConfirm => 1 + crate::message::TAG_LEN,
    }
}

/// Total length of a request (header and body) in `suite`.
pub const fn request_len(suite: Suite) -> usize {
    HEADER_LEN + body_len(suite, MessageType::Request)
}

/// Total length of a response (header and body) in `suite`.
pub const fn response_len(suite: Suite) -> usize {
    HEADER_LEN + body_len(suite, MessageType::Response)
}

/// The longest message of type `message_type` of any suite this build knows.
pub(crate) const fn max_message_len(message_type: MessageType) -> usize {
    let mut max = 0;
    let mut suites = Suite::ALL;
    while let [suite, rest @ ..] = suites {
        let len = HEADER_LEN + body_len(*suite, message_type);
        if len > max {
            max = len;
        }
        suites = rest;
    }
    max
}

/// The longest request of any suite this build knows: a buffer this big takes any request.
pub const MAX_REQUEST_LEN: usize = max_message_len(MessageType::Request);
/// The longest response of any suite this build knows.
pub const MAX_RESPONSE_LEN: usize = max_message_len(MessageType::Response);

/// A checked header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// The framing version ([`VERSION`]).
    pub version: u8,
    /// Request or response.
    pub message_type: MessageType,
    /// The suite of the exchange.
    pub suite: Suite,
    /// The body length, already checked to be the one the suite and type require.
    pub body_len: u32,
}

impl Header {
    /// Decodes and checks the header at the start of `bytes` (only the first [`HEADER_LEN`] bytes
    /// are read; the body need not have arrived yet). A network reader calls this on the first 12
    /// bytes and then reads exactly [`Header::message_len`] bytes in all.
    pub fn decode(bytes: &[u8]) -> Result<Header, Error> {
        let header: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(Error::Truncated {
                needed: HEADER_LEN,
                actual: bytes.len(),
            })?;
        let [m0, m1, m2, m3, version, message_type, s0, s1, l0, l1, l2, l3] = *header;
        if [m0, m1, m2, m3] != MAGIC {
            return Err(Error::BadMagic);
        }
        if version != VERSION {
            return Err(Error::UnsupportedVersion { version });
        }
        let message_type = MessageType::from_u8(message_type).ok_or(Error::UnknownMessageType {
            value: message_type,
        })?;
        let id = u16::from_be_bytes([s0, s1]);
        let suite = Suite::from_id(id).ok_or(Error::UnknownSuite { id })?;
        let declared = u32::from_be_bytes([l0, l1, l2, l3]);
        let expected = body_len(suite, message_type);
        if usize::try_from(declared).ok() != Some(expected) {
            return Err(Error::BodyLength {
                suite,
                expected,
                actual: declared,
            });
        }
        Ok(Header {
            version,
            message_type,
            suite,
            body_len: declared,
        })
    }

    /// Header and body length: the size of the whole message.
    pub fn message_len(&self) -> usize {
        HEADER_LEN + body_len(self.suite, self.message_type)
    }

    /// The header of a message of `message_type` in `suite`.
    pub(crate) fn new(suite: Suite, message_type: MessageType) -> Header {
        let body = body_len(suite, message_type);
        Header {
            version: VERSION,
            message_type,
            suite,
            // Every suite's body is below 4 GiB (the largest is 262,688 bytes).
            body_len: u32::try_from(body).unwrap_or(u32::MAX),
        }
    }

    /// The header's 12 bytes.
    pub(crate) fn to_bytes(self) -> [u8; HEADER_LEN] {
        let [s0, s1] = self.suite.id().to_be_bytes();
        let [l0, l1, l2, l3] = self.body_len.to_be_bytes();
        let [m0, m1, m2, m3] = MAGIC;
        [
            m0,
            m1,
            m2,
            m3,
            self.version,
            self.message_type as u8,
            s0,
            s1,
            l0,
            l1,
            l2,
            l3,
        ]
    }
}

/// Checks a whole message of the expected type and returns its suite and body.
pub(crate) fn decode_message(bytes: &[u8], expected: MessageType) -> Result<(Suite, &[u8]), Error> {
    let header = Header::decode(bytes)?;
    if header.message_type != expected {
        return Err(Error::WrongMessageType {
            expected,
            actual: header.message_type,
        });
    }
    let total = header.message_len();
    if bytes.len() > total {
        return Err(Error::TrailingBytes {
            expected: total,
            actual: bytes.len(),
        });
    }
    let body = bytes.get(HEADER_LEN..total).ok_or(Error::Truncated {
        needed: total,
        actual: bytes.len(),
    })?;
    Ok((header.suite, body))
}

/// Writes header and two body parts into `out`; returns the length written. `first` and `second`
/// must already have the suite's lengths (the constructors and `decode` check them), so they fill
/// the slots exactly.
fn encode_message(
    header: Header,
    first: &[u8],
    second: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let slots = message_slots(header, out)?;
    slots.header.copy_from_slice(&header.to_bytes());
    slots.first.copy_from_slice(first);
    slots.second.copy_from_slice(second);
    Ok(header.message_len())
}

/// Splits `body` at `at`; the caller has checked that `body` is exactly as long as the suite says.
fn split_body(body: &[u8], at: usize) -> (&[u8], &[u8]) {
    body.split_at_checked(at).unwrap_or((body, &[]))
}

/// Checks a length against the suite's, naming the suite's field.
fn check_len(part: Part, bytes: &[u8]) -> Result<(), Error> {
    if bytes.len() == part.len {
        Ok(())
    } else {
        Err(Error::Length {
            field: part.field,
            expected: part.len,
            actual: bytes.len(),
        })
    }
}

/// The client's message: both public keys, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    suite: Suite,
    kem1_public_key: &'a [u8],
    kem2_public_key: &'a [u8],
}

impl<'a> Request<'a> {
    /// A request from public keys of the suite's lengths.
    pub fn new(
        suite: Suite,
        kem1_public_key: &'a [u8],
        kem2_public_key: &'a [u8],
    ) -> Result<Self, Error> {
        let shape = exchange::shape(suite);
        check_len(shape.kem1_public_key, kem1_public_key)?;
        check_len(shape.kem2_public_key, kem2_public_key)?;
        Ok(Request {
            suite,
            kem1_public_key,
            kem2_public_key,
        })
    }

    /// Decodes a whole request (exactly [`request_len`] bytes for its suite) and checks each
    /// public key as its KEM asks (ML-KEM and Kyber: every coefficient below q).
    pub fn decode(bytes: &'a [u8]) -> Result<Self, Error> {
        let (suite, body) = decode_message(bytes, MessageType::Request)?;
        let (kem1_public_key, kem2_public_key) = split_body(body, suite.kem1_public_key_len());
        exchange::validate_public_keys(suite, kem1_public_key, kem2_public_key)?;
        Ok(Request {
            suite,
            kem1_public_key,
            kem2_public_key,
        })
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The first KEM's public key (ML-KEM-1024, or Kyber1024 in the IVPN suites).
    pub fn kem1_public_key(&self) -> &'a [u8] {
        self.kem1_public_key
    }

    /// The second KEM's public key (empty in a single-KEM suite).
    pub fn kem2_public_key(&self) -> &'a [u8] {
        self.kem2_public_key
    }

    /// The encoded length: [`request_len`] of the suite.
    pub fn encoded_len(&self) -> usize {
        request_len(self.suite)
    }

    /// Writes the message into the start of `out` and returns its length; fails with
    /// [`Error::BufferTooSmall`] (and writes nothing) if `out` is shorter.
    pub fn encode_into(&self, out: &mut [u8]) -> Result<usize, Error> {
        encode_message(
            Header::new(self.suite, MessageType::Request),
            self.kem1_public_key,
            self.kem2_public_key,
            out,
        )
    }
}

/// The server's message: both ciphertexts, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    suite: Suite,
    kem1_ciphertext: &'a [u8],
    kem2_ciphertext: &'a [u8],
}

impl<'a> Response<'a> {
    /// A response from ciphertexts of the suite's lengths.
    pub fn new(
        suite: Suite,
        kem1_ciphertext: &'a [u8],
        kem2_ciphertext: &'a [u8],
    ) -> Result<Self, Error> {
        let shape = exchange::shape(suite);
        check_len(shape.kem1_ciphertext, kem1_ciphertext)?;
        check_len(shape.kem2_ciphertext, kem2_ciphertext)?;
        Ok(Response {
            suite,
            kem1_ciphertext,
            kem2_ciphertext,
        })
    }

    /// Decodes a whole response (exactly [`response_len`] bytes for its suite). Ciphertexts have
    /// no structure to check: a forged one decapsulates to an unrelated secret.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, Error> {
        let (suite, body) = decode_message(bytes, MessageType::Response)?;
        let (kem1_ciphertext, kem2_ciphertext) = split_body(body, suite.kem1_ciphertext_len());
        Ok(Response {
            suite,
            kem1_ciphertext,
            kem2_ciphertext,
        })
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The first KEM's ciphertext.
    pub fn kem1_ciphertext(&self) -> &'a [u8] {
        self.kem1_ciphertext
    }

    /// The second KEM's ciphertext (empty in a single-KEM suite).
    pub fn kem2_ciphertext(&self) -> &'a [u8] {
        self.kem2_ciphertext
    }

    /// The encoded length: [`response_len`] of the suite.
    pub fn encoded_len(&self) -> usize {
        response_len(self.suite)
    }

    /// Writes the message into the start of `out` and returns its length; fails with
    /// [`Error::BufferTooSmall`] (and writes nothing) if `out` is shorter.
    pub fn encode_into(&self, out: &mut [u8]) -> Result<usize, Error> {
        encode_message(
            Header::new(self.suite, MessageType::Response),
            self.kem1_ciphertext,
            self.kem2_ciphertext,
            out,
        )
    }
}

/// A message's place in an output buffer, split into its header and two body parts.
pub(crate) struct Slots<'a> {
    pub(crate) header: &'a mut [u8],
    pub(crate) first: &'a mut [u8],
    pub(crate) second: &'a mut [u8],
}

/// Splits the start of `out` into the slots of a message; fails with [`Error::BufferTooSmall`]
/// if `out` is too short. Writes nothing.
pub(crate) fn message_slots(header: Header, out: &mut [u8]) -> Result<Slots<'_>, Error> {
    let first_len = match header.message_type {
        MessageType::Request => header.suite.kem1_public_key_len(),
        MessageType::Response => header.suite.kem1_ciphertext_len(),
        // Protocol-2 messages (crate::confirm) have no two KEM parts: their whole body is the
        // second slot. Nothing calls this for them today.
        MessageType::BoundResponse | MessageType::ClientConfirm | MessageType::ServerConfirm => 0,
    };
    let needed = header.message_len();
    let actual = out.len();
    let out = out
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, actual })?;
    let (head, body) = out.split_at_mut(HEADER_LEN);
    let (first, second) = body.split_at_mut(first_len.min(body.len()));
    Ok(Slots {
        header: head,
        first,
        second,
    })
}

/// The server's whole job from bytes to bytes: decodes `request`, encapsulates to both keys,
/// writes the response into the start of `response_out` and returns its length and the PSK.
///
/// On any error nothing is written to `response_out`. Draws
/// [`RNG_SEED_LEN`](crate::sizes::RNG_SEED_LEN) bytes from `rng`, only once the request has passed
/// every check.
///
/// Protocol 1: the response does not name the request it answers, so a client cannot tell a
/// stale one. New code uses [`crate::confirm::respond_bound`] (protocol 2); IVPN's protocol, which
/// has no binding, uses [`crate::respond_suite`] and its own framing, not this.
#[deprecated(
    since = "0.1.0",
    note = "protocol 1 (a response not bound to its request): use `confirm::respond_bound` and \
            `confirm::Confirmation` (protocol 2); IVPN uses `respond_suite`"
)]
pub fn respond_to_request<R: RandomSource + ?Sized>(
    rng: &mut R,
    request: &[u8],
    response_out: &mut [u8],
) -> Result<(usize, Psk), Error> {
    let request = Request::decode(request)?;
    let header = Header::new(request.suite, MessageType::Response);
    let slots = message_slots(header, response_out)?;
    let psk = crate::server::respond_suite(
        request.suite,
        rng,
        request.kem1_public_key,
        request.kem2_public_key,
        slots.first,
        slots.second,
    )?;
    slots.header.copy_from_slice(&header.to_bytes());
    Ok((header.message_len(), psk))
}
