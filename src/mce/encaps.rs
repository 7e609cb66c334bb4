//! Encapsulation of mceliece348864: a random error vector of weight t, its syndrome under the
//! public key, and SHAKE256(1 || e || c) as the shared secret.
//!
//! Byte-identical to the reference implementation (and classic-mceliece-rust) for the same RNG
//! stream: the error positions are drawn exactly as the reference draws them (256 bytes per
//! attempt, the first 64 of the 128 little-endian 12-bit values that are below n, the attempt
//! rejected if fewer than 64 qualify or two coincide), but without branches or memory indices that
//! depend on the drawn values. The only branch on them is the accept/reject verdict of an attempt,
//! as in the reference: a rejected attempt is discarded and says nothing about the accepted one.

use rand_core::CryptoRng;
use shake::{ExtendableOutput, Shake256, Update, XofReader};
use zeroize::Zeroize;

use crate::simd::sort_u32;

use crate::secret::SharedSecret;
use crate::sizes::{MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, SHARED_SECRET_LEN};

pub use super::params::{E_BYTES, E_WORDS, N, PK_ROW_BYTES, ROWS, T};
use super::syndrome::syndrome_u32x4;
/// Bytes the reference draws from the RNG per attempt at an error vector: 2t values of 2 bytes.
const DRAW_BYTES: usize = 4 * T;

// The non-identity columns start on a word boundary of the error vector.
const _: () = assert!(ROWS.is_multiple_of(64));

/// 1 if `a == b`, else 0, without a branch.
#[inline]
pub(crate) fn eq_bit(a: u32, b: u32) -> u32 {
    // a ^ b is below 2^32, so (a ^ b) - 1 borrows into bit 63 only when it is 0.
    (u64::from(a ^ b).wrapping_sub(1) >> 63) as u32
}

/// 1 if `a < b`, else 0, without a branch.
#[inline]
pub(crate) fn lt_bit(a: u32, b: u32) -> u32 {
    (u64::from(a).wrapping_sub(u64::from(b)) >> 63) as u32
}

/// Draws the t error positions as the reference does. Writes them into `ind` and returns once an
/// attempt is accepted.
///
/// The reference keeps the first t of the 2t values that are below n. Here each value's final
/// slot is its index minus the number of rejected values before it (secret), and the accepted
/// values are moved there by a fixed compaction network: stage b moves every accepted value down
/// by 2^b when bit b of its count is set. After stages 0..=b an accepted value i sits at
/// i - (z_i mod 2^(b+1)), where z_i counts the rejected values before i; for accepted i < j,
/// j - i >= 1 + z_j - z_i, so these positions stay distinct and no two values ever meet. Every
/// stage reads and writes every word (from one buffer into the other, which vectorises), so
/// memory access and time do not depend on the values.
fn draw_positions<R: CryptoRng + ?Sized>(rng: &mut R, ind: &mut [u16; T]) {
    let mut bytes = [0u8; DRAW_BYTES];
    // Per value: the value (bits 0..12), its count z (bits 16..24) and "accepted" (bit 31).
    let mut words = [0u32; 2 * T];
    let mut moved = [0u32; 2 * T];
    loop {
        rng.fill_bytes(&mut bytes);
        let (pairs, _) = bytes.as_chunks::<2>();
        let mut rejected: u32 = 0;
        for (word, pair) in words.iter_mut().zip(pairs) {
            let v = u32::from(u16::from_le_bytes(*pair) & 0x0FFF);
            let ok = lt_bit(v, N as u32);
            *word = v | (rejected << 16) | (ok << 31);
            rejected += 1 - ok;
        }
        let (mut cur, mut next) = (&mut words, &mut moved);
        for b in 0..COUNT_BITS {
            let d = 1usize << b;
            // Position p takes the word at p (if it stays) or at p + d (if that one moves).
            let stays = |w: u32| w & ((w >> 31) & !(w >> (16 + b)) & 1).wrapping_neg();
            let comes = |w: u32| w & ((w >> 31) & (w >> (16 + b)) & 1).wrapping_neg();
            let (low, high) = next.split_at_mut(2 * T - d);
            let (_, above) = cur.split_at(d);
            for ((out, &here), &up) in low.iter_mut().zip(cur.iter()).zip(above) {
                *out = stays(here) | comes(up);
            }
            for (out, &here) in high.iter_mut().zip(cur.iter().skip(2 * T - d)) {
                *out = stays(here);
            }
            core::mem::swap(&mut cur, &mut next);
        }
        for (slot, w) in ind.iter_mut().zip(cur.iter()) {
            *slot = (w & 0x0FFF) as u16;
        }
        let mut reject = lt_bit(2 * T as u32 - rejected, T as u32);
        // Two equal positions: sorted (by a constant-time network), they are neighbours.
        let mut sorted = [0u32; T];
        for (s, &i) in sorted.iter_mut().zip(ind.iter()) {
            *s = u32::from(i);
        }
        sort_u32(&mut sorted);
        for pair in sorted.windows(2) {
            if let [a, b] = pair {
                reject |= eq_bit(*a, *b);
            }
        }
        sorted.zeroize();
        // The attempt's verdict is public (as in the reference): .ci/ct-check accepts the branch
        // on the line above its marker.
        if core::hint::black_box(reject) == 0 {
            // ct-check: accepted branch
            break;
        }
    }
    bytes.zeroize();
    words.zeroize();
    moved.zeroize();
}

