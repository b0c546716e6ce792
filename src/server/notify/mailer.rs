//! Talking SMTP: `SMTP_URL` parsed once at start, and one mail sent at a
//! time over a small pool of connections (lettre, on tokio, rustls).

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

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
    password: Option<String>,
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

/// One mail, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a mail was not sent, in words fit to store and show an
/// administrator (never the server's password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub text: String,
    /// The server refused for good (a bad address): retrying cannot help.
    pub permanent: bool,
}

impl SendError {
    pub fn permanent(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            permanent: true,
        }
    }
}

/// The configured mail server and sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Kept to scrub it from any error text (a server may echo it).
    password: Option<String>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer(..)")
    }
}

impl Mailer {
    pub fn new(url: &SmtpUrl, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("MAIL_FROM: not an address ({e}): use Name <user@example.com>"))?;
        let tls =
            |host: &str| TlsParameters::new(host.to_owned()).map_err(|e| format!("SMTP_URL: {e}"));
        let tls = match url.tls {
            SmtpTls::StartTls => Tls::Required(tls(&url.host)?),
            SmtpTls::Wrapper => Tls::Wrapper(tls(&url.host)?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&url.host)
            .port(url.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(super::outbox::PARALLEL as u32));
        if let (Some(user), Some(password)) = (&url.user, &url.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            password: url.password.clone(),
        })
    }

    /// Sends `mail` to `to`.
    pub async fn send(&self, to: &str, mail: &Mail) -> Result<(), SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::permanent("the recipient's address is not valid"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|_| SendError::permanent("the mail could not be built"))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(SendError {
                text: self.scrub(&e.to_string()),
                permanent: e.is_permanent(),
            }),
        }
    }

    /// At most 300 characters, without the password.
    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        if let Some(p) = self.password.as_deref().filter(|p| !p.is_empty()) {
            text = text.replace(p, "***");
        }
        text.chars().take(300).collect()
    }
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
