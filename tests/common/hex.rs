//! Hex text for known-answer files: NIST `.rsp` records use uppercase, digests lowercase.
#![allow(dead_code)] // each test binary that includes this file uses only some of it

use core::fmt::Write as _;

fn hex(bytes: &[u8], upper: bool) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = if upper {
            write!(s, "{b:02X}")
        } else {
            write!(s, "{b:02x}")
        };
    }
    s
}

pub fn upper(bytes: &[u8]) -> String {
    hex(bytes, true)
}

pub fn lower(bytes: &[u8]) -> String {
    hex(bytes, false)
}
