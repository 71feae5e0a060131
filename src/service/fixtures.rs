//! The embedded service's fixtures: Graph's device-configuration type hierarchy (the part the
//! eight path variants touch), one chain of configurations per path variant with stable
//! well-known GUIDs, and the ids file that describes them.
//!
//! Configuration ids read `dc0<variant><hop>000-0000-4000-8000-000000000000` and each one's
//! overview id `0e0<variant><hop>000-…` (variant 1–8 in the order below, hop 0 = `{id}`):
//!
//! | variant | `{id}` (actual type) | overview reached (`overviewOf`, type) |
//! |---|---|---|
//! | direct | `dc010000-…` windows10GeneralConfiguration | itself |
//! | root-certificate | `dc020000-…` iosScepCertificateProfile | `dc021000-…` iosTrustedRootCertificate |
//! | identity-certificate | `dc030000-…` windowsPhone81VpnConfiguration | `dc031000-…` windowsPhone81SCEPCertificateProfile (its root: `dc032000-…`) |
//! | identity-certificate-root-certificate | `dc040000-…` windowsPhone81VpnConfiguration → `dc041000-…` windowsPhone81SCEPCertificateProfile | `dc042000-…` windowsPhone81TrustedRootCertificate |
//! | ios-scep-root-certificate | `dc050000-…` iosScepCertificateProfile | `dc051000-…` iosTrustedRootCertificate |
//! | macos-scep-root-certificate | `dc060000-…` macOSScepCertificateProfile | `dc061000-…` macOSTrustedRootCertificate |
//! | windows81-scep-root-certificate | `dc070000-…` windows81SCEPCertificateProfile | `dc071000-…` windows81TrustedRootCertificate |
//! | windows-phone81-vpn-identity-certificate | `dc080000-…` windowsPhone81VpnConfiguration | `dc081000-…` windowsPhone81SCEPCertificateProfile (its root: `dc082000-…`) |
//!
//! The `direct` configuration matches none of the four casts and has no navigation, so C1.3
//! can use it for a cast mismatch and a missing navigation.

use std::collections::BTreeMap;

use crate::domain::datetime::Parts;
use crate::domain::{DateTimeOffset, EdmType, EdmValue, Entity, EntityModel};
use crate::ids::{IdsFile, VariantIds};

/// The navigation from a certificate profile to its trusted root certificate.
pub const ROOT_CERTIFICATE: &str = "rootCertificate";
/// The navigation from a VPN configuration to its identity certificate.
pub const IDENTITY_CERTIFICATE: &str = "identityCertificate";
/// The entity the eight variants end on.
pub const USER_STATUS_OVERVIEW: &str = "userStatusOverview";
/// The namespace of type-cast segments.
pub const NAMESPACE: &str = "microsoft.graph";

/// One entity type of Graph's device-configuration hierarchy.
#[derive(Debug)]
pub struct TypeDef {
    pub name: &'static str,
    pub base: Option<&'static str>,
    /// Navigations this type declares: (name, target type).
    pub navigations: &'static [(&'static str, &'static str)],
}

