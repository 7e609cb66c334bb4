#![no_main]
//! See `targets::finish_bound_from_wire` for what is checked.

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::finish_bound_from_wire(data));
