//! Protocol 2: a response bound to its request, and key confirmation before anyone applies.
//!
//! Protocol 1 ended with a derived PSK on each side and nothing else: a response to an older
//! request was accepted (a different PSK on each side, and the next WireGuard handshake fails),
//! and neither side could know that the other holds the same key before applying its own. Both
//! lock a tunnel out when the exchange runs inside it. Protocol 2 adds, on top of the same
//! request and the same KEM ciphertexts (so it works for every suite):
//!
//! - a **bound response** (message type `0x10`): the SHA-256 digest of the whole request it
//!   answers, then the ciphertexts. [`ClientSecret::finish_bound_response`](crate::ClientSecret::finish_bound_response) refuses a response
//!   whose digest is not its own request's ([`Error::ResponseForAnotherRequest`]) *before* it
//!   decapsulates or consumes anything;
//! - **key confirmation** (types `0x11` and `0x12`): each side sends an HMAC-SHA-256 tag, keyed
//!   by a confirmation key derived from the exchange's secret under its own label, over the
//!   transcript (digests of both messages) and the sender's role. The server checks the client's
//!   tag before it applies; the client checks the server's tag, which also says whether the
//!   server applied, before it applies. A wrong tag is [`Error::ConfirmationFailed`].
//!
//! ```text
//! request_digest  = SHA-256("pqpsk v2 request digest"  || request message)
//! response_digest = SHA-256("pqpsk v2 response digest" || bound response message)
//! K_confirm       = SHA-256("pqpsk v2 confirmation key" || PSK)
//! tag(role)       = HMAC-SHA-256(K_confirm, "pqpsk v2 confirmation tag" || role
//!                                           || request_digest || response_digest)
//! fingerprint     = first 8 bytes of SHA-256("pqpsk v2 PSK fingerprint" || PSK)
//! ```
//!
//! The PSK is never used as a key: the confirmation key and the fingerprint are one-way
//! derivations of it under labels of their own, so neither a tag nor a fingerprint tells
//! anything about the PSK, and WireGuard's key is used by WireGuard alone. (The PSK is itself a
//! hash of both KEM secrets and the transcript, so `K_confirm` is a derivation from the same
//! secrets; deriving from the PSK keeps this module independent of each suite's combiner.)
//! The role byte is 1 for the client, 2 for a server that applied its key and 3 for one that
//! could not, so no tag can be reflected or turned into another.

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;
use crate::psk::Psk;
use crate::rng::RandomSource;
use crate::suite::Suite;
use crate::wire::{self, Header, MessageType, HEADER_LEN};

pub use crate::message::{DIGEST_LEN, TAG_LEN};
/// Length of a PSK fingerprint.
pub const FINGERPRINT_LEN: usize = 8;
/// Length of a client confirmation message (header and tag).
pub const CLIENT_CONFIRM_LEN: usize = HEADER_LEN + TAG_LEN;
/// Length of a server confirmation message (header, status byte and tag).
pub const SERVER_CONFIRM_LEN: usize = HEADER_LEN + 1 + TAG_LEN;
/// The longest bound response of any suite this build knows.
pub const MAX_BOUND_RESPONSE_LEN: usize = wire::max_message_len(MessageType::BoundResponse);

const REQUEST_LABEL: &[u8] = b"pqpsk v2 request digest";
const RESPONSE_LABEL: &[u8] = b"pqpsk v2 response digest";
const KEY_LABEL: &[u8] = b"pqpsk v2 confirmation key";
const TAG_LABEL: &[u8] = b"pqpsk v2 confirmation tag";
const FINGERPRINT_LABEL: &[u8] = b"pqpsk v2 PSK fingerprint";

/// A message digest (public).
pub type MessageDigest = [u8; DIGEST_LEN];

fn labelled(label: &[u8], data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update(data);
    h.finalize().into()
}

/// The digest of a whole request message, which its bound response carries.
pub fn request_digest(request: &[u8]) -> MessageDigest {
    labelled(REQUEST_LABEL, request)
}

/// The digest of a whole bound response message.
pub fn response_digest(response: &[u8]) -> MessageDigest {
    labelled(RESPONSE_LABEL, response)
}

