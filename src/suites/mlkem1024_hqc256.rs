//! ML-KEM-1024 + HQC-256 (feature `hqc`): two KEMs from two families (lattices and codes), the
//! second without McEliece's 261 KB key, combined with the universal combiner of
//! draft-irtf-cfrg-hybrid-kems (`crate::combiner::universal`, SHA-256):
//!
//! ```text
//! pk_digest = SHA-256( "pqpsk v1 ML-KEM-1024 + HQC-256 public keys" || pk_mlkem || pk_hqc )
//! PSK       = SHA-256( ss_mlkem || ss_hqc || ct_mlkem || ct_hqc || pk_digest
//!                      || "pqpsk v1 ML-KEM-1024 + HQC-256" )
//! ```

use crate::combiner::universal;
use crate::kem::hqc256::Hqc256;
use crate::kem::mlkem1024::MlKem1024;
use crate::psk::Psk;
use crate::secret::SharedSecret;
use crate::sizes::{
    HQC_CIPHERTEXT_LEN, HQC_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
};
use crate::suites::{Binding, SuiteSpec};

/// The PSK label.
pub(crate) const PSK_LABEL: &[u8] = b"pqpsk v1 ML-KEM-1024 + HQC-256";
/// The public-key digest label.
pub(crate) const PUBLIC_KEY_LABEL: &[u8] = b"pqpsk v1 ML-KEM-1024 + HQC-256 public keys";

/// [`Suite::MlKem1024Hqc256`](crate::Suite::MlKem1024Hqc256).
pub(crate) struct MlKem1024Hqc256;

impl SuiteSpec for MlKem1024Hqc256 {
    type Kem1 = MlKem1024;
    type Kem2 = Hqc256;

    fn bind(
        public_key1: &[u8; MLKEM_PUBLIC_KEY_LEN],
        public_key2: &[u8; HQC_PUBLIC_KEY_LEN],
    ) -> Binding {
        universal::public_key_digest(PUBLIC_KEY_LABEL, public_key1, public_key2)
    }

    fn combine(
        shared1: SharedSecret,
        shared2: SharedSecret,
        ciphertext1: &[u8; MLKEM_CIPHERTEXT_LEN],
        ciphertext2: &[u8; HQC_CIPHERTEXT_LEN],
        binding: &Binding,
    ) -> Psk {
        universal::combine(
            PSK_LABEL,
            [Some(shared1), Some(shared2)],
            ciphertext1,
            ciphertext2,
            binding,
        )
    }
}
