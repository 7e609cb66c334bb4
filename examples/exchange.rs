//! The main job: one full exchange, client and server in one process, printing both sides' PSK,
//! the time of each step, its peak stack and its heap use.
//!
//! `cargo run --release --example exchange`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/measure.rs"]
mod measure;

use std::time::Instant;

use measure::{count_heap, on_big_stack, peak_stack, CountingAlloc};
use pqpsk::sizes::*;
use pqpsk::{respond, ClientSecret, OsRng};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    on_big_stack(run);
}

fn report(step: &str, started: Instant, stack: usize, heap: measure::HeapUse) {
    println!(
        "{step:<28} {:>9.2} ms   peak stack {:>7} bytes   heap {} allocations, {} bytes",
        started.elapsed().as_secs_f64() * 1e3,
        stack,
        heap.allocations,
        heap.bytes
    );
}

fn run() {
    // Buffers, allocated up front (a firmware would put them in statics).
    let mut client = ClientSecret::new_boxed();
    let mut pk_mlkem = [0u8; MLKEM_PUBLIC_KEY_LEN];
    let mut pk_mceliece = pqpsk::mceliece_public_key_buffer();
    let mut ct_mlkem = [0u8; MLKEM_CIPHERTEXT_LEN];
    let mut ct_mceliece = [0u8; MCELIECE_CIPHERTEXT_LEN];

    println!(
        "pqpsk {}: hybrid ML-KEM-1024 + Classic-McEliece-348864",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "request {} bytes (public keys), response {} bytes (ciphertexts)\n",
        MLKEM_PUBLIC_KEY_LEN + MCELIECE_PUBLIC_KEY_LEN,
        MLKEM_CIPHERTEXT_LEN + MCELIECE_CIPHERTEXT_LEN
    );

    let t = Instant::now();
    let ((result, stack), heap) = count_heap(|| {
        peak_stack(|| client.generate(&mut OsRng, &mut pk_mlkem, &mut pk_mceliece[..]))
    });
    result.expect("client key generation");
    report("client: generate key pairs", t, stack, heap);

    let t = Instant::now();
    let ((server_psk, stack), heap) = count_heap(|| {
        peak_stack(|| {
            respond(
                &mut OsRng,
                &pk_mlkem,
                &mut pk_mceliece[..],
                &mut ct_mlkem,
                &mut ct_mceliece,
            )
        })
    });
    let server_psk = server_psk.expect("server respond");
    report("server: encapsulate (respond)", t, stack, heap);

    let t = Instant::now();
    let ((client_psk, stack), heap) =
        count_heap(|| peak_stack(|| client.finish(&ct_mlkem, &ct_mceliece)));
    let client_psk = client_psk.expect("client finish");
    report("client: decapsulate (finish)", t, stack, heap);

    println!();
    println!("server PSK: {}", server_psk.to_base64().as_str());
    println!("client PSK: {}", client_psk.to_base64().as_str());
    if client_psk == server_psk {
        println!(
            "PSKs match: give it to WireGuard with `wg set IFACE peer PUBKEY preshared-key FILE`"
        );
    } else {
        eprintln!("PSKs DIFFER");
        std::process::exit(1);
    }
}
