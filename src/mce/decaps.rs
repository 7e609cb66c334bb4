//! Decapsulation of mceliece348864: decode the syndrome with the secret Goppa code, check the
//! result, and hash either the error vector or (implicit rejection) the secret string s.
//!
//! Byte-identical to the reference implementation for every ciphertext. The decoder works on
//! all 4096 field elements at once in the order of the additive FFT (see `fft`), never building
//! the support: the Benes network moves the received word into that order and the error vector
//! back.
//! 1. r = (c, 0, ..., 0) in field order; g evaluated everywhere (FFT), 1 / g^2 by one batch
//!    inversion.
//! 2. Syndrome S_j = sum r_a a^j / g(a)^2, j < 128: a transposed FFT.
//! 3. Error locator by Berlekamp-Massey, its roots by an FFT: e_a = 1 where sigma(a) = 0.
//! 4. Accept iff e has weight 64 both over all field elements and over the 3488 code positions,
//!    and e has the syndrome S. This is the reference's verdict: a nonzero degree-64 sigma has at
//!    most 64 roots, and a weight-64 error with syndrome S is unique, so any correct decoder finds
//!    the same e or none.
//!
//! Everything secret (the key's polynomial and control bits, the error vector, the verdict) only
//! meets AND, XOR, shifts by public amounts and popcounts: no branch, no index.

use zeroize::Zeroize;

use super::benes;
use super::encaps::{session_key, E_WORDS, N, T};
use super::fft::{self, Evals};
use super::gf::GF_BITS;
use super::vec::Vec12;
use crate::secret::SharedSecret;
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_SECRET_KEY_LEN};

/// Secret key layout: seed (32), pivots (8), Goppa polynomial (2 t), control bits, s (n / 8).
use super::params::{SK_CONTROL_AT as COND_AT, SK_GOPPA_AT as GOPPA_AT, SK_S_AT as S_AT};
const _: () = assert!(COND_AT + benes::COND_BYTES == S_AT);

/// The parts of the secret key the decoder reads.
struct KeyParts<'a> {
    goppa: &'a [u8],
    cond: &'a [u8; benes::COND_BYTES],
    s: &'a [u8],
}

fn key_parts(sk: &[u8; MCELIECE_SECRET_KEY_LEN]) -> KeyParts<'_> {
    let (_, rest) = sk.split_at(GOPPA_AT);
    let (goppa, rest) = rest.split_at(COND_AT - GOPPA_AT);
    let (cond, s) = rest.split_at(benes::COND_BYTES);
    // `cond` has exactly COND_BYTES bytes (the split above), so the conversion cannot fail; the
    // empty fallback keeps the code free of panics all the same.
    const EMPTY: [u8; benes::COND_BYTES] = [0; benes::COND_BYTES];
    KeyParts {
        goppa,
        cond: cond.try_into().unwrap_or(&EMPTY),
        s,
    }
}

/// Little-endian value of up to 8 bytes.
fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Little-endian 64-bit words of `bytes` into `out` (missing bytes are zero).
fn load_words(out: &mut [u64], bytes: &[u8]) {
    out.fill(0);
    for (i, b) in bytes.iter().enumerate() {
        if let Some(w) = out.get_mut(i / 8) {
            *w |= u64::from(*b) << (8 * (i % 8));
        }
    }
}

/// All ones if `x == 0`, else 0.
#[inline]
fn zero_mask(x: u64) -> u64 {
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// Decapsulates `ciphertext` with `secret_key`. An invalid or tampered ciphertext gives the
/// pseudorandom SHAKE256(0 || s || c) (implicit rejection), never an error.
///
/// The decoder's steps run on the best code for this CPU (src/simd.rs).
pub fn decapsulate(
    secret_key: &[u8; MCELIECE_SECRET_KEY_LEN],
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    decapsulate_with::<Dispatched>(secret_key, ciphertext)
}

/// The decoder's steps on one instruction set: [`Dispatched`] (the best for this CPU, through
/// src/simd.rs) or, for the tests, [`Portable`].
trait Steps {
    fn inverse_goppa_squares(out: &mut Evals, tmp: &mut Evals, goppa: &[u8]);
    fn syndrome(lo: &mut Vec12, hi: &mut Vec12, inv_g2: &Evals, w: &[u64; 64], tmp: &mut Evals);
    fn locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12;
    fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals);
}

/// The steps on the best code for this CPU.
struct Dispatched;

