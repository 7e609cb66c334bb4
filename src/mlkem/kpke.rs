//! K-PKE (FIPS 203 section 5), arranged for a small stack.
//!
//! - The matrix A is never stored: each entry is streamed from SHAKE128 into a base-case product
//!   ([`sample_ntt_acc`](super::sample::sample_ntt_acc)).
//! - Key generation accumulates t row by row in the ByteEncode_12 form of the output key itself.
//! - Encryption consumes the encapsulation key as its workspace: each t_j is used once, for v,
//!   and then its 384 bytes hold r_j (NTT form) for u. Callers pass a copy they can lose.
//! - The ciphertext is handed out 11 or 5 bytes at a time to a [`Sink`], which either writes it
//!   or compares it with a received one (decapsulation's re-encryption needs no second buffer).

use zeroize::{Zeroize, Zeroizing};

use super::encode::{
    add_message, compress_u, compress_v, decompress_u, decompress_v, message, poly_from_bytes,
    poly_to_bytes,
};
use super::hash::expand_d;
use super::params::{Poly, CT_LEN, EK_LEN, K, N, POLY_BYTES, U_POLY_BYTES, VEC_BYTES};
use super::sample::{add_noise, noise};
use super::sink::Sink;

// The entry points `ntt`, `inv_ntt`, `to_mont` and `poly_basemul_acc`: on little-endian
// aarch64 with NEON the NEON twins (src/mlkem/neon.rs through src/simd.rs, the same values bit for
// bit), elsewhere the portable functions of arith.rs. Chosen here, in the driver, not in arith.rs:
// the twins use arith.rs, so arith.rs must not import src/simd.rs, which imports the twins.
#[cfg(not(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little"
)))]
pub(super) use super::arith::{
    inv_ntt_portable as inv_ntt, ntt_portable as ntt,
    poly_basemul_acc_portable as poly_basemul_acc, to_mont_portable as to_mont,
};
#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little"
))]
pub(super) use crate::simd::neon::{
    mlkem_inv_ntt as inv_ntt, mlkem_ntt as ntt, mlkem_poly_basemul_acc as poly_basemul_acc,
    mlkem_to_mont as to_mont,
};

/// acc += sum_j SampleNTT(XOF(rho, x, j)) o b_j, times R^-1 (a row of A^T times a packed vector,
/// as encryption needs it): [`sample_ntt_acc`](super::sample::sample_ntt_acc) for each j, or on aarch64 two entries at a time on
/// a two-way NEON Keccak (src/mlkem/neon.rs, the same values).
fn sample_ntt_row_acc(acc: &mut Poly, rho: &[u8; 32], x: u8, b: &[[u8; POLY_BYTES]]) {
    #[cfg(all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    ))]
    crate::simd::neon::mlkem_sample_ntt_row_acc(acc, rho, x, b, super::neon::two_way_keccak());
    #[cfg(not(all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    )))]
    for (j, b_j) in b.iter().enumerate() {
        super::sample::sample_ntt_acc(acc, rho, x, j as u8, b_j);
    }
}

/// For each i: t_i = (j == 0 ? 0 : t_i) + A\[i\]\[j\] o s, with A\[i\]\[j\] = SampleNTT(rho || j || i)
/// and t_i in ByteEncode_12 form, `acc` the workspace (key generation's column j): on aarch64
/// two entries at a time on a two-way NEON Keccak (src/mlkem/neon.rs, the same values).
fn sample_ntt_col_acc(t: &mut [[u8; POLY_BYTES]], rho: &[u8; 32], j: u8, s: &Poly, acc: &mut Poly) {
    #[cfg(all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    ))]
    crate::simd::neon::mlkem_sample_ntt_col_acc(t, rho, j, s, acc, super::neon::two_way_keccak());
    #[cfg(not(all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    )))]
    for (i, t_i) in t.iter_mut().enumerate() {
        if j == 0 {
            acc.fill(0);
        } else {
            poly_from_bytes(t_i, acc);
        }
        super::sample::sample_ntt_acc(acc, rho, j, i as u8, s);
        poly_to_bytes(acc, t_i);
    }
}

