//! A path template as the page prints it (`/deviceManagement/deviceConfigurations/{id}/…`):
//! its segments (navigations, keys, type casts), filled with keys in either spelling (C1.1).
//! The printed spelling keeps the page's empty `//` segments and trailing slash verbatim (C1.4:
//! the harness never rewrites paths otherwise); the normalised one collapses them.

use std::collections::BTreeMap;

/// A case names the spelling its request uses; the template writes it.
pub(crate) use crate::case::Spelling;

/// One segment of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// An entity set, singleton or navigation property.
    Navigation(String),
    /// A key placeholder; the name is unique within the template (a repeated placeholder gets
    /// `2`, `3`, … appended).
    Key(String),
    /// A type cast: the qualified type name.
    Cast(String),
}

impl Segment {
    /// The placeholder's name, for a key.
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Self::Key(k) => Some(k),
            Self::Navigation(_) | Self::Cast(_) => None,
        }
    }

    /// The property's name, for a navigation.
    pub(crate) fn navigation(&self) -> Option<&str> {
        match self {
            Self::Navigation(n) => Some(n),
            Self::Key(_) | Self::Cast(_) => None,
        }
    }
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    printed: String,
    segments: Vec<Segment>,
}

/// Why a template does not parse; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TemplateError {
    #[error(
        "{0:?} must start with '/' (the path after the version segment, e.g. /deviceManagement/…)"
    )]
    NoLeadingSlash(String),
    #[error("{0:?} has an unbalanced '{{' or '}}'; write each key as {{nameId}}")]
    Braces(String),
    #[error("{0:?} has a key placeholder mixed with other text in one segment; give each {{key}} a segment of its own")]
    MixedSegment(String),
    #[error("{0:?} has no segment; write the path the page lists")]
    Empty(String),
    #[error("{0:?} has a character that cannot be part of a path ({1:?}); write the path as the page prints it")]
    Character(String, char),
}

impl Template {
    /// Parses a template; a segment with a dot is a cast (`microsoft.graph.iosScepCertificateProfile`).
    pub(crate) fn parse(printed: &str) -> Result<Self, TemplateError> {
        let err = |f: fn(String) -> TemplateError| Err(f(printed.to_owned()));
        if !printed.starts_with('/') {
            return err(TemplateError::NoLeadingSlash);
        }
        if let Some(c) = printed
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '%'))
        {
            return Err(TemplateError::Character(printed.to_owned(), c));
        }
        let mut segments = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for raw in printed.split('/').filter(|s| !s.is_empty()) {
            let opens = raw.matches('{').count();
            let closes = raw.matches('}').count();
            if opens != closes || opens > 1 {
                return err(TemplateError::Braces);
            }
            if opens == 1 {
                let Some(name) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) else {
                    return err(TemplateError::MixedSegment);
                };
                if name.is_empty() {
                    return err(TemplateError::Braces);
                }
                let n = seen.entry(name.to_owned()).or_insert(0);
                *n += 1;
                let unique = if *n == 1 {
                    name.to_owned()
                } else {
                    format!("{name}{n}")
                };
                segments.push(Segment::Key(unique));
            } else if raw.contains('.') {
                segments.push(Segment::Cast(raw.to_owned()));
            } else {
                segments.push(Segment::Navigation(raw.to_owned()));
            }
        }
        if segments.is_empty() {
            return err(TemplateError::Empty);
        }
        Ok(Self {
            printed: printed.to_owned(),
            segments,
        })
    }

    pub fn printed(&self) -> &str {
        &self.printed
    }

    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The key placeholders, in path order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(Segment::key)
    }

    /// True when the printed and normalised spellings differ (empty segments or a trailing slash).
    pub(crate) fn has_printed_form(&self) -> bool {
        self.printed.ends_with('/') || self.printed.contains("//")
    }

    /// The path with `keys` filled in, in `spelling`; `Err` names a key `keys` lacks.
    pub(crate) fn fill(
        &self,
        keys: &BTreeMap<String, String>,
        spelling: Spelling,
    ) -> Result<String, String> {
        let mut out = String::with_capacity(self.printed.len() + 64);
        let mut segments = self.segments.iter();
        for (i, raw) in self.printed.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            if raw.is_empty() {
                continue;
            }
            match segments.next() {
                Some(Segment::Key(name)) => {
                    let value = keys.get(name).ok_or_else(|| name.clone())?;
                    out.push_str(&encode_key(value));
                }
                _ => out.push_str(raw),
            }
        }
        Ok(match spelling {
            Spelling::Printed => out,
            Spelling::Normalised => {
                let parts: Vec<&str> = out.split('/').filter(|s| !s.is_empty()).collect();
                format!("/{}", parts.join("/"))
            }
        })
    }
}

/// A key value as one path segment: characters other than unreserved ones are percent-encoded,
/// so a key with a slash cannot change the path's shape.
fn encode_key(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "/deviceManagement/deviceConfigurations/{deviceConfigurationId}/identityCertificate//rootCertificate//userStatusOverview/";

    fn keys(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn printed_keeps_empty_segments_and_trailing_slash_and_normalised_drops_them() {
        let t = Template::parse(T).unwrap();
        let filled = |spelling| t.fill(&keys(&[("deviceConfigurationId", "abc")]), spelling);
        assert_eq!(
            filled(Spelling::Printed),
            Ok("/deviceManagement/deviceConfigurations/abc/identityCertificate//rootCertificate//userStatusOverview/".into())
        );
        assert_eq!(
            filled(Spelling::Normalised),
            Ok("/deviceManagement/deviceConfigurations/abc/identityCertificate/rootCertificate/userStatusOverview".into())
        );
        assert!(t.has_printed_form());
    }

    #[test]
    fn casts_keys_and_repeated_placeholders() {
        let t = Template::parse("/a/{xId}/microsoft.graph.t/b/{xId}").unwrap();
        assert_eq!(
            t.segments(),
            &[
                Segment::Navigation("a".into()),
                Segment::Key("xId".into()),
                Segment::Cast("microsoft.graph.t".into()),
                Segment::Navigation("b".into()),
                Segment::Key("xId2".into()),
            ]
        );
        assert_eq!(
            t.fill(&keys(&[("xId", "1"), ("xId2", "2/3")]), Spelling::Printed),
            Ok("/a/1/microsoft.graph.t/b/2%2F3".into())
        );
        assert_eq!(
            t.fill(&keys(&[("xId", "1")]), Spelling::Printed),
            Err("xId2".into())
        );
        assert!(!t.has_printed_form());
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        for bad in ["a/b", "/a/{b", "/a/b}", "/a/x{b}", "/", "/a b", "/a/{}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
