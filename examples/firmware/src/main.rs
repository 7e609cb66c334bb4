//! Bare-metal pqpsk firmware for a Cortex-M4 (QEMU's `mps2-an386`, 4 MiB of RAM): one full
//! exchange per suite of the build, client `generate`, server `respond`, client `finish`, with
//! every buffer in static memory (sized for the largest suite) and no heap. Over semihosting it reports the sizes of its own sections, the peak stack
//! (stack painting) and the SysTick ticks of each operation, and whether both PSKs match; it then
//! exits QEMU with status 0 only if they do. `measure.sh` builds it, runs it and prints the table.
//!
//! Every large buffer is a `static mut` declared at the top of the `#[entry]` function.
//! cortex-m-rt's `#[entry]` macro turns each of those into a safe `&'static mut` local: the entry
//! point runs once and cannot be re-entered, so no other reference can exist. All the statics are
//! zero-initialised, so they land in `.bss` and cost no flash. The only `unsafe` of this crate is
//! the stack painting in `stack.rs`.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod clock;
#[cfg(feature = "libcrux")]
mod libcrux;
mod report;
mod stack;

use core::convert::Infallible;
use core::hint::black_box;
use core::panic::PanicInfo;
use core::ptr::addr_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use pqpsk::mceliece::KeygenWorkspace;
use pqpsk::sizes::{
    HQC_CIPHERTEXT_LEN, MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MCELIECE_SECRET_KEY_LEN,
    MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN,
};
use pqpsk::{ClientSecret, Suite};
use rand_core::{TryCryptoRng, TryRng};

use clock::Clock;
use report::Out;

/// NOT RANDOM. A fixed-seed SplitMix64 counter so that the firmware has *some* `TryCryptoRng` to
/// call; keys made with it are predictable. A real firmware plugs its hardware TRNG in here.
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

extern "C" {
    // Section bounds from cortex-m-rt's link.x; only their addresses are used.
    static __stext: u8;
    static __etext: u8;
    static __srodata: u8;
    static __erodata: u8;
    static __sdata: u8;
    static __edata: u8;
    static __sbss: u8;
    static __ebss: u8;
}

fn report_sections(out: &mut Out) {
    let span = |start: *const u8, end: *const u8| (end as usize - start as usize) as u64;
    let sections = [
        (".text", span(addr_of!(__stext), addr_of!(__etext))),
        (".rodata", span(addr_of!(__srodata), addr_of!(__erodata))),
        (".data", span(addr_of!(__sdata), addr_of!(__edata))),
        (".bss", span(addr_of!(__sbss), addr_of!(__ebss))),
    ];
    for (name, bytes) in sections {
        out.text("section ")
            .text(name)
            .text(" ")
            .num(bytes)
            .text(" bytes")
            .end();
    }
}

/// Runs one operation with its stack painted and its SysTick ticks counted, and reports both
/// and how deep it left data on the stack.
fn step<T>(out: &mut Out, clock: &Clock, name: &str, f: impl FnOnce() -> T) -> T {
    let ((result, ticks), depths) = stack::peak(|| {
        let started = clock.ticks();
        let result = f();
        (result, clock.ticks() - started)
    });
    out.text("op ")
        .text(name)
        .text(" stack ")
        .num(depths.peak as u64)
        .text(" bytes ticks ");
    out.num(ticks).text(" left ").num(depths.left as u64).end();
    result
}

fn fail(out: &mut Out, why: &str) -> ! {
    out.text("FAILED: ").text(why).end();
    exit(false)
}

fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached without a semihosting host that honours the exit call.
    loop {
        core::hint::spin_loop();
    }
}