/// A short, public fingerprint of a PSK, for an admin to compare the two ends (never the key).
pub fn fingerprint(psk: &Psk) -> [u8; FINGERPRINT_LEN] {
    let digest = labelled(FINGERPRINT_LABEL, psk.as_bytes());
    let mut out = [0u8; FINGERPRINT_LEN];
    for (o, d) in out.iter_mut().zip(digest.iter()) {
        *o = *d;
    }
    out
}

/// Who sends a tag, and what it asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Role {
    /// The client holds the key and asks the server to apply it.
    Client = 1,
    /// The server holds the key and has applied it.
    ServerApplied = 2,
    /// The server holds the key but could not apply it.
    ServerNotApplied = 3,
}

/// HMAC-SHA-256 (RFC 2104) with a 32-byte key over the concatenation of `parts`.
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut pad = [0u8; BLOCK];
    for (p, k) in pad.iter_mut().zip(key.iter()) {
        *p = *k;
    }
    let mut inner = Sha256::new();
    let mut ipad = pad;
    ipad.iter_mut().for_each(|b| *b ^= 0x36);
    inner.update(ipad);
    for part in parts {
        inner.update(part);
    }
    let inner: [u8; 32] = inner.finalize().into();
    let mut outer = Sha256::new();
    let mut opad = pad;
    opad.iter_mut().for_each(|b| *b ^= 0x5c);
    outer.update(opad);
    outer.update(inner);
    pad.zeroize();
    ipad.zeroize();
    opad.zeroize();
    outer.finalize().into()
}

/// Constant-time equality of two byte strings of public length.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    core::hint::black_box(diff) == 0
}

/// The confirmation key and transcript of one exchange, on either side. Wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Confirmation {
    key: [u8; 32],
    request_digest: MessageDigest,
    response_digest: MessageDigest,
}

impl Confirmation {
    /// For the exchange that gave `psk`, with the request's digest and the whole bound response.
    pub fn new(psk: &Psk, request_digest: &MessageDigest, response: &[u8]) -> Confirmation {
        Confirmation {
            key: labelled(KEY_LABEL, psk.as_bytes()),
            request_digest: *request_digest,
            response_digest: response_digest(response),
        }
    }

    /// The tag `role` sends.
    pub fn tag(&self, role: Role) -> [u8; TAG_LEN] {
        hmac_sha256(
            &self.key,
            &[
                TAG_LABEL,
                &[role as u8],
                &self.request_digest,
                &self.response_digest,
            ],
        )
    }

    /// Checks a tag received from `role`, in constant time.
    pub fn verify(&self, role: Role, tag: &[u8]) -> Result<(), Error> {
        if ct_eq(&self.tag(role), tag) {
            Ok(())
        } else {
            Err(Error::ConfirmationFailed)
        }
    }

    /// Writes the client's confirmation message into the start of `out`; returns its length
    /// ([`CLIENT_CONFIRM_LEN`]).
    pub fn encode_client(&self, suite: Suite, out: &mut [u8]) -> Result<usize, Error> {
        encode(
            Header::new(suite, MessageType::ClientConfirm),
            &[],
            &self.tag(Role::Client),
            out,
        )
    }

    /// Writes the server's confirmation message (whether it `applied` its key) into the start
    /// of `out`; returns its length ([`SERVER_CONFIRM_LEN`]).
    pub fn encode_server(
        &self,
        suite: Suite,
        applied: bool,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let role = if applied {
            Role::ServerApplied
        } else {
            Role::ServerNotApplied
        };
        encode(
            Header::new(suite, MessageType::ServerConfirm),
            &[u8::from(applied)],
            &self.tag(role),
            out,
        )
    }

    /// Server: checks a whole client confirmation message of `suite`.
    pub fn check_client(&self, suite: Suite, message: &[u8]) -> Result<(), Error> {
        let tag = decode(message, MessageType::ClientConfirm, suite)?;
        self.verify(Role::Client, tag)
    }

