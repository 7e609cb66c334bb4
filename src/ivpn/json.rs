//! IVPN's JSON documents (feature `ivpn-json`): the body of a `session/wg/set` request (API v4)
//! and its reply, built and parsed with `serde_json`.
//!
//! Why `serde_json` rather than a reader of our own: the request carries a 348,160-character
//! key, and replies may grow fields we do not know; serde_json handles escapes, nesting (with a
//! depth limit), unknown fields and malformed input with errors rather than panics, and is
//! fuzzed upstream. It is a dependency of this feature only, which needs `std` anyway.
//!
//! Request fields (strings): `session_token`, `public_key` (the new WireGuard public key),
//! `connected_public_key` (the key of the tunnel in use, if any), `kem_public_key1` (Kyber1024),
//! `kem_public_key2` (Classic-McEliece-348864; absent in the Kyber-only exchange) and
//! `kem_library_version`. Reply: `status` (a number, 200 on success), `message`, `ip_address`,
//! `kem_cipher1`, `kem_cipher2`. Binary values are standard base64 with padding.

use std::string::{String, ToString};
use std::vec::Vec;

use serde_json::{Map, Value};

use super::encoding::{self, IvpnField, KEM_LIBRARY_VERSION};
use crate::error::Error;
use crate::suite::Suite;

/// What went wrong with a JSON document. Carries no secret: these documents hold public keys,
/// ciphertexts and a session token (which the caller should keep out of logs anyway; no variant
/// repeats it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// Not well-formed JSON.
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// Well-formed JSON, but not an object at the top level.
    NotAnObject,
    /// A required field is absent.
    Missing(&'static str),
    /// A field has the wrong JSON type.
    WrongType {
        /// The field.
        field: &'static str,
        /// The type it must have.
        expected: &'static str,
    },
    /// A base64 field does not decode to its value (the error says why).
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        error: Error,
    },
    /// The reply reports a failure (a status other than 200).
    Status {
        /// The status the server sent.
        status: i64,
        /// Its message, if any.
        message: Option<String>,
    },
    /// The suite is not an IVPN suite.
    NotIvpnSuite(Suite),
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            JsonError::Syntax { line, column } => {
                write!(f, "malformed JSON at line {line}, column {column}")
            }
            JsonError::NotAnObject => f.write_str("JSON document is not an object"),
            JsonError::Missing(field) => write!(f, "JSON field `{field}` is missing"),
            JsonError::WrongType { field, expected } => {
                // "an integer", "a string": the article follows the type's first sound.
                let article = match expected.as_bytes().first() {
                    Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
                    _ => "a",
                };
                write!(f, "JSON field `{field}` must be {article} {expected}")
            }
            JsonError::Field { field, error } => write!(f, "JSON field `{field}`: {error}"),
            JsonError::Status { status, message } => match message {
                Some(message) => write!(f, "server reported status {status}: {message}"),
                None => write!(f, "server reported status {status}"),
            },
            JsonError::NotIvpnSuite(suite) => write!(f, "suite {suite} is not an IVPN suite"),
        }
    }
}

impl std::error::Error for JsonError {}

/// A `session/wg/set` request: what an IVPN client sends, what a server parses. Its `Debug`
/// does not print the session token (a credential).
#[derive(Clone, PartialEq, Eq)]
pub struct KeySetRequest {
    /// Which exchange: the hybrid when `kem_public_key2` is present, else Kyber only.
    pub suite: Suite,
    /// The account session's token.
    pub session_token: String,
    /// The WireGuard public key being registered (base64, as WireGuard prints it).
    pub public_key: String,
    /// The WireGuard public key of the tunnel currently up, or empty.
    pub connected_public_key: String,
    /// `kem_library_version`; this crate sends [`KEM_LIBRARY_VERSION`].
    pub kem_library_version: String,
    /// The Kyber1024 public key (1,568 bytes).
    pub kem_public_key1: Vec<u8>,
    /// The McEliece public key (261,120 bytes), empty in the Kyber-only exchange.
    pub kem_public_key2: Vec<u8>,
}

