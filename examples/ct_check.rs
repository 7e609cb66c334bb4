//! Constant-time check under valgrind memcheck.
//!
//! Every byte the RNG hands out is marked *undefined* with memcheck's client request
//! `MAKE_MEM_UNDEFINED`, right after it was written. Memcheck follows undefinedness through every
//! computation, so each conditional branch on a secret ("Conditional jump or move depends on
//! uninitialised value(s)") and each memory address computed from a secret ("Use of uninitialised
//! value of size N") becomes an error report with a stack trace. What is public by design is
//! declassified with `MAKE_MEM_DEFINED`: the public keys after key generation, the ciphertexts
//! after encapsulation, and the final yes/no of a comparison or a PSK text that is printed.
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --example ct_check
//! valgrind --error-exitcode=1 --track-origins=yes target/release/examples/ct_check PHASE
//! ```
//!
//! `PHASE` is one of
//! - `keygen`: `ClientSecret::generate` (ML-KEM and McEliece key generation, the RNG expansion);
//! - `respond`: `pqpsk::respond` (both encapsulations, the combiner); key generation runs with a
//!   public RNG first;
//! - `finish`: `ClientSecret::finish` (both decapsulations, the combiner); the client secret comes
//!   from a public-RNG key generation, exported and re-imported with its secret keys marked
//!   undefined;
//! - `mce-encaps`: the crate's own McEliece encapsulation (`pqpsk::mce::encaps`) to a public key of
//!   random bytes (the computation does not depend on the key being valid), with secret RNG
//!   output (the error vector);
//! - `mce-decaps`: the crate's own McEliece decapsulation (`pqpsk::mce::decaps`) of a random
//!   ciphertext and of the all-zero one, with a secret key of secret random bytes (the decoder
//!   runs the same instructions for any key);
//! - `mlkem-keygen`, `mlkem-encaps`, `mlkem-decaps`: our own ML-KEM-1024 (`pqpsk::mlkem`) alone:
//!   key generation and key expansion from secret RNG bytes; encapsulation of a secret message to
//!   a public key; decapsulation from a secret seed and from the expanded key, of an honest
//!   ciphertext and of a tampered one (implicit rejection);
//! - `confirm`: protocol 2 (`pqpsk::confirm`): `respond_bound` with a secret RNG,
//!   `ClientSecret::finish_bound_response` with the secret keys marked undefined, and both
//!   sides' `Confirmation` (key derivation from the PSK, tags, their checks); the messages that
//!   go on the wire are declassified, as is the yes/no of each check;
//! - `psk`: `Psk::to_base64`, `Psk::from_base64`, `Psk::ct_eq` on a PSK made of RNG bytes;
//! - `all`: the whole exchange with a secret RNG throughout, then the `psk` steps on its PSKs;
//! - `selftest`: a deliberate secret-dependent branch and table lookup in this program, which
//!   memcheck *must* report (so a CI job can check that the check can fail);
//! - `selftest-nested`: a deliberate secret-dependent branch in an RNG that classic-mceliece-rust
//!   calls, which must be reported although classic-mceliece-rust is on the stack.
//! - `mce-keygen`: our own McEliece key generation (`pqpsk::mce::keygen::keypair`), three keys
//!   from secret seeds (first one needing several attempts); run by .ci/ct-check.
//!
//! With `RUSTFLAGS="--cfg pqpsk_force_portable"` (in its own target directory) the crate's
//! dispatch never picks an AVX2 twin, so the same phases check the portable code, which every ARM
//! router runs, on an AVX2 machine; .ci/ct-check runs the ML-KEM, McEliece and `finish` phases so.
//!
//! Outside valgrind the client requests do nothing and the program just runs the exchange. On
//! targets other than x86_64 they are no-ops, so there the program checks nothing.
// A test harness: a failed expectation is a panic, and its indices are fixed by the layout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/common/splitmix.rs"]
mod splitmix;
use splitmix::SplitMix64;

use std::convert::Infallible;
use std::process::ExitCode;

