//! Additive FFT over GF(2^12) (Gao-Mateer, bitsliced as in the "vec" implementations of Classic
//! McEliece) and its transpose.
//!
//! [`fft`] evaluates a polynomial of degree < 64 at all 4096 field elements; [`fft_tr128`] is the
//! transpose of its 128-coefficient version: it turns 4096 values v_k into the 128 power sums
//! sum_k v_k P(k)^p, the shape of a Goppa syndrome. Output index k = 64 j + l (vector j, lane l) is
//! the field element
//! P(k) = bitrev12(k), the order in which the secret key's Benes network lists the support.
//!
//! The recursion, for a polynomial f on the span of a basis (b_1, ..., b_m): write
//! g(x) = f(b_m x) = g0(x^2 + x) + x g1(x^2 + x) (a radix conversion, "Taylor expansion" in
//! x^2 + x), evaluate g0 and g1 on the span of d_i = c_i^2 + c_i with c_i = b_i / b_m, and
//! combine: f(a b_m) = g0(a^2 + a) + a g1(a^2 + a) and f((a + 1) b_m) = f(a b_m) + g1(a^2 + a).
//! Six levels split the 64 coefficients into 64 constants (kept interleaved in one word per bit
//! plane: at level L the sub-polynomials have stride 2^L); a constant's values on the remaining
//! 6-dimensional span fill the 64 lanes; six butterfly stages combine them. The bases, scalings
//! and butterfly factors depend on nothing secret: they are tables computed at compile time.

use super::gf;
use super::gf::{Gf, GF_BITS};
use super::vec::{self, const_bitslice, const_pow, Lanes, Vec12};

/// Vectors side by side in each group of [`Evals`]: four on x86_64, where the AVX2 twin of
/// decapsulation (src/simd.rs) computes four-lane products in 256-bit registers (and an AVX2
/// build compiles the portable code so); one everywhere else. Without a SIMD twin a wider layout
/// buys nothing and costs gathers, scatters and stack: with four lanes, decapsulation took 825 k
/// guest instructions on aarch64, 4.09 M on armv7 and 6.40 M on the Cortex-M4 (opt-level "s"),
/// with one 712 k, 3.44 M and 5.11 M. Two lanes on aarch64 (two `u64` per 128-bit NEON
/// register, left to the compiler) took 716 k.
pub const LANES: usize = if cfg!(target_arch = "x86_64") { 4 } else { 1 };

/// Groups of [`Evals`].
pub const GROUPS: usize = 64 / LANES;

/// Values at all 4096 field elements: 64 vectors of 64 lanes, [`LANES`] side by side in each of
/// [`GROUPS`] groups. Vector j (points 64 j .. 64 j + 63) is lane j / GROUPS of group
/// j % GROUPS: the butterfly stages of distance below GROUPS then pair whole groups with one
/// factor for all their lanes (one 256-bit product in the AVX2 twin), and only the stages of
/// distance GROUPS and above (16 and 32 on x86_64, none elsewhere) pair lanes.
pub type Evals = [Lanes<LANES>; GROUPS];

/// All values zero.
pub const ZERO: Evals = [[[0; LANES]; GF_BITS]; GROUPS];

// Every vector in exactly one slot; the lane pairings below need a power of two.
const _: () = assert!(GROUPS * LANES == 64 && LANES.is_power_of_two());

/// The group and lane of vector `j` in [`Evals`].
#[inline]
pub const fn slot(j: usize) -> (usize, usize) {
    (j % GROUPS, j / GROUPS)
}

/// Vector `j` of `values`.
#[inline]
pub fn vector(values: &Evals, j: usize) -> Vec12 {
    let (g, q) = slot(j);
    let mut v = [0; GF_BITS];
    if let Some(group) = values.get(g) {
        for (dst, plane) in v.iter_mut().zip(group.iter()) {
            *dst = plane.get(q).copied().unwrap_or(0);
        }
    }
    v
}

/// Radix-conversion masks per step k: the top quarter (D) and the next quarter (C) of each group
/// of 4 * 2^k coefficients; a step adds D into C, then C into B.
const MASK: [[u64; 2]; 5] = [
    [0x8888_8888_8888_8888, 0x4444_4444_4444_4444],
    [0xC0C0_C0C0_C0C0_C0C0, 0x3030_3030_3030_3030],
    [0xF000_F000_F000_F000, 0x0F00_0F00_0F00_0F00],
    [0xFF00_0000_FF00_0000, 0x00FF_0000_00FF_0000],
    [0xFFFF_0000_0000_0000, 0x0000_FFFF_0000_0000],
];

