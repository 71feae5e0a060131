//! Defence in depth for the writers: anything shaped like a JWT (`eyJ….….…`) is replaced before
//! a report is written. The executor already redacts `Authorization` headers; this catches a
//! token that slipped into a body, a URL, a message or a `reproduce` line.

use std::borrow::Cow;

use crate::outcome::Report;
use crate::transcript::Exchange;

/// What a scrubbed token becomes.
pub const REDACTED: &str = "<redacted JWT>";

/// A copy of `report` with every JWT-shaped string replaced by [`REDACTED`].
pub(crate) fn scrub(report: &Report) -> Report {
    let mut r = report.clone();
    fix(&mut r.target.url);
    for t in &mut r.results {
        fix(&mut t.message);
        fix(&mut t.reproduce);
        if let Some(reason) = &mut t.flaky_reason {
            fix(reason);
        }
        if let Some(g) = &mut t.generated {
            if let Some(input) = &mut g.failing_input {
                fix(input);
            }
        }
        for c in &mut t.checks {
            fix(&mut c.expected);
            fix(&mut c.actual);
            fix(&mut c.message);
        }
        for e in &mut t.exchanges {
            scrub_exchange(e);
        }
    }
    for f in &mut r.findings {
        fix(&mut f.title);
        fix(&mut f.reproduce);
    }
    for r in &mut r.restored {
        fix(&mut r.url);
        fix(&mut r.status);
    }
    r
}

fn scrub_exchange(e: &mut Exchange) {
    fix(&mut e.request.url);
    for (_, v) in &mut e.request.headers {
        fix(v);
    }
    if let Some(b) = &mut e.request.body {
        fix(b);
    }
    if let Some(resp) = &mut e.response {
        for (_, v) in &mut resp.headers {
            fix(v);
        }
        if let Some(b) = &mut resp.body {
            fix(b);
        }
    }
    if let Some(err) = &mut e.error {
        fix(err);
    }
}

fn fix(s: &mut String) {
    if let Cow::Owned(clean) = scrub_str(s) {
        *s = clean;
    }
}

/// `s` with every JWT-shaped run (`eyJ` + base64url, `.`, base64url, `.`, optional base64url)
/// replaced by [`REDACTED`]; borrowed when there is none.
pub(crate) fn scrub_str(s: &str) -> Cow<'_, str> {
    if !s.contains("eyJ") {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(pos) = s[i..].find("eyJ") {
        let start = i + pos;
        match jwt_end(bytes, start) {
            Some(end) => {
                out.push_str(&s[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            None => i = start + 3,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The end of a JWT starting at `start`, if one does: three segments, the first two at least
/// 8 characters long (a JSON header and payload, base64url-encoded, are never shorter).
fn jwt_end(bytes: &[u8], start: usize) -> Option<usize> {
    let segment = |from: usize| -> usize {
        let mut j = from;
        while j < bytes.len() && is_b64url(bytes[j]) {
            j += 1;
        }
        j
    };
    let h = segment(start);
    if h - start < 8 || bytes.get(h) != Some(&b'.') {
        return None;
    }
    let p = segment(h + 1);
    if p - (h + 1) < 8 || bytes.get(p) != Some(&b'.') {
        return None;
    }
    Some(segment(p + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_jwts_and_leaves_the_rest() {
        let t = "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzY3AiOiJ4In0.sig-_1 and more";
        assert_eq!(
            scrub_str(t),
            "Authorization: Bearer <redacted JWT> and more"
        );
        assert!(matches!(
            scrub_str("eyJ short.x.y"),
            Cow::Borrowed("eyJ short.x.y")
        ));
        assert!(matches!(scrub_str("plain"), Cow::Borrowed(_)));
        let unsigned = "t=eyJhbGciOiJub25lIn0.eyJzY3AiOiJ4In0.";
        assert_eq!(scrub_str(unsigned), "t=<redacted JWT>");
    }
}
