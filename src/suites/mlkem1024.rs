//! ML-KEM-1024 alone (FIPS 203), for devices with tens of KB of RAM: the universal combiner
//! (`crate::combiner::universal`) over its one secret, ciphertext and public key, with a label of
//! its own.
//!
//! ```text
//! pk_digest = SHA-256( "pqpsk v1 ML-KEM-1024 public key" || pk_mlkem )
//! PSK       = SHA-256( ss_mlkem || ct_mlkem || pk_digest || "pqpsk v1 ML-KEM-1024" )
//! ```

use crate::combiner::universal;
use crate::kem::mceliece348864::McEliece348864;
use crate::kem::mlkem1024::MlKem1024 as MlKem;
use crate::kem::Absent;
use crate::psk::Psk;
use crate::secret::SharedSecret;
use crate::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN};
use crate::suites::{Binding, SuiteSpec};

/// The PSK label.
pub(crate) const PSK_LABEL: &[u8] = b"pqpsk v1 ML-KEM-1024";
/// The public-key digest label.
pub(crate) const PUBLIC_KEY_LABEL: &[u8] = b"pqpsk v1 ML-KEM-1024 public key";

/// [`Suite::MlKem1024`](crate::Suite::MlKem1024). The empty second slot is where the default
/// suite carries McEliece, and a stray buffer there is reported as that.
pub(crate) struct MlKem1024;

impl SuiteSpec for MlKem1024 {
    type Kem1 = MlKem;
    type Kem2 = Absent<McEliece348864>;

    fn bind(public_key1: &[u8; MLKEM_PUBLIC_KEY_LEN], public_key2: &[u8; 0]) -> Binding {
        universal::public_key_digest(PUBLIC_KEY_LABEL, public_key1, public_key2)
    }

    fn combine(
        shared1: SharedSecret,
        (): (),
        ciphertext1: &[u8; MLKEM_CIPHERTEXT_LEN],
        ciphertext2: &[u8; 0],
        binding: &Binding,
    ) -> Psk {
        universal::combine(
            PSK_LABEL,
            [Some(shared1), None],
            ciphertext1,
            ciphertext2,
            binding,
        )
    }
}
