//! The client's state file: the secret half of an exchange between `keygen` and `finish`.
//!
//! Layout (format 2), all integers big-endian:
//!
//! | offset | len | field |
//! |---|---|---|
//! | 0 | 8 | magic `pqpskst2` |
//! | 8 | 2 | suite id |
//! | 10 | 32 | digest of the request (`pqpsk::confirm::request_digest`): the response must carry it |
//! | 42 | 4 | length N of the secret |
//! | 46 | N | `ClientSecret::export_into` output |
//! | 46+N | 32 | SHA-256 of everything before it |
//!
//! A format-1 state (magic `pqpskst1`, protocol 1, no request digest) is refused with a
//! message saying to run keygen again.
//!
//! It is written atomically with mode 0600, so a crash leaves no half-written state under its
//! name; the checksum also catches a file truncated or damaged later. `finish` consumes it:
//! it overwrites the file with zeros in place and flushes that *before* deriving the key, then
//! removes it once the PSK is written. A crash in between leaves an all-zero file, which is
//! reported as "already consumed", never taken for a good state: a state is single-use.

use std::path::Path;

use pqpsk::confirm::{MessageDigest, DIGEST_LEN};
use pqpsk::sizes::CLIENT_SECRET_LEN;
use pqpsk::{ClientSecret, Suite};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use std::fs::File;

use crate::fail::{from_pqpsk, Code, Failure, Outcome};
use crate::files;

const MAGIC: [u8; 8] = *b"pqpskst2";
const OLD_MAGIC: [u8; 8] = *b"pqpskst1";
const PREFIX_LEN: usize = 8 + 2 + DIGEST_LEN + 4;
const CHECKSUM_LEN: usize = 32;
/// The largest state file any suite of this build writes.
const MAX_LEN: usize = PREFIX_LEN + CLIENT_SECRET_LEN + CHECKSUM_LEN;

/// Serializes `secret` for `suite`; the bytes are as secret as the keys.
pub fn encode(
    suite: Suite,
    request_digest: &MessageDigest,
    secret: &ClientSecret,
) -> Outcome<Zeroizing<Vec<u8>>> {
    let mut exported = Zeroizing::new(vec![0u8; CLIENT_SECRET_LEN]);
    let n = secret.export_into(&mut exported).map_err(from_pqpsk)?;
    let exported = exported.get(..n).unwrap_or_default();
    let mut out = Zeroizing::new(Vec::with_capacity(MAX_LEN));
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&suite.id().to_be_bytes());
    out.extend_from_slice(request_digest);
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(exported);
    let sum = Sha256::digest(&out[..]);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Parses a state file's bytes into the suite and a ready `ClientSecret`.
pub fn decode(bytes: &[u8]) -> Outcome<(Suite, MessageDigest, Box<ClientSecret>)> {
    let bad = |m: String| Failure::new(Code::State, m);
    if !bytes.is_empty() && bytes.iter().all(|&b| b == 0) {
        return Err(bad(
            "already consumed: `pqpsk finish` used and wiped this state (a state is single-use; \
             run keygen again)"
                .into(),
        ));
    }
    // Older versions wiped in 4 KiB writes: a kill between two left a zeroed start.
    if bytes.len() > MAGIC.len() && bytes.get(..MAGIC.len()) == Some(&[0u8; 8][..]) {
        return Err(bad(
            "consumed: wiped in part by a `pqpsk finish` that was interrupted (a state is \
             single-use; run keygen again)"
                .into(),
        ));
    }
    let (prefix, rest) = bytes.split_at_checked(PREFIX_LEN).ok_or_else(|| {
        bad(format!(
            "not a pqpsk state file: only {} bytes",
            bytes.len()
        ))
    })?;
    // PREFIX_LEN is exactly magic (8) + suite id (2) + request digest (32) + length (4).
    let (magic, rest_of_prefix) = prefix.split_at(MAGIC.len());
    let (suite_id, rest_of_prefix) = rest_of_prefix.split_at(2);
    let (digest, length) = rest_of_prefix.split_at(DIGEST_LEN);
    let (
        Ok::<[u8; 2], _>([s0, s1]),
        Ok::<MessageDigest, _>(request_digest),
        Ok::<[u8; 4], _>([l0, l1, l2, l3]),
    ) = (suite_id.try_into(), digest.try_into(), length.try_into())
    else {
        return Err(bad("not a pqpsk state file".into()));
    };
    if magic == OLD_MAGIC {
        return Err(bad(
            "made by an older pqpsk (state format 1, protocol 1, without the request digest a \
             response is now checked against): run keygen again"
                .into(),
        ));
    }
    if magic != MAGIC {
        return Err(bad("not a pqpsk state file (bad magic)".into()));
    }
    let id = u16::from_be_bytes([s0, s1]);
    let suite = Suite::from_id(id).ok_or_else(|| {
        bad(format!(
            "state is for suite id {id:#06x}, unknown to this build"
        ))
    })?;
    let total = implied_total(u32::from_be_bytes([l0, l1, l2, l3]));
    let Some((len, total)) = total.filter(|&(_, total)| total == bytes.len()) else {
        return Err(bad(format!(
            "truncated or damaged: {} bytes, but its length field says {}",
            bytes.len(),
            u32::from_be_bytes([l0, l1, l2, l3])
        )));
    };
    let (body, sum) = bytes
        .split_at_checked(total - CHECKSUM_LEN)
        .ok_or_else(|| bad("truncated or damaged".into()))?;
    if Sha256::digest(body)[..] != *sum {
        return Err(bad("damaged: checksum mismatch".into()));
    }
    let mut secret = ClientSecret::new_boxed();
    // Whatever the library finds wrong with the secret, it is this state file's fault.
    secret
        .import(rest.get(..len).unwrap_or_default())
        .map_err(|e| bad(format!("the secret it holds is not valid: {e}")))?;
    Ok((suite, request_digest, secret))
}