impl Steps for Dispatched {
    fn inverse_goppa_squares(out: &mut Evals, tmp: &mut Evals, goppa: &[u8]) {
        crate::simd::mce_inverse_goppa_squares(out, tmp, goppa);
    }
    fn syndrome(lo: &mut Vec12, hi: &mut Vec12, inv_g2: &Evals, w: &[u64; 64], tmp: &mut Evals) {
        crate::simd::mce_syndrome128(lo, hi, inv_g2, w, tmp);
    }
    fn locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
        crate::simd::mce_locator(s_lo, s_hi)
    }
    fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
        crate::simd::mce_roots(word, sigma, tmp);
    }
}

/// The portable steps on every CPU (to test them against the AVX2 twins).
#[cfg(test)]
struct Portable;

#[cfg(test)]
impl Steps for Portable {
    fn inverse_goppa_squares(out: &mut Evals, tmp: &mut Evals, goppa: &[u8]) {
        super::decoder::portable::inverse_goppa_squares(out, tmp, goppa);
    }
    fn syndrome(lo: &mut Vec12, hi: &mut Vec12, inv_g2: &Evals, w: &[u64; 64], tmp: &mut Evals) {
        super::decoder::portable::syndrome(lo, hi, inv_g2, w, tmp);
    }
    fn locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
        super::decoder::portable::locator(s_lo, s_hi)
    }
    fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
        super::decoder::portable::roots(word, sigma, tmp);
    }
}

/// [`decapsulate`] with the decoder's steps `S`.
fn decapsulate_with<S: Steps>(
    secret_key: &[u8; MCELIECE_SECRET_KEY_LEN],
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    let key = key_parts(secret_key);
    // One 4096-bit word serves three times: the received word, the error vector in field order,
    // then in code order.
    let mut word = [0u64; 64];
    load_words(&mut word, ciphertext);
    benes::apply_inverse(&mut word, key.cond);
    let diff = decode::<S>(&mut word, key.goppa);
    let weight_all: u32 = word.iter().map(|w| w.count_ones()).sum();

    benes::apply(&mut word, key.cond);
    // Code positions are 0..N: the last code word holds N % 64 of them.
    if let Some(last) = word.get_mut(E_WORDS - 1) {
        *last &= (1u64 << (N % 64)) - 1;
    }
    let weight_code: u32 = word.iter().map(|w| w.count_ones()).sum();

    let check = u64::from(weight_all ^ T as u32) | u64::from(weight_code ^ T as u32) | diff;
    // Opaque to the optimiser, which could otherwise turn the selection below into a branch.
    let ok = core::hint::black_box(zero_mask(check));

    let secret = hash_selected(&word, ok, key.s, ciphertext);
    word.zeroize();
    secret
}

/// The session key of `e` if `ok` is all ones, else of `s` (implicit rejection). Out of line,
/// so that the hash's state and buffer are not in the frame below [`decode`].
#[inline(never)]
fn hash_selected(
    word: &[u64; 64],
    ok: u64,
    s: &[u8],
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    // The hashed string: e if the check passed, else s from the secret key (streamed into the
    // hash, word by word).
    let (s_words, _) = s.as_chunks::<8>();
    let s_last = s.get(8 * s_words.len()..).unwrap_or_default();
    let s_iter = s_words
        .iter()
        .map(|c| u64::from_le_bytes(*c))
        .chain(core::iter::once(le_u64(s_last)));
    let preimage = word
        .iter()
        .zip(s_iter)
        .map(|(ew, sw)| (ew & ok) | (sw & !ok));
    session_key((ok & 1) as u8, preimage, ciphertext)
}