/// The types, with Graph beta's names and base types.
pub static TYPES: &[TypeDef] = &[
    TypeDef {
        name: "deviceConfiguration",
        base: None,
        navigations: &[],
    },
    TypeDef {
        name: "windows10GeneralConfiguration",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "iosCertificateProfile",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "iosCertificateProfileBase",
        base: Some("iosCertificateProfile"),
        navigations: &[],
    },
    TypeDef {
        name: "iosScepCertificateProfile",
        base: Some("iosCertificateProfileBase"),
        navigations: &[(ROOT_CERTIFICATE, "iosTrustedRootCertificate")],
    },
    TypeDef {
        name: "iosTrustedRootCertificate",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "macOSCertificateProfileBase",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "macOSScepCertificateProfile",
        base: Some("macOSCertificateProfileBase"),
        navigations: &[(ROOT_CERTIFICATE, "macOSTrustedRootCertificate")],
    },
    TypeDef {
        name: "macOSTrustedRootCertificate",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "windowsCertificateProfileBase",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "windows81CertificateProfileBase",
        base: Some("windowsCertificateProfileBase"),
        navigations: &[],
    },
    TypeDef {
        name: "windows81SCEPCertificateProfile",
        base: Some("windows81CertificateProfileBase"),
        navigations: &[(ROOT_CERTIFICATE, "windows81TrustedRootCertificate")],
    },
    TypeDef {
        name: "windows81TrustedRootCertificate",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "windowsVpnConfiguration",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "windows81VpnConfiguration",
        base: Some("windowsVpnConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "windowsPhone81VpnConfiguration",
        base: Some("windows81VpnConfiguration"),
        navigations: &[(IDENTITY_CERTIFICATE, "windowsPhone81CertificateProfileBase")],
    },
    TypeDef {
        name: "windowsPhone81CertificateProfileBase",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
    TypeDef {
        name: "windowsPhone81SCEPCertificateProfile",
        base: Some("windowsPhone81CertificateProfileBase"),
        navigations: &[(ROOT_CERTIFICATE, "windowsPhone81TrustedRootCertificate")],
    },
    TypeDef {
        name: "windowsPhone81TrustedRootCertificate",
        base: Some("deviceConfiguration"),
        navigations: &[],
    },
];

/// The type called `name` (case-insensitive, as Graph matches segments).
pub fn type_def(name: &str) -> Option<&'static TypeDef> {
    TYPES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// True when `actual` is `wanted` or derives from it.
pub fn is_a(actual: &str, wanted: &str) -> bool {
    let mut current = type_def(actual);
    while let Some(t) = current {
        if t.name.eq_ignore_ascii_case(wanted) {
            return true;
        }
        current = t.base.and_then(type_def);
    }
    false
}

/// True when `actual` or one of its base types declares the navigation `name`.
pub fn declares_navigation(actual: &str, name: &str) -> bool {
    let mut current = type_def(actual);
    while let Some(t) = current {
        if t.navigations
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return true;
        }
        current = t.base.and_then(type_def);
    }
    false
}

/// One fixture configuration: its id, actual type, set navigations and its overview's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigFixture {
    pub id: &'static str,
    pub odata_type: &'static str,
    pub root_certificate: Option<&'static str>,
    pub identity_certificate: Option<&'static str>,
    pub overview_id: &'static str,
}

/// One path variant's fixtures: the configuration its `{id}` names and the one it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantFixture {
    pub variant: &'static str,
    /// The path template as printed in the API page (after the version segment).
    pub template: &'static str,
    pub device_configuration_id: &'static str,
    pub overview_of: &'static str,
}

// Configuration ids: `dc0<variant><hop>000-…`, overview ids: `0e0<variant><hop>000-…`.
pub const DIRECT: &str = "dc010000-0000-4000-8000-000000000000";
pub const ROOT_CERT_SOURCE: &str = "dc020000-0000-4000-8000-000000000000";
pub const ROOT_CERT_ROOT: &str = "dc021000-0000-4000-8000-000000000000";
pub const IDENTITY_SOURCE: &str = "dc030000-0000-4000-8000-000000000000";
pub const IDENTITY_CERT: &str = "dc031000-0000-4000-8000-000000000000";
pub const IDENTITY_CERT_ROOT: &str = "dc032000-0000-4000-8000-000000000000";
pub const IDENTITY_ROOT_SOURCE: &str = "dc040000-0000-4000-8000-000000000000";
pub const IDENTITY_ROOT_CERT: &str = "dc041000-0000-4000-8000-000000000000";
pub const IDENTITY_ROOT_ROOT: &str = "dc042000-0000-4000-8000-000000000000";
pub const IOS_SCEP: &str = "dc050000-0000-4000-8000-000000000000";
pub const IOS_ROOT: &str = "dc051000-0000-4000-8000-000000000000";
pub const MACOS_SCEP: &str = "dc060000-0000-4000-8000-000000000000";
pub const MACOS_ROOT: &str = "dc061000-0000-4000-8000-000000000000";
pub const WINDOWS81_SCEP: &str = "dc070000-0000-4000-8000-000000000000";
pub const WINDOWS81_ROOT: &str = "dc071000-0000-4000-8000-000000000000";
pub const WP81_VPN: &str = "dc080000-0000-4000-8000-000000000000";
pub const WP81_VPN_CERT: &str = "dc081000-0000-4000-8000-000000000000";
pub const WP81_VPN_CERT_ROOT: &str = "dc082000-0000-4000-8000-000000000000";

