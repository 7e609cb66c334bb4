//! The Keccak-f[1600] state under the sponge of [`super::hash`], with the permutation chosen per
//! target.
//!
//! - On 64-bit targets the lanes are `u64` and the permutation is the `keccak` crate's (which
//!   uses the ARMv8 SHA-3 instructions where the CPU has them).
//! - Elsewhere (armv7, Cortex-M, 32-bit RISC-V, MIPS) a 64-bit lane costs two registers, and a
//!   64-bit rotation four shifts. There the state is kept bit-interleaved (our own permutation
//!   below): each lane is a pair of `u32`, its even-numbered bits and its odd-numbered bits, so
//!   that a rotation of the lane is two 32-bit rotations (Keccak team, "Keccak implementation
//!   overview", section 2.1). Lanes are converted only where the sponge reads or writes them.
//!   On armv7 this takes about a third of the instructions of the `keccak` crate's permutation
//!   (tests/mlkem_icount.rs; figures in no_std.md).
//!
//! Both forms are built and tested on every target: the interleaved permutation against the
//! `keccak` crate, byte for byte.

// Each target uses one of the two forms; both are compiled and tested everywhere.
#![allow(dead_code)]

use zeroize::Zeroize;

/// The state as the sponge sees it: 25 little-endian 64-bit lanes, lane x + 5 y.
pub(super) trait Lanes {
    /// The all-zero state.
    fn zero() -> Self;
    /// Lane `i` ^= `value` (`i` < 25).
    fn xor_lane(&mut self, i: usize, value: u64);
    /// Lane `i` (`i` < 25).
    fn lane(&self, i: usize) -> u64;
    /// Keccak-f[1600].
    fn permute(&mut self);
    /// Overwrites the state with zeros.
    fn wipe(&mut self);
}

/// `u64` lanes, permuted by the `keccak` crate.
pub(super) struct Plain {
    lanes: [u64; 25],
    keccak: keccak::Keccak,
}

impl Lanes for Plain {
    fn zero() -> Self {
        Plain {
            lanes: [0; 25],
            keccak: keccak::Keccak::new(),
        }
    }

    #[inline(always)]
    fn xor_lane(&mut self, i: usize, value: u64) {
        if let Some(lane) = self.lanes.get_mut(i) {
            *lane ^= value;
        }
    }

    #[inline(always)]
    fn lane(&self, i: usize) -> u64 {
        self.lanes.get(i).copied().unwrap_or(0)
    }

    fn permute(&mut self) {
        // On x86_64 (no SHA-3 instructions), the row-by-row permutation below took 0.6-1.0x the
        // time of the `keccak` crate's in one process, interleaved (a noisy shared machine).
        #[cfg(target_arch = "x86_64")]
        f1600_unrolled(&mut self.lanes);
        #[cfg(not(target_arch = "x86_64"))]
        {
            let lanes = &mut self.lanes;
            self.keccak.with_f1600(|f1600| f1600(lanes));
        }
    }

    fn wipe(&mut self) {
        self.lanes.zeroize();
    }
}

/// Bit-interleaved lanes: `[even bits, odd bits]` of each, permuted by [`f1600_interleaved`].
pub(super) struct Interleaved {
    lanes: [[u32; 2]; 25],
}

impl Lanes for Interleaved {
    fn zero() -> Self {
        Interleaved {
            lanes: [[0; 2]; 25],
        }
    }

    #[inline(always)]
    fn xor_lane(&mut self, i: usize, value: u64) {
        if let Some(lane) = self.lanes.get_mut(i) {
            let [e, o] = interleave(value);
            lane[0] ^= e;
            lane[1] ^= o;
        }
    }

    #[inline(always)]
    fn lane(&self, i: usize) -> u64 {
        self.lanes.get(i).map_or(0, |&l| deinterleave(l))
    }

    fn permute(&mut self) {
        f1600_interleaved(&mut self.lanes);
    }

    fn wipe(&mut self) {
        self.lanes.zeroize();
    }
}

/// The state the sponge uses on this target (see the module note).
#[cfg(target_pointer_width = "64")]
pub(super) type State = Plain;
/// The state the sponge uses on this target (see the module note).
#[cfg(not(target_pointer_width = "64"))]
pub(super) type State = Interleaved;

/// Moves the even-numbered bits of `x` to its low half and the odd-numbered ones to its high half
/// (a perfect unshuffle: four masked swaps).
#[inline(always)]
fn unshuffle(mut x: u32) -> u32 {
    let mut t = (x ^ (x >> 1)) & 0x2222_2222;
    x ^= t ^ (t << 1);
    t = (x ^ (x >> 2)) & 0x0C0C_0C0C;
    x ^= t ^ (t << 2);
    t = (x ^ (x >> 4)) & 0x00F0_00F0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >> 8)) & 0x0000_FF00;
    x ^= t ^ (t << 8);
    x
}