/// The secret's length and the whole file's size that a length field implies, or `None` if
/// that size does not fit. The sum is done in `u32`, the field's own width, so it overflows
/// (and is refused) the same way on every target: a `usize` sum would overflow only on 32-bit
/// ones, where the tests do not run.
fn implied_total(len: u32) -> Option<(usize, usize)> {
    let overhead = u32::try_from(PREFIX_LEN + CHECKSUM_LEN).ok()?;
    let total = len.checked_add(overhead)?;
    Some((usize::try_from(len).ok()?, usize::try_from(total).ok()?))
}

/// Writes a new state file, wiping any earlier state under that name first (never through a
/// link: the name itself is replaced, not what it points to).
pub fn store(
    path: &Path,
    suite: Suite,
    request_digest: &MessageDigest,
    secret: &ClientSecret,
) -> Outcome<()> {
    let bytes = encode(suite, request_digest, secret)?;
    if std::fs::symlink_metadata(path).is_ok() {
        // An abandoned earlier exchange: its keys should not outlive it on disk.
        if let Ok(old) = files::open_secret(path, "state file", Code::Io) {
            let _ = files::wipe(&old);
        }
    }
    files::write_atomic(path, &bytes).map_err(|f| f.context("writing state"))
}

/// An open, checked state file: its descriptor stays open so that it is wiped exactly where it
/// was read.
pub struct Loaded {
    file: File,
    pub suite: Suite,
    /// The digest of the request this state made: the response must carry it.
    pub request_digest: MessageDigest,
    pub secret: Box<ClientSecret>,
}

/// Reads and checks a state file (never through a link); says clearly when it is missing or
/// consumed.
pub fn load(path: &Path) -> Outcome<Loaded> {
    if std::fs::symlink_metadata(path).is_err() {
        return Err(Failure::new(
            Code::State,
            format!(
                "state file {} does not exist (a state is removed once `pqpsk finish` used it; \
                 run keygen again)",
                path.display()
            ),
        ));
    }
    let file = files::open_secret(path, "state file", Code::State)?;
    let bytes = files::read_secret(&file, path, "state file", MAX_LEN)?;
    let (suite, request_digest, secret) =
        decode(&bytes).map_err(|f| f.context(format!("state file {}", path.display())))?;
    Ok(Loaded {
        file,
        suite,
        request_digest,
        secret,
    })
}

/// Marks a state consumed before its key is used: zeros in place through the descriptor it
/// was read from, in one write, flushed.
pub fn consume(state: &Loaded, path: &Path) -> Outcome<()> {
    files::wipe(&state.file).map_err(|e| {
        Failure::new(
            Code::Io,
            format!("wiping state file {} before use: {e}", path.display()),
        )
    })
}

/// Removes a consumed (zeroed) state file.
pub fn remove(path: &Path) -> Outcome<()> {
    std::fs::remove_file(path).map_err(|e| {
        Failure::new(
            Code::Io,
            format!("removing consumed state file {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A length field near `u32::MAX` is refused, not added up (it overflows on 32 bits).
    #[test]
    fn huge_length_fields_are_refused_without_overflow() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&Suite::default().id().to_be_bytes());
        bytes.extend_from_slice(&[0u8; DIGEST_LEN]);
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        bytes.extend_from_slice(&[1u8; 64]);
        let e = decode(&bytes).err().unwrap();
        assert_eq!(e.code, Code::State);
        assert!(e.message.contains("length field says 4294967295"), "{e}");
    }

    /// The length arithmetic itself, with the values that overflow a 32-bit sum: refused on
    /// 64-bit targets too (a wrapping or `usize` sum would accept them there).
    #[test]
    fn the_implied_size_is_checked_in_the_fields_width() {
        let overhead = (PREFIX_LEN + CHECKSUM_LEN) as u32;
        let largest = u32::MAX - overhead;
        assert_eq!(
            implied_total(largest),
            Some((largest as usize, u32::MAX as usize))
        );
        for len in [largest + 1, u32::MAX - 1, u32::MAX] {
            assert_eq!(implied_total(len), None, "{len}");
        }
        assert_eq!(implied_total(0), Some((0, overhead as usize)));
        assert_eq!(implied_total(10), Some((10, 10 + overhead as usize)));
    }
}
