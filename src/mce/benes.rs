//! The Benes network of the secret key, applied to a vector of 4096 bits (one per field element).
//!
//! The secret key stores the support as 23 layers of 2048 control bits (256 bytes each), the
//! layout of the reference implementation: a layer swaps the bits at positions p and p + 2^d of
//! the 4096-bit vector (bit p%64 of 64-bit word p/64, words read little-endian) wherever its
//! control bit is set, with d = 0, 1, ..., 11, 10, ..., 0 over the 23 layers. Applied to the bit
//! planes of bitrev(0..4096), the network gives the support: L_i = bitrev(pi(i)), where
//! `apply` moves the bit at position pi(i) to position i.
//!
//! Decapsulation never builds the support: [`apply_inverse`] moves the received word from code
//! positions to field-element order (where the additive FFT evaluates), [`apply`] moves the
//! error vector back. Control bits only enter through AND masks: constant time.

/// Layers of the network (2 * 12 - 1).
pub const LAYERS: usize = 23;
/// Control bytes of one layer (2048 bits).
pub const LAYER_BYTES: usize = 256;
/// Control bytes in the secret key.
pub const COND_BYTES: usize = LAYERS * LAYER_BYTES;

/// Positions whose bit k is set, per k: the bits that move when control words are spread.
const BIT_SET: [u64; 5] = [
    0xAAAA_AAAA_AAAA_AAAA,
    0xCCCC_CCCC_CCCC_CCCC,
    0xF0F0_F0F0_F0F0_F0F0,
    0xFF00_FF00_FF00_FF00,
    0xFFFF_0000_FFFF_0000,
];

/// What layer `n` does: `(within a word?, log2 of the distance in bits or in words)`.
const fn layer_kind(n: usize) -> (bool, u32) {
    match n {
        0..=5 => (true, n as u32),
        6..=11 => (false, (n - 6) as u32),
        12..=16 => (false, (16 - n) as u32),
        _ => (true, (22 - n) as u32),
    }
}

/// Spreads 32 control bits to the low bit of each of the 32 pairs (j, j + 2^low) of a word:
/// bit u moves to u + (u with its low `low` bits cleared).
#[inline]
fn spread(x: u32, low: u32) -> u64 {
    let mut v = u64::from(x);
    let mut k = 4;
    while k >= low {
        let m = BIT_SET.get(k as usize).copied().unwrap_or(0);
        v = (v & !m) | ((v & m) << (1u32 << k));
        if k == 0 {
            break;
        }
        k -= 1;
    }
    v
}

fn layer(data: &mut [u64; 64], cond: &[u8; LAYER_BYTES], n: usize) {
    let (within, low) = layer_kind(n);
    if within {
        // Word w's 32 control bits are the w-th little-endian u32 of the layer.
        let (conds, _) = cond.as_chunks::<4>();
        let s = 1u32 << low;
        for (w, c) in data.iter_mut().zip(conds) {
            let m = spread(u32::from_le_bytes(*c), low);
            let d = (*w ^ (*w >> s)) & m;
            *w ^= d ^ (d << s);
        }
    } else {
        // Word pairs (j, j + 2^low) in order, one little-endian u64 of control bits each.
        let (conds, _) = cond.as_chunks::<8>();
        let mut conds = conds.iter();
        let s = 1usize << low;
        for block in data.chunks_exact_mut(2 * s) {
            let (lo, hi) = block.split_at_mut(s);
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let m = conds.next().map_or(0, |c| u64::from_le_bytes(*c));
                let d = (*a ^ *b) & m;
                *a ^= d;
                *b ^= d;
            }
        }
    }
}

/// The control layers of a secret key's condition bytes.
fn layers(cond: &[u8; COND_BYTES]) -> &[[u8; LAYER_BYTES]] {
    cond.as_chunks::<LAYER_BYTES>().0
}

/// Applies the network: the bit at position pi(i) moves to position i.
pub fn apply(data: &mut [u64; 64], cond: &[u8; COND_BYTES]) {
    for (n, c) in layers(cond).iter().enumerate() {
        layer(data, c, n);
    }
}

/// Applies the inverse network (the layers in reverse order): the bit at i moves to pi(i).
pub fn apply_inverse(data: &mut [u64; 64], cond: &[u8; COND_BYTES]) {
    for (n, c) in layers(cond).iter().enumerate().rev() {
        layer(data, c, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo(seed: u64, buf: &mut [u8]) {
        let mut x = seed;
        for b in buf {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *b = (x >> 56) as u8;
        }
    }

    #[test]
    fn spread_places_pair_bits() {
        for low in 0..6 {
            let s = 1usize << low;
            for u in 0..32 {
                let j = (u / s) * 2 * s + u % s;
                assert_eq!(spread(1 << u, low as u32), 1u64 << j, "low {low} u {u}");
            }
        }
    }

    #[test]
    fn layers_swap_the_documented_pairs() {
        // One control bit at a time: it must swap exactly the pair it names.
        for n in 0..LAYERS {
            let (within, low) = layer_kind(n);
            for bit in [0usize, 1, 77, 1000, 2047] {
                let mut cond = [0u8; LAYER_BYTES];
                cond[bit / 8] = 1 << (bit % 8);
                let (p, q) = if within {
                    let (w, u) = (bit / 32, bit % 32);
                    let s = 1usize << low;
                    let j = (u / s) * 2 * s + u % s;
                    (64 * w + j, 64 * w + j + s)
                } else {
                    let (pair, lane) = (bit / 64, bit % 64);
                    let s = 1usize << low;
                    let w = (pair / s) * 2 * s + pair % s;
                    (64 * w + lane, 64 * (w + s) + lane)
                };
                let mut data = [0u64; 64];
                data[p / 64] |= 1 << (p % 64);
                layer(&mut data, &cond, n);
                let mut want = [0u64; 64];
                want[q / 64] |= 1 << (q % 64);
                assert_eq!(data, want, "layer {n} bit {bit}");
            }
        }
    }

    #[test]
    fn inverse_undoes_apply() {
        let mut cond = [0u8; COND_BYTES];
        pseudo(1, &mut cond);
        let mut bytes = [0u8; 512];
        pseudo(2, &mut bytes);
        let data: [u64; 64] = core::array::from_fn(|i| {
            u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap())
        });
        let mut x = data;
        apply(&mut x, &cond);
        assert_ne!(x, data);
        apply_inverse(&mut x, &cond);
        assert_eq!(x, data);
    }
}
