//! Key generation of mceliece348864 in caller memory, byte-identical to the reference
//! implementation (and so to classic-mceliece-rust 3.1.0 and the NIST known answers).
//!
//! From a 32-byte seed, each attempt expands `64 || seed` with SHAKE256 into
//! `s (436 B) || field ordering (4096 x u32) || beta (64 x u16) || next seed (32 B)`, then
//! builds the Goppa polynomial from beta, the support from the sorted field ordering, and the
//! public key from the parity-check matrix. An attempt fails when beta has a smaller degree, when
//! the ordering has a repeated value, or when the matrix has no systematic form; the next
//! attempt starts from the next seed. Which attempt succeeds is public; nothing else is branched
//! on or used as an index.
//!
//! Memory: the public and secret keys are written in place; everything else lives in a
//! [`KeygenWorkspace`] of [`KEYGEN_WORKSPACE_LEN`] bytes (wiped before returning) and a few KiB
//! of stack.

use rand_core::CryptoRng;
use shake::{ExtendableOutput, Shake256, Update, XofReader};
use zeroize::Zeroize;

use super::controlbits::{self, CONTROL_BYTES};
use super::gf::{self, Gf};
use super::goppa::{GenpolyScratch, T};
use super::systematic::{self, SBlock, CODE_LEN, FIELD_SIZE, ROWS, S_WORDS};
use crate::simd::{self, sort_u32_with};

/// Bytes of the public key.
pub const PUBLIC_KEY_LEN: usize = systematic::PUBLIC_KEY_LEN;
/// Bytes of the secret key: delta (32) || pivots (8) || g (128) || control bits (5888) || s (436).
pub const SECRET_KEY_LEN: usize = SK_S + CODE_LEN / 8;
/// Bytes of the seed drawn from the RNG.
pub const SEED_LEN: usize = 32;

use super::params::{
    SK_CONTROL_AT as SK_CONTROL, SK_GOPPA_AT as SK_G, SK_PIVOTS_AT as SK_PIVOTS, SK_S_AT as SK_S,
};

/// The pivot field of the non-"f" variants: always the first 32 columns.
const PIVOTS: u64 = 0xFFFF_FFFF;

/// Scratch memory of key generation. Holds secrets while in use; [`keypair`] wipes it before
/// returning. Create it once (`KeygenWorkspace::new()` is `const`, so a `static` works on
/// firmware) and reuse it.
pub struct KeygenWorkspace {
    /// The square block of the parity-check matrix; before that the sort buffer of the field
    /// ordering, after it the work array of the control bits.
    words: SBlock,
    /// The field ordering (a permutation of 0..4096).
    pi: [u16; FIELD_SIZE],
    /// Powers of beta while the Goppa polynomial is computed.
    genpoly: GenpolyScratch,
}

/// Size of a [`KeygenWorkspace`] in bytes.
pub const KEYGEN_WORKSPACE_LEN: usize = core::mem::size_of::<KeygenWorkspace>();

// The work arrays that share `words` fit.
const S_BLOCK_WORDS: usize = ROWS * S_WORDS;
const _: () = assert!(FIELD_SIZE <= S_BLOCK_WORDS && controlbits::TEMP_WORDS <= S_BLOCK_WORDS);

impl KeygenWorkspace {
    /// A zeroed workspace.
    pub const fn new() -> Self {
        KeygenWorkspace {
            words: [[0; S_WORDS]; ROWS],
            pi: [0; FIELD_SIZE],
            genpoly: [[0; T]; T + 1],
        }
    }

    fn wipe(&mut self) {
        self.words.as_flattened_mut().zeroize();
        self.pi.zeroize();
        for row in self.genpoly.iter_mut() {
            row.zeroize();
        }
    }
}

impl Default for KeygenWorkspace {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for KeygenWorkspace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeygenWorkspace { <scratch> }")
    }
}

/// Generates a key pair as classic-mceliece-rust does: draws 32 bytes from `rng` (so the same
/// RNG stream gives the same keys), then [`keypair_from_seed`].
pub fn keypair<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key_out: &mut [u8; PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; SECRET_KEY_LEN],
    workspace: &mut KeygenWorkspace,
) {
    let mut seed = [0u8; SEED_LEN];
    rng.fill_bytes(&mut seed);
    keypair_from_seed(&seed, public_key_out, secret_key_out, workspace);
    seed.zeroize();
}