fn split_ek(ek: &mut [u8; EK_LEN]) -> (&mut [[u8; POLY_BYTES]], [u8; 32]) {
    let (t, rho) = ek.split_at_mut(VEC_BYTES);
    let mut seed = [0u8; 32];
    seed.copy_from_slice(rho);
    (t.as_chunks_mut::<POLY_BYTES>().0, seed)
}

/// s_j in NTT form, from sigma.
pub(super) fn secret_poly(sigma: &[u8; 32], j: usize, s: &mut Poly) {
    noise(s, sigma, j as u8);
    ntt(s);
}

/// K-PKE.KeyGen (Algorithm 13): writes ek = ByteEncode_12(t) || rho, and ByteEncode_12(s) into
/// `s_out` if given; returns sigma, from which s can be re-derived.
// Never inlined: each phase of decapsulation then has its own frame, one after the other.
#[inline(never)]
pub(super) fn keygen(
    d: &[u8; 32],
    ek: &mut [u8; EK_LEN],
    s_out: Option<&mut [u8; VEC_BYTES]>,
) -> Zeroizing<[u8; 32]> {
    #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
    let s_out = {
        let mut s_out = s_out;
        if let Some(sigma) = crate::simd::mlkem_keygen(d, ek, s_out.as_deref_mut()) {
            return sigma;
        }
        s_out
    };
    keygen_portable(d, ek, s_out)
}

/// [`keygen`] on the portable code.
pub(super) fn keygen_portable(
    d: &[u8; 32],
    ek: &mut [u8; EK_LEN],
    mut s_out: Option<&mut [u8; VEC_BYTES]>,
) -> Zeroizing<[u8; 32]> {
    let (sigma, rho) = expand_d(d);
    ek[VEC_BYTES..].copy_from_slice(&rho);
    let (t, _) = split_ek(ek);
    let mut s = Zeroizing::new([0i16; N]);
    let mut acc = Zeroizing::new([0i16; N]);
    for j in 0..K {
        secret_poly(&sigma, j, &mut s);
        if let Some(out) = s_out.as_deref_mut() {
            if let Some(chunk) = out.as_chunks_mut::<POLY_BYTES>().0.get_mut(j) {
                poly_to_bytes(&s, chunk);
            }
        }
        sample_ntt_col_acc(t, &rho, j as u8, &s, &mut acc);
    }
    for (i, t_i) in t.iter_mut().enumerate() {
        poly_from_bytes(t_i, &mut acc);
        to_mont(&mut acc);
        noise(&mut s, &sigma, (K + i) as u8);
        ntt(&mut s);
        for (c, e) in acc.iter_mut().zip(s.iter()) {
            *c += e;
        }
        poly_to_bytes(&acc, t_i);
    }
    sigma
}

/// K-PKE.Encrypt (Algorithm 14) of `m` with randomness `coins` to the key in `ek`, which it
/// overwrites (see the module note). The ciphertext goes to `sink`.
// Never inlined, nor are its two halves: each keeps its polynomials in its own frame.
#[inline(never)]
pub(super) fn encrypt(ek: &mut [u8; EK_LEN], m: &[u8; 32], coins: &[u8; 32], sink: &mut impl Sink) {
    #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
    if crate::simd::mlkem_encrypt(ek, m, coins, sink) {
        return;
    }
    encrypt_portable(ek, m, coins, sink);
}

/// [`encrypt`] on the portable code.
pub(super) fn encrypt_portable(
    ek: &mut [u8; EK_LEN],
    m: &[u8; 32],
    coins: &[u8; 32],
    sink: &mut impl Sink,
) {
    let mut work = Zeroizing::new([0i16; N]);
    encrypt_v(ek, m, coins, &mut work, sink);
    encrypt_u(ek, coins, &mut work, sink);
    // r is secret: wipe its packed copy.
    ek[..VEC_BYTES].zeroize();
}

/// v = NTT^-1(t^T o r) + e2 + Decompress_1(m), to `sink`; t_j's bytes then hold r_j (NTT form).
#[inline(never)]
fn encrypt_v(
    ek: &mut [u8; EK_LEN],
    m: &[u8; 32],
    coins: &[u8; 32],
    r: &mut Poly,
    sink: &mut impl Sink,
) {
    let (t, _) = split_ek(ek);
    let mut v = Zeroizing::new([0i16; N]);
    for (j, t_j) in t.iter_mut().enumerate() {
        secret_poly(coins, j, r);
        poly_basemul_acc_packed(&mut v, t_j, r);
        poly_to_bytes(r, t_j);
    }
    inv_ntt(&mut v);
    add_noise(&mut v, coins, (2 * K) as u8);
    add_message(&mut v, m);
    compress_v(&v, |offset, bytes| {
        sink.put(K * U_POLY_BYTES + offset, bytes)
    });
}

