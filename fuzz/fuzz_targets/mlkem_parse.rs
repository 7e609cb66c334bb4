#![no_main]
//! See `targets::mlkem_parse` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::mlkem_parse(data));
