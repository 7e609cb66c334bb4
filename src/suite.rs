//! The suites by name: the vocabulary every other module uses to say which exchange it means.
//!
//! A suite is named on the wire by a 16-bit id, in a serialized client secret by a one-byte tag
//! and on command lines by a lowercase name; all three are defined here, once, and never reused.
//! What a suite *is* (its two KEMs and its combiner) lives in `crate::suites`; this module imports
//! nothing of the crate, so that everything may import it.

/// A key-agreement suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Suite {
    /// The default: FIPS 203 ML-KEM-1024 + Classic-McEliece-348864 with pqpsk's v1 combiner
    /// (label, both secrets, both ciphertexts and a digest of both public keys).
    #[default]
    MlKem1024McEliece348864,
    /// FIPS 203 ML-KEM-1024 + HQC-256 (feature `hqc`, on by default) with the universal
    /// combiner of draft-irtf-cfrg-hybrid-kems: a second KEM from another family than the
    /// lattice, without McEliece's 261 KB key.
    #[cfg(feature = "hqc")]
    MlKem1024Hqc256,
    /// FIPS 203 ML-KEM-1024 alone, for devices with tens of KB of RAM, with the universal
    /// combiner and a label of its own. Its second-KEM lengths are 0: pass empty slices.
    MlKem1024,
    /// IVPN's desktop exchange (feature `ivpn`): Round-3 Kyber1024 (liboqs' "Kyber1024", not
    /// FIPS 203) + Classic-McEliece-348864, PSK = SHA-256(ss_kyber || ss_mceliece).
    #[cfg(feature = "ivpn")]
    IvpnKyber1024McEliece348864,
    /// IVPN's mobile exchange (feature `ivpn`): Round-3 Kyber1024 alone, PSK = SHA-256(ss_kyber).
    /// Its second-KEM lengths are 0: pass empty slices.
    #[cfg(feature = "ivpn")]
    IvpnKyber1024,
}

/// One suite's names: the only table of them.
struct Names {
    id: u16,
    name: &'static str,
    export_tag: u8,
}

impl Suite {
    /// Every suite this build supports, default first.
    pub const ALL: &'static [Suite] = &[
        Suite::MlKem1024McEliece348864,
        #[cfg(feature = "hqc")]
        Suite::MlKem1024Hqc256,
        Suite::MlKem1024,
        #[cfg(feature = "ivpn")]
        Suite::IvpnKyber1024McEliece348864,
        #[cfg(feature = "ivpn")]
        Suite::IvpnKyber1024,
    ];

    /// Wire id, command-line name and export tag. The default suite's tag 0x01 is the one every
    /// earlier version wrote, so old exports stay readable.
    const fn names(self) -> Names {
        let (id, name, export_tag) = match self {
            Suite::MlKem1024McEliece348864 => (0x0001, "mlkem1024-mceliece348864", 0x01),
            #[cfg(feature = "hqc")]
            Suite::MlKem1024Hqc256 => (0x0002, "mlkem1024-hqc256", 0x04),
            Suite::MlKem1024 => (0x0003, "mlkem1024", 0x05),
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024McEliece348864 => (0x0101, "ivpn-kyber1024-mceliece348864", 0x02),
            #[cfg(feature = "ivpn")]
            Suite::IvpnKyber1024 => (0x0102, "ivpn-kyber1024", 0x03),
        };
        Names {
            id,
            name,
            export_tag,
        }
    }

    /// The suite's id on the wire.
    pub const fn id(self) -> u16 {
        self.names().id
    }

    /// The suite with wire id `id`, if this build supports it.
    pub fn from_id(id: u16) -> Option<Suite> {
        Suite::ALL.iter().copied().find(|suite| suite.id() == id)
    }

    /// A stable lowercase name, for command lines and logs.
    pub const fn name(self) -> &'static str {
        self.names().name
    }

    /// The suite called `name` (as [`Suite::name`] spells it), if this build supports it.
    pub fn from_name(name: &str) -> Option<Suite> {
        Suite::ALL
            .iter()
            .copied()
            .find(|suite| suite.name() == name)
    }

    /// The fourth byte of a serialized [`ClientSecret`](crate::ClientSecret).
    pub(crate) const fn export_tag(self) -> u8 {
        self.names().export_tag
    }

    /// The suite whose export tag is `tag`, if this build supports it.
    pub(crate) fn from_export_tag(tag: u8) -> Option<Suite> {
        Suite::ALL
            .iter()
            .copied()
            .find(|suite| suite.export_tag() == tag)
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
    fn ids_names_and_tags_round_trip_and_are_unique() {
        for (i, a) in Suite::ALL.iter().enumerate() {
            assert_eq!(Suite::from_id(a.id()), Some(*a));
            assert_eq!(Suite::from_name(a.name()), Some(*a));
            assert_eq!(Suite::from_export_tag(a.export_tag()), Some(*a));
            for b in &Suite::ALL[i + 1..] {
                assert_ne!(a.id(), b.id());
                assert_ne!(a.name(), b.name());
                assert_ne!(a.export_tag(), b.export_tag());
            }
        }
        assert_eq!(Suite::from_id(0), None);
        assert_eq!(Suite::from_name("kyber"), None);
        assert_eq!(Suite::default(), Suite::ALL[0]);
        assert_eq!(Suite::MlKem1024McEliece348864.export_tag(), 0x01);
    }

    #[cfg(feature = "ivpn")]
    #[test]
    fn ivpn_suites_are_listed_with_their_ids() {
        assert_eq!(
            Suite::from_id(0x0101),
            Some(Suite::IvpnKyber1024McEliece348864)
        );
        assert_eq!(
            Suite::from_name("ivpn-kyber1024"),
            Some(Suite::IvpnKyber1024)
        );
        assert_eq!(Suite::IvpnKyber1024.export_tag(), 0x03);
    }

    #[cfg(not(feature = "ivpn"))]
    #[test]
    fn without_ivpn_no_ivpn_suite_exists() {
        assert_eq!(Suite::from_id(0x0101), None);
        assert_eq!(Suite::from_export_tag(0x02), None);
    }
}
