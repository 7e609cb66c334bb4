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
use super::bm;
use super::encaps::{session_key, E_WORDS, N, T};
use super::fft::{self, Evals, GROUPS, LANES};
use super::gf::GF_BITS;
use super::vec::{self, Lanes, Vec12};
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

/// The Goppa polynomial's coefficients g_0..g_63 (g_64 = 1), bitsliced.
fn goppa_bitsliced(goppa: &[u8]) -> Vec12 {
    let mut g: Vec12 = [0; GF_BITS];
    let (pairs, _) = goppa.as_chunks::<2>();
    for (p, pair) in pairs.iter().enumerate().take(T) {
        let c = u16::from_le_bytes(*pair);
        for (b, plane) in g.iter_mut().enumerate() {
            *plane |= u64::from((c >> b) & 1) << p;
        }
    }
    g
}

/// Inlined on x86_64 with `std`, so that the AVX2 twin of [`decapsulate`] gets its own copy of
/// everything it calls (see src/simd.rs); elsewhere the compiler decides.
macro_rules! hot {
    ($item:item) => {
        #[cfg_attr(
            all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")),
            inline(always)
        )]
        $item
    };
}

hot! {
/// `out = a` with every lane of vector j cleared where `mask[j]` has a 0 bit.
fn masked(out: &mut Evals, a: &Evals, mask: &[u64; 64]) {
    for (g, (o, v)) in out.iter_mut().zip(a.iter()).enumerate() {
        for (po, pv) in o.iter_mut().zip(v.iter()) {
            for (q, (x, y)) in po.iter_mut().zip(pv.iter()).enumerate() {
                *x = y & mask.get(g + GROUPS * q).copied().unwrap_or(0);
            }
        }
    }
}
}

hot! {
/// g(a) at every field element a, into `out`.
fn goppa_values(out: &mut Evals, goppa: &[u8]) {
    let mut g = goppa_bitsliced(goppa);
    fft::fft(out, &g);
    g.zeroize();
    fft::add_x64(out);
}
}

hot! {
/// Every value of `values` squared in place.
fn square_all(values: &mut Evals) {
    for v in values.iter_mut() {
        let x = *v;
        vec::sq_lanes(v, &x);
    }
}
}

// Batch inversion, LANES chains at once (one per lane): tmp[j] = out[0] * ... * out[j], one
// inversion of the totals, then back down, where tmp[j] = 1 / (out[0] ... out[j]) replaces the
// prefix product once the step above has used it.

hot! {
/// tmp[j] = values[0] * ... * values[j].
fn prefix_products(values: &Evals, tmp: &mut Evals) {
    if let (Some(first), Some(t0)) = (values.first(), tmp.first_mut()) {
        *t0 = *first;
    }
    for j in 1..GROUPS {
        let (done, rest) = tmp.split_at_mut(j);
        if let (Some(prev), Some(t), Some(v)) = (done.last(), rest.first_mut(), values.get(j)) {
            vec::mul_lanes(t, prev, v);
        }
    }
}
}

hot! {
/// The last prefix product replaced by its inverse.
fn invert_last(tmp: &mut Evals) {
    // Lane by lane, with one-lane products out of line ([`vec::inv_lanes`]): a small frame on
    // top of decapsulation's 12 KiB, for a few thousand instructions once per decapsulation.
    if let Some(total) = tmp.last_mut() {
        for q in 0..LANES {
            let mut lane: Lanes<1> = [[0]; GF_BITS];
            for (l, plane) in lane.iter_mut().zip(total.iter()) {
                l[0] = plane.get(q).copied().unwrap_or(0);
            }
            let mut inv: Lanes<1> = [[0]; GF_BITS];
            vec::inv_lanes(&mut inv, &lane);
            for (plane, l) in total.iter_mut().zip(inv.iter()) {
                if let Some(x) = plane.get_mut(q) {
                    *x = l[0];
                }
            }
            lane.zeroize();
            inv.zeroize();
        }
    }
}
}

hot! {
/// Going down: values[j] = tmp[j] tmp[j - 1], then tmp[j - 1] = tmp[j] values[j] (old).
fn back_substitute(values: &mut Evals, tmp: &mut Evals) {
    let mut t: Lanes<LANES> = [[0; LANES]; GF_BITS];
    for j in (1..GROUPS).rev() {
        let (below, from_j) = tmp.split_at_mut(j);
        if let (Some(prefix), Some(inv), Some(v)) =
            (below.last_mut(), from_j.first(), values.get_mut(j))
        {
            vec::mul_lanes(&mut t, inv, prefix);
            vec::mul_lanes(prefix, inv, v);
            *v = t;
        }
    }
    if let (Some(v), Some(inv)) = (values.first_mut(), tmp.first()) {
        *v = *inv;
    }
    t.zeroize();
}
}