/// Levels of the recursion (64 = 2^6 coefficients).
const LEVELS: usize = 6;

/// The tables of the transform.
struct Tables {
    /// `scale[L]` (L = 1..5), lane p: b_m^(p >> L), the scaling g(x) = f(b_m x) of level L's
    /// sub-polynomials (level 0's b_m is 1).
    scale: [Vec12; LEVELS],
    /// The same for coefficients 64..127 (lane p: b_m^((64 + p) >> L)), for [`fft_tr128`].
    scale_hi: [Vec12; LEVELS],
    /// Lane l: the point a = sum of l's bits times the level-6 basis, where [`fft_tr128`]'s
    /// level-6 pieces a + b x are evaluated.
    leaf: Vec12,
    /// Butterfly factors: level L's 2^(5-L) vectors start at index 2^(5-L) - 1; lane l of the
    /// t-th holds the point a whose pair (a, a + 1) it combines.
    twiddle: [Vec12; 63],
    /// Lane l: P(l)^64 (the x^64 term of a monic degree-64 polynomial, low index bits).
    pow64_lane: Vec12,
    /// Index j: P(64 j)^64 (high index bits); P(64 j + l)^64 is the sum of the two (linearity).
    pow64_high: [Gf; 64],
}

// Evaluated at compile time (`static TABLES`): an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
const fn build_tables() -> Tables {
    let mut t = Tables {
        scale: [[0; GF_BITS]; LEVELS],
        scale_hi: [[0; GF_BITS]; LEVELS],
        leaf: [0; GF_BITS],
        twiddle: [[0; GF_BITS]; 63],
        pow64_lane: [0; GF_BITS],
        pow64_high: [0; 64],
    };
    // Level 0 basis: b_i = z^(11 - i), so that index bit i stands for z^(11 - i).
    let mut basis = [0 as Gf; GF_BITS];
    let mut i = 0;
    while i < GF_BITS {
        basis[i] = 1 << (GF_BITS - 1 - i);
        i += 1;
    }
    let mut level = 0;
    while level < LEVELS {
        let m = GF_BITS - level;
        let sigma = basis[m - 1];
        let sigma_inv = gf::inv(sigma);
        let mut gamma = [0 as Gf; GF_BITS];
        i = 0;
        while i < m {
            gamma[i] = gf::mul(basis[i], sigma_inv);
            i += 1;
        }
        let mut lanes = [0 as Gf; 64];
        if level > 0 {
            let mut p = 0;
            while p < 64 {
                lanes[p] = const_pow(sigma, p >> level);
                p += 1;
            }
            t.scale[level] = const_bitslice(&lanes);
            p = 0;
            while p < 64 {
                lanes[p] = const_pow(sigma, (64 + p) >> level);
                p += 1;
            }
            t.scale_hi[level] = const_bitslice(&lanes);
        }
        let s = 1 << (LEVELS - 1 - level);
        let mut k = 0;
        while k < s {
            let mut l = 0;
            while l < 64 {
                let mut a: Gf = 0;
                let mut b = 0;
                while b < 6 {
                    if (l >> b) & 1 == 1 {
                        a ^= gamma[b];
                    }
                    b += 1;
                }
                b = 0;
                while b < LEVELS - 1 - level {
                    if (k >> b) & 1 == 1 {
                        a ^= gamma[6 + b];
                    }
                    b += 1;
                }
                lanes[l] = a;
                l += 1;
            }
            t.twiddle[s - 1 + k] = const_bitslice(&lanes);
            k += 1;
        }
        i = 0;
        while i + 1 < m {
            basis[i] = gf::mul(gamma[i], gamma[i]) ^ gamma[i];
            i += 1;
        }
        level += 1;
    }
    // Level 6: what is left of the basis spans the lanes.
    let mut lanes = [0 as Gf; 64];
    let mut l = 0;
    while l < 64 {
        let mut a: Gf = 0;
        let mut b = 0;
        while b < 6 {
            if (l >> b) & 1 == 1 {
                a ^= basis[b];
            }
            b += 1;
        }
        lanes[l] = a;
        l += 1;
    }
    t.leaf = const_bitslice(&lanes);
    let mut l = 0;
    while l < 64 {
        lanes[l] = const_pow(point(l), 64);
        t.pow64_high[l] = const_pow(point(64 * l), 64);
        l += 1;
    }
    t.pow64_lane = const_bitslice(&lanes);
    t
}

static TABLES: Tables = build_tables();

/// The field element at output index `k`: bitrev12(k).
pub const fn point(k: usize) -> Gf {
    (k as Gf).reverse_bits() >> (16 - GF_BITS)
}

