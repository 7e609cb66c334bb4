//! IVPN's message fields: standard base64 with padding (RFC 4648 section 4), into and out of
//! caller buffers, through the crate's one constant-time codec (`crate::base64`).
//!
//! | field | carries | bytes | base64 characters |
//! |---|---|---:|---:|
//! | `kem_public_key1` | Kyber1024 public key | 1,568 | 2,092 |
//! | `kem_public_key2` | Classic-McEliece-348864 public key | 261,120 | 348,160 |
//! | `kem_cipher1` | Kyber1024 ciphertext | 1,568 | 2,092 |
//! | `kem_cipher2` | Classic-McEliece-348864 ciphertext | 96 | 128 |
//!
//! `kem_library_version` is plain text, not base64: [`KEM_LIBRARY_VERSION`].

use crate::base64;
use crate::error::{Error, Field};
use crate::sizes::{
    KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN, MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN,
};

/// What IVPN's own apps send as `kem_library_version`: the liboqs release they link (whose
/// "Kyber1024" and "Classic-McEliece-348864" this crate matches).
pub const KEM_LIBRARY_VERSION: &str = "0.10.0";

/// A base64 field of IVPN's session/wg/set request or its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IvpnField {
    /// Request: the client's Kyber1024 public key.
    KemPublicKey1,
    /// Request: the client's Classic-McEliece-348864 public key (absent in the Kyber-only
    /// exchange).
    KemPublicKey2,
    /// Reply: the server's Kyber1024 ciphertext.
    KemCipher1,
    /// Reply: the server's Classic-McEliece-348864 ciphertext (absent in the Kyber-only
    /// exchange).
    KemCipher2,
}

impl IvpnField {
    /// The JSON field name.
    pub const fn name(self) -> &'static str {
        match self {
            IvpnField::KemPublicKey1 => "kem_public_key1",
            IvpnField::KemPublicKey2 => "kem_public_key2",
            IvpnField::KemCipher1 => "kem_cipher1",
            IvpnField::KemCipher2 => "kem_cipher2",
        }
    }

    /// The value's length in bytes.
    pub const fn decoded_len(self) -> usize {
        match self {
            IvpnField::KemPublicKey1 => KYBER_PUBLIC_KEY_LEN,
            IvpnField::KemPublicKey2 => MCELIECE_PUBLIC_KEY_LEN,
            IvpnField::KemCipher1 => KYBER_CIPHERTEXT_LEN,
            IvpnField::KemCipher2 => MCELIECE_CIPHERTEXT_LEN,
        }
    }

    /// The length of its base64 text.
    pub const fn encoded_len(self) -> usize {
        base64::encoded_len(self.decoded_len())
    }

    /// The crate's name for the value, used in errors.
    pub const fn field(self) -> Field {
        match self {
            IvpnField::KemPublicKey1 => Field::KyberPublicKey,
            IvpnField::KemPublicKey2 => Field::McEliecePublicKey,
            IvpnField::KemCipher1 => Field::KyberCiphertext,
            IvpnField::KemCipher2 => Field::McElieceCiphertext,
        }
    }
}

impl core::fmt::Display for IvpnField {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Encodes `value` (exactly [`IvpnField::decoded_len`] bytes) as the field's base64 text into
/// the start of `out` (at least [`IvpnField::encoded_len`] bytes); returns the text, which is
/// ASCII.
pub fn encode<'o>(field: IvpnField, value: &[u8], out: &'o mut [u8]) -> Result<&'o str, Error> {
    if value.len() != field.decoded_len() {
        return Err(Error::Length {
            field: field.field(),
            expected: field.decoded_len(),
            actual: value.len(),
        });
    }
    let n = base64::encode_into(field.field(), value, out)?;
    let text = out.get(..n).unwrap_or_default();
    // The codec writes only alphabet characters and '=', so this is valid UTF-8; the empty
    // fallback only satisfies the type.
    Ok(core::str::from_utf8(text).unwrap_or_default())
}

/// Decodes the field's base64 `text` into `out`, which must be exactly
/// [`IvpnField::decoded_len`] bytes. Errors name the value ([`IvpnField::field`]): a byte outside
/// the alphabet ([`Error::Base64Character`] with its position), wrong padding or a length that is
/// not a multiple of 4 ([`Error::Base64Padding`]), well-formed text of the wrong decoded length
/// ([`Error::Length`], in decoded bytes), non-canonical text ([`Error::Base64NonCanonical`]).
/// Surrounding whitespace is not accepted: trim it first. On error `out` may hold partial data.
pub fn decode(field: IvpnField, text: &[u8], out: &mut [u8]) -> Result<(), Error> {
    if out.len() != field.decoded_len() {
        return Err(Error::Length {
            field: field.field(),
            expected: field.decoded_len(),
            actual: out.len(),
        });
    }
    base64::decode_exact(field.field(), text, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lengths() {
        let key: [u8; KYBER_PUBLIC_KEY_LEN] = core::array::from_fn(|i| (i * 7) as u8);
        let mut text = [0u8; 2100];
        let encoded = encode(IvpnField::KemPublicKey1, &key, &mut text).unwrap();
        assert_eq!(encoded.len(), 2092);
        assert_eq!(IvpnField::KemPublicKey1.encoded_len(), 2092);
        assert_eq!(IvpnField::KemPublicKey2.encoded_len(), 348_160);
        assert_eq!(IvpnField::KemCipher2.encoded_len(), 128);
        // 1568 = 3 * 522 + 2: one '=' of padding.
        assert!(encoded.ends_with('=') && !encoded.ends_with("=="));
        let mut back = [0u8; KYBER_PUBLIC_KEY_LEN];
        decode(IvpnField::KemPublicKey1, encoded.as_bytes(), &mut back).unwrap();
        assert_eq!(back, key);
    }

    #[test]
    fn errors_name_the_value_and_what_is_wrong() {
        let ct = [0xA5u8; MCELIECE_CIPHERTEXT_LEN];
        let mut good = [0u8; 128];
        encode(IvpnField::KemCipher2, &ct, &mut good).unwrap();
        let mut out = [0u8; MCELIECE_CIPHERTEXT_LEN];
        let field = Field::McElieceCiphertext;

        let mut bad = good;
        bad[17] = b'-'; // base64url, not standard base64
        assert_eq!(
            decode(IvpnField::KemCipher2, &bad, &mut out),
            Err(Error::Base64Character {
                field,
                position: 17
            })
        );
        // 96 bytes need no padding; cut 4 characters off: 93 bytes of well-formed text.
        assert_eq!(
            decode(IvpnField::KemCipher2, &good[..124], &mut out),
            Err(Error::Length {
                field,
                expected: 96,
                actual: 93
            })
        );
        assert_eq!(
            decode(IvpnField::KemCipher2, &good[..127], &mut out),
            Err(Error::Base64Padding { field })
        );
        let mut short = [0u8; 95];
        assert!(matches!(
            decode(IvpnField::KemCipher2, &good, &mut short),
            Err(Error::Length {
                expected: 96,
                actual: 95,
                ..
            })
        ));
        assert!(matches!(
            encode(IvpnField::KemCipher1, &ct, &mut [0u8; 4000]),
            Err(Error::Length {
                field: Field::KyberCiphertext,
                expected: 1568,
                actual: 96
            })
        ));
        let message = std::format!(
            "{}",
            decode(IvpnField::KemCipher2, &bad, &mut out).unwrap_err()
        );
        assert_eq!(
            message,
            "Classic-McEliece-348864 ciphertext: invalid base64 character at position 17"
        );
    }
}