/// The decoder: `word` (the received word in field order) becomes the error vector in field
/// order; returns 0 if the error's syndrome equals the received word's. Out of line, so that its
/// frame holds the two `Evals` (12 KiB) and little else: the key handling, the Benes network
/// and the hashing around it use stack beside them, not on top (Cortex-M4: 16 KiB in all).
#[inline(never)]
fn decode<S: Steps>(word: &mut [u64; 64], goppa: &[u8]) -> u64 {
    let mut inv_g2: Evals = fft::ZERO;
    let mut tmp: Evals = fft::ZERO;
    S::inverse_goppa_squares(&mut inv_g2, &mut tmp, goppa);

    let (mut s_lo, mut s_hi) = ([0; GF_BITS], [0; GF_BITS]);
    S::syndrome(&mut s_lo, &mut s_hi, &inv_g2, word, &mut tmp);

    let mut sigma = S::locator(&s_lo, &s_hi);
    S::roots(word, &sigma, &mut tmp);
    sigma.zeroize();

    let (mut c_lo, mut c_hi) = ([0; GF_BITS], [0; GF_BITS]);
    S::syndrome(&mut c_lo, &mut c_hi, &inv_g2, word, &mut tmp);
    inv_g2.zeroize();
    tmp.zeroize();
    let mut diff = 0u64;
    for (a, b) in s_lo
        .iter()
        .chain(s_hi.iter())
        .zip(c_lo.iter().chain(c_hi.iter()))
    {
        diff |= a ^ b;
    }
    for v in [&mut s_lo, &mut s_hi, &mut c_lo, &mut c_hi] {
        v.zeroize();
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mce::encaps::encapsulate;
    use crate::rng::{Expander, Purpose};
    use crate::sizes::MCELIECE_PUBLIC_KEY_LEN;
    use std::boxed::Box;
    use std::vec;

    fn reference_keypair(
        seed: u8,
    ) -> (
        Box<[u8; MCELIECE_PUBLIC_KEY_LEN]>,
        Box<[u8; MCELIECE_SECRET_KEY_LEN]>,
    ) {
        let mut pk: Box<[u8; MCELIECE_PUBLIC_KEY_LEN]> = vec![0u8; MCELIECE_PUBLIC_KEY_LEN]
            .into_boxed_slice()
            .try_into()
            .unwrap();
        let mut sk = Box::new([0u8; MCELIECE_SECRET_KEY_LEN]);
        let mut rng = Expander::new(Purpose::Keygen, &[seed; 32]);
        crate::mce::reference::keypair(&mut rng, &mut pk, &mut sk);
        (pk, sk)
    }

    /// Valid ciphertexts, the same ones with 1..3 bits flipped, and random ones: our secret must
    /// equal classic-mceliece-rust's in every case (implicit rejection included).
    #[test]
    fn matches_classic_mceliece_rust() {
        let mut x: u64 = 7;
        for key_seed in [1u8, 2] {
            let (pk, sk) = reference_keypair(key_seed);
            for seed in 0..24u8 {
                let mut stream = [seed; 32];
                stream[0] = key_seed;
                let mut rng = Expander::new(Purpose::Encapsulate, &stream);
                let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
                let sent = encapsulate(&mut rng, &pk, &mut ct);
                let ours = decapsulate(&sk, &ct);
                assert_eq!(ours.as_bytes(), sent.as_bytes(), "valid, seed {seed}");

                let mut bad = ct;
                for _ in 0..=(seed % 3) {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let bit = (x >> 33) as usize % (8 * MCELIECE_CIPHERTEXT_LEN);
                    bad[bit / 8] ^= 1 << (bit % 8);
                }
                if seed % 4 == 3 {
                    for b in bad.iter_mut() {
                        x = x
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        *b = (x >> 40) as u8;
                    }
                }
                let ours = decapsulate(&sk, &bad);
                let theirs = crate::mce::reference::decapsulate(&sk, &bad);
                assert_eq!(ours.as_bytes(), &theirs, "corrupted, seed {seed}");
                // The dispatched path is the AVX2 twin where the CPU has it: the portable one
                // must agree with it (and so with the reference) too.
                for c in [&ct, &bad] {
                    let portable = decapsulate_with::<Portable>(&sk, c);
                    let dispatched = decapsulate(&sk, c);
                    assert_eq!(portable.as_bytes(), dispatched.as_bytes(), "seed {seed}");
                }
                assert_ne!(ours.as_bytes(), sent.as_bytes());
            }
        }
    }

    /// Ciphertexts made from chosen error vectors of weight 0, 1, 63, 64 and 65: only weight 64
    /// decodes (secret SHAKE256(1 || e || c)); all agree with classic-mceliece-rust.
    #[test]
    fn weight_check_on_crafted_errors() {
        let (pk, sk) = reference_keypair(5);
        let mut x: u64 = 11;
        for weight in [0usize, 1, 63, 64, 65, 64] {
            let mut e = [0u64; E_WORDS];
            let mut set = 0;
            while set < weight {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let pos = (x >> 33) as usize % N;
                if e[pos / 64] >> (pos % 64) & 1 == 0 {
                    e[pos / 64] |= 1 << (pos % 64);
                    set += 1;
                }
            }
            let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
            crate::mce::encaps::syndrome(&pk, &e, &mut ct);
            let ours = decapsulate(&sk, &ct);
            let theirs = crate::mce::reference::decapsulate(&sk, &ct);
            assert_eq!(ours.as_bytes(), &theirs, "weight {weight}");
            let accepted = session_key(1, e.iter().copied(), &ct);
            assert_eq!(
                ours.as_bytes() == accepted.as_bytes(),
                weight == T,
                "weight {weight}"
            );
        }
    }
}