use pqpsk::sizes::{
    CLIENT_SECRET_LEN, MCELIECE_CIPHERTEXT_LEN, MCELIECE_SECRET_KEY_LEN, MLKEM_CIPHERTEXT_LEN,
    MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN, PSK_BASE64_LEN, PSK_LEN,
};
use pqpsk::{ClientSecret, Psk, PskBase64};
use rand_core::{TryCryptoRng, TryRng};

/// Valgrind client requests (valgrind.h, memcheck.h), written out for x86_64.
mod vg {
    /// `VG_USERREQ_TOOL_BASE('M','C')`.
    const MEMCHECK_BASE: u64 = ((b'M' as u64) << 24) | ((b'C' as u64) << 16);
    /// `VG_USERREQ__MAKE_MEM_UNDEFINED`.
    const MAKE_MEM_UNDEFINED: u64 = MEMCHECK_BASE + 1;
    /// `VG_USERREQ__MAKE_MEM_DEFINED`.
    const MAKE_MEM_DEFINED: u64 = MEMCHECK_BASE + 2;
    /// `VG_USERREQ__RUNNING_ON_VALGRIND`.
    const RUNNING_ON_VALGRIND: u64 = 0x1001;
    /// `VG_USERREQ__COUNT_ERRORS`.
    const COUNT_ERRORS: u64 = 0x1201;

    /// `VALGRIND_DO_CLIENT_REQUEST_EXPR`: returns `default` when not running under valgrind.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn request(default: u64, request: u64, arg1: u64, arg2: u64) -> u64 {
        let args: [u64; 6] = [request, arg1, arg2, 0, 0, 0];
        let mut result = default;
        // SAFETY: the "special instruction preamble" rotates rdi by 3+13+61+51 = 128 bits, which
        // leaves it unchanged, and `xchg rbx, rbx` changes nothing: on a real CPU the sequence is
        // a no-op. Valgrind recognises it, reads the six words at rax and writes its answer to
        // rdx. The requests used here change only memcheck's shadow state, never memory; the asm
        // is still a compiler memory barrier (no `nomem`), so no load or store of a buffer being
        // marked moves across it.
        unsafe {
            core::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") result,
                options(nostack),
            );
        }
        result
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    fn request(default: u64, _request: u64, _arg1: u64, _arg2: u64) -> u64 {
        default
    }

    /// Marks `len` bytes at `ptr` as undefined: memcheck reports every branch and address
    /// computed from them.
    pub fn make_undefined(ptr: *const u8, len: usize) {
        request(0, MAKE_MEM_UNDEFINED, ptr as u64, len as u64);
    }

    /// Marks `len` bytes at `ptr` as defined (declassifies them).
    pub fn make_defined(ptr: *const u8, len: usize) {
        request(0, MAKE_MEM_DEFINED, ptr as u64, len as u64);
    }

    /// Marks a whole value as undefined.
    pub fn poison<T: ?Sized>(value: &mut T) {
        make_undefined(
            core::ptr::from_mut(value).cast::<u8>(),
            core::mem::size_of_val(value),
        );
    }

    /// Marks a whole value as defined.
    pub fn declassify<T: ?Sized>(value: &mut T) {
        make_defined(
            core::ptr::from_mut(value).cast::<u8>(),
            core::mem::size_of_val(value),
        );
    }

    /// Declassifies a boolean result (a comparison's outcome is public).
    pub fn declassify_bool(value: bool) -> bool {
        let mut cell = value;
        declassify(&mut cell);
        // SAFETY: `cell` is a live, initialised local. Reading it back from the memory the
        // request marked (rather than from a register copy) yields the declassified value.
        unsafe { core::ptr::read_volatile(&cell) }
    }

    /// Whether the program runs under valgrind (0 outside).
    pub fn running_on_valgrind() -> u64 {
        request(0, RUNNING_ON_VALGRIND, 0, 0)
    }

    /// Errors memcheck has reported so far (suppressed ones not counted); 0 outside valgrind.
    pub fn error_count() -> u64 {
        request(0, COUNT_ERRORS, 0, 0)
    }
}

