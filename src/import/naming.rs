//! Variant names from paths: the canonical (first) path is `direct`; the others are named by
//! what they add to it (`root-certificate`, `ios-scep-root-certificate`), as the seed's pack
//! names its variants, so an imported seed page has the same trial names.

use crate::pack::template::{Segment, Template};

/// Kebab-case words of a camelCase name: `windowsPhone81VpnConfiguration` →
/// `windows-phone81-vpn-configuration`; `macOS` and `iOS` stay one word.
fn kebab(name: &str) -> String {
    let name = name.replace("macOS", "Macos").replace("iOS", "Ios");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(char::is_ascii_lowercase))
            });
        if boundary && !out.is_empty() {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A cast's type, short: `microsoft.graph.iosScepCertificateProfile` → `ios-scep`.
fn cast_word(qualified: &str) -> String {
    let short = qualified.rsplit('.').next().unwrap_or(qualified);
    let k = kebab(short);
    for suffix in ["-certificate-profile", "-configuration"] {
        if let Some(stripped) = k.strip_suffix(suffix) {
            return stripped.to_owned();
        }
    }
    k
}

fn same(a: &Segment, b: &Segment) -> bool {
    match (a, b) {
        (Segment::Key(x), Segment::Key(y)) => {
            x.trim_end_matches(|c: char| c.is_ascii_digit())
                == y.trim_end_matches(|c: char| c.is_ascii_digit())
        }
        (Segment::Navigation(x), Segment::Navigation(y)) | (Segment::Cast(x), Segment::Cast(y)) => {
            x.eq_ignore_ascii_case(y)
        }
        _ => false,
    }
}

/// A name for each template, in order, unique.
pub(crate) fn variant_names(templates: &[Template]) -> Vec<String> {
    let canonical = templates[0].segments();
    let mut names: Vec<String> = vec!["direct".to_owned()];
    for t in &templates[1..] {
        let segs = t.segments();
        let common = segs
            .iter()
            .zip(canonical)
            .take_while(|(a, b)| same(a, b))
            .count();
        let mut tail: Vec<&Segment> = segs[common..].iter().collect();
        if let (Some(last), Some(c_last @ Segment::Navigation(_))) = (tail.last(), canonical.last())
        {
            if tail.len() > 1 && same(last, c_last) {
                tail.pop();
            }
        }
        if tail.iter().all(|s| matches!(s, Segment::Key(_))) {
            tail = segs.iter().skip(1).collect();
        }
        let words: Vec<String> = tail
            .iter()
            .filter_map(|s| match s {
                Segment::Navigation(n) => Some(kebab(n)),
                Segment::Cast(c) => Some(cast_word(c)),
                Segment::Key(_) => None,
            })
            .collect();
        let mut name = words.join("-");
        if name.is_empty() {
            name = "variant".into();
        }
        let base = name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_pages_paths_get_the_seed_packs_names() {
        let paths = [
            "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/userStatusOverview/",
            "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/rootCertificate//userStatusOverview/",
            "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/identityCertificate//rootCertificate//userStatusOverview/",
            "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/microsoft.graph.macOSScepCertificateProfile/rootCertificate//userStatusOverview/",
            "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/microsoft.graph.windows81SCEPCertificateProfile/rootCertificate//userStatusOverview/",
            "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/microsoft.graph.windowsPhone81VpnConfiguration/identityCertificate//userStatusOverview/",
        ];
        let templates: Vec<Template> = paths.iter().map(|p| Template::parse(p).unwrap()).collect();
        assert_eq!(
            variant_names(&templates),
            [
                "direct",
                "root-certificate",
                "identity-certificate-root-certificate",
                "macos-scep-root-certificate",
                "windows81-scep-root-certificate",
                "windows-phone81-vpn-identity-certificate"
            ]
        );
    }

    #[test]
    fn other_shapes_are_named_by_what_they_add() {
        let names = |paths: &[&str]| {
            let templates: Vec<Template> =
                paths.iter().map(|p| Template::parse(p).unwrap()).collect();
            variant_names(&templates)
        };
        assert_eq!(
            names(&[
                "/deviceAppManagement/mobileApps/{mobileAppId}",
                "/deviceAppManagement/mobileApps/{mobileAppId}/userStatuses/{userAppInstallStatusId}/app",
            ]),
            ["direct", "user-statuses-app"]
        );
        assert_eq!(
            names(&[
                "/deviceManagement/managedDevices/{managedDeviceId}",
                "/deviceManagement/comanagedDevices/{managedDeviceId}",
                "/deviceManagement/comanagedDevices/{managedDeviceId}",
            ]),
            ["direct", "comanaged-devices", "comanaged-devices-2"]
        );
    }
}
