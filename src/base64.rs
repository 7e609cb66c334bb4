//! Standard base64 (RFC 4648 section 4, with padding) into and out of caller buffers, in constant
//! time: no branch and no table index depends on the data, since it encodes keys.
//!
//! Only the *validity* of an input decides a branch, and the position of a bad character is
//! searched for only after the input was found invalid.

use crate::error::{Error, Field};

/// Length of the base64 text for `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// All ones when `a < b`, for small non-negative values.
///
/// `black_box` keeps LLVM from turning the mask arithmetic back into compare-and-jump chains,
/// which it did for the first character of each group (found by .ci/ct-check).
#[inline(always)]
fn lt_mask(a: i16, b: i16) -> i16 {
    core::hint::black_box((a - b) >> 15)
}

/// Maps 0..=63 to its character without a table lookup.
#[inline(always)]
fn encode_sextet(v: u8) -> u8 {
    let v = i16::from(v);
    let mut shift: i16 = b'A' as i16;
    shift += !lt_mask(v, 26) & (b'a' as i16 - b'A' as i16 - 26);
    shift -= !lt_mask(v, 52) & (b'a' as i16 - 26 - (b'0' as i16 - 52));
    shift -= !lt_mask(v, 62) & (b'0' as i16 - 52 - (b'+' as i16 - 62));
    shift += !lt_mask(v, 63) & (b'/' as i16 - 63 - (b'+' as i16 - 62));
    // The result is an ASCII letter, digit, '+' or '/'. Masking to 7 bits changes nothing but
    // tells memcheck the top bit is known, so UTF-8 validation of the text is not a finding.
    ((v + shift) & 0x7f) as u8
}

/// Maps a character to 0..=63, or to -1 when it is not in the alphabet.
#[inline(always)]
fn decode_char(c: u8) -> i16 {
    let c = i16::from(c);
    let in_range = |lo: i16, hi: i16| !lt_mask(c, lo) & lt_mask(c, hi + 1);
    let mut v: i16 = -1;
    v += in_range(b'A' as i16, b'Z' as i16) & (c - b'A' as i16 + 1);
    v += in_range(b'a' as i16, b'z' as i16) & (c - b'a' as i16 + 26 + 1);
    v += in_range(b'0' as i16, b'9' as i16) & (c - b'0' as i16 + 52 + 1);
    v += in_range(b'+' as i16, b'+' as i16) & (62 + 1);
    v += in_range(b'/' as i16, b'/' as i16) & (63 + 1);
    v
}

/// Encodes `input` into the start of `out`; returns the text length.
pub fn encode_into(field: Field, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let needed = encoded_len(input.len());
    let Some(out) = out.get_mut(..needed) else {
        return Err(Error::Length {
            field,
            expected: needed,
            actual: out.len(),
        });
    };
    for (chunk, quad) in input.chunks(3).zip(out.chunks_exact_mut(4)) {
        let mut group = [0u8; 3];
        for (g, b) in group.iter_mut().zip(chunk) {
            *g = *b;
        }
        let bits = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        // chunk.len() is public: how many characters this group carries.
        let chars = chunk.len() + 1;
        for (i, c) in quad.iter_mut().enumerate() {
            let sextet = ((bits >> (18 - 6 * i)) & 0x3f) as u8;
            *c = if i < chars {
                encode_sextet(sextet)
            } else {
                b'='
            };
        }
    }
    Ok(needed)
}

/// Decodes padded standard base64 `input` into exactly `out.len()` bytes. The text must have the
/// length [`encoded_len`]`(out.len())` and be canonical (unused bits zero), as WireGuard writes it.
/// On error `out` may hold partial data; callers decode into a scratch buffer they wipe.
pub fn decode_into(field: Field, input: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let expected = encoded_len(out.len());
    if input.len() != expected {
        return Err(Error::Length {
            field,
            expected,
            actual: input.len(),
        });
    }
    let n = out.len();
    // Characters carrying data; the rest of the text must be '='. Public, from the length.
    let data_chars = (n * 8).div_ceil(6);
    let mut bad: i16 = 0;
    let mut padding_ok = true;
    for (q, (quad, chunk)) in input.chunks_exact(4).zip(out.chunks_mut(3)).enumerate() {
        let mut bits: u32 = 0;
        for (i, &c) in quad.iter().enumerate() {
            let v = if q * 4 + i < data_chars {
                let v = decode_char(c);
                bad |= v;
                v & 0x3f
            } else {
                padding_ok &= c == b'=';
                0
            };
            bits |= (v as u32) << (18 - 6 * i);
        }
        let bytes = bits.to_be_bytes();
        // Bits below the last output byte of this group must be zero (canonical form).
        let used_bits = 8 * chunk.len();
        let unused = bits & ((1u32 << (24 - used_bits)) - 1);
        bad |= -(i16::from(unused != 0));
        for (o, b) in chunk.iter_mut().zip(&bytes[1..]) {
            *o = *b;
        }
    }
    // The one intended branch on the data: is the text valid at all? The caller learns that
    // anyway (Ok or Err). .ci/ct-check accepts exactly the line marked below and nothing else.
    if bad >= 0 && padding_ok {
        // ct-check: accepted branch
        return Ok(());
    }
    // Slow path, invalid input only: say what is wrong.
    if let Some(position) = input
        .iter()
        .take(data_chars)
        .position(|&c| decode_char(c) < 0)
    {
        return Err(Error::Base64Character { field, position });
    }
    if !padding_ok {
        return Err(Error::Base64Padding { field });
    }
    Err(Error::Base64NonCanonical { field })
}

