//! With `--features libcrux` only: libcrux's portable ML-KEM-1024 on the same seed and message as
//! our steps before it, as three more measured steps, next to our expanded-key decapsulation
//! (libcrux decapsulates with the expanded FIPS 203 key, ours by default from the 64-byte seed).
//! Every result is compared byte for byte with ours: the encapsulation key, the expanded
//! decapsulation key, the ciphertext and both shared secrets. `.ci/mlkem-m4-icount` builds this
//! and prints the instruction ratios.

use core::hint::black_box;

use libcrux_ml_kem::mlkem1024::{self, MlKem1024KeyPair, MlKem1024PublicKey};
use pqpsk::mlkem::{DecapsulationKey, DECAPSULATION_KEY_LEN};
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};

use crate::clock::Clock;
use crate::report::Out;
use crate::step;

/// What our ML-KEM steps produced, which libcrux must reproduce.
pub struct Ours<'a> {
    pub seed: &'a [u8; MLKEM_SEED_LEN],
    pub public_key: &'a [u8; MLKEM_PUBLIC_KEY_LEN],
    pub ciphertext: &'a [u8; MLKEM_CIPHERTEXT_LEN],
    pub shared_secret: &'a [u8; 32],
    /// The 32 bytes our encapsulation drew (replayed from the same RNG seed).
    pub message: [u8; 32],
}

/// Our expanded-key steps, then libcrux's keygen, encaps (with its public-key check, as ours
/// checks the key) and decaps; true when every output is byte-equal to ours.
pub fn compare(
    out: &mut Out,
    clock: &Clock,
    ours: &Ours<'_>,
    dk: &mut [u8; DECAPSULATION_KEY_LEN],
    pair: &mut Option<MlKem1024KeyPair>,
) -> bool {
    // Ours, with the expanded key: expansion once, the FIPS 203 check once, then decapsulation.
    step(out, clock, "mlkem-expand", || {
        pqpsk::mlkem::expand_decapsulation_key(black_box(ours.seed), dk)
    });
    let Ok(parsed) = step(out, clock, "mlkem-dk-parse", || {
        DecapsulationKey::parse(black_box(&*dk))
    }) else {
        return false;
    };
    let expanded = step(out, clock, "mlkem-decaps-expanded", || {
        parsed.decapsulate(black_box(ours.ciphertext))
    });

    // libcrux portable. The key pair is returned by value: its 4.7 KB sit in the step's frame.
    step(out, clock, "libcrux-keygen", || {
        *pair = Some(mlkem1024::generate_key_pair(black_box(*ours.seed)))
    });
    let Some(pair) = pair.as_ref() else {
        return false;
    };
    let sent = step(out, clock, "libcrux-encaps", || {
        let pk = MlKem1024PublicKey::from(black_box(ours.public_key));
        mlkem1024::validate_public_key(&pk)
            .then(|| mlkem1024::encapsulate(&pk, black_box(ours.message)))
    });
    let Some((ciphertext, sent)) = sent else {
        return false;
    };
    let received = step(out, clock, "libcrux-decaps", || {
        mlkem1024::decapsulate(pair.private_key(), black_box(&ciphertext))
    });

    pair.public_key().as_slice() == ours.public_key
        && pair.private_key().as_slice() == &*dk
        && ciphertext.as_slice() == ours.ciphertext
        && sent == *ours.shared_secret
        && received == *ours.shared_secret
        && expanded.as_bytes() == ours.shared_secret
}