/// All ones if `x == 0`, else 0.
#[inline]
fn zero_mask(x: u64) -> u64 {
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// The decoder's steps, compiled once per instruction set (see `src/simd.rs`, which picks one):
/// each step's loops are inlined into it, so that the AVX2 twin computes the four-lane products
/// ([`vec::Lanes`]) in 256-bit registers. Four separate functions rather than one: each has its
/// own stack frame, which keeps decapsulation within its 16 KiB of stack.
macro_rules! entry_points {
    ($(#[$isa:meta])*) => {
        use super::{Evals, Vec12};

        /// 1 / g(a)^2 at every field element a, into `out`; `tmp` is scratch.
        $(#[$isa])*
        pub fn inverse_goppa_squares(out: &mut Evals, tmp: &mut Evals, goppa: &[u8]) {
            values(out, goppa);
            squares(out);
            prefix_products(out, tmp);
            invert_last(tmp);
            back_substitute(out, tmp);
        }

        // The evaluation and the batch inversion's three parts, each in a frame of its own: one
        // frame for all of them would sit on top of decapsulation's 12 KiB with the sum of
        // their temporaries.

        /// [`super::goppa_values`]; apart from the squaring, whose four-lane temporaries would
        /// otherwise sit on top of the FFT's frames (Cortex-M4: 1.3 KB more stack).
        #[inline(never)]
        $(#[$isa])*
        fn values(out: &mut Evals, goppa: &[u8]) {
            super::goppa_values(out, goppa);
        }

        /// [`super::square_all`].
        #[inline(never)]
        $(#[$isa])*
        fn squares(out: &mut Evals) {
            super::square_all(out);
        }

        /// [`super::prefix_products`].
        #[inline(never)]
        $(#[$isa])*
        fn prefix_products(values: &Evals, tmp: &mut Evals) {
            super::prefix_products(values, tmp);
        }

        /// [`super::invert_last`].
        #[inline(never)]
        $(#[$isa])*
        fn invert_last(tmp: &mut Evals) {
            super::invert_last(tmp);
        }

        /// [`super::back_substitute`].
        #[inline(never)]
        $(#[$isa])*
        fn back_substitute(values: &mut Evals, tmp: &mut Evals) {
            super::back_substitute(values, tmp);
        }

        /// The 128 power sums sum_a w_a a^j / g(a)^2 of a 0/1 vector `w` (field order), given
        /// 1 / g^2; `tmp` is scratch.
        $(#[$isa])*
        pub fn syndrome(
            out_lo: &mut Vec12,
            out_hi: &mut Vec12,
            inv_g2: &Evals,
            w: &[u64; 64],
            tmp: &mut Evals,
        ) {
            masked_butterflies(inv_g2, w, tmp);
            power_sums(out_lo, out_hi, tmp);
        }

        // The two halves of the transposed FFT, each in a frame of its own (see
        // `inverse_goppa_squares`).

        /// `tmp` = w 1 / g^2, through the transposed butterflies.
        #[inline(never)]
        $(#[$isa])*
        fn masked_butterflies(inv_g2: &Evals, w: &[u64; 64], tmp: &mut Evals) {
            super::masked(tmp, inv_g2, w);
            super::fft::butterflies_tr(tmp);
        }

        /// [`super::fft::power_sums`].
        #[inline(never)]
        $(#[$isa])*
        fn power_sums(out_lo: &mut Vec12, out_hi: &mut Vec12, tmp: &Evals) {
            super::fft::power_sums(out_lo, out_hi, tmp);
        }

        /// The error locator of the syndromes (Berlekamp-Massey).
        $(#[$isa])*
        pub fn locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
            berlekamp_massey(s_lo, s_hi)
        }

        /// [`super::bm::locator`], in a frame of its own: inlined, its state (about 1 KB) sat
        /// in the frame that holds decapsulation's 12 KiB (see `inverse_goppa_squares`).
        #[inline(never)]
        $(#[$isa])*
        fn berlekamp_massey(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
            super::bm::locator(s_lo, s_hi)
        }

        /// The roots of sigma as a 0/1 vector in field order; `tmp` is scratch.
        $(#[$isa])*
        pub fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
            super::roots(word, sigma, tmp);
        }
    };
}

/// For every CPU of the target.
pub mod portable {
    entry_points!();
}

/// For x86_64 CPUs with AVX2 (the same code, compiled with 256-bit vectors).
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
pub mod avx2 {
    entry_points!(#[target_feature(enable = "avx2")]);
}

hot! {
/// `word` bit a = 1 where sigma(a) = 0 (field order); `tmp` is scratch.
fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
    fft::fft(tmp, sigma);
    fft::add_x64(tmp);
    for (j, e) in word.iter_mut().enumerate() {
        *e = !fft::vector(tmp, j).iter().fold(0, |acc, plane| acc | plane);
    }
}
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
        portable::inverse_goppa_squares(out, tmp, goppa);
    }
    fn syndrome(lo: &mut Vec12, hi: &mut Vec12, inv_g2: &Evals, w: &[u64; 64], tmp: &mut Evals) {
        portable::syndrome(lo, hi, inv_g2, w, tmp);
    }
    fn locator(s_lo: &Vec12, s_hi: &Vec12) -> Vec12 {
        portable::locator(s_lo, s_hi)
    }
    fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
        portable::roots(word, sigma, tmp);
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
