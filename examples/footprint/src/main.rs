//! Size probe: one full pqpsk exchange (client generate, server respond, client finish, compare)
//! in a `no_std`, no-alloc firmware for thumbv7em-none-eabihf. Built only to be measured with
//! `size`/`nm` (see `measure.sh`); it is not a demo of how to deploy pqpsk.
//!
//! Every large buffer lives in a `static mut` declared at the top of the `#[entry]` function.
//! cortex-m-rt's `#[entry]` macro turns each of those into a safe `&'static mut` local: the entry
//! point runs once and cannot be re-entered, so no other reference can exist. The only `unsafe` is
//! inside that macro's expansion; this file writes none. All the statics are zero-initialised, so
//! they land in `.bss` and cost no flash.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::convert::Infallible;
use core::hint::black_box;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use pqpsk::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
};
use pqpsk::ClientSecret;
use rand_core::{TryCryptoRng, TryRng};

/// NOT RANDOM. A fixed-seed SplitMix64 counter so that the binary has *some* `TryCryptoRng` to
/// call. It exists only so the exchange can be compiled and measured; keys made with it are
/// predictable. A real firmware plugs its hardware TRNG in here.
struct NotRandom(u64);

impl TryRng for NotRandom {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        // Keep the high half: the better-mixed bits.
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let word = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// Marker only: see the type's comment, this is not a cryptographic RNG.
impl TryCryptoRng for NotRandom {}

/// What the exchange ended with, for a debugger to read: 0 still running, 1 the PSKs match,
/// 2 they differ, 3/4/5 generate/respond/finish returned an error. `#[used]`: nothing in the
/// program reads it, and without the attribute LTO drops the static and its stores.
#[used]
static OUTCOME: AtomicU32 = AtomicU32::new(0);

const MATCH: u32 = 1;
const MISMATCH: u32 = 2;
const GENERATE_FAILED: u32 = 3;
const RESPOND_FAILED: u32 = 4;
const FINISH_FAILED: u32 = 5;

fn halt(outcome: u32) -> ! {
    OUTCOME.store(outcome, Ordering::SeqCst);
    loop {
        core::hint::spin_loop();
    }
}

#[entry]
fn main() -> ! {
    // Turned into `&'static mut` locals by `#[entry]` (see the module comment).
    static mut CLIENT: ClientSecret = ClientSecret::new();
    static mut MLKEM_PK: [u8; MLKEM_PUBLIC_KEY_LEN] = [0; MLKEM_PUBLIC_KEY_LEN];
    static mut MCELIECE_PK: [u8; MCELIECE_PUBLIC_KEY_LEN] = [0; MCELIECE_PUBLIC_KEY_LEN];
    static mut MLKEM_CT: [u8; MLKEM_CIPHERTEXT_LEN] = [0; MLKEM_CIPHERTEXT_LEN];
    static mut MCELIECE_CT: [u8; MCELIECE_CIPHERTEXT_LEN] = [0; MCELIECE_CIPHERTEXT_LEN];

    // black_box: the optimiser must not see the seeds or the buffers' contents.
    let mut client_rng = NotRandom(black_box(0x0123_4567_89AB_CDEF));
    let mut server_rng = NotRandom(black_box(0xFEDC_BA98_7654_3210));
    let client: &mut ClientSecret = black_box(CLIENT);
    let mlkem_pk: &mut [u8] = black_box(&mut MLKEM_PK[..]);
    let mceliece_pk: &mut [u8] = black_box(&mut MCELIECE_PK[..]);
    let mlkem_ct: &mut [u8] = black_box(&mut MLKEM_CT[..]);
    let mceliece_ct: &mut [u8] = black_box(&mut MCELIECE_CT[..]);

    // Client: both key pairs; the public keys go to the server.
    if client
        .generate(&mut client_rng, mlkem_pk, mceliece_pk)
        .is_err()
    {
        halt(GENERATE_FAILED);
    }

    // Server: encapsulate to both keys, keep its PSK, send both ciphertexts back.
    let server_psk = match pqpsk::respond(
        &mut server_rng,
        black_box(&*mlkem_pk),
        black_box(&mut *mceliece_pk),
        mlkem_ct,
        mceliece_ct,
    ) {
        Ok(psk) => psk,
        Err(_) => halt(RESPOND_FAILED),
    };

    // Client: decapsulate both and derive its PSK.
    let client_psk = match client.finish(black_box(&*mlkem_ct), black_box(&*mceliece_ct)) {
        Ok(psk) => psk,
        Err(_) => halt(FINISH_FAILED),
    };

    // `==` on Psk is the constant-time comparison.
    if black_box(client_psk == server_psk) {
        halt(MATCH)
    } else {
        halt(MISMATCH)
    }
}

/// With `panic = "abort"` nothing unwinds; a panic (none is expected) just stops here.
#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