/// The inverse of [`unshuffle`] (the same swaps in reverse order).
#[inline(always)]
fn shuffle(mut x: u32) -> u32 {
    let mut t = (x ^ (x >> 8)) & 0x0000_FF00;
    x ^= t ^ (t << 8);
    t = (x ^ (x >> 4)) & 0x00F0_00F0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >> 2)) & 0x0C0C_0C0C;
    x ^= t ^ (t << 2);
    t = (x ^ (x >> 1)) & 0x2222_2222;
    x ^= t ^ (t << 1);
    x
}

/// A 64-bit lane as [even bits, odd bits]: bit 2 j of `x` is bit j of the first word, bit 2 j + 1
/// bit j of the second.
#[inline(always)]
const fn interleave_const(x: u64) -> [u32; 2] {
    let mut e = 0u32;
    let mut o = 0u32;
    let mut j = 0;
    while j < 32 {
        e |= (((x >> (2 * j)) & 1) as u32) << j;
        o |= (((x >> (2 * j + 1)) & 1) as u32) << j;
        j += 1;
    }
    [e, o]
}

/// [`interleave_const`], by two unshuffles.
#[inline(always)]
fn interleave(x: u64) -> [u32; 2] {
    let lo = unshuffle(x as u32);
    let hi = unshuffle((x >> 32) as u32);
    [(lo & 0xFFFF) | (hi << 16), (lo >> 16) | (hi & 0xFFFF_0000)]
}

/// The inverse of [`interleave`].
#[inline(always)]
fn deinterleave([e, o]: [u32; 2]) -> u64 {
    let lo = shuffle((e & 0xFFFF) | (o << 16));
    let hi = shuffle((e >> 16) | (o & 0xFFFF_0000));
    u64::from(lo) | (u64::from(hi) << 32)
}

/// An interleaved lane rotated left by `r` bits (0 <= r < 64) as a 64-bit lane: an even rotation
/// rotates both halves by r / 2; an odd one also swaps them (even bits become odd).
#[inline(always)]
fn rotate([e, o]: [u32; 2], r: u32) -> [u32; 2] {
    if r.is_multiple_of(2) {
        [e.rotate_left(r / 2), o.rotate_left(r / 2)]
    } else {
        [o.rotate_left(r.div_ceil(2)), e.rotate_left(r / 2)]
    }
}

/// The rho rotation of lane x + 5 y (FIPS 202 section 3.2.2), computed from its definition.
#[expect(
    clippy::indexing_slicing,
    reason = "indices below 25 by the loop bounds"
)]
pub(super) const RHO: [u32; 25] = {
    let mut rho = [0u32; 25];
    let (mut x, mut y) = (1usize, 0usize);
    let mut t = 0u32;
    while t < 24 {
        rho[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
        let nx = y;
        y = (2 * x + 3 * y) % 5;
        x = nx;
        t += 1;
    }
    rho
};

/// For output lane X + 5 Y of rho and pi, the input lane it comes from: pi moves lane (x, y) to
/// (y, 2 x + 3 y), so the source of (X, Y) is ((X + 3 Y) mod 5, X).
#[expect(
    clippy::indexing_slicing,
    reason = "indices below 25 by the loop bounds"
)]
pub(super) const PI_SOURCE: [usize; 25] = {
    let mut src = [0usize; 25];
    let mut i = 0;
    while i < 25 {
        let (x, y) = (i % 5, i / 5);
        src[i] = (x + 3 * y) % 5 + 5 * x;
        i += 1;
    }
    src
};

/// The 24 round constants of iota (FIPS 202 Algorithms 5 and 6, from the LFSR).
#[expect(
    clippy::indexing_slicing,
    reason = "indices below 24 by the loop bounds"
)]
pub(super) const ROUND_CONSTANTS_64: [u64; 24] = {
    let mut rcs = [0u64; 24];
    // The LFSR of rc(t), x^8 + x^6 + x^5 + x^4 + 1, stepped once per t = 0, 1, ...; bit i of
    // `r` is R[i].
    let mut r: u32 = 1;
    let mut round = 0;
    while round < 24 {
        let mut rc = 0u64;
        let mut j = 0;
        while j < 7 {
            // rc(j + 7 round) is R[0] after that many steps; it lands on bit 2^j - 1.
            rc |= ((r & 1) as u64) << ((1u32 << j) - 1);
            r <<= 1;
            if r & 0x100 != 0 {
                r ^= 0x171;
            }
            j += 1;
        }
        rcs[round] = rc;
        round += 1;
    }
    rcs
};

