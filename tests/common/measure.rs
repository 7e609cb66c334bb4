//! Memory measurement for tests and the example: a counting global allocator and stack painting.
//!
//! Both use `unsafe`, which the library itself forbids; they are measurement tools only.
#![allow(unsafe_code, dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
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

impl HeapUse {
    /// No allocation at all: what every library operation must report.
    pub const NONE: HeapUse = HeapUse {
        allocations: 0,
        bytes: 0,
    };
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
    /// Depth below the caller's frame of the deepest such byte (0 if none), not counting the
    /// [`SCRUB_CALL`] bytes at the bottom of the used stack: how far down data survives.
    pub residue_depth: usize,
}

/// The bottom of the stack a pqpsk step used may hold the return address and saved registers
/// of its stack scrub's own call to `memset`, below the zeroed array: not the backends' data.
pub const SCRUB_CALL: usize = 128;

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
    let mut deepest_residue = top;
    for addr in (deepest + SCRUB_CALL).min(start)..start {
        // SAFETY: as above.
        let byte = unsafe { std::ptr::read_volatile(addr as *const u8) };
        if byte != PATTERN && byte != 0 {
            deepest_residue = addr;
            break;
        }
    }
    let stack = StackUse {
        peak: top - deepest,
        residue,
        residue_depth: top - deepest_residue,
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

/// Runs `f` under [`count_heap`] and [`peak_stack`], timing `f` alone. Under qemu-user with the
/// instruction-counting plugin, `f` is also a counted region (see [`icount_mark`]); the regions are
/// tagged 1, 2, 3... in the order of the calls.
pub fn measure<T>(f: impl FnOnce() -> T) -> Measured<T> {
    // AtomicU32: 32-bit MIPS has no 64-bit atomics.
    static TAGS: AtomicU32 = AtomicU32::new(1);
    let tag = u64::from(TAGS.fetch_add(1, Ordering::Relaxed));
    let (((out, elapsed), stack), heap) = count_heap(|| {
        peak_stack(|| {
            icount_mark(tag, 0);
            let started = Instant::now();
            let out = f();
            let elapsed = started.elapsed();
            icount_mark(tag, 1);
            (out, elapsed)
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

/// Starts (`phase` 0) or ends (1) the counted region `tag` for the qemu-user instruction counter
/// (`.ci/qemu-icount.c`): a system call with the unused number 4242, which the plugin sees and
/// qemu-user answers with ENOSYS. Only on the targets `.ci/cross --measure` counts; elsewhere, and
/// natively, it does nothing.
#[inline(never)]
pub fn icount_mark(tag: u64, phase: u64) {
    const MARK: u64 = 4242;
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    // SAFETY: a system call the kernel does not implement (ENOSYS); x0 is its only output.
    unsafe {
        std::arch::asm!("svc #0", in("x8") MARK, inout("x0") tag => _, in("x1") phase,
            in("x2") 0u64, options(nostack));
    }
    #[cfg(all(target_os = "linux", target_arch = "arm"))]
    // SAFETY: as above (r0 is the only output); the tag is truncated to 32 bits.
    unsafe {
        std::arch::asm!("svc #0", in("r7") MARK as u32, inout("r0") tag as u32 => _,
            in("r1") phase as u32, in("r2") 0u32, options(nostack));
    }
    #[cfg(all(target_os = "linux", target_arch = "s390x"))]
    // SAFETY: as above (r2 is the only output); numbers above 255 go in r1 with `svc 0`.
    unsafe {
        std::arch::asm!("svc 0", in("r1") MARK, inout("r2") tag => _, in("r3") phase,
            in("r4") 0u64, options(nostack));
    }
    let _ = (MARK, tag, phase);
}
