//! A request's path as the service behind the proxy will read it, for
//! matching the platform's rules (`super::platform`).

/// The path a service will see: without the query, percent-decoded, with
/// `.` and `..` segments resolved and repeated slashes as one, so that
/// `/v1/public/..%2Fadmin` meets the rules of `/v1/admin`. `None` for a
/// path that is not `/…`, decodes to something other than UTF-8, or holds
/// a NUL or backslash.
pub fn normalize(raw: &str) -> Option<String> {
    let raw = raw.split(['?', '#']).next().unwrap_or("");
    if !raw.starts_with('/') {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || (decoded.ends_with('/') && !segments.is_empty()) {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_stay_and_dot_segments_go() {
        assert_eq!(normalize("/a/b/").as_deref(), Some("/a/b/"));
        assert_eq!(normalize("/../..").as_deref(), Some("/"));
    }
}
