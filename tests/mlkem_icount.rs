//! Instruction-count harness: our ML-KEM-1024 next to `ml-kem` and (with the `ivpn` feature,
//! which brings it in) libcrux: its portable code, and on aarch64 also its NEON backend, on the same seeds and messages. Each
//! operation of each implementation is one region for the qemu-user counting plugin
//! (`icount_mark`, see tests/common/measure.rs); natively the marks do nothing and this is a
//! plain agreement test. Tags: 1xx ours (seed form), 11x ours (expanded key; 114 its parse), 2xx ml-kem,
//! 3xx libcrux portable, 4xx libcrux-neon (aarch64 only); xx1 keygen, xx2 encaps, xx3 decaps. Each region covers `ROUNDS` calls.
//!
//! (`-p pqpsk`: a workspace build would unify in the bench package's libcrux `simd256` feature,
//! which does not build for ARM.)
//!
//! ```sh
//! cargo test --release -p pqpsk --features ivpn --test mlkem_icount --target aarch64-unknown-linux-gnu --no-run
//! qemu-aarch64 -L /usr/aarch64-linux-gnu -plugin libicount.so -d plugin -D counts.txt target/.../mlkem_icount-*
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/measure.rs"]
mod measure;
#[path = "common/replay.rs"]
mod replay;
#[path = "common/splitmix.rs"]
mod splitmix;

use std::hint::black_box;

use measure::icount_mark;
use ml_kem::array::Array;
use ml_kem::kem::{Decapsulate, Encapsulate, KeyExport};
use pqpsk::mlkem::{self, DecapsulationKey, PublicKey, DECAPSULATION_KEY_LEN};
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};
use replay::Replay;

/// Calls per counted region.
const ROUNDS: usize = 4;

/// Runs `f` on every round inside region `tag`.
fn region(tag: u64, mut f: impl FnMut(usize)) {
    icount_mark(tag, 0);
    for r in 0..ROUNDS {
        f(r);
    }
    icount_mark(tag, 1);
}

#[test]
fn same_work_for_every_implementation() {
    let mut rng = splitmix::SplitMix64::new(0x1c0u64);
    let mut seeds = [[0u8; MLKEM_SEED_LEN]; ROUNDS];
    let mut msgs = [[0u8; 32]; ROUNDS];
    for (s, m) in seeds.iter_mut().zip(msgs.iter_mut()) {
        rng.fill(s);
        rng.fill(m);
    }

    // Ours.
    let mut pks = [[0u8; MLKEM_PUBLIC_KEY_LEN]; ROUNDS];
    let mut cts = [[0u8; MLKEM_CIPHERTEXT_LEN]; ROUNDS];
    let mut ss = [[0u8; 32]; ROUNDS];
    region(101, |r| {
        let mut seed = [0u8; MLKEM_SEED_LEN];
        mlkem::generate(&mut Replay(&seeds[r]), &mut seed, &mut pks[r]);
    });
    region(102, |r| {
        let k = mlkem::encapsulate(&mut Replay(&msgs[r]), black_box(&pks[r]), &mut cts[r]).unwrap();
        ss[r] = *k.as_bytes();
    });
    region(103, |r| {
        let k = mlkem::decapsulate(black_box(&seeds[r]), black_box(&cts[r]));
        assert_eq!(k.as_bytes(), &ss[r]);
    });
    let mut dks = vec![[0u8; DECAPSULATION_KEY_LEN]; ROUNDS];
    region(111, |r| {
        mlkem::expand_decapsulation_key(&seeds[r], &mut dks[r])
    });
    // The FIPS 203 input check of an expanded key (H(ek) and the modulus check) is done once per
    // key, by parse (region 114); region 113 is a decapsulation with a parsed key, like
    // libcrux's decapsulate, which takes its key unchecked.
    let mut parsed = Vec::new();
    region(114, |r| {
        parsed.push(DecapsulationKey::parse(black_box(&dks[r])).unwrap())
    });
    region(113, |r| {
        assert_eq!(parsed[r].decapsulate(black_box(&cts[r])).as_bytes(), &ss[r]);
    });
    let _ = PublicKey::parse(&pks[0]).unwrap();

    // RustCrypto ml-kem.
    let mut theirs = Vec::new();
    region(201, |r| {
        let dk = ml_kem::DecapsulationKey1024::from_seed(Array(seeds[r]));
        let ek = dk.encapsulation_key().to_bytes();
        theirs.push(ek);
    });
    region(202, |r| {
        let ek = ml_kem::EncapsulationKey1024::new(black_box(&theirs[r])).unwrap();
        let (ct, k) = ek.encapsulate_with_rng(&mut Replay(&msgs[r]));
        assert_eq!(ct[..], cts[r][..]);
        assert_eq!(k[..], ss[r][..]);
    });
    region(203, |r| {
        let dk = ml_kem::DecapsulationKey1024::from_seed(Array(black_box(seeds[r])));
        assert_eq!(dk.decapsulate(&Array(black_box(cts[r])))[..], ss[r][..]);
    });
    for r in 0..ROUNDS {
        assert_eq!(theirs[r][..], pks[r][..]);
    }

    // libcrux (portable), which keeps the expanded key.
    #[cfg(feature = "ivpn")]
    {
        use libcrux_ml_kem::mlkem1024::{self, portable};
        let mut pairs = Vec::new();
        region(301, |r| {
            pairs.push(portable::generate_key_pair(black_box(seeds[r])))
        });
        region(302, |r| {
            let pk = mlkem1024::MlKem1024PublicKey::from(black_box(pks[r]));
            assert!(portable::validate_public_key(&pk));
            let (ct, k) = portable::encapsulate(&pk, msgs[r]);
            assert_eq!(ct.as_slice(), &cts[r]);
            assert_eq!(k, ss[r]);
        });
        region(303, |r| {
            let k = portable::decapsulate(pairs[r].private_key(), &black_box(cts[r]).into());
            assert_eq!(k, ss[r]);
        });
    }

    // libcrux with its NEON backend, the same three calls. (libcrux's build script enables its
    // `simd128` backend on every aarch64 build, and its top-level functions then pick it at run
    // time: what this harness counted as "libcrux" on aarch64 before 4xx existed was this.)
    #[cfg(all(feature = "ivpn", target_arch = "aarch64"))]
    {
        use libcrux_ml_kem::mlkem1024::{self, neon};
        let mut pairs = Vec::new();
        region(401, |r| {
            pairs.push(neon::generate_key_pair(black_box(seeds[r])))
        });
        region(402, |r| {
            let pk = mlkem1024::MlKem1024PublicKey::from(black_box(pks[r]));
            assert!(neon::validate_public_key(&pk));
            let (ct, k) = neon::encapsulate(&pk, msgs[r]);
            assert_eq!(ct.as_slice(), &cts[r]);
            assert_eq!(k, ss[r]);
        });
        region(403, |r| {
            let k = neon::decapsulate(pairs[r].private_key(), &black_box(cts[r]).into());
            assert_eq!(k, ss[r]);
        });
    }
}
