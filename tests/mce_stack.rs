//! Our own mceliece348864 (`pqpsk::mce`): peak stack of encapsulation and decapsulation, measured
//! by stack painting, within the 16 KiB bound of issue 8; and no heap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/measure.rs"]
mod measure;
#[path = "common/test_rng.rs"]
mod test_rng;

use measure::{measure, on_big_stack, CountingAlloc, HeapUse};
use pqpsk::mce::{decaps, encaps};
use pqpsk::sizes::*;
use test_rng::FixedRng;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The bound issue 8 sets for every McEliece operation.
const STACK_BOUND: usize = 16 * 1024;

const NONE: HeapUse = HeapUse::NONE;

#[test]
fn encapsulation_and_decapsulation_fit_in_16_kib_of_stack() {
    on_big_stack(|| {
        let mut pk = pqpsk::mceliece_public_key_buffer();
        let mut sk = Box::new([0u8; MCELIECE_SECRET_KEY_LEN]);
        let mut ws = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
        pqpsk::mceliece::generate(&mut FixedRng::new(1), &mut pk, &mut sk, &mut ws);

        let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
        let enc = measure(|| encaps::encapsulate(&mut FixedRng::new(2), &pk, &mut ct));
        let dec = measure(|| decaps::decapsulate(&sk, &ct));
        assert_eq!(enc.out.as_bytes(), dec.out.as_bytes());
        // A rejected ciphertext takes the same path (no branch on the verdict).
        ct[0] ^= 1;
        let rejected = measure(|| decaps::decapsulate(&sk, &ct));
        assert_ne!(rejected.out.as_bytes(), dec.out.as_bytes());

        println!(
            "pqpsk::mce peak stack: encapsulate {} B, decapsulate {} B (rejecting: {} B)",
            enc.stack.peak, dec.stack.peak, rejected.stack.peak
        );
        for (name, m) in [
            ("encapsulate", &enc.stack),
            ("decapsulate", &dec.stack),
            ("decapsulate (rejecting)", &rejected.stack),
        ] {
            // Painting must have seen the operation at all (its arrays are kilobytes).
            assert!(m.peak > 1024, "{name}: implausible peak {} B", m.peak);
            assert!(
                m.peak <= STACK_BOUND,
                "{name}: peak stack {} B exceeds {STACK_BOUND} B",
                m.peak
            );
        }
        assert_eq!(enc.heap, NONE, "encapsulate");
        assert_eq!(dec.heap, NONE, "decapsulate");
    });
}
