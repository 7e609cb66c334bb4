//! The two IVPN suites: Round-3 Kyber1024 with Classic-McEliece-348864 or alone, and IVPN's
//! combiner ([`super::combiner`]), which binds no public key (their binding is zeros).

use crate::ivpn::combiner;
use crate::ivpn::kem::Kyber1024;
use crate::kem::mceliece348864::McEliece348864;
use crate::kem::Absent;
use crate::psk::Psk;
use crate::secret::SharedSecret;
use crate::sizes::{
    KYBER_CIPHERTEXT_LEN, KYBER_PUBLIC_KEY_LEN, MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN,
};
use crate::suites::{Binding, SuiteSpec};

/// [`Suite::IvpnKyber1024McEliece348864`](crate::Suite::IvpnKyber1024McEliece348864).
pub(crate) struct IvpnKyber1024McEliece348864;

impl SuiteSpec for IvpnKyber1024McEliece348864 {
    type Kem1 = Kyber1024;
    type Kem2 = McEliece348864;

    fn bind(_: &[u8; KYBER_PUBLIC_KEY_LEN], _: &[u8; MCELIECE_PUBLIC_KEY_LEN]) -> Binding {
        [0; 32]
    }

    fn combine(
        shared1: SharedSecret,
        shared2: SharedSecret,
        _: &[u8; KYBER_CIPHERTEXT_LEN],
        _: &[u8; MCELIECE_CIPHERTEXT_LEN],
        _: &Binding,
    ) -> Psk {
        combiner::combine(shared1, shared2)
    }
}

/// [`Suite::IvpnKyber1024`](crate::Suite::IvpnKyber1024): IVPN's mobile apps leave out exactly
/// the McEliece fields, so the empty slot is McEliece's.
pub(crate) struct IvpnKyber1024;

impl SuiteSpec for IvpnKyber1024 {
    type Kem1 = Kyber1024;
    type Kem2 = Absent<McEliece348864>;

    fn bind(_: &[u8; KYBER_PUBLIC_KEY_LEN], _: &[u8; 0]) -> Binding {
        [0; 32]
    }

    fn combine(
        shared1: SharedSecret,
        (): (),
        _: &[u8; KYBER_CIPHERTEXT_LEN],
        _: &[u8; 0],
        _: &Binding,
    ) -> Psk {
        combiner::combine_kyber_only(shared1)
    }
}