impl core::fmt::Debug for KeySetRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeySetRequest")
            .field("suite", &self.suite)
            .field("session_token", &"<redacted>")
            .field("public_key", &self.public_key)
            .field("connected_public_key", &self.connected_public_key)
            .field("kem_library_version", &self.kem_library_version)
            .field("kem_public_key1_len", &self.kem_public_key1.len())
            .field("kem_public_key2_len", &self.kem_public_key2.len())
            .finish()
    }
}

impl KeySetRequest {
    /// A request for the public keys `generate_suite` wrote for `suite`.
    pub fn new(
        suite: Suite,
        session_token: &str,
        public_key: &str,
        connected_public_key: &str,
        kem1_public_key: &[u8],
        kem2_public_key: &[u8],
    ) -> Self {
        KeySetRequest {
            suite,
            session_token: session_token.to_string(),
            public_key: public_key.to_string(),
            connected_public_key: connected_public_key.to_string(),
            kem_library_version: KEM_LIBRARY_VERSION.to_string(),
            kem_public_key1: kem1_public_key.to_vec(),
            kem_public_key2: kem2_public_key.to_vec(),
        }
    }

    /// The JSON body. Fails if the suite is not an IVPN suite or a key has the wrong length.
    pub fn to_json(&self) -> Result<String, JsonError> {
        let has_kem2 = ivpn_has_kem2(self.suite)?;
        let mut doc = Map::new();
        doc.insert("session_token".into(), self.session_token.clone().into());
        doc.insert("public_key".into(), self.public_key.clone().into());
        doc.insert(
            "connected_public_key".into(),
            self.connected_public_key.clone().into(),
        );
        put_base64(&mut doc, IvpnField::KemPublicKey1, &self.kem_public_key1)?;
        if has_kem2 {
            put_base64(&mut doc, IvpnField::KemPublicKey2, &self.kem_public_key2)?;
        } else if !self.kem_public_key2.is_empty() {
            return Err(field_error(
                IvpnField::KemPublicKey2,
                self.kem_public_key2.len(),
                0,
            ));
        }
        doc.insert(
            "kem_library_version".into(),
            self.kem_library_version.clone().into(),
        );
        Ok(Value::Object(doc).to_string())
    }

    /// Parses a request body. `kem_library_version` may be absent (empty then);
    /// `connected_public_key` too (the first key of a session). An empty or absent
    /// `kem_public_key2` means the Kyber-only exchange.
    pub fn from_json(body: &str) -> Result<Self, JsonError> {
        let doc = parse_object(body)?;
        let kem_public_key2 = match optional_str(&doc, "kem_public_key2")? {
            Some(text) if !text.is_empty() => take_base64(IvpnField::KemPublicKey2, text)?,
            _ => Vec::new(),
        };
        let suite = if kem_public_key2.is_empty() {
            Suite::IvpnKyber1024
        } else {
            Suite::IvpnKyber1024McEliece348864
        };
        Ok(KeySetRequest {
            suite,
            session_token: required_str(&doc, "session_token")?.to_string(),
            public_key: required_str(&doc, "public_key")?.to_string(),
            connected_public_key: optional_str(&doc, "connected_public_key")?
                .unwrap_or_default()
                .to_string(),
            kem_library_version: optional_str(&doc, "kem_library_version")?
                .unwrap_or_default()
                .to_string(),
            kem_public_key1: take_base64(
                IvpnField::KemPublicKey1,
                required_str(&doc, "kem_public_key1")?,
            )?,
            kem_public_key2,
        })
    }
}

/// The reply to a `session/wg/set` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySetReply {
    /// 200 on success.
    pub status: i64,
    /// A human-readable message, if the server sent one.
    pub message: Option<String>,
    /// The tunnel address the server assigned, if it sent one.
    pub ip_address: Option<String>,
    /// The Kyber1024 ciphertext (1,568 bytes).
    pub kem_cipher1: Vec<u8>,
    /// The McEliece ciphertext (96 bytes), empty in the Kyber-only exchange.
    pub kem_cipher2: Vec<u8>,
}

