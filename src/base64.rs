//! Standard base64 (RFC 4648 section 4, with padding) into and out of caller buffers, through
//! RustCrypto's `base64ct`: constant time (no branch and no table index depends on the data,
//! since it encodes keys) and strict (padding and canonical form checked, as WireGuard writes
//! keys).
//!
//! What this module adds: exact lengths for fixed-size values, and errors that say which field
//! and what is wrong (`Error::Base64Character` with the position of the first bad character,
//! `Base64Padding`, `Base64NonCanonical`). Only the *validity* of an input decides a branch here,
//! and the bad character is searched for only after the input was found invalid.

use base64ct::{Base64, Base64Unpadded, Encoding};

use crate::error::{Error, Field};

/// Length of the base64 text for `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Whether `c` is in the standard alphabet. Variable time: for the error path only.
fn in_alphabet(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// Encodes `input` into the start of `out`; returns the text length.
pub fn encode_into(field: Field, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let needed = encoded_len(input.len());
    let too_short = Error::Length {
        field,
        expected: needed,
        actual: out.len(),
    };
    let Some(out) = out.get_mut(..needed) else {
        return Err(too_short);
    };
    // `out` has exactly the encoded length, so base64ct cannot refuse it.
    let written = match Base64::encode(input, out) {
        Ok(text) => text.len(),
        Err(_) => return Err(too_short),
    };
    // The text is ASCII. Clearing the top bit changes nothing but tells memcheck it is known, so
    // the UTF-8 validation of a key's text (`PskBase64::as_str`) is not a finding of ct-check.
    for c in out.iter_mut() {
        *c &= 0x7f;
    }
    Ok(written)
}

/// Decodes padded standard base64 `input` into exactly `out.len()` bytes. The text must have the
/// length [`encoded_len`]`(out.len())` and be canonical (unused bits zero), as WireGuard writes it.
/// On error `out` may hold partial data; callers decode into a scratch buffer they wipe.
pub fn decode_into(field: Field, input: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let n = out.len();
    let expected = encoded_len(n);
    if input.len() != expected {
        return Err(Error::Length {
            field,
            expected,
            actual: input.len(),
        });
    }
    // Characters carrying data come first; the rest of the text must be '='. Both counts are
    // public (from the length), so the data characters go to base64ct's *unpadded* decoder, which
    // then sizes nothing from the text (its padded one counts the '=' of the text itself, which
    // ct-check sees as a branch on the key). base64ct checks the alphabet and the canonical form
    // (unused bits zero) in constant time; the '=' are checked here without a branch.
    let data_chars = (n * 8).div_ceil(6);
    let (data, padding) = input.split_at(data_chars.min(input.len()));
    let mut padding_ok = true;
    for &c in padding {
        padding_ok &= c == b'=';
    }
    let decoded = Base64Unpadded::decode(data, out).map(|bytes| bytes.len());
    // The one intended branch on the data: is the text valid at all? The caller learns that
    // anyway (Ok or Err). .ci/ct-check accepts exactly the line marked below and, in base64ct,
    // its two validity verdicts (.ci/ct-known.supp), and nothing else.
    if decoded == Ok(n) && padding_ok {
        // ct-check: accepted branch
        return Ok(());
    }
    // Slow path, invalid input only: say what is wrong.
    if let Some(position) = input.iter().take(data_chars).position(|&c| !in_alphabet(c)) {
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

/// The former hand-written codec, as the independent implementation to compare with.
#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

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

/// The hand-written codec (constant time, tested against RFC 4648 and ct-check) compared with
/// base64ct, input by input: the same text for every input, the same verdict and bytes for every
/// text, including every bad character at every position and every non-canonical final
/// character. `PQPSK_BASE64_DIFF_ROUNDS` raises the number of random rounds.
#[cfg(test)]
mod differential {
    use super::reference;
    use super::*;
    use base64ct::{Base64, Encoding};
    use std::vec;
    use std::vec::Vec;

    /// SplitMix64: a small, seedable source of test inputs.
    struct Mix(u64);
    impl Mix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    #[derive(Default, Debug)]
    struct Tally {
        texts: u64,
        valid: u64,
        invalid: u64,
    }

    /// Decodes `text` into `n` bytes with every implementation and checks they agree.
    fn compare(text: &[u8], n: usize, tally: &mut Tally) {
        let mut ours = vec![0u8; n];
        let mut old = vec![0u8; n];
        let ours_result = decode_into(Field::PskBase64, text, &mut ours);
        let old_result = reference::decode_into(Field::PskBase64, text, &mut old);
        // base64ct decodes whatever length the text says; a fixed-length field wants exactly n.
        let mut theirs = vec![0u8; n + 3];
        let theirs_result = match Base64::decode(text, &mut theirs) {
            Ok(decoded) if decoded.len() == n => Ok(decoded.to_vec()),
            Ok(_) | Err(_) => Err(()),
        };
        let text_shown = std::string::String::from_utf8_lossy(text);
        assert_eq!(ours_result, old_result, "text {text_shown:?}, {n} bytes");
        assert_eq!(
            theirs_result.is_ok(),
            old_result.is_ok(),
            "base64ct and the hand-written codec disagree on {text_shown:?} ({n} bytes)"
        );
        if let Ok(decoded) = theirs_result {
            assert_eq!(decoded, old, "{text_shown:?}");
            assert_eq!(ours, old, "{text_shown:?}");
        }
        tally.texts += 1;
        if old_result.is_ok() {
            tally.valid += 1;
        } else {
            tally.invalid += 1;
        }
    }

    fn encode_both(data: &[u8]) -> Vec<u8> {
        let mut ours = vec![0u8; encoded_len(data.len())];
        let mut old = vec![0u8; encoded_len(data.len())];
        let mut theirs = vec![0u8; encoded_len(data.len())];
        let a = encode_into(Field::PskBase64, data, &mut ours).unwrap();
        let b = reference::encode_into(Field::PskBase64, data, &mut old).unwrap();
        let c = Base64::encode(data, &mut theirs).unwrap().len();
        assert_eq!((a, b), (c, c));
        assert_eq!(ours, theirs, "{data:?}");
        assert_eq!(old, theirs, "{data:?}");
        ours
    }

    /// Every value of every character of the text, one at a time (including '=' where data
    /// belongs and data where '=' belongs), plus every non-canonical final group.
    fn mutate_exhaustively(text: &[u8], n: usize, tally: &mut Tally) {
        let mut t = text.to_vec();
        for i in 0..t.len() {
            let original = t[i];
            for c in 0..=255u8 {
                t[i] = c;
                compare(&t, n, tally);
            }
            t[i] = original;
        }
        // Truncated, extended, padding dropped or doubled.
        for cut in 0..t.len() {
            compare(&t[..cut], n, tally);
        }
        for extra in [&b"="[..], b"==", b"A", b"AAAA", b"\n"] {
            let mut longer = t.clone();
            longer.extend_from_slice(extra);
            compare(&longer, n, tally);
        }
    }

    #[test]
    fn base64ct_agrees_with_the_hand_written_codec() {
        let mut rng = Mix(0x7071_7073_6b62_3634);
        let mut tally = Tally::default();
        // Every length up to 4 groups, exhaustively mutated.
        for n in 0..=12 {
            for _ in 0..6 {
                let data = rng.bytes(n);
                let text = encode_both(&data);
                compare(&text, n, &mut tally);
                mutate_exhaustively(&text, n, &mut tally);
            }
        }
        // Non-canonical final characters: every value of the last data character.
        for n in [1usize, 2, 4, 5, 31, 32, 1568] {
            let data = rng.bytes(n);
            let mut text = encode_both(&data);
            let last = (n * 8).div_ceil(6) - 1;
            for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
                text[last] = *c;
                compare(&text, n, &mut tally);
            }
        }
        // The lengths this crate decodes (PSK, IVPN ciphertexts and keys), exhaustively mutated
        // at their start and end, randomly elsewhere.
        let rounds: usize = std::env::var("PQPSK_BASE64_DIFF_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        for n in [32usize, 96, 1568] {
            let data = rng.bytes(n);
            let text = encode_both(&data);
            let mut t = text.clone();
            for i in (0..4).chain(t.len() - 4..t.len()) {
                for c in 0..=255u8 {
                    t[i] = c;
                    compare(&t, n, &mut tally);
                }
                t[i] = text[i];
            }
        }
        for _ in 0..rounds {
            let n = rng.below(100);
            let data = rng.bytes(n);
            let mut text = encode_both(&data);
            // Zero to three random changes of random characters.
            for _ in 0..rng.below(4) {
                if text.is_empty() {
                    break;
                }
                let i = rng.below(text.len());
                text[i] = rng.next() as u8;
            }
            compare(&text, n, &mut tally);
            // Random garbage of the right length.
            let garbage = rng.bytes(encoded_len(n));
            compare(&garbage, n, &mut tally);
        }
        std::println!("base64 differential: {tally:?}");
        assert!(tally.valid > 20_000 && tally.invalid > 100_000, "{tally:?}");
    }
}