/// Bits of a count of rejected values (at most 2t = 128).
const COUNT_BITS: usize = 8;
const _: () = assert!(2 * T < 1 << COUNT_BITS);

/// Sets the bits at positions `ind` in a zeroed word vector, touching every word for every
/// position (the word index of a position is secret).
fn positions_to_words(ind: &[u16; T], e: &mut [u64; E_WORDS]) {
    let mut bits = [0u64; T];
    for (b, &i) in bits.iter_mut().zip(ind.iter()) {
        *b = one_hot(i & 63);
    }
    for (word, w) in e.iter_mut().zip(0u32..) {
        let mut acc = 0u64;
        for (&i, &b) in ind.iter().zip(bits.iter()) {
            let mask = 0u64.wrapping_sub(u64::from(eq_bit(u32::from(i >> 6), w)));
            acc |= b & mask;
        }
        *word = acc;
    }
    bits.zeroize();
}

/// 2^k (k < 64), by a scalar shift, which takes the same time for every k. Out of line so that
/// the loop calling it is not vectorised: memcheck reports an SSE shift by a secret count
/// (`psllq`, equally constant time, but a finding of .ci/ct-check all the same).
#[inline(never)]
fn one_hot(k: u16) -> u64 {
    1u64 << (k & 63)
}

/// The syndrome [I | T] e: bit i is e_i plus the parity of row i of T against e's last n - mt
/// bits. Constant time: every row is read in full, and e only enters through AND and XOR.
///
/// Two kernels that give the same bits: one row at a time in 64-bit words where words are
/// 64 bits (the compiler vectorises it), and four rows at a time in 32-bit words elsewhere
/// (armv7, Cortex-M: a 64-bit AND/XOR costs two instructions there, and sharing each load of
/// e between four rows saves most of the remaining loads).
///
/// On x86_64 with AVX2 the 64-bit kernel runs as its AVX2 twin (src/simd.rs).
pub(crate) fn syndrome(
    public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    e: &[u64; E_WORDS],
    s: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) {
    if cfg!(target_pointer_width = "64") {
        crate::simd::mce_syndrome(public_key, e, s);
    } else {
        syndrome_u32x4(public_key, e, s);
    }
}

/// Writes the first `E_BYTES` little-endian bytes of the words `e` into a hash, in one update:
/// word by word, the hash's per-call bookkeeping cost as much as its permutations.
fn hash_error_vector(h: &mut Shake256, e: impl IntoIterator<Item = u64>) {
    let mut bytes = [0u8; 8 * E_WORDS];
    let (chunks, _) = bytes.as_chunks_mut::<8>();
    for (chunk, w) in chunks.iter_mut().zip(e) {
        *chunk = w.to_le_bytes();
    }
    if let Some(part) = bytes.get(..E_BYTES) {
        h.update(part);
    }
    bytes.zeroize();
}