const fn config(
    id: &'static str,
    odata_type: &'static str,
    root_certificate: Option<&'static str>,
    identity_certificate: Option<&'static str>,
    overview_id: &'static str,
) -> ConfigFixture {
    ConfigFixture {
        id,
        odata_type,
        root_certificate,
        identity_certificate,
        overview_id,
    }
}

/// Every fixture configuration. No two variants share one, so no two write the same overview.
pub static CONFIGURATIONS: &[ConfigFixture] = &[
    config(
        DIRECT,
        "windows10GeneralConfiguration",
        None,
        None,
        "0e010000-0000-4000-8000-000000000000",
    ),
    config(
        ROOT_CERT_SOURCE,
        "iosScepCertificateProfile",
        Some(ROOT_CERT_ROOT),
        None,
        "0e020000-0000-4000-8000-000000000000",
    ),
    config(
        ROOT_CERT_ROOT,
        "iosTrustedRootCertificate",
        None,
        None,
        "0e021000-0000-4000-8000-000000000000",
    ),
    config(
        IDENTITY_SOURCE,
        "windowsPhone81VpnConfiguration",
        None,
        Some(IDENTITY_CERT),
        "0e030000-0000-4000-8000-000000000000",
    ),
    config(
        IDENTITY_CERT,
        "windowsPhone81SCEPCertificateProfile",
        Some(IDENTITY_CERT_ROOT),
        None,
        "0e031000-0000-4000-8000-000000000000",
    ),
    config(
        IDENTITY_CERT_ROOT,
        "windowsPhone81TrustedRootCertificate",
        None,
        None,
        "0e032000-0000-4000-8000-000000000000",
    ),
    config(
        IDENTITY_ROOT_SOURCE,
        "windowsPhone81VpnConfiguration",
        None,
        Some(IDENTITY_ROOT_CERT),
        "0e040000-0000-4000-8000-000000000000",
    ),
    config(
        IDENTITY_ROOT_CERT,
        "windowsPhone81SCEPCertificateProfile",
        Some(IDENTITY_ROOT_ROOT),
        None,
        "0e041000-0000-4000-8000-000000000000",
    ),
    config(
        IDENTITY_ROOT_ROOT,
        "windowsPhone81TrustedRootCertificate",
        None,
        None,
        "0e042000-0000-4000-8000-000000000000",
    ),
    config(
        IOS_SCEP,
        "iosScepCertificateProfile",
        Some(IOS_ROOT),
        None,
        "0e050000-0000-4000-8000-000000000000",
    ),
    config(
        IOS_ROOT,
        "iosTrustedRootCertificate",
        None,
        None,
        "0e051000-0000-4000-8000-000000000000",
    ),
    config(
        MACOS_SCEP,
        "macOSScepCertificateProfile",
        Some(MACOS_ROOT),
        None,
        "0e060000-0000-4000-8000-000000000000",
    ),
    config(
        MACOS_ROOT,
        "macOSTrustedRootCertificate",
        None,
        None,
        "0e061000-0000-4000-8000-000000000000",
    ),
    config(
        WINDOWS81_SCEP,
        "windows81SCEPCertificateProfile",
        Some(WINDOWS81_ROOT),
        None,
        "0e070000-0000-4000-8000-000000000000",
    ),
    config(
        WINDOWS81_ROOT,
        "windows81TrustedRootCertificate",
        None,
        None,
        "0e071000-0000-4000-8000-000000000000",
    ),
    config(
        WP81_VPN,
        "windowsPhone81VpnConfiguration",
        None,
        Some(WP81_VPN_CERT),
        "0e080000-0000-4000-8000-000000000000",
    ),
    config(
        WP81_VPN_CERT,
        "windowsPhone81SCEPCertificateProfile",
        Some(WP81_VPN_CERT_ROOT),
        None,
        "0e081000-0000-4000-8000-000000000000",
    ),
    config(
        WP81_VPN_CERT_ROOT,
        "windowsPhone81TrustedRootCertificate",
        None,
        None,
        "0e082000-0000-4000-8000-000000000000",
    ),
];

