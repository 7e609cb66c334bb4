//! The main job: one full exchange, client and server in one process, printing both sides' PSK,
//! the time of each step, its peak stack and its heap use.
//!
//! `cargo run --release --example exchange`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/measure.rs"]
mod measure;

use measure::{measure, on_big_stack, CountingAlloc, Measured};
use pqpsk::sizes::*;
use pqpsk::{respond, ClientSecret, SysRng};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    on_big_stack(run);
}

/// Prints one step's figures and returns its result.
fn report<T>(step: &str, m: Measured<T>) -> T {
    println!(
        "{step:<28} {:>9.2} ms   peak stack {:>7} bytes   heap {} allocations, {} bytes",
        m.elapsed.as_secs_f64() * 1e3,
        m.stack.peak,
        m.heap.allocations,
        m.heap.bytes
    );
    m.out
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

    let generated = measure(|| client.generate(&mut SysRng, &mut pk_mlkem, &mut pk_mceliece[..]));
    report("client: generate key pairs", generated).expect("client key generation");

    let responded = measure(|| {
        respond(
            &mut SysRng,
            &pk_mlkem,
            &pk_mceliece[..],
            &mut ct_mlkem,
            &mut ct_mceliece,
        )
    });
    let server_psk = report("server: encapsulate (respond)", responded).expect("server respond");

    let finished = measure(|| client.finish(&ct_mlkem, &ct_mceliece));
    let client_psk = report("client: decapsulate (finish)", finished).expect("client finish");

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
