//! Peak stack of one operation, by painting: every word between the bottom of the stack
//! (`_stack_end`, just above `.bss`) and a little below the current stack pointer is filled with a
//! pattern, the operation runs, and the lowest word that no longer holds the pattern is its
//! deepest point. An exception taken meanwhile (SysTick, see `clock`) adds its frame, at most a
//! few hundred bytes, to whatever depth the operation had reached.
#![allow(unsafe_code)]

use core::ptr::{addr_of, read_volatile, write_volatile};

const PATTERN: u32 = 0xCCCC_CCCC;
/// Left unpainted below the caller's stack pointer for `paint`'s own frame.
const GUARD: usize = 256;

extern "C" {
    /// Lowest address the stack may grow to (cortex-m-rt's link.x: the end of `.bss`/`.uninit`).
    static _stack_end: u32;
}

/// Runs `f` and returns its result with the peak stack it used, in bytes below this frame.
#[inline(never)]
pub fn peak<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = addr_of!(_stack_end) as usize;
    let top = (sp - GUARD) & !3;
    paint(bottom, top);
    let out = call(f);
    let deepest = scan(bottom, top);
    (out, sp - deepest)
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

/// The lowest word in [bottom, top) that does not hold the pattern (`top` if none).
#[inline(never)]
fn scan(bottom: usize, top: usize) -> usize {
    for addr in (bottom..top).step_by(4) {
        // SAFETY: as in `paint`; the frames that used this region have returned.
        if unsafe { read_volatile(addr as *const u32) } != PATTERN {
            return addr;
        }
    }
    top
}

#[inline(never)]
fn call<T>(f: impl FnOnce() -> T) -> T {
    core::hint::black_box(f())
}
