//! The WireGuard pre-shared key.

use core::fmt;

use ctutils::{Choice, CtEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::base64;
use crate::error::{Error, Field};
use crate::sizes::{PSK_BASE64_LEN, PSK_LEN};

/// A 32-byte WireGuard pre-shared key. Wiped on drop, never printed by `Debug`, compared in
/// constant time by `==` and [`Psk::ct_eq`].
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Psk([u8; PSK_LEN]);

impl Psk {
    /// Wraps raw key bytes.
    pub const fn from_bytes(bytes: [u8; PSK_LEN]) -> Self {
        Psk(bytes)
    }

    /// The raw key, for handing to WireGuard (e.g. the `preshared_key` of a netlink or UAPI call).
    pub fn as_bytes(&self) -> &[u8; PSK_LEN] {
        &self.0
    }

    /// Constant-time equality: the time taken does not depend on where the keys differ. The same
    /// as [`ctutils::CtEq::ct_eq`] (also implemented for `Psk`), reduced to a `bool` at the end.
    pub fn ct_eq(&self, other: &Psk) -> bool {
        CtEq::ct_eq(self, other).to_bool()
    }

    /// Writes the key as WireGuard shows it (44 characters of standard base64, as `wg genpsk`
    /// prints) into `out`, and returns the text. `out` must hold at least [`PSK_BASE64_LEN`] bytes.
    pub fn encode_base64_into<'o>(&self, out: &'o mut [u8]) -> Result<&'o str, Error> {
        let n = base64::encode_into(Field::PskBase64, &self.0, out)?;
        let text = out.get(..n).unwrap_or_default();
        // base64::encode_into writes only ASCII alphabet characters and '=', so this is always
        // valid UTF-8; the empty fallback only satisfies the type.
        Ok(core::str::from_utf8(text).unwrap_or_default())
    }

    /// The base64 text in a buffer that is wiped on drop.
    pub fn to_base64(&self) -> PskBase64 {
        let mut text = PskBase64([0; PSK_BASE64_LEN]);
        // The buffer has exactly the needed length, so this cannot fail.
        let _ = base64::encode_into(Field::PskBase64, &self.0, &mut text.0);
        text
    }

    /// Parses WireGuard's base64 form. Leading or trailing whitespace (a newline from a key file)
    /// is *not* accepted: trim it first.
    pub fn from_base64(text: &str) -> Result<Psk, Error> {
        let mut key = Psk([0; PSK_LEN]);
        // On error `key` is dropped, which wipes whatever was half-decoded.
        base64::decode_into(Field::PskBase64, text.as_bytes(), &mut key.0)?;
        Ok(key)
    }
}

/// Constant-time comparison through RustCrypto's `ctutils` (the crate ml-kem and sha2 already use).
impl CtEq for Psk {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for Psk {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for Psk {}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Psk(<secret>)")
    }
}

/// A PSK in WireGuard's base64 form, wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PskBase64([u8; PSK_BASE64_LEN]);

impl PskBase64 {
    /// The 44-character text.
    pub fn as_str(&self) -> &str {
        // Only base64 alphabet characters and '=' are ever written here.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for PskBase64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PskBase64(<secret>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_matches_wg_format() {
        // 32 bytes 0x00..0x1f, checked against `base64` of coreutils:
        // printf "$(printf '\\x%02x' $(seq 0 31))" | base64
        let bytes: [u8; 32] = core::array::from_fn(|i| i as u8);
        let psk = Psk::from_bytes(bytes);
        let text = psk.to_base64();
        assert_eq!(
            text.as_str(),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        );
        assert_eq!(Psk::from_base64(text.as_str()).unwrap(), psk);
        let mut buf = [0u8; 50];
        assert_eq!(psk.encode_base64_into(&mut buf).unwrap(), text.as_str());
    }

    #[test]
    fn bad_base64_is_refused_with_a_reason() {
        let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        assert_eq!(
            Psk::from_base64(&good[..43]),
            Err(Error::Length {
                field: Field::PskBase64,
                expected: 44,
                actual: 43
            })
        );
        let with_newline = std::format!("{good}\n");
        assert!(matches!(
            Psk::from_base64(&with_newline),
            Err(Error::Length { actual: 45, .. })
        ));
        assert_eq!(
            Psk::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A"),
            Err(Error::Base64Padding {
                field: Field::PskBase64
            })
        );
        assert_eq!(
            Psk::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9="),
            Err(Error::Base64NonCanonical {
                field: Field::PskBase64
            })
        );
        assert_eq!(
            Psk::from_base64("AAECAwQFBgcICQoLDA0ODx-REhMUFRYXGBkaGxwdHh8="),
            Err(Error::Base64Character {
                field: Field::PskBase64,
                position: 22
            })
        );
        let mut small = [0u8; 43];
        assert!(matches!(
            Psk::from_bytes([0; 32]).encode_base64_into(&mut small),
            Err(Error::Length {
                expected: 44,
                actual: 43,
                ..
            })
        ));
    }

    #[test]
    fn equality_and_debug() {
        let a = Psk::from_bytes([1; 32]);
        let mut b_bytes = [1; 32];
        b_bytes[31] = 2;
        let b = Psk::from_bytes(b_bytes);
        assert!(a.ct_eq(&a.clone()));
        assert!(!a.ct_eq(&b));
        assert_ne!(a, b);
        // The trait gives the same verdict, for a difference in every byte and bit position.
        assert!(CtEq::ct_eq(&a, &a.clone()).to_bool());
        for i in 0..32 {
            for bit in 0..8 {
                let mut c = [1u8; 32];
                c[i] ^= 1 << bit;
                let c = Psk::from_bytes(c);
                assert!(!CtEq::ct_eq(&a, &c).to_bool(), "byte {i} bit {bit}");
                assert!(CtEq::ct_ne(&a, &c).to_bool());
                assert!(!a.ct_eq(&c));
            }
        }
        let printed = std::format!("{:?} {:?}", a, a.to_base64());
        assert_eq!(printed, "Psk(<secret>) PskBase64(<secret>)");
    }
}
