//! Control bits of the Benes network that applies the secret field ordering (the reference's
//! `controlbitsfrompermutation`, Bernstein's recursive algorithm built on constant-time sorts).
//!
//! The bits are unique for a given permutation only up to the algorithm's choices, so this
//! follows the reference step by step to produce the same bytes. Every branch and index depends
//! only on the (public) sizes; the data-dependent minimums are computed with masks.
//!
//! Storage: the reference's `int32` work array of 2n entries lives in caller memory as `u32`s
//! (so that it can share the key-generation workspace with the matrix). Each entry holds an
//! `i32` with its sign bit flipped, which makes the unsigned order of the stored words the signed
//! order of the values: `sort_u32` (`src/simd.rs`) then sorts them as the reference's `int32_sort` does.

use crate::simd::sort_u32;

/// log2 of the permutation size (the field has 2^12 elements).
pub const W: usize = super::gf::GF_BITS;
/// Permutation size.
pub const N: usize = super::params::FIELD_SIZE;
pub use super::params::CONTROL_BYTES;
/// Work words [`control_bits`] needs.
pub const TEMP_WORDS: usize = 2 * N;

const SIGN: u32 = 0x8000_0000;

/// min(a, b) for signed values, without a branch.
#[inline(always)]
fn min_i32(a: i32, b: i32) -> i32 {
    // (b - a) computed on 64 bits cannot overflow; its sign says whether b < a.
    let b_less = ((i64::from(b) - i64::from(a)) >> 63) as i32; // all ones when b < a
    a ^ ((a ^ b) & b_less)
}

/// The work array: `i32` values stored sign-flipped in `u32` words.
struct Temp<'a>(&'a mut [u32]);

// Every index below is < 2n <= TEMP_WORDS, as in the reference (checked by its length in
// `control_bits`); see the comments at each access pattern.
#[allow(clippy::indexing_slicing)]
impl Temp<'_> {
    #[inline(always)]
    fn get(&self, i: usize) -> i32 {
        (self.0[i] ^ SIGN) as i32
    }
    #[inline(always)]
    fn set(&mut self, i: usize, v: i32) {
        self.0[i] = (v as u32) ^ SIGN;
    }
    fn sort(&mut self, from: usize, to: usize) {
        sort_u32(&mut self.0[from..to]);
    }
}

/// The permutation packed two entries per `i32`, as the reference's `pi_as_i32`.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // i < n/2 = N/2 at the top level, so 2i + 1 < N
fn aux(pi: &[u16; N], i: usize) -> i32 {
    i32::from(pi[2 * i]) | (i32::from(pi[2 * i + 1]) << 16)
}