    /// Client: checks a whole server confirmation message of `suite`; returns whether the
    /// server applied its key. A wrong tag is an error whatever the status says.
    pub fn check_server(&self, suite: Suite, message: &[u8]) -> Result<bool, Error> {
        let body = decode(message, MessageType::ServerConfirm, suite)?;
        let (status, tag) = body.split_first().ok_or(Error::Truncated {
            needed: SERVER_CONFIRM_LEN,
            actual: message.len(),
        })?;
        let (applied, role) = match *status {
            1 => (true, Role::ServerApplied),
            0 => (false, Role::ServerNotApplied),
            value => return Err(Error::BadConfirmationStatus { value }),
        };
        // The one branch on a value derived from the key: the tag's verdict, which the peer
        // learns anyway (the exchange goes on or stops). .ci/ct-check accepts the line marked.
        if ct_eq(&self.tag(role), tag) {
            // ct-check: accepted branch
            Ok(applied)
        } else {
            Err(Error::ConfirmationFailed)
        }
    }
}

fn encode(header: Header, status: &[u8], tag: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let needed = header.message_len();
    let actual = out.len();
    let out = out
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, actual })?;
    let (head, body) = out.split_at_mut(HEADER_LEN);
    let (status_out, tag_out) = body.split_at_mut(status.len().min(body.len()));
    head.copy_from_slice(&header.to_bytes());
    status_out.copy_from_slice(status);
    tag_out.copy_from_slice(tag);
    Ok(needed)
}

/// Checks a whole message of type `expected` and `suite`; returns its body.
fn decode(message: &[u8], expected: MessageType, suite: Suite) -> Result<&[u8], Error> {
    let (actual, body) = wire::decode_message(message, expected)?;
    if actual != suite {
        return Err(Error::WrongSuite {
            expected: suite,
            actual,
        });
    }
    Ok(body)
}

/// A bound response, borrowed: the digest of the request it answers and both ciphertexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundResponse<'a> {
    suite: Suite,
    request_digest: &'a [u8],
    kem1_ciphertext: &'a [u8],
    kem2_ciphertext: &'a [u8],
}

impl<'a> BoundResponse<'a> {
    /// Decodes a whole bound response (exactly its suite's length). A protocol-1 response is
    /// [`Error::UnboundResponse`].
    pub fn decode(bytes: &'a [u8]) -> Result<Self, Error> {
        if let Ok(header) = Header::decode(bytes) {
            if header.message_type == MessageType::Response {
                return Err(Error::UnboundResponse);
            }
        }
        let (suite, body) = wire::decode_message(bytes, MessageType::BoundResponse)?;
        let (request_digest, cts) = body.split_at_checked(DIGEST_LEN).unwrap_or((body, &[]));
        let (kem1_ciphertext, kem2_ciphertext) = cts
            .split_at_checked(suite.kem1_ciphertext_len())
            .unwrap_or((cts, &[]));
        Ok(BoundResponse {
            suite,
            request_digest,
            kem1_ciphertext,
            kem2_ciphertext,
        })
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The digest of the request this response answers.
    pub fn request_digest(&self) -> &'a [u8] {
        self.request_digest
    }

    /// Refuses the response unless it answers the request whose digest is `request_digest`.
    pub fn check_request(&self, request_digest: &MessageDigest) -> Result<(), Error> {
        if self.request_digest == request_digest {
            Ok(())
        } else {
            Err(Error::ResponseForAnotherRequest)
        }
    }

    /// The lattice KEM's ciphertext.
    pub fn kem1_ciphertext(&self) -> &'a [u8] {
        self.kem1_ciphertext
    }

    /// The second KEM's ciphertext.
    pub fn kem2_ciphertext(&self) -> &'a [u8] {
        self.kem2_ciphertext
    }
}

