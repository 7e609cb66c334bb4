//! The IVPN suites' buffer API never touches the heap either (feature `ivpn`): a counting global
//! allocator watches a full exchange of each variant; peak stack is printed for the record
//! (README's IVPN section quotes the Kyber-only figures).
#![cfg(feature = "ivpn")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/measure.rs"]
mod measure;
#[path = "common/test_rng.rs"]
mod test_rng;

use measure::{measure, on_big_stack, CountingAlloc, HeapUse};
use pqpsk::{respond_suite, ClientSecret, Suite};
use test_rng::FixedRng;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const NONE: HeapUse = HeapUse::NONE;

#[test]
fn ivpn_exchanges_allocate_nothing() {
    on_big_stack(|| {
        for suite in [Suite::IvpnKyber1024McEliece348864, Suite::IvpnKyber1024] {
            let mut client = Box::new(ClientSecret::new());
            let mut pk1 = vec![0u8; suite.kem1_public_key_len()];
            let mut pk2 = vec![0u8; suite.kem2_public_key_len()];
            let mut ct1 = vec![0u8; suite.kem1_ciphertext_len()];
            let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];

            let keygen =
                measure(|| client.generate_suite(suite, &mut FixedRng::new(1), &mut pk1, &mut pk2));
            keygen.out.unwrap();
            assert_eq!(keygen.heap, NONE, "{suite}: generate_suite");

            let responded = measure(|| {
                respond_suite(suite, &mut FixedRng::new(2), &pk1, &pk2, &mut ct1, &mut ct2)
            });
            assert_eq!(responded.heap, NONE, "{suite}: respond_suite");
            let server = responded.out.unwrap();

            let finished = measure(|| client.finish(&ct1, &ct2));
            assert_eq!(finished.heap, NONE, "{suite}: finish");
            assert_eq!(finished.out.unwrap(), server);

            let stacks = (keygen.stack.peak, responded.stack.peak, finished.stack.peak);
            println!(
                "{suite}: peak stack generate {} B, respond {} B, finish {} B",
                stacks.0, stacks.1, stacks.2
            );
            if !suite.has_kem2() {
                // Without McEliece, Kyber alone stays far below the hybrid's figures.
                assert!(stacks.0 < 200_000 && stacks.1 < 200_000 && stacks.2 < 200_000);
            }
        }
    });
}
