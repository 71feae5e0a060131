//! Path variants: a template as the page prints it, filled with an id, in either spelling.

use crate::case::{Spelling, PLACEHOLDER};

/// The path for `id` in the given spelling. Printed keeps the template's empty `//` segments and
/// trailing slash verbatim (C1.4: the harness never rewrites paths otherwise); normalised
/// collapses them.
pub fn fill(template: &str, id: &str, spelling: Spelling) -> String {
    let printed = template.replace(PLACEHOLDER, id);
    match spelling {
        Spelling::Printed => printed,
        Spelling::Normalised => {
            let segments: Vec<&str> = printed.split('/').filter(|s| !s.is_empty()).collect();
            format!("/{}", segments.join("/"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/identityCertificate//rootCertificate//userStatusOverview/";

    #[test]
    fn printed_keeps_the_empty_segments_and_the_trailing_slash() {
        assert_eq!(
            fill(T, "abc", Spelling::Printed),
            "/deviceManagement/deviceConfigurations/abc/identityCertificate//rootCertificate//userStatusOverview/"
        );
    }

    #[test]
    fn normalised_has_single_slashes_and_no_trailing_slash() {
        assert_eq!(
            fill(T, "abc", Spelling::Normalised),
            "/deviceManagement/deviceConfigurations/abc/identityCertificate/rootCertificate/userStatusOverview"
        );
    }
}
