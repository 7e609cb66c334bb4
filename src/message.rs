//! The wire format's vocabulary: magic, version, header length and message types. It imports
//! nothing of the crate, so the error type can name a message type without depending on the codec
//! (`crate::wire`, which re-exports all of this).

/// The first four bytes of every message.
pub const MAGIC: [u8; 4] = *b"PQPK";
/// The framing version this build writes and reads.
pub const VERSION: u8 = 1;
/// Length of the fixed header.
pub const HEADER_LEN: usize = 12;

/// Which of the two messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// Client to server: both public keys.
    Request = 1,
    /// Server to client: both ciphertexts.
    Response = 2,
}

impl MessageType {
    /// The type with wire byte `value`, if there is one.
    pub(crate) fn from_u8(value: u8) -> Option<MessageType> {
        match value {
            1 => Some(MessageType::Request),
            2 => Some(MessageType::Response),
            _ => None,
        }
    }

    /// `"request"` or `"response"`.
    pub const fn name(self) -> &'static str {
        match self {
            MessageType::Request => "request",
            MessageType::Response => "response",
        }
    }
}

impl core::fmt::Display for MessageType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
