//! The suites: which two KEMs and which combiner make the PSK.
//!
//! A suite is named on the wire by a 16-bit id, so a new second KEM (HQC, say, should Classic
//! McEliece fall further) is a new id rather than a breaking change. Ids are never reused.

use crate::sizes::{
    MCELIECE_CIPHERTEXT_LEN, MCELIECE_PUBLIC_KEY_LEN, MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN,
};

/// A key-agreement suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Suite {
    /// The default: FIPS 203 ML-KEM-1024 + Classic-McEliece-348864 with pqpsk's v1 combiner
    /// (label, both secrets, both ciphertexts and a digest of both public keys).
    #[default]
    MlKem1024McEliece348864,
    /// IVPN's desktop exchange (feature `ivpn`): Round-3 Kyber1024 (liboqs' "Kyber1024", not
    /// FIPS 203) + Classic-McEliece-348864, PSK = SHA-256(ss_kyber || ss_mceliece).
    #[cfg(feature = "ivpn")]
    IvpnKyber1024McEliece348864,
    /// IVPN's mobile exchange (feature `ivpn`): Round-3 Kyber1024 alone, PSK = SHA-256(ss_kyber).
    /// Its second-KEM lengths are 0: pass empty slices.
    #[cfg(feature = "ivpn")]
    IvpnKyber1024,
}

impl Suite {
    /// Every suite this build supports, default first.
    #[cfg(not(feature = "ivpn"))]
    pub const ALL: &'static [Suite] = &[Suite::MlKem1024McEliece348864];
    /// Every suite this build supports, default first.
    #[cfg(feature = "ivpn")]
    pub const ALL: &'static [Suite] = &[
        Suite::MlKem1024McEliece348864,
        Suite::IvpnKyber1024McEliece348864,
        Suite::IvpnKyber1024,
    ];

    /// The suite's id on the wire.
    pub const fn id(self) -> u16 {
        match self {
            Suite::MlKem1024McEliece348864 => 0x0001,
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 => 0x0101,
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024 => 0x0102,
        }
    }

    /// The suite with wire id `id`, if this build supports it.
    pub fn from_id(id: u16) -> Option<Suite> {
        Suite::ALL.iter().copied().find(|suite| suite.id() == id)
    }

    /// A stable lowercase name, for command lines and logs.
    pub const fn name(self) -> &'static str {
        match self {
            Suite::MlKem1024McEliece348864 => "mlkem1024-mceliece348864",
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 => "ivpn-kyber1024-mceliece348864",
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024 => "ivpn-kyber1024",
        }
    }

    /// The suite called `name` (as [`Suite::name`] spells it), if this build supports it.
    pub fn from_name(name: &str) -> Option<Suite> {
        Suite::ALL
            .iter()
            .copied()
            .find(|suite| suite.name() == name)
    }

    /// Whether the suite has a second KEM (Classic McEliece); if not, its buffers are empty.
    pub const fn has_kem2(self) -> bool {
        self.kem2_public_key_len() != 0
    }

    /// Length of the first KEM's public key (the lattice KEM's: ML-KEM or Kyber).
    pub const fn kem1_public_key_len(self) -> usize {
        MLKEM_PUBLIC_KEY_LEN
    }

    /// Length of the second KEM's public key (Classic McEliece's); 0 if the suite has one KEM.
    pub const fn kem2_public_key_len(self) -> usize {
        match self {
            Suite::MlKem1024McEliece348864 => MCELIECE_PUBLIC_KEY_LEN,
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 => MCELIECE_PUBLIC_KEY_LEN,
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024 => 0,
        }
    }

    /// Length of the first KEM's ciphertext.
    pub const fn kem1_ciphertext_len(self) -> usize {
        MLKEM_CIPHERTEXT_LEN
    }

    /// Length of the second KEM's ciphertext; 0 if the suite has one KEM.
    pub const fn kem2_ciphertext_len(self) -> usize {
        match self {
            Suite::MlKem1024McEliece348864 => MCELIECE_CIPHERTEXT_LEN,
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 => MCELIECE_CIPHERTEXT_LEN,
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024 => 0,
        }
    }
}

impl core::fmt::Display for Suite {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip_and_are_unique() {
        for (i, a) in Suite::ALL.iter().enumerate() {
            assert_eq!(Suite::from_id(a.id()), Some(*a));
            assert_eq!(Suite::from_name(a.name()), Some(*a));
            for b in &Suite::ALL[i + 1..] {
                assert_ne!(a.id(), b.id());
                assert_ne!(a.name(), b.name());
            }
        }
        assert_eq!(Suite::from_id(0), None);
        assert_eq!(Suite::from_name("kyber"), None);
        assert_eq!(Suite::default(), Suite::ALL[0]);
    }

    #[cfg(feature = "ivpn")]
    #[test]
    fn ivpn_suites_are_listed_with_their_ids() {
        assert_eq!(Suite::ALL.len(), 3);
        assert_eq!(
            Suite::from_id(0x0101),
            Some(Suite::IvpnKyber1024McEliece348864)
        );
        assert_eq!(
            Suite::from_name("ivpn-kyber1024"),
            Some(Suite::IvpnKyber1024)
        );
        assert!(!Suite::IvpnKyber1024.has_kem2());
        assert_eq!(Suite::IvpnKyber1024.kem2_ciphertext_len(), 0);
        assert!(Suite::IvpnKyber1024McEliece348864.has_kem2());
    }

    #[cfg(not(feature = "ivpn"))]
    #[test]
    fn without_ivpn_only_the_default_suite_exists() {
        assert_eq!(Suite::ALL, &[Suite::MlKem1024McEliece348864]);
        assert_eq!(Suite::from_id(0x0101), None);
    }
}