impl KeySetReply {
    /// A successful reply (status 200) carrying the ciphertexts `respond_suite` wrote for
    /// `suite`.
    pub fn success(
        suite: Suite,
        ip_address: &str,
        kem1_ciphertext: &[u8],
        kem2_ciphertext: &[u8],
    ) -> Result<String, JsonError> {
        let has_kem2 = ivpn_has_kem2(suite)?;
        let mut doc = Map::new();
        doc.insert("status".into(), 200.into());
        doc.insert("ip_address".into(), ip_address.into());
        put_base64(&mut doc, IvpnField::KemCipher1, kem1_ciphertext)?;
        if has_kem2 {
            put_base64(&mut doc, IvpnField::KemCipher2, kem2_ciphertext)?;
        } else if !kem2_ciphertext.is_empty() {
            return Err(field_error(IvpnField::KemCipher2, kem2_ciphertext.len(), 0));
        }
        Ok(Value::Object(doc).to_string())
    }

    /// Parses a reply to a request made for `suite`. A status other than 200 is
    /// [`JsonError::Status`] with the server's message; on success the ciphertexts the suite
    /// needs must be present and well-formed (`kem_cipher2` is ignored in the Kyber-only suite).
    pub fn from_json(suite: Suite, body: &str) -> Result<Self, JsonError> {
        let has_kem2 = ivpn_has_kem2(suite)?;
        let doc = parse_object(body)?;
        let status = match doc.get("status") {
            None => return Err(JsonError::Missing("status")),
            Some(value) => value.as_i64().ok_or(JsonError::WrongType {
                field: "status",
                expected: "integer",
            })?,
        };
        let message = optional_str(&doc, "message")?.map(str::to_string);
        if status != 200 {
            return Err(JsonError::Status { status, message });
        }
        let kem_cipher2 = if has_kem2 {
            take_base64(IvpnField::KemCipher2, required_str(&doc, "kem_cipher2")?)?
        } else {
            Vec::new()
        };
        Ok(KeySetReply {
            status,
            message,
            ip_address: optional_str(&doc, "ip_address")?.map(str::to_string),
            kem_cipher1: take_base64(IvpnField::KemCipher1, required_str(&doc, "kem_cipher1")?)?,
            kem_cipher2,
        })
    }
}

fn ivpn_has_kem2(suite: Suite) -> Result<bool, JsonError> {
    match suite {
        Suite::IvpnKyber1024McEliece348864 | Suite::IvpnKyber1024 => Ok(suite.has_kem2()),
        other => Err(JsonError::NotIvpnSuite(other)),
    }
}

fn field_error(field: IvpnField, actual: usize, expected: usize) -> JsonError {
    JsonError::Field {
        field: field.name(),
        error: Error::Length {
            field: field.field(),
            expected,
            actual,
        },
    }
}

fn parse_object(body: &str) -> Result<Map<String, Value>, JsonError> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(doc)) => Ok(doc),
        Ok(_) => Err(JsonError::NotAnObject),
        Err(e) => Err(JsonError::Syntax {
            line: e.line(),
            column: e.column(),
        }),
    }
}

fn optional_str<'d>(
    doc: &'d Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'d str>, JsonError> {
    match doc.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(JsonError::WrongType {
            field,
            expected: "string",
        }),
    }
}

fn required_str<'d>(
    doc: &'d Map<String, Value>,
    field: &'static str,
) -> Result<&'d str, JsonError> {
    optional_str(doc, field)?.ok_or(JsonError::Missing(field))
}

fn put_base64(
    doc: &mut Map<String, Value>,
    field: IvpnField,
    value: &[u8],
) -> Result<(), JsonError> {
    let mut text = std::vec![0u8; field.encoded_len()];
    let encoded = encoding::encode(field, value, &mut text).map_err(|error| JsonError::Field {
        field: field.name(),
        error,
    })?;
    doc.insert(field.name().into(), encoded.into());
    Ok(())
}

fn take_base64(field: IvpnField, text: &str) -> Result<Vec<u8>, JsonError> {
    let mut out = std::vec![0u8; field.decoded_len()];
    encoding::decode(field, text.as_bytes(), &mut out).map_err(|error| JsonError::Field {
        field: field.name(),
        error,
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::JsonError;
    use std::string::ToString;

    #[test]
    fn wrong_type_messages_take_the_right_article() {
        let message = |expected| {
            JsonError::WrongType {
                field: "status",
                expected,
            }
            .to_string()
        };
        assert_eq!(message("integer"), "JSON field `status` must be an integer");
        assert_eq!(message("string"), "JSON field `status` must be a string");
    }
}
