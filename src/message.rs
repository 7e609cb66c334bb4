//! The wire format's vocabulary: magic, version, header length and message types. It imports
//! nothing of the crate, so the error type can name a message type without depending on the codec
//! (`crate::wire`, which re-exports all of this).

/// The first four bytes of every message.
pub const MAGIC: [u8; 4] = *b"PQPK";
/// The framing version this build writes and reads.
pub const VERSION: u8 = 1;
/// Length of the fixed header.
pub const HEADER_LEN: usize = 12;

/// Length of a message digest (SHA-256) that binds a response to its request (protocol 2).
pub const DIGEST_LEN: usize = 32;
/// Length of a key-confirmation tag (HMAC-SHA-256, protocol 2).
pub const TAG_LEN: usize = 32;

/// Which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// Client to server: both public keys.
    Request = 1,
    /// Server to client: both ciphertexts (protocol 1: not bound to its request).
    Response = 2,
    /// Server to client: the request's digest, then both ciphertexts (protocol 2, see
    /// `crate::confirm`).
    BoundResponse = 0x10,
    /// Client to server: the client's key-confirmation tag (protocol 2).
    ClientConfirm = 0x11,
    /// Server to client: whether it applied the key, and its confirmation tag (protocol 2).
    ServerConfirm = 0x12,
}

impl MessageType {
    /// The type with wire byte `value`, if there is one.
    pub(crate) fn from_u8(value: u8) -> Option<MessageType> {
        match value {
            1 => Some(MessageType::Request),
            2 => Some(MessageType::Response),
            0x10 => Some(MessageType::BoundResponse),
            0x11 => Some(MessageType::ClientConfirm),
            0x12 => Some(MessageType::ServerConfirm),
            _ => None,
        }
    }

    /// The type's name in messages: `"request"`, `"response"`, `"bound response"`, ...
    pub const fn name(self) -> &'static str {
        match self {
            MessageType::Request => "request",
            MessageType::Response => "response",
            MessageType::BoundResponse => "bound response",
            MessageType::ClientConfirm => "client confirmation",
            MessageType::ServerConfirm => "server confirmation",
        }
    }
}

impl core::fmt::Display for MessageType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
