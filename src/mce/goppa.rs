//! The Goppa polynomial: generation from random field elements (the reference's `genpoly_gen`)
//! and evaluation.
//!
//! The polynomial g is the minimal polynomial over GF(2^12) of a random element of
//! GF((2^12)^64) = GF(2^12)\[y\] / (y^64 + y^3 + y + z). It is found by solving the linear system
//! `sum_i g_i * beta^i = beta^64` with constant-time Gaussian elimination (no pivot is looked up
//! by value: a missing pivot is repaired with masked additions). A singular system means beta
//! does not have degree 64; the caller then retries from the next seed, as the reference does
//! (which attempt succeeds is public).

use zeroize::Zeroize;

use super::gf::{self, Gf};

pub use super::params::T;

/// Scratch for [`portable::generate`]: the powers 1, beta, ..., beta^64 (a 65 x 64 matrix of field elements).
pub type GenpolyScratch = [[Gf; T]; T + 1];

/// Product in GF(2^12)[y] / (y^64 + y^3 + y + z).
#[inline(always)]
fn ext_mul(a: &[Gf; T], b: &[Gf; T]) -> [Gf; T] {
    // Coefficients summed unreduced and reduced once each (reduction is linear).
    let mut wide = [0u32; 2 * T - 1];
    for (i, &ai) in a.iter().enumerate() {
        // wide[i..i + T] exists: i < T and the product has 2T - 1 coefficients.
        #[allow(clippy::indexing_slicing)]
        for (p, &bj) in wide[i..i + T].iter_mut().zip(b.iter()) {
            *p ^= gf::clmul(ai, bj);
        }
    }
    let mut prod = [0 as Gf; 2 * T - 1];
    for (p, &w) in prod.iter_mut().zip(wide.iter()) {
        *p = gf::reduce(w);
    }
    // y^64 = y^3 + y + z: fold the high coefficients down, highest first.
    for i in (T..2 * T - 1).rev() {
        // i - T + 3 < i for every i here, so all indices are below 2T - 1.
        #[allow(clippy::indexing_slicing)]
        {
            let h = prod[i];
            prod[i - T + 3] ^= h;
            prod[i - T + 1] ^= h;
            prod[i - T] ^= gf::mul(h, 2);
        }
    }
    let mut out = [0 as Gf; T];
    out.copy_from_slice(&prod[..T]);
    out
}

/// The entry points, compiled once per instruction set (see `src/simd.rs`, which picks one):
/// the products are 32-bit lane multiplications, which x86_64 has only from SSE4.1 on.
macro_rules! entry_points {
    ($(#[$isa:meta])*) => {
        /// Computes the Goppa polynomial (its 64 low coefficients; it is monic) of the field
        /// element `f` of GF((2^12)^64). Returns `None` when `f` does not generate the whole
        /// extension field.
        $(#[$isa])*
        pub fn generate(
            f: &[super::Gf; super::T],
            mat: &mut super::GenpolyScratch,
        ) -> Option<[super::Gf; super::T]> {
            super::generate_body(f, mat)
        }
    };
}

twins!(entry_points);

/// The body of `generate` (see the entry points).
#[inline(always)]
fn generate_body(f: &[Gf; T], mat: &mut GenpolyScratch) -> Option<[Gf; T]> {
    // mat[j] = beta^j; the system is solved on columns 0..T with column T as right-hand side,
    // indexing mat[column][row] as the reference does.
    mat[0] = [0; T];
    mat[0][0] = 1;
    mat[1] = *f;
    for j in 2..=T {
        // j - 1 and j are both below T + 1.
        #[allow(clippy::indexing_slicing)]
        {
            mat[j] = ext_mul(&mat[j - 1], f);
        }
    }

    // Row indices j, k below T; column indices c up to T: all in bounds.
    #[allow(clippy::indexing_slicing)]
    for j in 0..T {
        for k in j + 1..T {
            // Repair a zero pivot by adding row k (masked: no branch on the pivot's value).
            let mask = gf::is_zero_mask(mat[j][j]);
            for col in mat[j..].iter_mut() {
                col[j] ^= col[k] & mask;
            }
        }
        // A zero pivot after the repairs: the system is singular, beta has a smaller degree.
        // This attempt is discarded, which is public.
        if mat[j][j] == 0 {
            // ct-check: accepted branch (genpoly attempt fails)
            return None;
        }
        // Columns c < j are already unit vectors e_c (mat[c][j] == 0), so scaling row j and
        // adding multiples of it leaves them unchanged: start at column j (the reference runs
        // over all columns; the results are equal).
        let inv = gf::inv(mat[j][j]);
        for col in mat[j..].iter_mut() {
            col[j] = gf::mul(col[j], inv);
        }
        // Clear row k != j of every column: col[k] -= col[j] * (column j's row k, as it was
        // before this step). With that factor 0 at k = j, row j stays, and column by column the
        // rows are contiguous, so the loop over them vectorises.
        let mut factor = mat[j];
        factor[j] = 0;
        for col in mat[j..].iter_mut() {
            let cj = col[j];
            for (c, &t) in col.iter_mut().zip(factor.iter()) {
                *c ^= gf::mul(cj, t);
            }
        }
        factor.zeroize();
    }
    Some(mat[T])
}

/// Evaluates the monic polynomial `x^64 + sum_i g[i] x^i` at `a` (Horner's rule).
#[inline]
pub fn eval_monic(g: &[Gf; T], a: Gf) -> Gf {
    let mut r: Gf = 1;
    for &c in g.iter().rev() {
        r = gf::mul(r, a) ^ c;
    }
    r
}
