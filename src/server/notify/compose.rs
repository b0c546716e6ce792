//! What each notice says: its subject (also the line in the in-app list)
//! and its mail, in plain text and HTML, with absolute links. A mail names
//! a token by its name and last four characters only.

use super::mailer::Mail;
use crate::model::notice::Kind;
use crate::model::time::format_utc;
use crate::server::events::NoticeData;

/// The product's name, at the start of every subject and in every footer.
pub const PRODUCT: &str = "Account Settings";

/// The one line that says what happened.
pub fn subject(kind: Kind, d: &NoticeData) -> String {
    let token = d.token.as_deref().unwrap_or("An API token");
    match kind {
        Kind::TokenExpiring => match d.stage {
            Some(3) => format!("Your token {token} has expired"),
            Some(2) => format!("Your token {token} expires tomorrow"),
            _ => format!("Your token {token} expires in 7 days"),
        },
        Kind::TokenCreated => format!("A new API token was created: {token}"),
        Kind::TokenDeleted => format!("An API token was deleted: {token}"),
        Kind::TokenNewIp => format!("Your token {token} was used from a new IP address"),
        Kind::TokenDeactivated => format!("Your token {token} was deactivated"),
        Kind::PasswordChanged => "Your password was changed".to_owned(),
        Kind::EmailChanged => "Your email address was changed".to_owned(),
        Kind::NewSignIn => "A new sign-in to your account".to_owned(),
        Kind::AccountDeleted => "Your account was deleted".to_owned(),
        Kind::VerifyEmail => "Confirm your email address".to_owned(),
        Kind::PasswordReset => "Reset your password".to_owned(),
        Kind::FinishSignUp => "Finish creating your account".to_owned(),
        Kind::SignUpAttempt => "Someone tried to sign up with your address".to_owned(),
        Kind::EmailClaimAttempt => {
            "Someone tried to add your address to another account".to_owned()
        }
    }
}