/// [`ROUND_CONSTANTS_64`], interleaved.
#[expect(
    clippy::indexing_slicing,
    reason = "indices below 24 by the loop bounds"
)]
const ROUND_CONSTANTS: [[u32; 2]; 24] = {
    let mut rcs = [[0u32; 2]; 24];
    let mut round = 0;
    while round < 24 {
        rcs[round] = interleave_const(ROUND_CONSTANTS_64[round]);
        round += 1;
    }
    rcs
};

/// Row `Y` of one round from `a` into `e`: its five lanes after theta (by `d`), rho and pi, then
/// chi, each written out at once and folded into the next round's column parities `c`. Row by
/// row, only a row's lanes are live at a time (far fewer spills than whole-state steps).
#[inline(always)]
#[expect(clippy::indexing_slicing, reason = "every index is below 25 or 5")]
fn row_u64<const Y: usize>(a: &[u64; 25], e: &mut [u64; 25], d: &[u64; 5], c: &mut [u64; 5]) {
    let b: [u64; 5] = core::array::from_fn(|x| {
        let src = PI_SOURCE[x + 5 * Y];
        (a[src] ^ d[src % 5]).rotate_left(RHO[src])
    });
    for x in 0..5 {
        let v = b[x] ^ (!b[(x + 1) % 5] & b[(x + 2) % 5]);
        e[x + 5 * Y] = v;
        c[x] ^= v;
    }
}

/// One round from `a` into `e`; `c` holds `a`'s column parities on entry and `e`'s on return.
#[inline(always)]
#[expect(clippy::indexing_slicing, reason = "indices below 5")]
fn round_u64(a: &[u64; 25], e: &mut [u64; 25], c: &mut [u64; 5], rc: u64) {
    let d: [u64; 5] = core::array::from_fn(|x| c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1));
    *c = [0; 5];
    row_u64::<0>(a, e, &d, c);
    row_u64::<1>(a, e, &d, c);
    row_u64::<2>(a, e, &d, c);
    row_u64::<3>(a, e, &d, c);
    row_u64::<4>(a, e, &d, c);
    e[0] ^= rc;
    c[0] ^= rc;
}

/// Keccak-f[1600] on `u64` lanes, row by row ([`round_u64`]), alternating between the state and
/// a second buffer, two rounds per step.
#[expect(clippy::indexing_slicing, reason = "indices below 25 or 5")]
pub(super) fn f1600_unrolled(s: &mut [u64; 25]) {
    let mut c: [u64; 5] =
        core::array::from_fn(|x| s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20]);
    let mut e = [0u64; 25];
    for rcs in ROUND_CONSTANTS_64.as_chunks::<2>().0 {
        round_u64(s, &mut e, &mut c, rcs[0]);
        round_u64(&e, s, &mut c, rcs[1]);
    }
    e.zeroize();
}

/// In-place rho and pi (the Keccak team's "in-place" 32-bit implementation, described in
/// "Keccak implementation overview", section 2.5): each output row is written over the five lanes
/// it was computed from, output x of row y over the source of output x + 2 y. Lanes then move
/// between slots, but come back to their own after four rounds. `SLOTS[r][i]` is the slot that
/// holds lane i at the start of round r mod 4 (slots[0] is the identity, and slots[4] must be
/// again, which the assertion below checks at compile time).
#[expect(
    clippy::indexing_slicing,
    reason = "indices below 25 by the loop bounds"
)]
const SLOTS: [[usize; 25]; 5] = {
    let mut slots = [[0usize; 25]; 5];
    let mut i = 0;
    while i < 25 {
        slots[0][i] = i;
        i += 1;
    }
    let mut r = 0;
    while r < 4 {
        let mut i = 0;
        while i < 25 {
            let (x, y) = (i % 5, i / 5);
            slots[r + 1][i] = slots[r][PI_SOURCE[(x + 2 * y) % 5 + 5 * y]];
            i += 1;
        }
        r += 1;
    }
    slots
};

#[expect(clippy::indexing_slicing, reason = "i < 25 by the loop bound")]
const _: () = {
    let mut i = 0;
    while i < 25 {
        assert!(SLOTS[4][i] == i);
        i += 1;
    }
};

