//! Talking SMTP: `SMTP_URL` parsed once at start, and one mail sent at a
//! time over a small pool of connections (lettre, on tokio, rustls).

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use crate::server::config::smtp::{SmtpTls, SmtpUrl};

/// Mails in flight at once, each on a connection of its own. A mail took
/// one connection ~50 ms on loopback (lettre writes a message's end apart
/// from its body, which can wait out the receiver's delayed
/// acknowledgement): throughput comes from connections side by side.
pub const PARALLEL: usize = 16;

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
            .pool_config(PoolConfig::new().max_size(PARALLEL as u32));
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
