//! The default suite: ML-KEM-1024 + Classic-McEliece-348864 with pqpsk's v1 combiner
//! (`crate::combiner`: label, both secrets, both ciphertexts, a digest of both public keys).

use crate::combiner;
use crate::kem::mceliece348864::McEliece348864;
use crate::kem::mlkem1024::MlKem1024;
use crate::psk::Psk;
use crate::secret::SharedSecret;
use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
};
use crate::suites::{Binding, SuiteSpec};

/// [`Suite::MlKem1024McEliece348864`](crate::Suite::MlKem1024McEliece348864).
pub(crate) struct MlKem1024McEliece348864;

impl SuiteSpec for MlKem1024McEliece348864 {
    type Kem1 = MlKem1024;
    type Kem2 = McEliece348864;

    fn bind(
        public_key1: &[u8; MLKEM_PUBLIC_KEY_LEN],
        public_key2: &[u8; MCELIECE_PUBLIC_KEY_LEN],
    ) -> Binding {
        combiner::public_key_digest(public_key1, public_key2)
    }

    fn combine(
        shared1: SharedSecret,
        shared2: SharedSecret,
        ciphertext1: &[u8; MLKEM_CIPHERTEXT_LEN],
        ciphertext2: &[u8; MCELIECE_CIPHERTEXT_LEN],
        binding: &Binding,
    ) -> Psk {
        combiner::combine(shared1, shared2, ciphertext1, ciphertext2, binding)
    }
}
