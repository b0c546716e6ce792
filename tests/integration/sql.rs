//! `TestApp`'s direct reads and writes of its database: for assertions on
//! what is stored, and for states the pages cannot reach.

use account_settings::on_db;

use crate::common::TestApp;
use crate::database::Column;

impl TestApp {
    /// The id of the user with this handle.
    pub async fn user_id(&self, handle: &str) -> i64 {
        on_db!(&self.state.db, p => sqlx::query_scalar("SELECT id FROM users WHERE handle = $1")
            .bind(handle)
            .fetch_one(p)
            .await)
        .expect("user exists")
    }

    /// The names of the stored avatars.
    pub async fn avatar_files(&self) -> Vec<String> {
        self.scalars("SELECT name FROM avatars ORDER BY name").await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.scalar(sql).await
    }

    /// The first column of the one row `sql` reads.
    pub async fn scalar<T: Column>(&self, sql: &str) -> T {
        on_db!(&self.state.db, p => sqlx::query_scalar(sql).fetch_one(p).await)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The first column of every row `sql` reads.
    pub async fn scalars<T: Column>(&self, sql: &str) -> Vec<T> {
        on_db!(&self.state.db, p => sqlx::query_scalar(sql).fetch_all(p).await)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs a statement; returns the rows it changed. The instance's token
    /// cache forgets what it knew, as after a change of its own (another
    /// process's change reaches it by notification, a few milliseconds
    /// later: `token_cache.rs` tests that path).
    pub async fn exec(&self, sql: &str) -> u64 {
        let changed = on_db!(&self.state.db, p => sqlx::query(sql)
            .execute(p)
            .await
            .map(|d| d.rows_affected()))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        self.state.db.changes().bump();
        changed
    }
}
