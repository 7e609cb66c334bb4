//! Our own mceliece348864 key generation (`pqpsk::mce::keygen`): byte-identical to
//! classic-mceliece-rust 3.1.0 for many seeds (including seeds that need several attempts), and
//! within its memory bounds (no heap, at most 16 KiB of stack, the workspace it declares).
//! The NIST known answer for it is checked in tests/kat.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/cmr.rs"]
mod cmr;
#[path = "common/measure.rs"]
mod measure;
#[path = "common/splitmix.rs"]
mod splitmix;

use measure::{measure, on_big_stack, CountingAlloc};
use pqpsk::mce::keygen::{self, KeygenWorkspace, KEYGEN_WORKSPACE_LEN};
use pqpsk::sizes::{MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN};
use splitmix::SplitMix64;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn boxed_pk() -> Box<[u8; MCELIECE_PUBLIC_KEY_LEN]> {
    vec![0u8; MCELIECE_PUBLIC_KEY_LEN]
        .into_boxed_slice()
        .try_into()
        .unwrap()
}

/// Generates with both implementations from the same RNG stream; returns our attempt count.
fn compare(stream: u64, ws: &mut KeygenWorkspace) -> usize {
    let (mut pk_ref, mut sk_ref) = (boxed_pk(), [0u8; MCELIECE_SECRET_KEY_LEN]);
    cmr::keypair(&mut SplitMix64::new(stream), &mut pk_ref, &mut sk_ref);

    // Our keypair draws the same 32 bytes from the same stream...
    let (mut pk, mut sk) = (boxed_pk(), [0u8; MCELIECE_SECRET_KEY_LEN]);
    keygen::keypair(&mut SplitMix64::new(stream), &mut pk, &mut sk, ws);
    assert!(pk == pk_ref, "public key differs for stream {stream}");
    assert_eq!(sk, sk_ref, "secret key differs for stream {stream}");

    // ...and keypair_from_seed with those bytes gives the same keys (and the attempt count).
    let mut seed = [0u8; 32];
    SplitMix64::new(stream).fill(&mut seed);
    let (mut pk2, mut sk2) = (boxed_pk(), [0u8; MCELIECE_SECRET_KEY_LEN]);
    let attempts = keygen::keypair_from_seed(&seed, &mut pk2, &mut sk2, ws);
    assert!(
        pk2 == pk && sk2 == sk,
        "keypair_from_seed differs for stream {stream}"
    );
    attempts
}

#[test]
fn byte_identical_to_classic_mceliece_rust() {
    on_big_stack(|| {
        let mut ws = Box::new(KeygenWorkspace::new());
        let attempts: Vec<usize> = (0..10).map(|s| compare(1000 + s, &mut ws)).collect();
        eprintln!("attempts per stream: {attempts:?}");
        // Coverage, not chance: these fixed streams include keys found on the first attempt
        // and keys that needed three or more (the retry path, seed chaining included).
        assert!(attempts.contains(&1), "attempts {attempts:?}");
        assert!(attempts.iter().any(|&a| a >= 3), "attempts {attempts:?}");
    });
}

// The workspace bound of issue 8 (96 KiB besides the keys), checked at compile time.
const _: () = assert!(KEYGEN_WORKSPACE_LEN <= 96 * 1024);

#[test]
fn workspace_and_stack_within_bounds() {
    let m = on_big_stack(|| {
        let mut ws = Box::new(KeygenWorkspace::new());
        let (mut pk, mut sk) = (boxed_pk(), [0u8; MCELIECE_SECRET_KEY_LEN]);
        let mut rng = SplitMix64::new(7);
        let m = measure(|| keygen::keypair(&mut rng, &mut pk, &mut sk, &mut ws));
        (m.stack, m.heap)
    });
    let (stack, heap) = m;
    eprintln!(
        "mce keygen: peak stack {} B, workspace {KEYGEN_WORKSPACE_LEN} B",
        stack.peak
    );
    assert_eq!(heap.allocations, 0, "key generation allocated");
    assert!(stack.peak <= 16 * 1024, "peak stack {} B", stack.peak);
}