/// One level of the recursion (the reference's `cbrecursion`): writes the control bits of a
/// network of size `n = 2^w` whose permutation sits packed at `temp[pi_offset..]` (or in `pi` at
/// the top level, `pi_offset == 0`), at bit positions `pos, pos + step, ...` of `out`.
#[allow(clippy::too_many_arguments, clippy::indexing_slicing)]
fn recurse(
    out: &mut [u8; CONTROL_BYTES],
    mut pos: usize,
    step: usize,
    pi_offset: usize,
    w: usize,
    n: usize,
    temp: &mut Temp<'_>,
    pi: &[u16; N],
) {
    let packed = |temp: &Temp<'_>, i: usize| {
        if pi_offset == 0 {
            aux(pi, i)
        } else {
            temp.get(pi_offset + i)
        }
    };
    if w == 1 {
        let first = packed(temp, 0) as i16;
        out[pos >> 3] ^= (first << (pos & 7)) as u8;
        return;
    }
    for x in 0..n {
        let perm = packed(temp, x / 2);
        let low = perm & 0xffff;
        let high = perm >> 16;
        let v = if x % 2 == 0 {
            ((low ^ 1) << 16) | (high & 0xffff)
        } else {
            ((high ^ 1) << 16) | (low & 0xffff)
        };
        temp.set(x, v);
    }
    temp.sort(0, n); // A = (id<<16)+pibar
    for x in 0..n {
        let px = temp.get(x) & 0xffff;
        let cx = min_i32(px, x as i32);
        temp.set(n + x, (px << 16) | cx); // B = (p<<16)+c
    }
    for x in 0..n {
        let v = (temp.get(x) << 16) | (x as i32);
        temp.set(x, v); // A = (pibar<<16)+id
    }
    temp.sort(0, n); // A = (id<<16)+pibar^-1
    for x in 0..n {
        let v = (temp.get(x) << 16).wrapping_add(temp.get(n + x) >> 16);
        temp.set(x, v); // A = (pibar^(-1)<<16)+pibar
    }
    temp.sort(0, n); // A = (id<<16)+pibar^2
    if w <= 10 {
        for x in 0..n {
            let v = ((temp.get(x) & 0xffff) << 10) | (temp.get(n + x) & 0x3ff);
            temp.set(n + x, v); // B = (p<<10)+c
        }
        for _ in 1..w - 1 {
            for x in 0..n {
                let v = ((temp.get(n + x) & (0xfffffc << 8)) << 6) | (x as i32);
                temp.set(x, v); // A = (p<<16)+id
            }
            temp.sort(0, n); // A = (id<<16)+p^{-1}
            for x in 0..n {
                let v = (temp.get(x) << 20) | temp.get(n + x);
                temp.set(x, v); // A = (p^{-1}<<20)+(p<<10)+c
            }
            temp.sort(0, n); // A = (id<<20)+(pp<<10)+cp
            for x in 0..n {
                let ppcpx = temp.get(x) & 0xfffff;
                let ppcx = (temp.get(x) & 0xffc00) | (temp.get(n + x) & 0x3ff);
                temp.set(n + x, min_i32(ppcx, ppcpx));
            }
        }
        for x in 0..n {
            let v = temp.get(n + x) & 0x3ff;
            temp.set(n + x, v);
        }
    } else {
        for x in 0..n {
            let v = (temp.get(x) << 16) | (temp.get(n + x) & 0xffff);
            temp.set(n + x, v); // B = (p<<16)+c
        }
        for i in 1..w - 1 {
            for x in 0..n {
                let v = (temp.get(n + x) & (0xffff << 16)) | (x as i32);
                temp.set(x, v);
            }
            temp.sort(0, n); // A = (id<<16)+p^(-1)
            for x in 0..n {
                let v = (temp.get(x) << 16) | (temp.get(n + x) & 0xffff);
                temp.set(x, v); // A = p^(-1)<<16+c
            }
            if i < w - 2 {
                for x in 0..n {
                    let v = (temp.get(x) & (0xffff << 16)) | (temp.get(n + x) >> 16);
                    temp.set(n + x, v); // B = (p^(-1)<<16)+p
                }
                temp.sort(n, 2 * n); // B = (id<<16)+p^(-2)
                for x in 0..n {
                    let v = (temp.get(n + x) << 16) | (temp.get(x) & 0xffff);
                    temp.set(n + x, v); // B = (p^(-2)<<16)+c
                }
            }
            temp.sort(0, n); // A = id<<16+cp
            for x in 0..n {
                let cpx = (temp.get(n + x) & (0xffff << 16)) | (temp.get(x) & 0xffff);
                let v = min_i32(temp.get(n + x), cpx);
                temp.set(n + x, v);
            }
        }
        for x in 0..n {
            let v = temp.get(n + x) & 0xffff;
            temp.set(n + x, v);
        }
    }
    for x in 0..n {
        let perm = packed(temp, x / 2);
        let v = if x % 2 == 0 {
            ((perm & 0xffff) << 16).wrapping_add(x as i32)
        } else {
            (perm & (0xffff << 16)).wrapping_add(x as i32)
        };
        temp.set(x, v);
    }
    temp.sort(0, n); // A = (id<<16)+pi^(-1)
    for j in 0..n / 2 {
        let x = 2 * j;
        let fj = temp.get(n + x) & 1; // f[j]
        let fx = x as i32 + fj; // F[x]
        let fx1 = fx ^ 1; // F[x+1]
        out[pos >> 3] ^= (fj << (pos & 7)) as u8;
        pos += step;
        let v0 = (temp.get(x) << 16) | fx;
        let v1 = (temp.get(x + 1) << 16) | fx1;
        temp.set(n + x, v0);
        temp.set(n + x + 1, v1);
    }
    // B = (pi^(-1)<<16)+F
    temp.sort(n, 2 * n); // B = (id<<16)+F(pi)
    pos += (2 * w - 3) * step * (n / 2);
    for k in 0..n / 2 {
        let y = 2 * k;
        let lk = temp.get(n + y) & 1; // l[k]
        let ly = y as i32 + lk; // L[y]
        let ly1 = ly ^ 1; // L[y+1]
        out[pos >> 3] ^= (lk << (pos & 7)) as u8;
        pos += step;
        let v0 = (ly << 16) | (temp.get(n + y) & 0xffff);
        let v1 = (ly1 << 16) | (temp.get(n + y + 1) & 0xffff);
        temp.set(y, v0);
        temp.set(y + 1, v1);
    }
    // A = (L<<16)+F(pi)
    temp.sort(0, n); // A = (id<<16)+F(pi(L)) = (id<<16)+M
    pos -= (2 * w - 2) * step * (n / 2);
    let q = n + n / 4; // the two half-size permutations, packed, at temp[q..q + n/2]
    for j in 0..n / 2 {
        let lo = j / 2;
        let hi = (j + n / 2) / 2;
        if j % 2 == 0 {
            let v = (temp.get(q + lo) & (0xffff << 16)) | ((temp.get(2 * j) & 0xffff) >> 1);
            temp.set(q + lo, v);
            let v = (temp.get(q + hi) & (0xffff << 16)) | ((temp.get(2 * j + 1) & 0xffff) >> 1);
            temp.set(q + hi, v);
        } else {
            let v = (temp.get(q + lo) & 0xffff) | ((temp.get(2 * j) & 0xfffe) << 15);
            temp.set(q + lo, v);
            let v = (temp.get(q + hi) & 0xffff) | ((temp.get(2 * j + 1) & 0xfffe) << 15);
            temp.set(q + hi, v);
        }
    }
    recurse(out, pos, step * 2, n + n / 4, w - 1, n / 2, temp, pi);
    recurse(out, pos + step, step * 2, n + n / 2, w - 1, n / 2, temp, pi);
}