/// A deterministic RNG (SplitMix64 from a fixed seed) whose output is secret: every buffer it
/// fills is marked undefined right after it was filled. With `secret == false` it is an ordinary
/// RNG, for the steps that run before the one under test.
struct TestRng {
    words: SplitMix64,
    secret: bool,
}

impl TestRng {
    fn secret(seed: u64) -> Self {
        TestRng {
            words: SplitMix64::new(seed),
            secret: true,
        }
    }

    fn public(seed: u64) -> Self {
        TestRng {
            words: SplitMix64::new(seed),
            secret: false,
        }
    }
}

impl TryRng for TestRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.words.fill(dst);
        if self.secret {
            vg::poison(dst);
        }
        Ok(())
    }
}

impl TryCryptoRng for TestRng {}

/// A rand_core 0.6 RNG (what classic-mceliece-rust takes) that branches on its own secret output:
/// the nested self-test.
struct BranchingRng06(TestRng);

impl rand_core_06::RngCore for BranchingRng06 {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let Ok(()) = self.0.try_fill_bytes(dest);
        if let Some(first) = dest.first() {
            secret_branch(*first);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core_06::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core_06::CryptoRng for BranchingRng06 {}

/// A branch on `byte` that the optimiser cannot turn into a conditional move.
#[inline(never)]
fn secret_branch(byte: u8) {
    if std::hint::black_box(byte) == 0 {
        println!("  (selftest: the secret byte is zero)");
    }
}

/// A table lookup at an address computed from `byte`.
#[inline(never)]
fn secret_lookup(byte: u8) -> u8 {
    static TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).rotate_left(3);
            i += 1;
        }
        t
    };
    let index = usize::from(std::hint::black_box(byte));
    // black_box the result too, or the unused load is optimised away.
    std::hint::black_box(std::hint::black_box(&TABLE)[index])
}

struct Buffers {
    client: Box<ClientSecret>,
    pk_mlkem: [u8; MLKEM_PUBLIC_KEY_LEN],
    pk_mceliece: Box<[u8; pqpsk::sizes::MCELIECE_PUBLIC_KEY_LEN]>,
    ct_mlkem: [u8; MLKEM_CIPHERTEXT_LEN],
    ct_mceliece: [u8; MCELIECE_CIPHERTEXT_LEN],
}

impl Buffers {
    fn new() -> Box<Self> {
        Box::new(Buffers {
            client: ClientSecret::new_boxed(),
            pk_mlkem: [0; MLKEM_PUBLIC_KEY_LEN],
            pk_mceliece: pqpsk::mceliece_public_key_buffer(),
            ct_mlkem: [0; MLKEM_CIPHERTEXT_LEN],
            ct_mceliece: [0; MCELIECE_CIPHERTEXT_LEN],
        })
    }

    /// Key generation; the public keys are declassified (the client sends them in clear).
    fn generate(&mut self, rng: &mut TestRng) {
        self.client
            .generate(rng, &mut self.pk_mlkem, &mut self.pk_mceliece[..])
            .expect("generate");
        vg::declassify(&mut self.pk_mlkem);
        vg::declassify(&mut self.pk_mceliece[..]);
    }

    /// Encapsulation; the ciphertexts are declassified (the server sends them in clear).
    fn respond(&mut self, rng: &mut TestRng) -> Psk {
        let psk = pqpsk::respond(
            rng,
            &self.pk_mlkem,
            &self.pk_mceliece[..],
            &mut self.ct_mlkem,
            &mut self.ct_mceliece,
        )
        .expect("respond");
        vg::declassify(&mut self.ct_mlkem);
        vg::declassify(&mut self.ct_mceliece);
        psk
    }

    fn finish(&mut self) -> Psk {
        self.client
            .finish(&self.ct_mlkem, &self.ct_mceliece)
            .expect("finish")
    }

    /// Replaces the client's secret keys by the same bytes marked undefined (export, poison the
    /// ML-KEM seed and the McEliece secret key, import). The public-key digest stays defined.
    fn poison_client_secret(&mut self) {
        let mut exported = vec![0u8; CLIENT_SECRET_LEN];
        let n = self.client.export_into(&mut exported).expect("export");
        assert_eq!(n, CLIENT_SECRET_LEN);
        // Layout (ClientSecret::export_into): magic (4), ML-KEM seed, McEliece secret key, digest.
        let secret = &mut exported[4..4 + MLKEM_SEED_LEN + MCELIECE_SECRET_KEY_LEN];
        vg::poison(secret);
        self.client.import(&exported).expect("import");
        exported.fill(0);
    }
}