/// A paragraph or a link of the mail's body.
enum Part {
    Text(String),
    Link(&'static str, String),
}

/// The mail for a notice. `base` is `PUBLIC_URL`; `link` the one-time
/// link's secret for the kinds that carry one.
pub fn mail(kind: Kind, d: &NoticeData, base: &str, link: Option<&str>) -> Mail {
    let when = format_utc(d.at);
    let token = d.token.as_deref().unwrap_or("An API token");
    let from = from_where(d);
    let tokens_page = match d.token_id {
        Some(id) => format!("{base}/settings/tokens#token-{id}"),
        None => format!("{base}/settings/tokens"),
    };
    let not_you = "If this was not you, change your password and review your tokens at once.";
    let mut parts = match kind {
        Kind::TokenExpiring => {
            let until = d.expires_at.map(format_utc).unwrap_or_default();
            let first = match d.stage {
                Some(3) => format!("Your API token {token} expired at {until}. Anything still using it is now refused."),
                Some(2) => format!("Your API token {token} expires tomorrow, at {until}."),
                _ => format!("Your API token {token} expires in 7 days, at {until}."),
            };
            let mut p = vec![
                Part::Text(first),
                Part::Text("Regenerate it to keep it working under a new secret, or make a new token and replace it where it is used.".into()),
                Part::Link("See the token", tokens_page.clone()),
            ];
            if let (Some(id), true) = (d.token_id, d.stage != Some(3)) {
                p.push(Part::Link(
                    "Regenerate the token",
                    format!("{base}/settings/tokens#regenerate-token-{id}"),
                ));
            }
            p
        }
        Kind::TokenCreated => vec![
            Part::Text(format!("A new API token, {token}, was added to your account at {when}{from}.")),
            Part::Text(not_you.into()),
            Part::Link("See your tokens", tokens_page),
        ],
        Kind::TokenDeleted => vec![
            Part::Text(format!("The API token {token} was deleted at {when}{from}. Anything still using it is now refused.")),
            Part::Text(not_you.into()),
            Part::Link("See your tokens", tokens_page),
        ],
        Kind::TokenNewIp => vec![
            Part::Text(format!(
                "Your API token {token} was used at {when} from {}, an address it had not been used from lately.",
                d.ip.as_deref().unwrap_or("an unknown address")
            )),
            Part::Text("If you do not recognise it, deactivate the token or regenerate it.".into()),
            Part::Link("See the token", tokens_page),
        ],
        Kind::TokenDeactivated => vec![
            Part::Text(format!(
                "Your API token {token} was deactivated at {when}: {}.",
                d.detail.as_deref().unwrap_or("by the server").trim_end_matches('.').to_lowercase()
            )),
            Part::Text("Requests made with it are refused. You can activate it again from your tokens page if it should keep working.".into()),
            Part::Link("See the token", tokens_page),
        ],
        Kind::PasswordChanged => vec![
            Part::Text(format!("The password of your account was changed at {when}{from}. Other browsers signed in to it were signed out.")),
            Part::Text("If you did not do this, reset your password now and review your tokens.".into()),
            Part::Link("Reset your password", format!("{base}/forgot-password")),
        ],
        Kind::EmailChanged => vec![
            Part::Text(format!(
                "The email address of your account was changed to {} at {when}{from}. Mail about the account now goes there.",
                d.email.as_deref().unwrap_or("a new address")
            )),
            Part::Text("If you did not do this, reset your password now and ask an administrator for help.".into()),
        ],
        Kind::NewSignIn => vec![
            Part::Text(format!("Someone signed in to your account at {when}{from}, from a browser and address it had not been used from lately.")),
            Part::Text(not_you.into()),
            Part::Link("See where you are signed in", format!("{base}/settings/security")),
        ],
        Kind::AccountDeleted => vec![Part::Text(format!(
            "Your account was deleted at {when}{from}, with its tokens and audit log. This cannot be undone."
        ))],
        Kind::VerifyEmail => vec![
            Part::Text(format!(
                "Open this link to use {} for your account. It works once, for {} hours.",
                d.email.as_deref().unwrap_or("this address"),
                d.valid_minutes.unwrap_or(1440) / 60
            )),
            Part::Link(
                "Confirm the address",
                format!("{base}/confirm-email?token={}", link.unwrap_or_default()),
            ),
            Part::Text("If you did not ask for this, ignore this mail: nothing changes.".into()),
        ],
        Kind::PasswordReset => vec![
            Part::Text(format!(
                "Someone asked to reset the password of your account{from}. Open this link to choose a new one. It works once, for {} minutes.",
                d.valid_minutes.unwrap_or(30)
            )),
            Part::Link(
                "Choose a new password",
                format!("{base}/reset-password?token={}", link.unwrap_or_default()),
            ),
            Part::Text("If you did not ask for this, ignore this mail: your password stays as it is.".into()),
        ],
        Kind::FinishSignUp => vec![
            Part::Text(format!(
                "Someone, we hope you, asked to create the account @{} with this address{from}. To finish, open this link and type the password you chose. It works once, for {} hours.",
                d.handle.as_deref().unwrap_or_default(),
                d.valid_minutes.unwrap_or(1440) / 60
            )),
            Part::Link(
                "Finish creating your account",
                format!("{base}/signup/finish?token={}", link.unwrap_or_default()),
            ),
            Part::Text("If you did not ask for this, ignore this mail: no account is made.".into()),
        ],
        Kind::SignUpAttempt => vec![
            Part::Text(format!(
                "Someone tried to create a new account with {} at {when}{from}. Your account already has this address, so no account was made and nothing changed.",
                d.email.as_deref().unwrap_or("this address")
            )),
            Part::Text("If it was you, sign in with your handle or this address. If you forgot your password, you can choose a new one.".into()),
            Part::Link("Sign in", format!("{base}/login")),
            Part::Link("Reset your password", format!("{base}/forgot-password")),
            Part::Text("If it was not you, there is nothing to do.".into()),
        ],
        Kind::EmailClaimAttempt => vec![
            Part::Text(format!(
                "Someone signed in to another account tried to make {} that account's address at {when}{from}. Your account already has this address, so nothing changed and nothing was sent to anyone else.",
                d.email.as_deref().unwrap_or("this address")
            )),
            Part::Text("If it was you, each address can belong to one account only: use another address there. If it was not you, there is nothing to do.".into()),
        ],
    };
    let why = match kind {
        // No account has this address yet: there are no settings to link.
        Kind::FinishSignUp => "This address was given on the sign-up page.",
        _ if kind.bit().is_some() => "You can turn this kind of mail off.",
        _ => "Security mail is always sent.",
    };
    if kind != Kind::FinishSignUp {
        parts.push(Part::Link(
            "Notification settings",
            format!("{base}/settings/notifications"),
        ));
    }
    render(subject(kind, d), &parts, base, why)
}

/// ` from 203.0.113.9 (Firefox on Linux)`, or nothing.
fn from_where(d: &NoticeData) -> String {
    match (&d.ip, &d.agent) {
        (Some(ip), Some(agent)) => {
            format!(" from {ip} ({})", crate::model::agent::summary(agent))
        }
        (Some(ip), None) => format!(" from {ip}"),
        _ => String::new(),
    }
}

fn render(subject: String, parts: &[Part], base: &str, why: &str) -> Mail {
    let mut text = String::new();
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328\">",
    );
    for part in parts {
        match part {
            Part::Text(t) => {
                text.push_str(t);
                text.push_str("\n\n");
                html.push_str(&format!("<p>{}</p>", escape(t)));
            }
            Part::Link(label, url) => {
                text.push_str(&format!("{label}: {url}\n\n"));
                html.push_str(&format!(
                    "<p><a href=\"{}\">{}</a></p>",
                    escape(url),
                    escape(label)
                ));
            }
        }
    }
    text.push_str(&format!("-- \n{PRODUCT} · {base}\n{why}\n"));
    html.push_str(&format!(
        "<hr><p style=\"color:#59636e;font-size:90%\">{PRODUCT} · <a href=\"{0}\">{0}</a><br>{1}</p></body></html>",
        escape(base),
        escape(why)
    ));
    Mail {
        subject: format!("[{PRODUCT}] {subject}"),
        text,
        html,
    }
}