/// The eight path variants (names fixed by DESIGN.md) and their fixtures.
pub static VARIANTS: &[VariantFixture] = &[
    VariantFixture {
        variant: "direct",
        template: "/deviceManagement/deviceConfigurations/{id}/userStatusOverview/",
        device_configuration_id: DIRECT,
        overview_of: DIRECT,
    },
    VariantFixture {
        variant: "root-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/rootCertificate//userStatusOverview/",
        device_configuration_id: ROOT_CERT_SOURCE,
        overview_of: ROOT_CERT_ROOT,
    },
    VariantFixture {
        variant: "identity-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/identityCertificate//userStatusOverview/",
        device_configuration_id: IDENTITY_SOURCE,
        overview_of: IDENTITY_CERT,
    },
    VariantFixture {
        variant: "identity-certificate-root-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/identityCertificate//rootCertificate//userStatusOverview/",
        device_configuration_id: IDENTITY_ROOT_SOURCE,
        overview_of: IDENTITY_ROOT_ROOT,
    },
    VariantFixture {
        variant: "ios-scep-root-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/microsoft.graph.iosScepCertificateProfile/rootCertificate//userStatusOverview/",
        device_configuration_id: IOS_SCEP,
        overview_of: IOS_ROOT,
    },
    VariantFixture {
        variant: "macos-scep-root-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/microsoft.graph.macOSScepCertificateProfile/rootCertificate//userStatusOverview/",
        device_configuration_id: MACOS_SCEP,
        overview_of: MACOS_ROOT,
    },
    VariantFixture {
        variant: "windows81-scep-root-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/microsoft.graph.windows81SCEPCertificateProfile/rootCertificate//userStatusOverview/",
        device_configuration_id: WINDOWS81_SCEP,
        overview_of: WINDOWS81_ROOT,
    },
    VariantFixture {
        variant: "windows-phone81-vpn-identity-certificate",
        template: "/deviceManagement/deviceConfigurations/{id}/microsoft.graph.windowsPhone81VpnConfiguration/identityCertificate//userStatusOverview/",
        device_configuration_id: WP81_VPN,
        overview_of: WP81_VPN_CERT,
    },
];

/// The variant called `name`.
pub fn variant(name: &str) -> Option<&'static VariantFixture> {
    VARIANTS.iter().find(|v| v.variant == name)
}

