//! The signed-in user as the pages see them.

use serde::{Deserialize, Serialize};

/// The person behind the current session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub handle: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    /// Where the avatar picture is (an uploaded file's path or an https
    /// address); `None` shows initials.
    pub avatar: Option<String>,
    /// Notices not yet seen on the Notifications page.
    #[serde(default)]
    pub unread_notices: i64,
    /// Whether the address was confirmed (always, unless the server
    /// requires confirmation and the link was not opened yet).
    #[serde(default)]
    pub email_verified: bool,
}

/// How an avatar looks: the picture, or initials on a colour. Computed by
/// the server, so the browser needs no Unicode case tables for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvatarFace {
    pub src: Option<String>,
    pub initials: String,
    pub hue: u32,
}

impl CurrentUser {
    /// The user's avatar.
    pub fn face(&self) -> AvatarFace {
        AvatarFace {
            src: self.avatar.clone(),
            initials: self.initials(),
            hue: self.avatar_hue(),
        }
    }

    /// The name to greet the user with.
    pub fn shown_name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.handle
        } else {
            &self.display_name
        }
    }

    /// One or two letters for the avatar placeholder.
    pub fn initials(&self) -> String {
        let name = self.shown_name();
        let mut words = name
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty());
        let first = words.next().and_then(|w| w.chars().next());
        let second = words.next().and_then(|w| w.chars().next());
        first
            .into_iter()
            .chain(second)
            .flat_map(char::to_uppercase)
            .collect()
    }

    /// A hue (0–359) derived from the handle, so each user keeps a colour.
    pub fn avatar_hue(&self) -> u32 {
        // FNV-1a: stable across builds and platforms.
        let mut h: u32 = 0x811c_9dc5;
        for b in self.handle.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        h % 360
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(handle: &str, display: &str) -> CurrentUser {
        CurrentUser {
            id: 1,
            handle: handle.into(),
            email: "a@b.c".into(),
            display_name: display.into(),
            is_admin: false,
            avatar: None,
            unread_notices: 0,
            email_verified: true,
        }
    }

    #[test]
    fn initials_use_display_name_words() {
        assert_eq!(user("ada", "Ada Lovelace").initials(), "AL");
        assert_eq!(user("grace-hopper", "").initials(), "GH");
        assert_eq!(user("linus", "").initials(), "L");
    }

    #[test]
    fn avatar_hue_depends_on_handle_only() {
        assert_eq!(user("ada", "x").avatar_hue(), user("ada", "y").avatar_hue());
        assert_ne!(user("ada", "").avatar_hue(), user("bob", "").avatar_hue());
    }
}