/// Text made safe inside HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> NoticeData {
        NoticeData {
            at: 1_800_000_000,
            token_id: Some(7),
            token: Some("<b>CI</b> (ast_…c17R)".into()),
            expires_at: Some(1_800_600_000),
            stage: Some(1),
            ip: Some("203.0.113.9".into()),
            ..NoticeData::default()
        }
    }

    #[test]
    fn every_mail_has_both_bodies_links_and_the_product() {
        for kind in Kind::ALL {
            let m = mail(kind, &data(), "https://acc.example", Some("s3cr3t"));
            assert!(m.subject.starts_with("[Account Settings] "), "{kind:?}");
            // An address with no account yet has no settings to link to.
            let settings = kind != Kind::FinishSignUp;
            assert_eq!(
                m.text
                    .contains("https://acc.example/settings/notifications"),
                settings,
                "{kind:?}"
            );
            assert_eq!(
                m.html
                    .contains("href=\"https://acc.example/settings/notifications\""),
                settings,
                "{kind:?}"
            );
            // Names come out escaped in HTML, as they are in text.
            assert!(!m.html.contains("<b>CI</b>"), "{kind:?}");
        }
        let m = mail(Kind::TokenExpiring, &data(), "https://acc.example", None);
        assert!(m
            .text
            .contains("https://acc.example/settings/tokens#token-7"));
        assert!(m.text.contains("#regenerate-token-7"));
        let expired = NoticeData {
            stage: Some(3),
            ..data()
        };
        let m = mail(Kind::TokenExpiring, &expired, "https://acc.example", None);
        assert!(m.subject.ends_with("has expired"));
        assert!(!m.text.contains("#regenerate-token-7"));
    }

    #[test]
    fn links_carry_the_secret_only_where_one_belongs() {
        let m = mail(
            Kind::PasswordReset,
            &data(),
            "https://a.example",
            Some("abc"),
        );
        assert!(m
            .text
            .contains("https://a.example/reset-password?token=abc"));
        let m = mail(
            Kind::TokenCreated,
            &data(),
            "https://a.example",
            Some("abc"),
        );
        assert!(!m.text.contains("abc"));
    }
}
