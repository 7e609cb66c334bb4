//! The inputs that both ML-KEM benches (benches/mlkem.rs, benches/mlkem_ratio.rs) time, made and
//! cross-checked the same way: a seed and a message from the bench RNG; pqpsk's key pair,
//! ciphertext and expanded decapsulation key from them; libcrux's key pair from the same seed,
//! checked to agree with pqpsk's (keys and shared secret) before anything is timed.
//!
//! Not in `common/mod.rs`: the other bench targets do not link libcrux's ML-KEM calls.

use libcrux_ml_kem::mlkem1024 as crux;
use pqpsk::mlkem::DECAPSULATION_KEY_LEN;
use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN, MLKEM_SEED_LEN};

/// The replaying RNG of the tests (a fixed seed or message as the draws of a pqpsk or ml-kem
/// call).
#[path = "../../../tests/common/replay.rs"]
mod replay;
pub use replay::Replay;

use super::common::BenchRng;

/// What the benches time, computed once.
pub struct Inputs {
    /// The 64-byte seed d || z.
    pub seed: [u8; MLKEM_SEED_LEN],
    /// The message encapsulated (the draw of `encapsulate`).
    pub m: [u8; 32],
    /// pqpsk's encapsulation key from `seed`.
    pub pk: [u8; MLKEM_PUBLIC_KEY_LEN],
    /// pqpsk's ciphertext of `m` to `pk`.
    pub ct: [u8; MLKEM_CIPHERTEXT_LEN],
    /// Its shared secret.
    pub ss: [u8; 32],
    /// The 3,168-byte FIPS 203 decapsulation key from `seed`.
    pub dk: Box<[u8; DECAPSULATION_KEY_LEN]>,
    /// libcrux's key pair from the same seed (the same keys, checked).
    pub crux: crux::MlKem1024KeyPair,
}

/// The inputs drawn from `BenchRng::new(rng_seed)`; panics if libcrux disagrees with pqpsk.
pub fn inputs(rng_seed: u64) -> Inputs {
    let mut rng = BenchRng::new(rng_seed);
    let mut seed = [0u8; MLKEM_SEED_LEN];
    rng.fill(&mut seed);
    let mut m = [0u8; 32];
    rng.fill(&mut m);

    let mut seed_out = [0u8; MLKEM_SEED_LEN];
    let mut pk = [0u8; MLKEM_PUBLIC_KEY_LEN];
    pqpsk::mlkem::generate(&mut Replay(&seed), &mut seed_out, &mut pk);
    let mut ct = [0u8; MLKEM_CIPHERTEXT_LEN];
    let ss = pqpsk::mlkem::encapsulate(&mut Replay(&m), &pk, &mut ct).expect("valid key");
    let mut dk = Box::new([0u8; DECAPSULATION_KEY_LEN]);
    pqpsk::mlkem::expand_decapsulation_key(&seed, &mut dk);
    let pair = crux::generate_key_pair(seed);
    assert_eq!(pair.public_key().as_slice(), &pk);
    assert_eq!(&pair.private_key().as_slice()[..], &dk[..]);
    assert_eq!(
        crux::decapsulate(pair.private_key(), &ct.into()),
        *ss.as_bytes()
    );
    Inputs {
        seed,
        m,
        pk,
        ct,
        ss: *ss.as_bytes(),
        dk,
        crux: pair,
    }
}