// cortex-m-rt's #[entry] passes each `static mut` below to the function as an argument.
#[allow(clippy::too_many_arguments)]
#[entry]
fn main() -> ! {
    // Turned into `&'static mut` locals by `#[entry]` (see the module comment).
    static mut CLIENT: ClientSecret = ClientSecret::new();
    // McEliece key generation's scratch: static, so that key generation needs little stack.
    static mut WORKSPACE: KeygenWorkspace = KeygenWorkspace::new();
    static mut PK1: [u8; MLKEM_PUBLIC_KEY_LEN] = [0; MLKEM_PUBLIC_KEY_LEN];
    // The largest second public key (McEliece's) and ciphertext (HQC-256's) of any suite.
    static mut PK2: [u8; MCELIECE_PUBLIC_KEY_LEN] = [0; MCELIECE_PUBLIC_KEY_LEN];
    static mut CT1: [u8; MLKEM_CIPHERTEXT_LEN] = [0; MLKEM_CIPHERTEXT_LEN];
    static mut CT2: [u8; HQC_CIPHERTEXT_LEN] = [0; HQC_CIPHERTEXT_LEN];
    // ML-KEM-1024 alone, measured after the suites: its own seed buffer.
    static mut MLKEM_SEED: [u8; MLKEM_SEED_LEN] = [0; MLKEM_SEED_LEN];
    // McEliece alone, measured last: its own secret key buffer (the suites keep theirs inside
    // `ClientSecret`).
    static mut MCE_SK: [u8; MCELIECE_SECRET_KEY_LEN] = [0; MCELIECE_SECRET_KEY_LEN];
    // With `--features libcrux`: our expanded key, and libcrux's key pair.
    #[cfg(feature = "libcrux")]
    static mut MLKEM_DK: [u8; pqpsk::mlkem::DECAPSULATION_KEY_LEN] =
        [0; pqpsk::mlkem::DECAPSULATION_KEY_LEN];
    #[cfg(feature = "libcrux")]
    static mut LIBCRUX_PAIR: Option<libcrux_ml_kem::mlkem1024::MlKem1024KeyPair> = None;

    let mut out = Out::open();
    out.text("pqpsk firmware: client + server exchange, static buffers, no heap")
        .end();
    report_sections(&mut out);
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        fail(&mut out, "core peripherals already taken")
    };
    let clock = Clock::start(peripherals.SYST);
    let (instructions, ticks) = clock.calibrate();
    out.text("calibration ")
        .num(instructions)
        .text(" instructions ticks ")
        .num(ticks)
        .end();

    let client: &mut ClientSecret = black_box(CLIENT);
    let workspace: &mut KeygenWorkspace = black_box(WORKSPACE);
    for &suite in Suite::ALL {
        out.text("suite ").text(suite.name()).end();
        // black_box: the optimiser must not see the seeds or the buffers' contents.
        let mut client_rng = NotRandom(black_box(0x0123_4567_89AB_CDEF));
        let mut server_rng = NotRandom(black_box(0xFEDC_BA98_7654_3210));
        let pk1 = black_box(&mut PK1[..suite.kem1_public_key_len()]);
        let pk2 = black_box(&mut PK2[..suite.kem2_public_key_len()]);
        let ct1 = black_box(&mut CT1[..suite.kem1_ciphertext_len()]);
        let ct2 = black_box(&mut CT2[..suite.kem2_ciphertext_len()]);

        // Client: the key pairs; the public keys go to the server.
        let generated = step(&mut out, &clock, "generate", || {
            client.generate_in(suite, &mut client_rng, workspace, pk1, pk2)
        });
        if generated.is_err() {
            fail(&mut out, "generate returned an error");
        }

        // Server: encapsulate to the keys, keep its PSK, send the ciphertexts back.
        let responded = step(&mut out, &clock, "respond", || {
            pqpsk::respond_suite(
                suite,
                &mut server_rng,
                black_box(&*pk1),
                black_box(&*pk2),
                ct1,
                ct2,
            )
        });
        let Ok(server_psk) = responded else {
            fail(&mut out, "respond returned an error")
        };

        // Client: decapsulate and derive its PSK.
        let finished = step(&mut out, &clock, "finish", || {
            client.finish(black_box(&*ct1), black_box(&*ct2))
        });
        let Ok(client_psk) = finished else {
            fail(&mut out, "finish returned an error")
        };

        // `==` on Psk is the constant-time comparison.
        if !black_box(client_psk == server_psk) {
            fail(&mut out, "PSKs DIFFER")
        }
    }
    out.text("PSKs match").end();

    // ML-KEM-1024 alone (the backend every suite above calls), in the same buffers.
    out.text("ML-KEM-1024 alone").end();
    let mut client_rng = NotRandom(black_box(0x0123_4567_89AB_CDEF));
    let mut server_rng = NotRandom(black_box(0xFEDC_BA98_7654_3210));
    let rngs = (&mut client_rng, &mut server_rng);
    let Some(shared_secret) = mlkem_alone(&mut out, &clock, rngs, MLKEM_SEED, PK1, CT1) else {
        fail(&mut out, "ML-KEM-1024 secrets DIFFER")
    };
    out.text("ML-KEM-1024 secrets match").end();

    #[cfg(feature = "libcrux")]
    {
        // The message our encapsulation drew: the server RNG's first 32 bytes, replayed.
        let mut message = [0u8; 32];
        let Ok(()) = NotRandom(black_box(0xFEDC_BA98_7654_3210)).try_fill_bytes(&mut message);
        out.text("libcrux-ml-kem portable").end();
        let ours = libcrux::Ours {
            seed: MLKEM_SEED,
            public_key: PK1,
            ciphertext: CT1,
            shared_secret: &shared_secret,
            message,
        };
        if !libcrux::compare(&mut out, &clock, &ours, MLKEM_DK, LIBCRUX_PAIR) {
            fail(&mut out, "libcrux and ours DIFFER");
        }
        out.text("libcrux matches ours").end();
    }
    #[cfg(not(feature = "libcrux"))]
    let _ = shared_secret;

    // Classic McEliece 348864 alone, in the same buffers (its ciphertext in CT2's first bytes).
    out.text("McEliece-348864 alone").end();
    let rngs = (&mut client_rng, &mut server_rng);
    let Some(ct) = CT2.first_chunk_mut::<MCELIECE_CIPHERTEXT_LEN>() else {
        fail(&mut out, "ciphertext buffer too small")
    };
    if !mceliece_alone(&mut out, &clock, rngs, workspace, MCE_SK, PK2, ct) {
        fail(&mut out, "McEliece secrets DIFFER");
    }
    out.text("McEliece secrets match").end();
    exit(true)
}