/// Index of the vector that receives coefficient `p` after the last level (and back).
#[inline]
fn bitrev6(x: usize) -> usize {
    ((x as u8).reverse_bits() >> 2) as usize
}

hot! {
/// Evaluates `f` (64 coefficients, bitsliced: bit p of plane b is bit b of coefficient p) at all
/// 4096 points: lane l of `out[j]` is f(P(64 j + l)).
pub fn fft(out: &mut Evals, f: &Vec12) {
    let mut x = *f;
    for level in 0..LEVELS - 1 {
        if level > 0 {
            scale(&mut x, level);
        }
        for k in (level..5).rev() {
            let (m, sh) = (MASK.get(k).copied().unwrap_or_default(), 1u32 << k);
            for plane in x.iter_mut() {
                *plane ^= (*plane & m[0]) >> sh;
                *plane ^= (*plane & m[1]) >> sh;
            }
        }
    }
    scale(&mut x, LEVELS - 1);
    for (g, o) in out.iter_mut().enumerate() {
        for (dst, plane) in o.iter_mut().zip(x.iter()) {
            for (q, d) in dst.iter_mut().enumerate() {
                *d = 0u64.wrapping_sub((plane >> bitrev6(g + GROUPS * q)) & 1);
            }
        }
    }
    for stage in 0..LEVELS {
        butterflies(out, stage, false);
    }
}
}

hot! {
/// One butterfly stage (distance 2^stage between the vectors it pairs): a += b w, b += a, or
/// for the transpose (`transposed`) a += b, b += a w, where w is the factor of the pair.
fn butterflies(values: &mut Evals, stage: usize, transposed: bool) {
    let s = 1usize << stage;
    if s < GROUPS {
        // Between groups g and g + s: vector j = g + GROUPS q pairs with j + s, the factor of
        // the pair's offset j mod s = g mod s, the same in all lanes.
        for block in values.chunks_exact_mut(2 * s) {
            let (lo, hi) = block.split_at_mut(s);
            for ((a, b), w) in lo
                .iter_mut()
                .zip(hi.iter_mut())
                .zip(TABLES.twiddle.iter().skip(s - 1))
            {
                butterfly(a, b, w, transposed);
            }
        }
    } else {
        butterflies_in_groups(values, s, transposed);
    }
}
}

/// Half the lanes of a group: the pairs of one group in a stage inside the groups.
const HALF: usize = LANES / 2;

/// For each stage inside the groups (lane distance d = 1, 2, .., LANES / 2), the lanes it pairs:
/// lane q with bit d of q clear (in order) with lane q + d. A `static`, read in place: as a
/// `const` its copy on the stack took x86_64's decapsulation 32 B deeper (test profile).
// Evaluated at compile time: an index out of bounds fails the build.
#[allow(clippy::indexing_slicing)]
static LANE_PAIRS: [([usize; HALF], [usize; HALF]); LANES.trailing_zeros() as usize] = {
    let mut t = [([0; HALF], [0; HALF]); LANES.trailing_zeros() as usize];
    let mut i = 0;
    while i < t.len() {
        let d = 1 << i;
        let (mut q, mut k) = (0, 0);
        while q < LANES {
            if q & d == 0 {
                t[i].0[k] = q;
                t[i].1[k] = q + d;
                k += 1;
            }
            q += 1;
        }
        i += 1;
    }
    t
};