/// Runs one step and says how many new memcheck errors it caused.
fn step<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let before = vg::error_count();
    let out = f();
    let new = vg::error_count() - before;
    println!("step {name:<38} new memcheck errors: {new}");
    out
}

/// The base64 round trip and the comparisons, on secret PSKs `a == b` and `c != a`.
fn psk_steps(a: &Psk, b: &Psk, c: &Psk) {
    let text: PskBase64 = step("Psk::to_base64", || a.to_base64());
    let decoded = step("Psk::from_base64(PskBase64::as_str)", || {
        Psk::from_base64(text.as_str()).expect("from_base64")
    });
    let same = step("Psk::ct_eq (equal)", || {
        vg::declassify_bool(decoded.ct_eq(b))
    });
    let differ = step("Psk::ct_eq (different)", || vg::declassify_bool(a.ct_eq(c)));
    assert!(same, "the PSKs differ");
    assert!(!differ, "different PSKs compare equal");

    // Printing: declassify the text (a PskBase64 is exactly its 44 bytes).
    let mut printable = text.clone();
    assert_eq!(core::mem::size_of::<PskBase64>(), PSK_BASE64_LEN);
    vg::declassify(&mut printable);
    println!("PSK (declassified for printing): {}", printable.as_str());
}

fn secret_psk(rng: &mut TestRng) -> Psk {
    let mut bytes = [0u8; PSK_LEN];
    let Ok(()) = rng.try_fill_bytes(&mut bytes);
    Psk::from_bytes(bytes)
}

