#![no_main]
//! See `targets::psk_base64` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::psk_base64(data));
