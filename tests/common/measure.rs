//! Memory measurement for tests and the example: a counting global allocator and stack painting.
//!
//! Both use `unsafe`, which the library itself forbids; they are measurement tools only.
#![allow(unsafe_code, dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Counts allocations made by threads that opted in with [`count_heap`]. Counters are per
/// thread, so tests running in parallel do not see each other's allocations.
pub struct CountingAlloc;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn record(bytes: usize) {
    if COUNTING.try_with(|c| c.get()).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        let _ = BYTES.try_with(|b| b.set(b.get() + bytes));
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Heap use of one call on this thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapUse {
    pub allocations: usize,
    pub bytes: usize,
}

/// Runs `f` and reports the allocations this thread made meanwhile (needs `CountingAlloc` to be
/// the global allocator).
pub fn count_heap<T>(f: impl FnOnce() -> T) -> (T, HeapUse) {
    let (a0, b0) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    let used = HeapUse {
        allocations: ALLOCATIONS.with(Cell::get) - a0,
        bytes: BYTES.with(Cell::get) - b0,
    };
    (out, used)
}

/// How much stack is painted below the caller's frame; the thread running [`peak_stack`] must
/// have at least this much plus [`STACK_MARGIN`].
pub const PAINTED: usize = 1536 * 1024;
/// Headroom for the frames above the painted region.
pub const STACK_MARGIN: usize = 512 * 1024;
const PATTERN: u8 = 0xA5;

/// What an operation left on the stack.
#[derive(Debug, Clone, Copy)]
pub struct StackUse {
    /// Peak stack below the caller's frame, in bytes.
    pub peak: usize,
    /// Bytes found afterwards in the painted region that are neither the paint pattern nor zero:
    /// data that dead frames did not wipe.
    pub residue: usize,
}

/// Runs `f` and returns its result with the stack it used, found by painting the stack below the
/// current frame with a pattern and looking for overwritten bytes afterwards.
/// Call it on a thread whose stack is at least `PAINTED + STACK_MARGIN` bytes.
#[inline(never)]
pub fn peak_stack<T>(f: impl FnOnce() -> T) -> (T, StackUse) {
    let marker = 0u8;
    let top = std::hint::black_box(&marker) as *const u8 as usize;
    // Leave 256 bytes for this frame's own spills below the marker.
    let start = top - 256;
    let bottom = start - PAINTED;
    for addr in bottom..start {
        // SAFETY: [bottom, start) lies inside this thread's stack (see PAINTED/STACK_MARGIN) and
        // below every live frame, so no Rust object lives there.
        unsafe { std::ptr::write_volatile(addr as *mut u8, PATTERN) };
    }
    let out = call(f);
    let mut deepest = start;
    let mut residue = 0;
    for addr in bottom..start {
        // SAFETY: as above; the region is mapped stack memory.
        let byte = unsafe { std::ptr::read_volatile(addr as *const u8) };
        if byte != PATTERN {
            deepest = deepest.min(addr);
            residue += usize::from(byte != 0);
        }
    }
    let stack = StackUse {
        peak: top - deepest,
        residue,
    };
    (out, stack)
}

/// One operation, measured: its result, its own run time (painting and scanning excluded), its
/// stack and the heap it used on this thread.
pub struct Measured<T> {
    pub out: T,
    pub elapsed: Duration,
    pub stack: StackUse,
    pub heap: HeapUse,
}

/// Runs `f` under [`count_heap`] and [`peak_stack`], timing `f` alone.
pub fn measure<T>(f: impl FnOnce() -> T) -> Measured<T> {
    let (((out, elapsed), stack), heap) = count_heap(|| {
        peak_stack(|| {
            let started = Instant::now();
            let out = f();
            (out, started.elapsed())
        })
    });
    Measured {
        out,
        elapsed,
        stack,
        heap,
    }
}

#[inline(never)]
fn call<T>(f: impl FnOnce() -> T) -> T {
    std::hint::black_box(f())
}

/// Runs `f` on a fresh thread with a stack large enough for [`peak_stack`].
pub fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(PAINTED + STACK_MARGIN)
        .spawn(f)
        .expect("spawn measuring thread")
        .join()
        .expect("measuring thread panicked")
}
