//! `SMTP_URL`, read once at start: which mail server, how the connection
//! is protected, and the credentials (never shown by `Debug`).

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://`: plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
    /// `smtp://…?tls=none`: no encryption (a relay on the same machine).
    None,
}

/// A parsed `SMTP_URL`. Its `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub tls: SmtpTls,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub(crate) password: Option<String>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({})", self.redacted())
    }
}

impl SmtpUrl {
    /// `smtp://user:pass@host:587`, `smtps://user:pass@host:465`, or
    /// `smtp://host:25?tls=none`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let url = url::Url::parse(s.trim()).map_err(|_| {
            "use smtp://user:password@host:587, smtps://user:password@host:465 \
             or smtp://host:25?tls=none"
                .to_owned()
        })?;
        let tls_param = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let tls = match (url.scheme(), tls_param.as_deref()) {
            ("smtp", None | Some("starttls" | "required")) => SmtpTls::StartTls,
            ("smtp", Some("none")) => SmtpTls::None,
            ("smtps", None) => SmtpTls::Wrapper,
            ("smtp" | "smtps", Some(other)) => {
                return Err(format!(
                    "tls={other} is not known: leave it out (STARTTLS, or TLS for smtps://) \
                     or use tls=none for a relay on this machine"
                ))
            }
            (scheme, _) => {
                return Err(format!("{scheme}:// is not known: use smtp:// or smtps://"))
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("name the mail server: smtp://host:587")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port().unwrap_or(match tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Wrapper => 465,
            SmtpTls::None => 25,
        });
        let user = (!url.username().is_empty()).then(|| decode(url.username()));
        let password = url.password().map(decode);
        Ok(Self {
            tls,
            host,
            port,
            user,
            password,
        })
    }

    /// The URL with the password left out, for messages.
    pub fn redacted(&self) -> String {
        let scheme = if self.tls == SmtpTls::Wrapper {
            "smtps"
        } else {
            "smtp"
        };
        let user = match (&self.user, &self.password) {
            (Some(u), Some(_)) => format!("{u}:***@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        let tls = if self.tls == SmtpTls::None {
            "?tls=none"
        } else {
            ""
        };
        format!("{scheme}://{user}{}:{}{tls}", self.host, self.port)
    }
}

/// `%40` → `@`, and so on (user names and passwords in a URL).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_read_as_documented() {
        let u = SmtpUrl::parse("smtp://me%40x:p%40s+s@mail.example.com").unwrap();
        assert_eq!(u.tls, SmtpTls::StartTls);
        assert_eq!((u.host.as_str(), u.port), ("mail.example.com", 587));
        assert_eq!(u.user.as_deref(), Some("me@x"));
        assert_eq!(u.password.as_deref(), Some("p@s+s"));
        assert!(!format!("{u:?}").contains("p@s"));
        assert_eq!(u.redacted(), "smtp://me@x:***@mail.example.com:587");

        let u = SmtpUrl::parse("smtps://a:b@mail.example.com").unwrap();
        assert_eq!((u.tls, u.port), (SmtpTls::Wrapper, 465));
        let u = SmtpUrl::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((u.tls, u.port, u.user), (SmtpTls::None, 2525, None));

        assert!(SmtpUrl::parse("http://x").is_err());
        assert!(SmtpUrl::parse("smtp://x?tls=maybe").is_err());
        assert!(SmtpUrl::parse("not a url").is_err());
    }
}
