#![no_main]
//! See `targets::check_confirmation` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::check_confirmation(data));