fn run(phase: &str) -> Result<(), String> {
    let mut secret_rng = TestRng::secret(0x0123_4567_89ab_cdef);
    let mut public_rng = TestRng::public(0xfedc_ba98_7654_3210);
    match phase {
        "keygen" => {
            let mut b = Buffers::new();
            step("ClientSecret::generate", || b.generate(&mut secret_rng));
        }
        "respond" => {
            let mut b = Buffers::new();
            b.generate(&mut public_rng);
            step("respond", || b.respond(&mut secret_rng));
        }
        "finish" => {
            let mut b = Buffers::new();
            b.generate(&mut public_rng);
            let server = b.respond(&mut public_rng);
            b.poison_client_secret();
            let client = step("ClientSecret::finish", || b.finish());
            let same = step("Psk::ct_eq (client, server)", || {
                vg::declassify_bool(client.ct_eq(&server))
            });
            assert!(same, "client and server PSKs differ");
        }
        "confirm" => {
            use pqpsk::confirm::{self, Confirmation};
            let suite = pqpsk::Suite::default();
            let mut b = Buffers::new();
            let mut request = vec![0u8; pqpsk::wire::MAX_REQUEST_LEN];
            let n = b
                .client
                .generate_request(&mut public_rng, &mut request)
                .expect("generate_request");
            let request = &request[..n];
            let digest = confirm::request_digest(request);
            let mut response = vec![0u8; confirm::MAX_BOUND_RESPONSE_LEN];
            let (m, server) = step("confirm::respond_bound", || {
                confirm::respond_bound(&mut secret_rng, request, &mut response)
                    .expect("respond_bound")
            });
            // Sent in clear.
            vg::declassify(&mut response[..m]);
            let response = &response[..m];
            b.poison_client_secret();
            let client = step("ClientSecret::finish_bound_response", || {
                b.client
                    .finish_bound_response(&digest, response)
                    .expect("finish_bound_response")
            });
            let client_side = step("Confirmation::new (client)", || {
                Confirmation::new(&client, &digest, response)
            });
            let server_side = step("Confirmation::new (server)", || {
                Confirmation::new(&server, &digest, response)
            });
            let mut tag = [0u8; confirm::CLIENT_CONFIRM_LEN];
            let t = step("Confirmation::encode_client", || {
                client_side.encode_client(suite, &mut tag).expect("encode")
            });
            vg::declassify(&mut tag[..t]);
            let ok = step("Confirmation::check_client", || {
                server_side.check_client(suite, &tag[..t]).is_ok()
            });
            assert!(vg::declassify_bool(ok), "the client's tag was refused");
            let mut reply = [0u8; confirm::SERVER_CONFIRM_LEN];
            let r = step("Confirmation::encode_server", || {
                server_side
                    .encode_server(suite, true, &mut reply)
                    .expect("encode")
            });
            vg::declassify(&mut reply[..r]);
            let applied = step("Confirmation::check_server", || {
                client_side
                    .check_server(suite, &reply[..r])
                    .unwrap_or(false)
            });
            assert!(vg::declassify_bool(applied), "the server's tag was refused");
        }
        "mce-encaps" => {
            let mut pk = pqpsk::mceliece_public_key_buffer();
            let Ok(()) = public_rng.try_fill_bytes(&mut pk[..]);
            let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
            step("mce::encaps::encapsulate", || {
                pqpsk::mce::encaps::encapsulate(&mut secret_rng, &pk, &mut ct)
            });
        }
        "mce-decaps" => {
            let mut sk = Box::new([0u8; MCELIECE_SECRET_KEY_LEN]);
            let Ok(()) = secret_rng.try_fill_bytes(&mut sk[..]);
            let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
            let Ok(()) = public_rng.try_fill_bytes(&mut ct);
            step("mce::decaps::decapsulate (random ciphertext)", || {
                pqpsk::mce::decaps::decapsulate(&sk, &ct)
            });
            // The all-zero ciphertext decodes (to e = 0, which the weight check rejects).
            let zero = [0u8; MCELIECE_CIPHERTEXT_LEN];
            step("mce::decaps::decapsulate (zero ciphertext)", || {
                pqpsk::mce::decaps::decapsulate(&sk, &zero)
            });
        }
        "mlkem-keygen" => {
            let (mut seed, mut pk) = ([0u8; MLKEM_SEED_LEN], [0u8; MLKEM_PUBLIC_KEY_LEN]);
            step("mlkem::generate", || {
                pqpsk::mlkem::generate(&mut secret_rng, &mut seed, &mut pk)
            });
            let mut dk = [0u8; pqpsk::mlkem::DECAPSULATION_KEY_LEN];
            step("mlkem::expand_decapsulation_key", || {
                pqpsk::mlkem::expand_decapsulation_key(&seed, &mut dk)
            });
        }
        "mlkem-encaps" => {
            let (mut seed, mut pk) = ([0u8; MLKEM_SEED_LEN], [0u8; MLKEM_PUBLIC_KEY_LEN]);
            pqpsk::mlkem::generate(&mut public_rng, &mut seed, &mut pk);
            let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
            step("mlkem::encapsulate", || {
                pqpsk::mlkem::encapsulate(&mut secret_rng, &pk, &mut ct)
            })
            .expect("valid key");
        }
        "mlkem-decaps" => {
            // A seed of secret bytes, its public key declassified (it is sent in clear); an
            // honest ciphertext and, for implicit rejection, a tampered one.
            let (mut seed, mut pk) = ([0u8; MLKEM_SEED_LEN], [0u8; MLKEM_PUBLIC_KEY_LEN]);
            pqpsk::mlkem::generate(&mut secret_rng, &mut seed, &mut pk);
            vg::declassify(&mut pk);
            let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
            let sent = pqpsk::mlkem::encapsulate(&mut public_rng, &pk, &mut ct).expect("valid key");
            vg::declassify(&mut ct);
            let mut dk = [0u8; pqpsk::mlkem::DECAPSULATION_KEY_LEN];
            pqpsk::mlkem::expand_decapsulation_key(&seed, &mut dk);
            // The embedded key and its hash are public; s and z stay secret.
            vg::declassify(&mut dk[1536..3136]);
            let mut tampered = ct;
            tampered[MLKEM_CIPHERTEXT_LEN - 1] ^= 1;
            for (name, c) in [("honest", &ct), ("tampered: implicit rejection", &tampered)] {
                let got = step(&format!("mlkem::decapsulate (seed, {name})"), || {
                    pqpsk::mlkem::decapsulate(&seed, c)
                });
                let key = pqpsk::mlkem::DecapsulationKey::parse(&dk).expect("own key");
                let expanded = step(
                    &format!("mlkem::DecapsulationKey::decapsulate ({name})"),
                    || key.decapsulate(c),
                );
                let agree = vg::declassify_bool(got.as_bytes() == expanded.as_bytes());
                let accepted = vg::declassify_bool(got.as_bytes() == sent.as_bytes());
                assert!(agree && accepted == (c == &ct), "ML-KEM {name}");
            }
        }
        "psk" => {
            let a = secret_psk(&mut secret_rng);
            let b = a.clone();
            let c = secret_psk(&mut secret_rng);
            psk_steps(&a, &b, &c);
        }
        "all" => {
            let mut b = Buffers::new();
            step("ClientSecret::generate", || b.generate(&mut secret_rng));
            let server = step("respond", || b.respond(&mut secret_rng));
            let client = step("ClientSecret::finish", || b.finish());
            let other = secret_psk(&mut secret_rng);
            psk_steps(&client, &server, &other);
        }
        "selftest" => {
            // Two secret bytes: memcheck marks a value defined once it has complained about it.
            let mut byte = [0u8; 2];
            let Ok(()) = secret_rng.try_fill_bytes(&mut byte);
            step("selftest: branch on a secret", || secret_branch(byte[0]));
            step("selftest: lookup at a secret index", || {
                secret_lookup(byte[1])
            });
        }
        "selftest-nested" => {
            let mut b = Buffers::new();
            b.generate(&mut public_rng);
            let pk = classic_mceliece_rust::PublicKey::from(&mut *b.pk_mceliece);
            let mut ss = [0u8; 32];
            step("selftest: branch in an RNG under McEliece", || {
                let (ct, _ss) = classic_mceliece_rust::encapsulate(
                    &pk,
                    &mut ss,
                    &mut BranchingRng06(TestRng::secret(7)),
                );
                ct.as_array()[0]
            });
        }
        "mce-keygen" => {
            let mut ws = Box::new(pqpsk::mce::keygen::KeygenWorkspace::new());
            let mut pk = pqpsk::mceliece_public_key_buffer();
            let mut sk = [0u8; MCELIECE_SECRET_KEY_LEN];
            for i in 0..3 {
                step(&format!("mce::keygen::keypair #{i}"), || {
                    pqpsk::mce::keygen::keypair(&mut secret_rng, &mut pk, &mut sk, &mut ws)
                });
                vg::declassify(&mut pk[..]);
            }
        }
        other => {
            return Err(format!(
                "unknown phase {other:?}: keygen, respond, finish, mce-keygen, mce-encaps, \
                 mce-decaps, mlkem-keygen, mlkem-encaps, mlkem-decaps, psk, all, selftest or \
                 selftest-nested"
            ))
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let phase = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if vg::running_on_valgrind() == 0 {
        eprintln!("ct_check: not running under valgrind, nothing is checked");
    }
    println!("ct_check phase {phase}");
    // Built with `RUSTFLAGS="--cfg pqpsk_force_portable"` (.ci/ct-check's second run), the crate
    // runs its portable code on this CPU too: what every ARM router runs.
    if cfg!(pqpsk_force_portable) {
        println!("code checked: portable (--cfg pqpsk_force_portable)");
    } else {
        println!("code checked: the best for this CPU (its AVX2 twins where it has AVX2)");
    }
    // Key generation needs about 100 KB of stack, the HQC suite up to about 240 KB (no_std.md):
    // give it plenty.
    let worker = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || run(&phase))
        .expect("spawn");
    match worker.join() {
        Ok(Ok(())) => {
            println!("memcheck errors in total: {}", vg::error_count());
            ExitCode::SUCCESS
        }
        Ok(Err(message)) => {
            eprintln!("ct_check: {message}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(3),
    }
}
