//! A change and what describes it, committed together: the transaction
//! under the audit lock, its events, and the notices they ask for.

use super::event::NewEvent;
use super::notice::Notice;
use crate::server::db::{Db, Lock, Tx};

/// Begins the transaction of an account change, whose events [`commit`]
/// writes with it: no change without its record, no record without its
/// change. The audit lock is taken first, before any row lock, in the same
/// order as the queue's writer takes it (a change that locked a token row
/// and then waited for the audit lock could deadlock with a writer holding
/// the lock and updating that token's last use). On SQLite: the write lock.
pub async fn begin(db: &Db) -> Result<Tx, sqlx::Error> {
    db.begin_locked(Lock::Audit).await
}

/// [`begin`], under the accounts lock as well (always taken before the
/// audit lock).
pub async fn begin_accounts(db: &Db) -> Result<Tx, sqlx::Error> {
    let mut tx = db.begin_locked(Lock::Accounts).await?;
    tx.lock(Lock::Audit).await?;
    Ok(tx)
}

/// Writes the events that describe the change made in `tx`, and the
/// notices they ask for, and commits them all together. Events without a
/// time get the present.
pub async fn commit(tx: Tx, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    commit_with(tx, events, Vec::new()).await
}

/// [`commit`], with `notices` of its own besides those of the events.
pub async fn commit_with(
    mut tx: Tx,
    events: &[NewEvent],
    mut notices: Vec<Notice>,
) -> Result<(), sqlx::Error> {
    let at = tx.now();
    let events: Vec<NewEvent> = events
        .iter()
        .cloned()
        .map(|mut e| {
            if e.at == 0 {
                e.at = at;
            }
            e
        })
        .collect();
    super::event::insert(&mut tx, &events).await?;
    notices.extend(events.iter().filter_map(Notice::of_event));
    super::notice::queue(&mut tx, &notices).await?;
    tx.commit().await?;
    if !notices.is_empty() {
        super::notice::wake();
    }
    Ok(())
}

/// Writes `events` at once in a transaction of their own (events that
/// describe no change, such as a failed sign-in).
pub async fn write(db: &Db, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    commit(begin(db).await?, events).await
}