/// u_i = NTT^-1(sum_j A[j][i] o r_j) + e1_i, with A[j][i] = SampleNTT(rho || i || j), to `sink`;
/// `ek` holds r (see [`encrypt_v`]) and rho.
#[inline(never)]
fn encrypt_u(ek: &mut [u8; EK_LEN], coins: &[u8; 32], acc: &mut Poly, sink: &mut impl Sink) {
    let (r, rho) = split_ek(ek);
    for i in 0..K {
        acc.fill(0);
        sample_ntt_row_acc(acc, &rho, i as u8, r);
        inv_ntt(acc);
        add_noise(acc, coins, (K + i) as u8);
        compress_u(acc, |offset, bytes| {
            sink.put(i * U_POLY_BYTES + offset, bytes)
        });
    }
}

/// acc += a o b with `a` packed.
fn poly_basemul_acc_packed(acc: &mut Poly, a: &[u8; POLY_BYTES], b: &Poly) {
    // On aarch64 the NEON form (src/mlkem/neon.rs: the same values; the product is symmetric).
    #[cfg(all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    ))]
    crate::simd::neon::mlkem_basemul_acc_packed(acc, b, a);
    #[cfg(not(all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little"
    )))]
    {
        use super::sample::Pairs;
        let (pairs, _) = acc.as_chunks_mut::<2>();
        for (k, slot) in pairs.iter_mut().enumerate() {
            super::arith::basemul_acc(slot, a.pair(k), b.pair(k), super::arith::pair_zeta(k));
        }
    }
}

/// K-PKE.Decrypt (Algorithm 15): `s_hat(j, p)` writes s_j (NTT form) into `p`.
// Never inlined: each phase of decapsulation then has its own frame, one after the other.
#[inline(never)]
pub(super) fn decrypt(
    ciphertext: &[u8; CT_LEN],
    s_hat: impl FnMut(usize, &mut Poly),
) -> Zeroizing<[u8; 32]> {
    #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx2")))]
    let s_hat = {
        let mut s_hat = s_hat;
        if let Some(m) = crate::simd::mlkem_decrypt(ciphertext, &mut s_hat) {
            return m;
        }
        s_hat
    };
    decrypt_portable(ciphertext, s_hat)
}

/// [`decrypt`] on the portable code.
pub(super) fn decrypt_portable(
    ciphertext: &[u8; CT_LEN],
    mut s_hat: impl FnMut(usize, &mut Poly),
) -> Zeroizing<[u8; 32]> {
    let (u_bytes, v_bytes) = ciphertext.split_at(K * U_POLY_BYTES);
    let mut acc = Zeroizing::new([0i16; N]);
    let mut u = [0i16; N];
    let mut s = Zeroizing::new([0i16; N]);
    for (j, u_j) in u_bytes.as_chunks::<U_POLY_BYTES>().0.iter().enumerate() {
        decompress_u(u_j, &mut u);
        ntt(&mut u);
        s_hat(j, &mut s);
        poly_basemul_acc(&mut acc, &u, &s);
    }
    inv_ntt(&mut acc);
    // w = v - NTT^-1(s^T o NTT(u)), in u's place.
    let w = &mut u;
    if let Ok(v_bytes) = v_bytes.try_into() {
        decompress_v(v_bytes, w);
    }
    for (c, a) in w.iter_mut().zip(acc.iter()) {
        *c -= a;
    }
    let m = Zeroizing::new(message(w));
    w.zeroize();
    m
}

/// s_j from a ByteEncode_12(s).
pub(super) fn unpack_secret(s: &[u8; VEC_BYTES], j: usize, p: &mut Poly) {
    if let Some(chunk) = s.as_chunks::<POLY_BYTES>().0.get(j) {
        poly_from_bytes(chunk, p);
    }
}
