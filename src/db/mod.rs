//! One code base over SQLite (embedded, the default) and PostgreSQL.
//!
//! Everything that differs between the two lives here or in a `match` on
//! [`DbConnection`] next to the query that needs it.

pub mod copy;
pub mod ids;
pub mod migrations;
pub mod schema;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

use crate::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs the same diesel code on the backend's own connection, for the few
/// statements the multi-backend connection cannot express (multi-row inserts,
/// upserts, `RETURNING` on batches).
#[macro_export]
macro_rules! each_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Where the database is, decided by the URL's scheme.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres(raw.to_string()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite:// needs a file path".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        Err("use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE".into())
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// The URL as it may be shown to people: no password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(u) => crate::redact::redact_url(u),
        }
    }

    /// [`connect`](Self::connect), its error saying which database with its
    /// real cause, for people.
    pub fn open(&self) -> anyhow::Result<DbConnection> {
        self.connect().map_err(|e| {
            anyhow::anyhow!(
                "cannot open the {} database at {}: {}",
                self.backend_name(),
                self.display(),
                e.to_string().trim()
            )
        })
    }

    /// Opens one connection, with the backend's own error when that fails.
    pub fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match self {
            Self::Postgres(url) => Ok(DbConnection::Postgres(diesel::PgConnection::establish(
                url,
            )?)),
            Self::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::private::create_dir_all(dir).map_err(|e| {
                        ConnectionError::BadConnection(format!(
                            "cannot create the folder {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                // Made here, owner-only, before SQLite makes it with the
                // process's umask (often world-readable).
                crate::private::create_empty(path).map_err(|e| {
                    ConnectionError::BadConnection(format!("cannot create {}: {e}", path.display()))
                })?;
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.as_os_str().to_owned();
                    file.push(suffix);
                    crate::private::tighten(std::path::Path::new(&file));
                }
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers work beside the one writer; the busy timeout
                // makes writers queue instead of failing at once.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA cache_size = -512;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.url.connect().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// Builds the pool after checking that one connection can be made, so that a
/// wrong URL or a database that is down is reported with its real cause.
pub fn connect_pool(url: &DatabaseUrl, size: u32, timeout: Duration) -> anyhow::Result<Pool> {
    url.open()?;
    let pool = r2d2::Pool::builder()
        .max_size(size)
        // No connections opened in the background: a connection still being
        // opened by the pool's thread when the process exits races OpenSSL's
        // exit cleanup in libpq and crashes (seen with `migrate` on
        // PostgreSQL). Connections are opened when first needed and kept.
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // A PostgreSQL server that restarted leaves every pooled connection
        // dead, and nothing else tells: without a check each would fail its
        // requests for ever. A SQLite file has no connection to lose.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .build(ConnectionManager { url: url.clone() })?;
    Ok(pool)
}

/// The one way request handlers reach the database: the closure runs on the
/// blocking thread pool with a pooled connection.
pub async fn run<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(AppError::unavailable)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// A transaction that writes. On SQLite it begins `IMMEDIATE`, taking the
/// write lock first (waiting for it up to the busy timeout): a deferred
/// transaction that reads and then writes fails at once with "database is
/// locked" when another connection (a request, the mail sender) committed in
/// between, which no timeout helps. Inside another transaction it is a
/// savepoint, as `transaction` is.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost_sqlite = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()?
            .is_none(),
        DbConnection::Postgres(_) => false,
    };
    if !outermost_sqlite {
        return conn.transaction(f);
    }
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let result = f(conn);
    if let DbConnection::Sqlite(c) = conn {
        match &result {
            Ok(_) => AnsiTransactionManager::commit_transaction(c)?,
            Err(_) => AnsiTransactionManager::rollback_transaction(c)?,
        }
    }
    result
}

/// Gives every value of `ids` a bind slot: `$1, $2, ...` works on both backends.
pub fn placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:/tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://root@127.0.0.1/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn a_write_transaction_that_reads_first_survives_another_writer() {
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let mut a = url.connect().unwrap();
        a.batch_execute("CREATE TABLE t (n BIGINT NOT NULL); INSERT INTO t VALUES (1);")
            .unwrap();
        let (read, go) = std::sync::mpsc::channel();
        let other = url.clone();
        // Another connection writes while the transaction is between its
        // read and its write.
        let writer = std::thread::spawn(move || {
            go.recv().unwrap();
            let mut b = other.connect().unwrap();
            b.batch_execute("INSERT INTO t VALUES (2)")
        });
        let result: QueryResult<()> = write_transaction(&mut a, |c| {
            let first: Vec<N> = diesel::sql_query("SELECT n FROM t").load(c)?;
            assert_eq!(first.len(), 1);
            read.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(200));
            c.batch_execute("INSERT INTO t VALUES (3)")?;
            // Nested: a savepoint inside.
            c.transaction(|c| c.batch_execute("INSERT INTO t VALUES (4)"))
        });
        result.unwrap();
        writer.join().unwrap().unwrap();
        let all: Vec<N> = diesel::sql_query("SELECT n FROM t ORDER BY n")
            .load(&mut a)
            .unwrap();
        assert_eq!(all.iter().map(|r| r.n).collect::<Vec<_>>(), [1, 2, 3, 4]);
    }

    #[test]
    fn an_unreachable_postgres_reports_the_real_cause() {
        let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none").unwrap();
        let err = connect_pool(&url, 1, Duration::from_secs(1)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("postgres"), "{text}");
        assert!(
            text.contains("refused") || text.contains("connect"),
            "real cause missing: {text}"
        );
    }
}