/// Writes the control bits of the Benes network for the permutation `pi` of 0..4096 into `out`,
/// using `temp` as work space.
pub fn control_bits(out: &mut [u8; CONTROL_BYTES], pi: &[u16; N], temp: &mut [u32; TEMP_WORDS]) {
    out.fill(0);
    recurse(out, 0, 1, 0, W, N, &mut Temp(temp), pi);
}

/// Applies one layer of the Benes network described by `bits` to `p` (the reference's `layer`);
/// used by the tests to check that the control bits realise the permutation.
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub fn layer(p: &mut [u16; N], bits: &[u8], s: usize) {
    let stride = 1 << s;
    let mut index = 0;
    for i in (0..N).step_by(stride * 2) {
        for j in 0..stride {
            let m = u16::from((bits[index >> 3] >> (index & 7)) & 1).wrapping_neg();
            let d = (p[i + j] ^ p[i + j + stride]) & m;
            p[i + j] ^= d;
            p[i + j + stride] ^= d;
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_realises_the_permutation() {
        // A pseudo-random permutation (Fisher-Yates with a fixed LCG).
        let mut pi = [0u16; N];
        for (i, p) in pi.iter_mut().enumerate() {
            *p = i as u16;
        }
        let mut s: u64 = 12345;
        for i in (1..N).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let j = (s >> 33) as usize % (i + 1);
            pi.swap(i, j);
        }
        let mut out = [0u8; CONTROL_BYTES];
        let mut temp = [0u32; TEMP_WORDS];
        control_bits(&mut out, &pi, &mut temp);

        let mut p = [0u16; N];
        for (i, e) in p.iter_mut().enumerate() {
            *e = i as u16;
        }
        let mut bits: &[u8] = &out;
        for s in (0..W).chain((0..W - 1).rev()) {
            layer(&mut p, bits, s);
            bits = &bits[N >> 4..];
        }
        assert_eq!(p, pi);
    }
}
