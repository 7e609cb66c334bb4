#![no_main]
//! See `targets::roundtrip` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::roundtrip(data));