/// Keccak-f[1600] on a bit-interleaved state, in place: 24 rounds of theta, rho, pi, chi and iota,
/// four per loop (see [`SLOTS`]).
///
/// Every step below is written out lane by lane, each lane its own const-generic instance, so
/// that every slot, rotation amount and row neighbour is a compile-time constant whatever the
/// optimiser decides: at opt-level "s" LLVM does not unroll five-iteration loops, and a loop over
/// the lanes read the tables at run time (a division by 5 per index and a branch per rotation),
/// which made this permutation slower than the `keccak` crate's.
pub(super) fn f1600_interleaved(state: &mut [[u32; 2]; 25]) {
    for rcs in ROUND_CONSTANTS.as_chunks::<4>().0 {
        barrier();
        round::<0>(state, rcs[0]);
        barrier();
        round::<1>(state, rcs[1]);
        barrier();
        round::<2>(state, rcs[2]);
        barrier();
        round::<3>(state, rcs[3]);
    }
}

/// A compiler barrier between rounds and between rows (no instruction): every lane goes back to
/// the state before the next row is read. Without it LLVM interleaves rows and rounds to keep
/// lanes in registers, and with only 13 of them on 32-bit ARM it spills: at opt-level "s" on the
/// Cortex-M4 the frame was 336 bytes with neither this nor the `black_box`es of [`round`], 144 with
/// them, and each ML-KEM operation about 14% fewer instructions (examples/firmware).
#[inline(always)]
fn barrier() {
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// `a ^ b`, lane-wise.
#[inline(always)]
fn xor([a0, a1]: [u32; 2], [b0, b1]: [u32; 2]) -> [u32; 2] {
    [a0 ^ b0, a1 ^ b1]
}

/// Column parity `X` at the start of round `R` (mod 4): lanes X, X + 5, ..., X + 20, from the
/// slots that hold them.
#[inline(always)]
#[expect(
    clippy::indexing_slicing,
    reason = "constant indices, below 25 or 5 by the assertion on the parameters"
)]
fn column<const R: usize, const X: usize>(s: &[[u32; 2]; 25]) -> [u32; 2] {
    const { assert!(R < 4 && X < 5) };
    xor(
        xor(
            xor(s[const { SLOTS[R][X] }], s[const { SLOTS[R][X + 5] }]),
            xor(s[const { SLOTS[R][X + 10] }], s[const { SLOTS[R][X + 15] }]),
        ),
        s[const { SLOTS[R][X + 20] }],
    )
}

/// theta's D[X] = C[X - 1] ^ rot(C[X + 1], 1).
#[inline(always)]
fn theta<const X: usize>(c: &[[u32; 2]; 5]) -> [u32; 2] {
    xor(
        c[const { (X + 4) % 5 }],
        rotate(c[const { (X + 1) % 5 }], 1),
    )
}

/// Input X of chi for row `Y` of round `R` (mod 4): lane `PI_SOURCE[X + 5 Y]`, read from the
/// slot that holds it in this round, with theta's D added and rho's rotation applied.
#[inline(always)]
#[expect(
    clippy::indexing_slicing,
    reason = "constant indices, below 25 or 5 by the assertion on the parameters"
)]
fn rho_pi<const R: usize, const Y: usize, const X: usize>(
    s: &[[u32; 2]; 25],
    d: &[[u32; 2]; 5],
) -> [u32; 2] {
    const { assert!(R < 4 && Y < 5 && X < 5) };
    let lane = s[const { SLOTS[R][PI_SOURCE[X + 5 * Y]] }];
    rotate(
        xor(lane, d[const { PI_SOURCE[X + 5 * Y] % 5 }]),
        const { RHO[PI_SOURCE[X + 5 * Y]] },
    )
}

/// Output X of chi for row `Y` of round `R` (mod 4), written over the slot of input
/// X + 2 Y of the row.
#[inline(always)]
#[expect(
    clippy::indexing_slicing,
    reason = "constant indices, below 25 or 5 by the assertion on the parameters"
)]
fn chi<const R: usize, const Y: usize, const X: usize>(s: &mut [[u32; 2]; 25], b: &[[u32; 2]; 5]) {
    const { assert!(R < 4 && Y < 5 && X < 5) };
    let [b0, b1, b2] = [b[X], b[const { (X + 1) % 5 }], b[const { (X + 2) % 5 }]];
    s[const { SLOTS[R][PI_SOURCE[(X + 2 * Y) % 5 + 5 * Y]] }] =
        [b0[0] ^ (!b1[0] & b2[0]), b0[1] ^ (!b1[1] & b2[1])];
}

