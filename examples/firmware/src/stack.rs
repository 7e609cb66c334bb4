//! Peak stack of one operation, by painting: every word between the bottom of the stack
//! (`_stack_end`, just above `.bss`) and a little below the current stack pointer is filled with a
//! pattern, the operation runs, and the lowest word that no longer holds the pattern is its
//! deepest point. An exception taken meanwhile (SysTick, see `clock`) adds its frame, at most a
//! few hundred bytes, to whatever depth the operation had reached.
//!
//! The same scan finds how deep the operation left data behind: the lowest word that holds
//! neither the pattern nor zero. pqpsk's steps wipe the stack their backends used, so that depth
//! should stay within the steps' own frames (measure.sh checks it).
#![allow(unsafe_code)]

use core::ptr::{addr_of, read_volatile, write_volatile};

const PATTERN: u32 = 0xCCCC_CCCC;
/// Left unpainted below the caller's stack pointer for `paint`'s own frame.
const GUARD: usize = 256;
/// The bottom of the stack a pqpsk step used may hold the return address and saved registers
/// of its stack scrub's own call to `memset`, below the zeroed array: not the backends' data, so
/// `Depths::left` does not count it (tests/common/measure.rs does the same on the host).
const SCRUB_CALL: usize = 128;

extern "C" {
    /// Lowest address the stack may grow to (cortex-m-rt's link.x: the end of `.bss`/`.uninit`).
    static _stack_end: u32;
}

/// What one operation did to the stack, in bytes below the measuring frame.
pub struct Depths {
    /// The deepest word it wrote.
    pub peak: usize,
    /// The deepest word it left holding data (neither the pattern nor zero), not counting the
    /// bottom [`SCRUB_CALL`] bytes of what it used; 0 if none.
    pub left: usize,
}

/// Runs `f` and returns its result with the stack it used.
#[inline(never)]
pub fn peak<T>(f: impl FnOnce() -> T) -> (T, Depths) {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = addr_of!(_stack_end) as usize;
    let top = (sp - GUARD) & !3;
    paint(bottom, top);
    let out = call(f);
    let deepest = scan(bottom, top, |word| word != PATTERN);
    let above_call = (deepest + SCRUB_CALL).min(top);
    let left = scan(above_call, top, |word| word != PATTERN && word != 0);
    let depth = |addr: usize| if addr == top { 0 } else { sp - addr };
    let depths = Depths {
        peak: sp - deepest,
        left: depth(left),
    };
    (out, depths)
}

#[inline(never)]
fn paint(bottom: usize, top: usize) {
    for addr in (bottom..top).step_by(4) {
        // SAFETY: [bottom, top) is RAM between the end of the static data and GUARD bytes below
        // the live frames (this leaf function's frame is far smaller than GUARD), so no Rust
        // object lives there; the addresses are 4-byte aligned (link.x asserts it for
        // `_stack_end`, `top` is rounded down).
        unsafe { write_volatile(addr as *mut u32, PATTERN) };
    }
}

/// The lowest word in [bottom, top) for which `found` holds (`top` if none).
#[inline(never)]
fn scan(bottom: usize, top: usize, found: impl Fn(u32) -> bool) -> usize {
    for addr in (bottom..top).step_by(4) {
        // SAFETY: as in `paint`; the frames that used this region have returned.
        if found(unsafe { read_volatile(addr as *const u32) }) {
            return addr;
        }
    }
    top
}

#[inline(never)]
fn call<T>(f: impl FnOnce() -> T) -> T {
    core::hint::black_box(f())
}
