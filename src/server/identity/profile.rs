//! The rule of a profile save, one for the pages and the API: each name
//! given is checked, a name not given stays as it is, and the audit event
//! names exactly those that differ from what was stored.

use crate::error::AppError;
use crate::model::audit::AuditAction;
use crate::model::validate;
use crate::server::events::NewEvent;

/// What a save does to the three names (first, last, display).
#[derive(Debug)]
pub struct NameChange {
    /// The checked new value of each name that differs; `None` keeps it.
    pub new: [Option<String>; 3],
    /// The labels of those names, for the audit log ("first name, display name").
    pub changed: Vec<&'static str>,
}

impl NameChange {
    /// Checks the names given against those stored in `before`.
    pub fn of(before: [&str; 3], given: [Option<&str>; 3]) -> Result<Self, AppError> {
        let mut new: [Option<String>; 3] = Default::default();
        for (i, ((field, label), given)) in validate::NAMES.iter().zip(given).enumerate() {
            if let Some(given) = given {
                let value = validate::text(given, field, label, true)?;
                if value != before[i] {
                    new[i] = Some(value);
                }
            }
        }
        let after = [0, 1, 2].map(|i| new[i].as_deref().unwrap_or(before[i]));
        Ok(Self {
            changed: validate::changed_names(before, after),
            new,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
    }

    /// The three names after the save.
    pub fn after(&self, before: [&str; 3]) -> [String; 3] {
        [0, 1, 2].map(|i| self.new[i].as_deref().unwrap_or(before[i]).to_owned())
    }

    /// The audit event of the change (`how` ends its detail, e.g.
    /// " (through the API)"), or none when nothing changed.
    pub fn event(&self, user_id: i64, how: &str) -> Option<NewEvent> {
        (!self.is_empty()).then(|| {
            NewEvent::new(user_id, AuditAction::ProfileUpdated)
                .detail(format!("Changed {}{how}", self.changed.join(", ")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_given_and_different_are_changed_and_named() {
        let before = ["Ada", "Lovelace", "Ada"];
        let c = NameChange::of(before, [Some(" Ada "), None, Some("Countess")]).unwrap();
        assert_eq!(c.new, [None, None, Some("Countess".to_owned())]);
        assert_eq!(c.changed, vec!["display name"]);
        assert_eq!(
            c.after(before),
            ["Ada", "Lovelace", "Countess"].map(str::to_owned)
        );
        let e = c.event(7, " (through the API)").unwrap();
        assert_eq!(
            e.detail.as_deref(),
            Some("Changed display name (through the API)")
        );
        let none = NameChange::of(before, [Some("Ada"), Some("Lovelace"), None]).unwrap();
        assert!(none.is_empty() && none.event(7, "").is_none());
        let err = NameChange::of(before, [Some("  "), None, None]).unwrap_err();
        assert!(err.to_string().contains("first name"), "{err}");
    }
}