hot! {
/// A butterfly stage of distance `s` >= GROUPS (only where [`LANES`] > 1): it pairs lanes inside
/// the groups (on x86_64 distance 16 lanes (0, 1) and (2, 3), distance 32 lanes (0, 2) and
/// (1, 3)). Groups g and g + GROUPS / 2 have LANES pairs together: one LANES-lane product. The
/// factor of vector j's pair is twiddle[s - 1 + j mod s].
#[allow(clippy::indexing_slicing)] // lane numbers below LANES, k below HALF, h below 2: fixed bounds
fn butterflies_in_groups(values: &mut Evals, s: usize, transposed: bool) {
    let Some((lane_a, lane_b)) = LANE_PAIRS.get((s / GROUPS).trailing_zeros() as usize) else {
        return;
    };
    let (first, second) = values.split_at_mut(GROUPS / 2);
    for (g, (x, y)) in first.iter_mut().zip(second.iter_mut()).enumerate() {
        // Lane h HALF + k of the product: pair k of group g (h = 0) or g + GROUPS / 2 (h = 1);
        // the factor is that of its a side.
        let mut w: Lanes<LANES> = [[0; LANES]; GF_BITS];
        for (h, group) in [g, g + GROUPS / 2].into_iter().enumerate() {
            for (k, qa) in lane_a.iter().enumerate() {
                let j = group + GROUPS * qa;
                if let Some(factor) = TABLES.twiddle.get(s - 1 + j % s) {
                    for (pw, f) in w.iter_mut().zip(factor.iter()) {
                        pw[h * HALF + k] = *f;
                    }
                }
            }
        }
        // The butterfly in place on the lanes (a += b w, b += a; transposed a += b,
        // b += a w); only the multiplied side is gathered into the product's lanes.
        if transposed {
            for (px, py) in x.iter_mut().zip(y.iter_mut()) {
                for (&qa, &qb) in lane_a.iter().zip(lane_b.iter()) {
                    px[qa] ^= px[qb];
                    py[qa] ^= py[qb];
                }
            }
        }
        let side = if transposed { lane_a } else { lane_b };
        let mut m: Lanes<LANES> = [[0; LANES]; GF_BITS];
        for (pm, (px, py)) in m.iter_mut().zip(x.iter().zip(y.iter())) {
            for (k, &q) in side.iter().enumerate() {
                pm[k] = px[q];
                pm[HALF + k] = py[q];
            }
        }
        let mut t: Lanes<LANES> = [[0; LANES]; GF_BITS];
        vec::mul_lanes(&mut t, &m, &w);
        for (pt, (px, py)) in t.iter().zip(x.iter_mut().zip(y.iter_mut())) {
            for (k, (&qa, &qb)) in lane_a.iter().zip(lane_b.iter()).enumerate() {
                if transposed {
                    px[qb] ^= pt[k];
                    py[qb] ^= pt[HALF + k];
                } else {
                    px[qa] ^= pt[k];
                    py[qa] ^= pt[HALF + k];
                    px[qb] ^= px[qa];
                    py[qb] ^= py[qa];
                }
            }
        }
    }
}
}

/// One butterfly on a group's lanes, `w` the factor of all its pairs.
#[inline(always)]
fn butterfly(a: &mut Lanes<LANES>, b: &mut Lanes<LANES>, w: &Vec12, transposed: bool) {
    let mut t: Lanes<LANES> = [[0; LANES]; GF_BITS];
    if transposed {
        xor_into(a, b);
        vec::mul_lanes_by(&mut t, a, w);
        xor_into(b, &t);
    } else {
        vec::mul_lanes_by(&mut t, b, w);
        xor_into(a, &t);
        xor_into(b, a);
    }
}

/// `a += b` (planes of any type: one `u64` or `L` of them).
#[inline(always)]
fn xor_into<P: XorPlane>(a: &mut [P; GF_BITS], b: &[P; GF_BITS]) {
    for (pa, pb) in a.iter_mut().zip(b.iter()) {
        pa.xor(pb);
    }
}

/// A plane that can be added to another.
trait XorPlane {
    fn xor(&mut self, other: &Self);
}

impl XorPlane for u64 {
    #[inline(always)]
    fn xor(&mut self, other: &Self) {
        *self ^= other;
    }
}

impl<const L: usize> XorPlane for [u64; L] {
    #[inline(always)]
    fn xor(&mut self, other: &Self) {
        for (x, y) in self.iter_mut().zip(other.iter()) {
            *x ^= y;
        }
    }
}

hot! {
/// The transposed butterfly stages of [`fft`], in reverse order.
pub fn butterflies_tr(values: &mut Evals) {
    for stage in (0..LEVELS).rev() {
        butterflies(values, stage, true);
    }
}
}

hot! {
/// The transpose of a 128-coefficient version of [`fft`]: coefficient p of `out_lo` (p < 64) and
/// of `out_hi` (64 + p) is the sum over all points k of `values[k] * P(k)^p`. Destroys `values`.
///
/// The 128-coefficient transform splits six times like [`fft`] (its first word holds
/// coefficients 0..63, the second 64..127, so a conversion step of distance 32 crosses words),
/// which leaves pieces a + b x; they are evaluated on the lanes' span directly (`leaf`).
pub fn fft_tr128(out_lo: &mut Vec12, out_hi: &mut Vec12, values: &mut Evals) {
    butterflies_tr(values);
    power_sums(out_lo, out_hi, values);
}
}