/// The ids file for the fixtures (what `serve --ids-out` writes).
pub fn ids() -> IdsFile {
    IdsFile {
        variants: VARIANTS
            .iter()
            .map(|v| {
                (
                    v.variant.to_owned(),
                    VariantIds {
                        device_configuration_id: v.device_configuration_id.to_owned(),
                        overview_of: v.overview_of.to_owned(),
                    },
                )
            })
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The initial overview of the `ordinal`-th fixture configuration, generated per property type
/// from the model: the key is `key`, Int32 properties small distinct counts, DateTimeOffset
/// properties a morning in 2017 in a few offsets, other strings a label.
pub fn initial_overview(model: &EntityModel, key: &str, ordinal: usize) -> Entity {
    let ordinal_i32 = i32::try_from(ordinal).unwrap_or(0);
    let values = model
        .properties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if p.name == model.key {
                return EdmValue::String(key.to_owned());
            }
            match p.edm {
                EdmType::Int32 => EdmValue::Int32(ordinal_i32 * 10 + i32::try_from(i).unwrap_or(0)),
                EdmType::String => EdmValue::String(format!("{}-{ordinal}", p.name)),
                EdmType::DateTimeOffset => {
                    let offsets = [0, -480, 60, 330];
                    let value = DateTimeOffset::from_parts(Parts {
                        year: 2017,
                        month: 1,
                        day: 1 + (ordinal % 28) as u32,
                        hour: 8,
                        minute: (i % 60) as u32,
                        second: 3,
                        fraction_ticks: 612_494,
                        offset_minutes: offsets[ordinal % offsets.len()],
                    })
                    .expect("a valid fixture time");
                    EdmValue::DateTimeOffset(value)
                }
            }
        })
        .collect();
    Entity { values }
}

/// The default value of a type, as `patch-replaces` resets properties to.
pub fn default_value(edm: EdmType) -> EdmValue {
    match edm {
        EdmType::Int32 => EdmValue::Int32(0),
        EdmType::String => EdmValue::String(String::new()),
        EdmType::DateTimeOffset => EdmValue::DateTimeOffset(
            DateTimeOffset::from_parts(Parts {
                year: 1,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                fraction_ticks: 0,
                offset_minutes: 0,
            })
            .expect("0001-01-01T00:00Z is valid"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reaches_its_own_overview() {
        let mut reached: Vec<&str> = VARIANTS.iter().map(|v| v.overview_of).collect();
        reached.sort_unstable();
        reached.dedup();
        assert_eq!(reached.len(), 8);
        let mut sources: Vec<&str> = VARIANTS.iter().map(|v| v.device_configuration_id).collect();
        sources.sort_unstable();
        sources.dedup();
        assert_eq!(sources.len(), 8);
    }

    #[test]
    fn types_and_navigations_are_consistent() {
        for c in CONFIGURATIONS {
            assert!(type_def(c.odata_type).is_some(), "{}", c.odata_type);
            for (nav, target) in [
                (ROOT_CERTIFICATE, c.root_certificate),
                (IDENTITY_CERTIFICATE, c.identity_certificate),
            ] {
                if let Some(target) = target {
                    assert!(declares_navigation(c.odata_type, nav), "{} {nav}", c.id);
                    let t = CONFIGURATIONS.iter().find(|x| x.id == target).unwrap();
                    let declared = TYPES
                        .iter()
                        .filter(|d| is_a(c.odata_type, d.name))
                        .flat_map(|d| d.navigations)
                        .find(|(n, _)| *n == nav)
                        .unwrap()
                        .1;
                    assert!(
                        is_a(t.odata_type, declared),
                        "{} is not a {declared}",
                        t.odata_type
                    );
                }
            }
        }
        for t in TYPES {
            if let Some(b) = t.base {
                assert!(type_def(b).is_some(), "{b}");
            }
        }
        assert!(is_a("iosScepCertificateProfile", "iosCertificateProfile"));
        assert!(is_a("iosScepCertificateProfile", "deviceConfiguration"));
        assert!(!is_a(
            "windows10GeneralConfiguration",
            "iosScepCertificateProfile"
        ));
    }

    #[test]
    fn direct_matches_no_cast_and_has_no_navigations() {
        let direct = CONFIGURATIONS.iter().find(|c| c.id == DIRECT).unwrap();
        assert!(direct.root_certificate.is_none() && direct.identity_certificate.is_none());
        for cast in [
            "iosScepCertificateProfile",
            "macOSScepCertificateProfile",
            "windows81SCEPCertificateProfile",
            "windowsPhone81VpnConfiguration",
        ] {
            assert!(!is_a(direct.odata_type, cast));
        }
    }
}