/// The server's job in protocol 2, bytes to bytes: as protocol 1's `wire::respond_to_request`, but the
/// response written to the start of `response_out` is a bound response (it carries the
/// request's digest). Returns its length and the PSK; on error nothing is written.
pub fn respond_bound<R: RandomSource + ?Sized>(
    rng: &mut R,
    request: &[u8],
    response_out: &mut [u8],
) -> Result<(usize, Psk), Error> {
    let header = Header::decode(request)?;
    let bound = Header::new(header.suite, MessageType::BoundResponse);
    let needed = bound.message_len();
    let actual = response_out.len();
    let out = response_out
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, actual })?;
    // The protocol-1 response is written DIGEST_LEN - HEADER_LEN bytes in, so that its
    // ciphertexts land where the bound response has them; its header is then overwritten by
    // the digest.
    let (start, tail) = out.split_at_mut(DIGEST_LEN);
    // The protocol-1 framing is reused here, not offered: its header is overwritten below.
    #[allow(deprecated)]
    let (_, psk) = wire::respond_to_request(rng, request, tail)?;
    let (head, digest_start) = start.split_at_mut(HEADER_LEN);
    let digest = request_digest(request);
    let (digest_a, digest_b) = digest.split_at(digest_start.len());
    digest_start.copy_from_slice(digest_a);
    if let Some(rest) = tail.get_mut(..digest_b.len()) {
        rest.copy_from_slice(digest_b);
    }
    head.copy_from_slice(&bound.to_bytes());
    Ok((needed, psk))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> std::string::String {
        use core::fmt::Write;
        let mut s = std::string::String::new();
        for b in bytes {
            let _ = write!(s, "{b:02x}");
        }
        s
    }

    /// RFC 4231 test case 2 (key "Jefe", padded here to 32 bytes with zeros, which HMAC does
    /// itself for a short key, so the tag is the RFC's).
    #[test]
    fn hmac_matches_rfc_4231() {
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            hex(&hmac_sha256(&key, &[b"what do ya ", b"want for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tags_differ_by_role_and_transcript() {
        let psk = Psk::from_bytes([7; 32]);
        let c = Confirmation::new(&psk, &[1; 32], b"response");
        let other = Confirmation::new(&psk, &[2; 32], b"response");
        let tags = [
            c.tag(Role::Client),
            c.tag(Role::ServerApplied),
            c.tag(Role::ServerNotApplied),
        ];
        assert_ne!(tags[0], tags[1]);
        assert_ne!(tags[1], tags[2]);
        assert_ne!(tags[0], other.tag(Role::Client));
        assert!(c.verify(Role::Client, &tags[0]).is_ok());
        assert_eq!(
            c.verify(Role::ServerApplied, &tags[0]),
            Err(Error::ConfirmationFailed)
        );
        // A different key (another PSK) fails.
        let wrong = Confirmation::new(&Psk::from_bytes([8; 32]), &[1; 32], b"response");
        assert_eq!(
            wrong.verify(Role::Client, &tags[0]),
            Err(Error::ConfirmationFailed)
        );
        assert_ne!(fingerprint(&psk), fingerprint(&Psk::from_bytes([8; 32])));
    }

    #[test]
    fn confirmation_messages_round_trip_and_decode_strictly() {
        let suite = Suite::default();
        let c = Confirmation::new(&Psk::from_bytes([7; 32]), &[1; 32], b"r");
        let mut out = [0u8; SERVER_CONFIRM_LEN];
        let n = c.encode_client(suite, &mut out).unwrap();
        assert_eq!(n, CLIENT_CONFIRM_LEN);
        assert!(c.check_client(suite, &out[..n]).is_ok());
        assert!(matches!(
            c.check_client(suite, &out[..n - 1]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            c.check_client(suite, &out[..]),
            Err(Error::TrailingBytes { .. })
        ));
        for applied in [true, false] {
            let n = c.encode_server(suite, applied, &mut out).unwrap();
            assert_eq!(n, SERVER_CONFIRM_LEN);
            assert_eq!(c.check_server(suite, &out), Ok(applied));
        }
        // Flipping the status turns an honest "not applied" into a wrong tag, not "applied".
        out[HEADER_LEN] = 1;
        assert_eq!(c.check_server(suite, &out), Err(Error::ConfirmationFailed));
        out[HEADER_LEN] = 2;
        assert_eq!(
            c.check_server(suite, &out),
            Err(Error::BadConfirmationStatus { value: 2 })
        );
        assert!(matches!(
            c.encode_client(suite, &mut [0u8; 10]),
            Err(Error::BufferTooSmall { .. })
        ));
    }
}