/// Decodes padded standard base64 `input` into exactly `out.len()` bytes, for a value whose
/// decoded length is fixed (a key or a ciphertext in a message). Unlike [`decode_into`], a text
/// of the wrong length is described by what it would decode to: a length that is not a multiple
/// of 4 is [`Error::Base64Padding`], and text whose length and trailing `=` say it holds another
/// number of bytes is [`Error::Length`] in decoded bytes (`expected` = `out.len()`). Meant for
/// public values: unlike [`decode_into`] it looks at the last two characters before decoding.
/// On error `out` may hold partial data.
#[cfg(any(feature = "ivpn", test))]
pub fn decode_exact(field: Field, input: &[u8], out: &mut [u8]) -> Result<(), Error> {
    if !input.len().is_multiple_of(4) {
        return Err(Error::Base64Padding { field });
    }
    // What the text would decode to, from its length and its trailing '=' (the only data looked
    // at before decoding; for the public values this is used for, nothing to hide).
    let padding = input
        .iter()
        .rev()
        .take(2)
        .take_while(|&&c| c == b'=')
        .count();
    let decoded = (input.len() / 4 * 3).saturating_sub(padding);
    if decoded != out.len() {
        return Err(Error::Length {
            field,
            expected: out.len(),
            actual: decoded,
        });
    }
    decode_into(field, input, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    #[test]
    fn sextets_match_the_rfc_alphabet() {
        for v in 0..64u8 {
            assert_eq!(encode_sextet(v), ALPHABET[v as usize]);
            assert_eq!(decode_char(ALPHABET[v as usize]), i16::from(v));
        }
        for c in 0..=255u8 {
            if !ALPHABET.contains(&c) {
                assert_eq!(decode_char(c), -1, "byte {c}");
            }
        }
    }

    #[test]
    fn rfc4648_test_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, text) in cases {
            let mut buf = [0u8; 8];
            let n = encode_into(Field::PskBase64, raw, &mut buf).unwrap();
            assert_eq!(&buf[..n], text.as_bytes());
            let mut back = [0u8; 6];
            decode_into(Field::PskBase64, text.as_bytes(), &mut back[..raw.len()]).unwrap();
            assert_eq!(&back[..raw.len()], raw);
        }
    }

    #[test]
    fn exact_decoding_reports_decoded_lengths() {
        let mut out = [0u8; 5];
        decode_exact(Field::PskBase64, b"Zm9vYmE=", &mut out).unwrap();
        assert_eq!(&out, b"fooba");
        // Well padded, but 4 or 6 bytes where 5 are expected.
        for (text, actual) in [(&b"Zm9vYg=="[..], 4), (&b"Zm9vYmFy"[..], 6)] {
            assert_eq!(
                decode_exact(Field::PskBase64, text, &mut out),
                Err(Error::Length {
                    field: Field::PskBase64,
                    expected: 5,
                    actual
                })
            );
        }
        assert_eq!(
            decode_exact(Field::PskBase64, b"Zm9vYmE", &mut out),
            Err(Error::Base64Padding {
                field: Field::PskBase64
            })
        );
        assert_eq!(
            decode_exact(Field::PskBase64, b"Zm9v\nmE=", &mut out),
            Err(Error::Base64Character {
                field: Field::PskBase64,
                position: 4
            })
        );
        let mut empty = [0u8; 0];
        decode_exact(Field::PskBase64, b"", &mut empty).unwrap();
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let mut out = [0u8; 2];
        assert_eq!(
            decode_into(Field::PskBase64, b"Zm9=", &mut out),
            Err(Error::Base64NonCanonical {
                field: Field::PskBase64
            })
        );
        assert_eq!(
            decode_into(Field::PskBase64, b"Z.8=", &mut out),
            Err(Error::Base64Character {
                field: Field::PskBase64,
                position: 1
            })
        );
        assert_eq!(
            decode_into(Field::PskBase64, b"Zm8A", &mut out),
            Err(Error::Base64Padding {
                field: Field::PskBase64
            })
        );
        assert_eq!(
            decode_into(Field::PskBase64, b"Zm8", &mut out),
            Err(Error::Length {
                field: Field::PskBase64,
                expected: 4,
                actual: 3
            })
        );
        let mut small = [0u8; 3];
        assert_eq!(
            encode_into(Field::PskBase64, b"fo", &mut small),
            Err(Error::Length {
                field: Field::PskBase64,
                expected: 4,
                actual: 3
            })
        );
    }
}