hot! {
/// The rest of [`fft_tr128`] after [`butterflies_tr`]: the leaves and the transposed radix
/// conversions.
pub fn power_sums(out_lo: &mut Vec12, out_hi: &mut Vec12, values: &Evals) {
    let (mut x0, mut x1) = ([0u64; GF_BITS], [0u64; GF_BITS]);
    let mut t: Lanes<LANES> = [[0; LANES]; GF_BITS];
    for (g, v) in values.iter().enumerate() {
        vec::mul_lanes_by(&mut t, v, &TABLES.leaf);
        for ((d0, d1), (pv, pt)) in x0.iter_mut().zip(x1.iter_mut()).zip(v.iter().zip(t.iter())) {
            for (q, (lv, lt)) in pv.iter().zip(pt.iter()).enumerate() {
                let p = bitrev6(g + GROUPS * q);
                *d0 |= u64::from(lv.count_ones() & 1) << p;
                *d1 |= u64::from(lt.count_ones() & 1) << p;
            }
        }
    }
    for level in (0..LEVELS).rev() {
        for k in level..LEVELS {
            if k == 5 {
                // Transpose of "C ^= D; B ^= C" on the 32-coefficient quarters A B | C D.
                for (p0, p1) in x0.iter().zip(x1.iter_mut()) {
                    *p1 ^= p0 >> 32;
                    *p1 ^= *p1 << 32;
                }
            } else {
                let (m, sh) = (MASK.get(k).copied().unwrap_or_default(), 1u32 << k);
                for plane in x0.iter_mut().chain(x1.iter_mut()) {
                    *plane ^= (*plane << sh) & m[1];
                    *plane ^= (*plane << sh) & m[0];
                }
            }
        }
        if level > 0 {
            scale(&mut x0, level);
            if let Some(s) = TABLES.scale_hi.get(level) {
                vec::mul_assign(&mut x1, s);
            }
        }
    }
    *out_lo = x0;
    *out_hi = x1;
}
}

hot! {
fn scale(x: &mut Vec12, level: usize) {
    if let Some(s) = TABLES.scale.get(level) {
        vec::mul_assign(x, s);
    }
}
}

hot! {
/// Adds P(k)^64 at every point k: the x^64 term of a monic degree-64 polynomial whose lower 64
/// coefficients went through [`fft`].
pub fn add_x64(values: &mut Evals) {
    for (g, v) in values.iter_mut().enumerate() {
        for (b, (pv, pl)) in v.iter_mut().zip(TABLES.pow64_lane.iter()).enumerate() {
            for (q, x) in pv.iter_mut().enumerate() {
                let high = TABLES.pow64_high.get(g + GROUPS * q).copied().unwrap_or(0);
                *x ^= pl ^ 0u64.wrapping_sub(u64::from((high >> b) & 1));
            }
        }
    }
}
}

#[cfg(test)]
mod tests {
    use super::super::gf;
    use super::*;

    fn poly(seed: u32) -> [Gf; 64] {
        let mut x = seed;
        core::array::from_fn(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 12) as Gf & gf::GF_MASK
        })
    }

    fn eval(f: &[Gf], a: Gf) -> Gf {
        f.iter().rev().fold(0, |acc, &c| gf::mul(acc, a) ^ c)
    }

    #[test]
    fn fft_evaluates_everywhere() {
        for seed in 0..4 {
            let f = poly(seed);
            let mut out: Evals = ZERO;
            fft(&mut out, &vec::const_bitslice(&f));
            let mut x64 = out;
            add_x64(&mut x64);
            for k in 0..4096 {
                let v = vec::lane(&vector(&out, k / 64), k % 64);
                assert_eq!(v, eval(&f, point(k)), "seed {seed} k {k}");
                let w = vec::lane(&vector(&x64, k / 64), k % 64);
                assert_eq!(w, v ^ const_pow(point(k), 64), "x^64, k {k}");
            }
        }
    }

    #[test]
    fn transposed_fft_gives_power_sums() {
        for seed in 0..3 {
            let mut values: Evals = ZERO;
            for j in 0..64 {
                let v = vec::const_bitslice(&poly(seed * 100 + j as u32));
                let (g, q) = slot(j);
                for b in 0..GF_BITS {
                    values[g][b][q] = v[b];
                }
            }
            let flat: std::vec::Vec<Gf> = (0..4096)
                .map(|k| vec::lane(&vector(&values, k / 64), k % 64))
                .collect();
            let (mut out, mut out_hi) = ([0; GF_BITS], [0; GF_BITS]);
            fft_tr128(&mut out, &mut out_hi, &mut values);
            for p in 0..64 {
                let mut want = 0;
                let mut want_hi = 0;
                for (k, &v) in flat.iter().enumerate() {
                    want ^= gf::mul(v, const_pow(point(k), p));
                    want_hi ^= gf::mul(v, const_pow(point(k), p + 64));
                }
                assert_eq!(vec::lane(&out, p), want, "seed {seed} p {p}");
                assert_eq!(vec::lane(&out_hi, p), want_hi, "seed {seed} p {}", p + 64);
            }
        }
    }
}
