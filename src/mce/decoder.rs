//! The decoder's steps of decapsulation ([`super::decaps`] runs them in order): 1 / g^2 at every
//! field element, the syndrome, the error locator and its roots, compiled once per instruction
//! set (src/simd.rs picks the AVX2 twin on x86_64 with `std`).
//!
//! A module of its own, below [`super::decaps`]: src/simd.rs calls the twins here, and decaps
//! calls src/simd.rs, so the twins (and the helpers they inline) must not sit in or import
//! decaps. Everything secret only meets AND, XOR, shifts by public amounts and popcounts.

use zeroize::Zeroize;

use super::bm;
use super::fft::{self, Evals, GROUPS, LANES};
use super::gf::GF_BITS;
use super::params::T;
use super::vec::{self, Lanes, Vec12};

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

// `hot!` (src/mce/mod.rs): inlined on x86_64 with `std`, so that the AVX2 twin of the steps
// gets its own copy of everything it calls; elsewhere the compiler decides.

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

/// The decoder's steps, compiled once per instruction set (see `src/simd.rs`, which picks one):
/// each step's loops are inlined into it, so that the AVX2 twin computes the four-lane products (LANES = 4 on x86_64)
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
            // The Horner products only in the AVX2 twin (see `bm::horner`): `$isa` is empty in
            // the portable one.
            const WIDE: bool = !<[&str]>::is_empty(&[$(stringify!($isa)),*]);
            super::bm::locator::<WIDE>(s_lo, s_hi)
        }

        /// The roots of sigma as a 0/1 vector in field order; `tmp` is scratch.
        $(#[$isa])*
        pub fn roots(word: &mut [u64; 64], sigma: &Vec12, tmp: &mut Evals) {
            super::roots(word, sigma, tmp);
        }
    };
}

twins!(entry_points);

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
