//! The server's one clock, carried by [`super::Db`]: the system's, or one
//! that a test moves forward to reach a session timeout, a link's expiry,
//! a limit's window or a reminder's day without waiting for it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Unix seconds now, plus however far a test has moved this clock.
/// Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock; [`Clock::advance`] does nothing to it.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that starts at the system's time and can be moved forward.
    pub fn adjustable() -> Self {
        Self {
            offset: Some(Arc::new(AtomicI64::new(0))),
        }
    }

    pub fn now(&self) -> i64 {
        let skew = self
            .offset
            .as_ref()
            .map_or(0, |o| o.load(Ordering::Relaxed));
        crate::model::time::now() + skew
    }

    /// Moves an adjustable clock `secs` forward.
    pub fn advance(&self, secs: i64) {
        if let Some(o) = &self.offset {
            o.fetch_add(secs, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset_and_the_system_clock_does_not_move() {
        let clock = Clock::adjustable();
        let copy = clock.clone();
        let before = clock.now();
        copy.advance(3_600);
        assert!(clock.now() - before >= 3_600);
        assert!(clock.now() - before < 3_660);
        let system = Clock::system();
        system.advance(3_600);
        assert!(system.now() - crate::model::time::now() < 60);
    }
}
