//! An elapsed-tick counter from SysTick, clocked by the core clock (25 MHz on QEMU's mps2-an386).
//! Under `qemu-system-arm -icount shift=0` QEMU advances its virtual clock by exactly 1 ns per
//! executed instruction, so one tick is 40 instructions there; without `-icount` the ticks follow
//! the host's clock and mean little. (QEMU does not emulate the DWT cycle counter.) `calibrate`
//! times a loop of known length so that the ratio need not be taken on trust.

use core::arch::asm;
use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

/// SysTick counts down from this 24-bit reload value and then raises its exception.
const RELOAD: u32 = 0x00FF_FFFF;

/// Completed SysTick periods. Only the exception handler writes it (no read-modify-write
/// atomics needed, so this also builds for thumbv6m).
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Owns SysTick while it counts.
pub struct Clock(SYST);

impl Clock {
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(RELOAD);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        // The current value reads 0 until the counter has loaded RELOAD: wait, so that the first
        // reading is not mistaken for the end of a period.
        while SYST::get_current() == 0 {
            core::hint::spin_loop();
        }
        Clock(syst)
    }

    /// Core-clock ticks since `start`.
    pub fn ticks(&self) -> u64 {
        loop {
            let before = WRAPS.load(Ordering::Relaxed);
            let current = SYST::get_current();
            // A wrap between the two loads would pair the new count with the old period.
            if WRAPS.load(Ordering::Relaxed) == before {
                return u64::from(before) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current);
            }
        }
    }

    /// Runs a loop of exactly `2 * LOOPS` instructions and returns (instructions, ticks).
    #[allow(unsafe_code)]
    pub fn calibrate(&self) -> (u64, u64) {
        const LOOPS: u32 = 5_000_000;
        let started = self.ticks();
        // SAFETY: two instructions per iteration (subtract, branch) on a scratch register; no
        // memory, no stack, flags are declared clobbered by default.
        unsafe {
            asm!("2:", "subs {n}, {n}, #1", "bne 2b", n = inout(reg) LOOPS => _,
                 options(nomem, nostack));
        }
        (2 * u64::from(LOOPS), self.ticks() - started)
    }
}
