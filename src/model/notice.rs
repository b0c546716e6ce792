//! Notices: what the app tells a person by mail and in its Notifications
//! list (SPEC §12), as both the server and the pages see them.

use serde::{Deserialize, Serialize};

/// What a notice is about. Stored as the `snake_case` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A token expires in 7 days, in 1 day, or has expired.
    TokenExpiring,
    TokenCreated,
    TokenDeleted,
    /// A token was used from an address it had not been used from lately.
    TokenNewIp,
    /// Deactivated by the server: unused too long, or reported as leaked.
    TokenDeactivated,
    PasswordChanged,
    /// Sent to the address the account had before.
    EmailChanged,
    /// A sign-in from a browser and address the account had not used lately.
    NewSignIn,
    AccountDeleted,
    /// The link that confirms a new email address.
    VerifyEmail,
    /// The link that sets a new password.
    PasswordReset,
    /// The link that finishes a sign-up (sent to an address no account has).
    FinishSignUp,
    /// Someone tried to sign up with the address an account already has.
    SignUpAttempt,
    /// Someone signed in to another account tried to make the account's
    /// address theirs.
    EmailClaimAttempt,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::TokenExpiring,
        Kind::TokenCreated,
        Kind::TokenDeleted,
        Kind::TokenNewIp,
        Kind::TokenDeactivated,
        Kind::PasswordChanged,
        Kind::EmailChanged,
        Kind::NewSignIn,
        Kind::AccountDeleted,
        Kind::VerifyEmail,
        Kind::PasswordReset,
        Kind::FinishSignUp,
        Kind::SignUpAttempt,
        Kind::EmailClaimAttempt,
    ];

    /// The kinds a person may stop being mailed about, in the order the
    /// Notifications page lists them.
    pub const OPTIONAL: [Kind; 5] = [
        Kind::TokenExpiring,
        Kind::TokenCreated,
        Kind::TokenDeleted,
        Kind::TokenNewIp,
        Kind::TokenDeactivated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::TokenExpiring => "token_expiring",
            Kind::TokenCreated => "token_created",
            Kind::TokenDeleted => "token_deleted",
            Kind::TokenNewIp => "token_new_ip",
            Kind::TokenDeactivated => "token_deactivated",
            Kind::PasswordChanged => "password_changed",
            Kind::EmailChanged => "email_changed",
            Kind::NewSignIn => "new_sign_in",
            Kind::AccountDeleted => "account_deleted",
            Kind::VerifyEmail => "verify_email",
            Kind::PasswordReset => "password_reset",
            Kind::FinishSignUp => "finish_sign_up",
            Kind::SignUpAttempt => "sign_up_attempt",
            Kind::EmailClaimAttempt => "email_claim_attempt",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The bit in `users.mail_off` that turns this kind's mail off; `None`
    /// for security mail, which is always sent.
    pub fn bit(self) -> Option<i64> {
        Self::OPTIONAL
            .iter()
            .position(|k| *k == self)
            .map(|i| 1 << i)
    }

    /// The switch's label on the Notifications page.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::TokenExpiring => "A token expires in 7 days, in 1 day, or has expired",
            Kind::TokenCreated => "A token was created",
            Kind::TokenDeleted => "A token was deleted",
            Kind::TokenNewIp => "A token was used from a new IP address",
            Kind::TokenDeactivated => "A token was deactivated automatically",
            Kind::PasswordChanged => "Your password was changed",
            Kind::EmailChanged => "Your email address was changed",
            Kind::NewSignIn => "A sign-in from a new browser",
            Kind::AccountDeleted => "Your account was deleted",
            Kind::VerifyEmail => "Confirm your email address",
            Kind::PasswordReset => "Reset your password",
            Kind::FinishSignUp => "Finish creating your account",
            Kind::SignUpAttempt => "Someone tried to sign up with your address",
            Kind::EmailClaimAttempt => "Someone tried to add your address to another account",
        }
    }
}

/// Where a notice's mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Waiting to be mailed (or to be tried again).
    Queued,
    Sent,
    /// Given up after every retry.
    Failed,
    /// Not mailed: no mail server is configured.
    Held,
    /// Not mailed: the person turned this kind off.
    Off,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
            Delivery::Held => "held",
            Delivery::Off => "off",
        }
    }

    pub fn parse(name: &str) -> Option<Delivery> {
        [
            Delivery::Queued,
            Delivery::Sent,
            Delivery::Failed,
            Delivery::Held,
            Delivery::Off,
        ]
        .into_iter()
        .find(|d| d.as_str() == name)
    }

    /// How the Notifications list says it.
    pub fn describe(self) -> &'static str {
        match self {
            Delivery::Queued => "Sending",
            Delivery::Sent => "Mailed",
            Delivery::Failed => "Could not be mailed",
            Delivery::Held => "Not mailed: mail is not set up on this server",
            Delivery::Off => "Not mailed: turned off",
        }
    }
}

/// One notice in the person's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub id: i64,
    pub kind: Kind,
    /// One line: what happened (the mail's subject).
    pub summary: String,
    pub created_at: i64,
    pub delivery: Delivery,
    pub read: bool,
}

/// The Notifications page: the switches and the latest notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsView {
    /// Each optional kind and whether it is mailed.
    pub switches: Vec<(Kind, bool)>,
    pub notices: Vec<NoticeView>,
    /// Whether this server mails at all.
    pub mail_enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_and_only_optional_ones_have_a_bit() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        let bits: Vec<i64> = Kind::OPTIONAL.iter().filter_map(|k| k.bit()).collect();
        assert_eq!(bits, vec![1, 2, 4, 8, 16]);
        assert_eq!(Kind::PasswordChanged.bit(), None);
        assert_eq!(Kind::AccountDeleted.bit(), None);
    }
}