/// SHAKE256(prefix || e || c), 32 bytes: the session key of Classic McEliece (prefix 1 with the
/// error vector, 0 with the implicit-rejection secret in its place). `e` yields the vector's
/// 64-bit words (little-endian, the first `E_WORDS`).
pub(crate) fn session_key(
    prefix: u8,
    e: impl IntoIterator<Item = u64>,
    ciphertext: &[u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    let mut h = Shake256::default();
    h.update(&[prefix]);
    hash_error_vector(&mut h, e);
    h.update(ciphertext);
    let mut key = [0u8; SHARED_SECRET_LEN];
    h.finalize_xof().read(&mut key);
    let secret = SharedSecret::from_array(key);
    key.zeroize();
    secret
}

/// Encapsulates to `public_key`: writes the ciphertext and returns the shared secret. Draws
/// 256 bytes from `rng` per attempt at an error vector (about 1.8 attempts on average).
pub fn encapsulate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    public_key: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    ciphertext_out: &mut [u8; MCELIECE_CIPHERTEXT_LEN],
) -> SharedSecret {
    let mut ind = [0u16; T];
    draw_positions(rng, &mut ind);
    let mut e = [0u64; E_WORDS];
    positions_to_words(&ind, &mut e);
    ind.zeroize();
    syndrome(public_key, &e, ciphertext_out);
    let secret = session_key(1, e.iter().copied(), ciphertext_out);
    e.zeroize();
    secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Expander, Purpose};
    use crate::sizes::MCELIECE_SECRET_KEY_LEN;
    use std::boxed::Box;
    use std::vec;

    fn boxed_key() -> Box<[u8; MCELIECE_PUBLIC_KEY_LEN]> {
        vec![0u8; MCELIECE_PUBLIC_KEY_LEN]
            .into_boxed_slice()
            .try_into()
            .unwrap()
    }

    /// classic-mceliece-rust's key pair from a fixed seed.
    fn reference_keypair(
        seed: u8,
    ) -> (
        Box<[u8; MCELIECE_PUBLIC_KEY_LEN]>,
        Box<[u8; MCELIECE_SECRET_KEY_LEN]>,
    ) {
        let mut pk = boxed_key();
        let mut sk = Box::new([0u8; MCELIECE_SECRET_KEY_LEN]);
        let mut rng = Expander::new(Purpose::Keygen, &[seed; 32]);
        crate::mce::reference::keypair(&mut rng, &mut pk, &mut sk);
        (pk, sk)
    }

    #[test]
    fn positions_are_distinct_and_in_range() {
        for seed in 0..50u8 {
            let mut rng = Expander::new(Purpose::Encapsulate, &[seed; 32]);
            let mut ind = [0u16; T];
            draw_positions(&mut rng, &mut ind);
            let mut e = [0u64; E_WORDS];
            positions_to_words(&ind, &mut e);
            let weight: u32 = e.iter().map(|w| w.count_ones()).sum();
            assert_eq!(weight, T as u32, "seed {seed}");
            assert!(ind.iter().all(|&i| usize::from(i) < N));
        }
    }

    #[test]
    fn syndrome_kernels_agree() {
        let (pk, _sk) = reference_keypair(5);
        for seed in 0..20u8 {
            let mut rng = Expander::new(Purpose::Encapsulate, &[seed; 32]);
            let mut ind = [0u16; T];
            draw_positions(&mut rng, &mut ind);
            let mut e = [0u64; E_WORDS];
            positions_to_words(&ind, &mut e);
            let (mut a, mut b) = (
                [0u8; MCELIECE_CIPHERTEXT_LEN],
                [0u8; MCELIECE_CIPHERTEXT_LEN],
            );
            super::super::syndrome::portable::syndrome_u64(&pk, &e, &mut a);
            syndrome_u32x4(&pk, &e, &mut b);
            assert_eq!(a, b, "seed {seed}");
            // The dispatched kernel (the AVX2 twin where the CPU has it) agrees too.
            crate::simd::mce_syndrome(&pk, &e, &mut b);
            assert_eq!(a, b, "seed {seed}");
            assert!(a.iter().any(|&x| x != 0));
        }
    }

    #[test]
    fn matches_classic_mceliece_rust() {
        let (pk, _sk) = reference_keypair(3);
        let mut retried = 0;
        for seed in 0..200u8 {
            let stream = [seed ^ 0x5a; 32];
            let mut ours_rng = Expander::new(Purpose::Encapsulate, &stream);
            let mut ct_ours = [0u8; MCELIECE_CIPHERTEXT_LEN];
            let ss_ours = encapsulate(&mut ours_rng, &pk, &mut ct_ours);

            let mut ref_rng = Expander::new(Purpose::Encapsulate, &stream);
            let mut ct_ref = [0u8; MCELIECE_CIPHERTEXT_LEN];
            let ss_ref = crate::mce::reference::encapsulate(&mut ref_rng, &pk, &mut ct_ref);

            assert_eq!(ct_ours, ct_ref, "ciphertext, seed {seed}");
            assert_eq!(ss_ours.as_bytes(), &ss_ref, "secret, seed {seed}");
            // Both consumed the same number of bytes: the next draws agree.
            let (mut a, mut b) = ([0u8; 8], [0u8; 8]);
            rand_core::Rng::fill_bytes(&mut ours_rng, &mut a);
            rand_core::Rng::fill_bytes(&mut ref_rng, &mut b);
            assert_eq!(a, b, "RNG consumption, seed {seed}");

            let mut probe = Expander::new(Purpose::Encapsulate, &stream);
            let mut ind = [0u16; T];
            let mut first = [0u8; DRAW_BYTES];
            rand_core::Rng::fill_bytes(&mut probe, &mut first);
            let mut again = Expander::new(Purpose::Encapsulate, &stream);
            draw_positions(&mut again, &mut ind);
            let mut next = [0u8; 1];
            let mut probe_next = [0u8; 1];
            rand_core::Rng::fill_bytes(&mut again, &mut next);
            rand_core::Rng::fill_bytes(&mut probe, &mut probe_next);
            retried += usize::from(next != probe_next);
        }
        // About 44% of attempts repeat a position: the rejection path must have been exercised.
        assert!(
            retried > 20,
            "only {retried} of 200 seeds needed a second attempt"
        );
    }

    #[test]
    fn decapsulates_with_classic_mceliece_rust() {
        let (pk, sk) = reference_keypair(9);
        for seed in 0..20u8 {
            let mut rng = Expander::new(Purpose::Encapsulate, &[seed; 32]);
            let mut ct = [0u8; MCELIECE_CIPHERTEXT_LEN];
            let ss = encapsulate(&mut rng, &pk, &mut ct);
            let back = crate::mce::reference::decapsulate(&sk, &ct);
            assert_eq!(ss.as_bytes(), &back, "seed {seed}");
        }
    }
}