/// Row `Y` of round `R` (mod 4): rho and pi for its five lanes (all read before any is
/// written), then chi, written back over the same five slots.
#[inline(always)]
fn row<const R: usize, const Y: usize>(s: &mut [[u32; 2]; 25], d: &[[u32; 2]; 5]) {
    let b = [
        rho_pi::<R, Y, 0>(s, d),
        rho_pi::<R, Y, 1>(s, d),
        rho_pi::<R, Y, 2>(s, d),
        rho_pi::<R, Y, 3>(s, d),
        rho_pi::<R, Y, 4>(s, d),
    ];
    chi::<R, Y, 0>(s, &b);
    chi::<R, Y, 1>(s, &b);
    chi::<R, Y, 2>(s, &b);
    chi::<R, Y, 3>(s, &b);
    chi::<R, Y, 4>(s, &b);
}

/// Round `R` (mod 4) in place.
///
/// The column parities are read afresh from the state (50 loads): cheaper on a 32-bit core than
/// gathering them while chi writes, which keeps 10 more words live across the rows, spilled.
#[inline(always)]
fn round<const R: usize>(s: &mut [[u32; 2]; 25], rc: [u32; 2]) {
    // Each parity to memory as soon as it is computed: LLVM otherwise loads all 50 words first.
    let c = [
        core::hint::black_box(column::<R, 0>(s)),
        core::hint::black_box(column::<R, 1>(s)),
        core::hint::black_box(column::<R, 2>(s)),
        core::hint::black_box(column::<R, 3>(s)),
        core::hint::black_box(column::<R, 4>(s)),
    ];
    // D to memory too, read there by the rows, rather than recomputed from C or spilled.
    let d = core::hint::black_box([
        theta::<0>(&c),
        theta::<1>(&c),
        theta::<2>(&c),
        theta::<3>(&c),
        theta::<4>(&c),
    ]);
    barrier();
    row::<R, 0>(s, &d);
    barrier();
    row::<R, 1>(s, &d);
    barrier();
    row::<R, 2>(s, &d);
    barrier();
    row::<R, 3>(s, &d);
    barrier();
    row::<R, 4>(s, &d);
    // iota, on lane 0 (always in slot 0: it is its own source, and row 0 is not shifted).
    s[0] = xor(s[0], rc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips_and_matches_its_definition() {
        let mut x = 0x0123_4567_89AB_CDEFu64;
        for _ in 0..1000 {
            assert_eq!(interleave(x), interleave_const(x));
            assert_eq!(deinterleave(interleave(x)), x);
            for r in 0..64 {
                assert_eq!(
                    deinterleave(rotate(interleave(x), r)),
                    x.rotate_left(r),
                    "rotation {r}"
                );
            }
            x = x
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(0xD1B5_4A32_D192_ED03);
        }
    }

    #[test]
    fn constants_match_fips_202() {
        // Published values (FIPS 202 / the Keccak reference): first, second and last round
        // constants, and the rho offsets of lanes (1,0), (0,1) and (4,4).
        assert_eq!(ROUND_CONSTANTS[0], interleave_const(1));
        assert_eq!(ROUND_CONSTANTS[1], interleave_const(0x8082));
        assert_eq!(ROUND_CONSTANTS[23], interleave_const(0x8000_0000_8000_8008));
        assert_eq!((RHO[0], RHO[1], RHO[5], RHO[24]), (0, 1, 36, 14));
    }

    /// Our interleaved permutation against the `keccak` crate, over a chain of states.
    #[test]
    fn interleaved_permutation_matches_keccak_crate() {
        let mut plain = Plain::zero();
        let mut ours = Interleaved::zero();
        let mut seed = 0x5EED_u64;
        for step in 0..50 {
            for i in 0..25 {
                seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
                let v = if step % 3 == 0 { 0 } else { seed };
                plain.xor_lane(i, v);
                ours.xor_lane(i, v);
            }
            plain.permute();
            ours.permute();
            for i in 0..25 {
                assert_eq!(ours.lane(i), plain.lane(i), "step {step} lane {i}");
            }
        }
        // The unrolled u64 permutation against the keccak crate, over the same chain.
        let mut theirs = [0u64; 25];
        let mut ours = [0u64; 25];
        for step in 0..50u64 {
            theirs[step as usize % 25] ^= step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ours[step as usize % 25] ^= step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            keccak::Keccak::new().with_f1600(|f| f(&mut theirs));
            f1600_unrolled(&mut ours);
            assert_eq!(ours, theirs, "unrolled, step {step}");
        }
        // Keccak-f[1600] of the zero state, first lane (the Keccak team's published
        // intermediate values): F1258F7940E1DDE7.
        let mut zero = Interleaved::zero();
        zero.permute();
        assert_eq!(zero.lane(0), 0xF125_8F79_40E1_DDE7);
    }
}