/// Generates the key pair of `seed` (the reference's `crypto_kem_keypair` after its one RNG
/// call) into the caller's buffers. Returns the number of attempts it took (public: an attacker
/// sees it in the timing anyway; about 3.5 expected).
pub fn keypair_from_seed(
    seed: &[u8; SEED_LEN],
    public_key_out: &mut [u8; PUBLIC_KEY_LEN],
    secret_key_out: &mut [u8; SECRET_KEY_LEN],
    workspace: &mut KeygenWorkspace,
) -> usize {
    let mut input = [0u8; 1 + SEED_LEN];
    input[0] = 64;
    input[1..].copy_from_slice(seed);
    let mut attempts = 1;
    while !attempt(&mut input, public_key_out, secret_key_out, workspace) {
        attempts += 1;
    }
    input.zeroize();
    workspace.wipe();
    attempts
}

/// One attempt from the seed in `input[1..]`, which it replaces with the next seed.
#[allow(clippy::indexing_slicing)] // constant ranges inside the fixed-size key arrays
fn attempt(
    input: &mut [u8; 1 + SEED_LEN],
    pk: &mut [u8; PUBLIC_KEY_LEN],
    sk: &mut [u8; SECRET_KEY_LEN],
    ws: &mut KeygenWorkspace,
) -> bool {
    let mut xof = Shake256::default();
    xof.update(input);
    let mut reader = xof.finalize_xof();

    // s, the implicit-rejection string: straight into its place in the secret key.
    reader.read(&mut sk[SK_S..]);
    // The field ordering: 4096 little-endian u32 (sort keys; pi carries their indices).
    let order = &mut ws.words.as_flattened_mut()[..FIELD_SIZE];
    let mut chunk = [0u8; 4 * 64];
    for words in order.chunks_exact_mut(64) {
        reader.read(&mut chunk);
        for (word, bytes) in words.iter_mut().zip(chunk.chunks_exact(4)) {
            let mut b = [0u8; 4];
            b.copy_from_slice(bytes);
            *word = u32::from_le_bytes(b);
        }
    }
    chunk.zeroize();
    // beta, whose minimal polynomial becomes g.
    let mut beta_bytes = [0u8; 2 * T];
    reader.read(&mut beta_bytes);
    let mut beta = [0 as Gf; T];
    for (b, bytes) in beta.iter_mut().zip(beta_bytes.chunks_exact(2)) {
        *b = gf::load([bytes[0], bytes[1]]);
    }
    beta_bytes.zeroize();
    // delta (this attempt's seed) goes into the key; the next seed replaces it.
    sk[..SK_PIVOTS].copy_from_slice(&input[1..]);
    reader.read(&mut input[1..]);

    let genpoly = simd::goppa_generate(&beta, &mut ws.genpoly);
    beta.zeroize();
    let Some(mut g) = genpoly else {
        return false;
    };
    for (bytes, &c) in sk[SK_G..SK_CONTROL].chunks_exact_mut(2).zip(g.iter()) {
        bytes.copy_from_slice(&gf::store(c));
    }

    let ordered = field_ordering(&mut ws.words, &mut ws.pi);
    if !ordered {
        // ct-check: accepted branch (repeated value in the field ordering, attempt fails)
        g.zeroize();
        return false;
    }
    let systematic = simd::public_key(&g, &ws.pi, &mut ws.words, pk);
    g.zeroize();
    if !systematic {
        // ct-check: accepted branch (no systematic form, attempt fails)
        return false;
    }

    let mut control = [0u8; CONTROL_BYTES];
    let temp: &mut [u32; controlbits::TEMP_WORDS] =
        match (&mut ws.words.as_flattened_mut()[..controlbits::TEMP_WORDS]).try_into() {
            Ok(t) => t,
            // The length is the array's, by construction of the range.
            Err(_) => return false,
        };
    controlbits::control_bits(&mut control, &ws.pi, temp);
    sk[SK_CONTROL..SK_S].copy_from_slice(&control);
    control.zeroize();
    sk[SK_PIVOTS..SK_G].copy_from_slice(&PIVOTS.to_le_bytes());
    true
}

/// Sorts the field ordering (its 4096 values in `words`) and leaves in `pi` the indices in
/// sorted order: the permutation. Returns false when two values are equal (the attempt fails, as
/// in the reference); the check itself is branch-free up to that verdict.
#[allow(clippy::indexing_slicing)] // FIELD_SIZE <= S_BLOCK_WORDS (asserted above)
fn field_ordering(words: &mut SBlock, pi: &mut [u16; FIELD_SIZE]) -> bool {
    let order = &mut words.as_flattened_mut()[..FIELD_SIZE];
    for (i, p) in pi.iter_mut().enumerate() {
        *p = i as u16;
    }
    sort_u32_with(order, pi);
    let mut repeated = 0u32;
    for pair in order.windows(2) {
        let d = u64::from(pair[0] ^ pair[1]);
        // d < 2^32, so d - 1 borrows into bit 63 exactly when d == 0.
        repeated |= (d.wrapping_sub(1) >> 63) as u32;
    }
    repeated == 0
}
