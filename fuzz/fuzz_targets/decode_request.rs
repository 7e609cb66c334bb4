#![no_main]
//! See `targets::decode_request` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::decode_request(data));
