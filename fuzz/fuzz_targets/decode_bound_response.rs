#![no_main]
//! See `targets::decode_bound_response` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::decode_bound_response(data));
