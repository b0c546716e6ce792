//! A short, readable name for a User-Agent string: "Chrome 156 on Linux".
//! Good enough to recognise one's own devices; the full string stays
//! available beside it.

/// Browser (or client) and operating system, from a User-Agent header.
pub fn summary(ua: &str) -> String {
    let ua = ua.trim();
    if ua.is_empty() {
        return "Unknown client".to_owned();
    }
    let version = |name: &str| -> Option<String> {
        let start = ua.find(name)? + name.len();
        let major: String = ua[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (!major.is_empty()).then_some(major)
    };
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ]
    .iter()
    .find_map(|(token, name)| version(token).map(|v| format!("{name} {v}")));
    let os = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b,
        // A tool: keep its own product token, e.g. "curl/8.5.0".
        (None, _) => ua
            .split_whitespace()
            .next()
            .unwrap_or(ua)
            .chars()
            .take(40)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn browsers_and_systems() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(summary(chrome), "Chrome 156 on Linux");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(summary(firefox), "Firefox 133 on Windows");
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        assert_eq!(summary(safari), "Safari 17 on macOS");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0";
        assert_eq!(summary(edge), "Edge 130 on Windows");
    }

    #[test]
    fn tools_keep_their_product_token() {
        assert_eq!(summary("curl/8.5.0"), "curl/8.5.0");
        assert_eq!(summary("api-client/1.0"), "api-client/1.0");
        assert_eq!(summary(""), "Unknown client");
    }
}
