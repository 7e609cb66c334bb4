//! The hand-written constant-time base64 codec this crate used before `base64ct`, kept (tests
//! only) as an independent implementation that `base64ct` and the wrapper around it are compared
//! with, input by input (`super::differential`). It was checked against RFC 4648's vectors and
//! by `.ci/ct-check` while it was the crate's codec.

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
/// On error `out` may hold partial data.
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
    // anyway (Ok or Err).
    if bad >= 0 && padding_ok {
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
}