/// McEliece-348864 key generation (with the caller's workspace), encapsulation and
/// decapsulation, each as its own measured step; true when both sides agree.
fn mceliece_alone(
    out: &mut Out,
    clock: &Clock,
    rngs: (&mut NotRandom, &mut NotRandom),
    workspace: &mut KeygenWorkspace,
    sk: &mut [u8; MCELIECE_SECRET_KEY_LEN],
    pk: &mut [u8; MCELIECE_PUBLIC_KEY_LEN],
    ct: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) -> bool {
    let (client_rng, server_rng) = rngs;
    step(out, clock, "mce-keygen", || {
        pqpsk::mceliece::generate(client_rng, pk, sk, workspace)
    });
    let sent = step(out, clock, "mce-encaps", || {
        pqpsk::mceliece::encapsulate(server_rng, black_box(&*pk), ct)
    });
    let received = step(out, clock, "mce-decaps", || {
        pqpsk::mceliece::decapsulate(black_box(&*sk), black_box(&*ct))
    });
    sent.as_bytes() == received.as_bytes()
}

/// ML-KEM-1024 key generation, encapsulation and decapsulation (from the 64-byte seed), each as
/// its own measured step; the shared secret when both sides agree.
fn mlkem_alone(
    out: &mut Out,
    clock: &Clock,
    rngs: (&mut NotRandom, &mut NotRandom),
    seed: &mut [u8; MLKEM_SEED_LEN],
    pk: &mut [u8; MLKEM_PUBLIC_KEY_LEN],
    ct: &mut [u8; MLKEM_CIPHERTEXT_LEN],
) -> Option<[u8; 32]> {
    let (client_rng, server_rng) = rngs;
    step(out, clock, "mlkem-keygen", || {
        pqpsk::mlkem::generate(client_rng, seed, pk)
    });
    let sent = step(out, clock, "mlkem-encaps", || {
        pqpsk::mlkem::encapsulate(server_rng, black_box(&*pk), ct)
    });
    let received = step(out, clock, "mlkem-decaps", || {
        pqpsk::mlkem::decapsulate(black_box(&*seed), black_box(&*ct))
    });
    match sent {
        Ok(sent) if sent.as_bytes() == received.as_bytes() => Some(*sent.as_bytes()),
        _ => None,
    }
}

/// With `panic = "abort"` nothing unwinds. A panic (none is expected) is reported and fails the run.
#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    Out::open().text("FAILED: panic").end();
    exit(false)
}
