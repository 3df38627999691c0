//! `counterpart copy-database --to postgres://...`: the way from the embedded
//! database to PostgreSQL (src/db/copy.rs does the copying).

use std::time::Instant;

use anyhow::bail;

use crate::config::Settings;
use crate::db::{DatabaseUrl, DbConnection, copy, migrations};

fn open(url: &DatabaseUrl) -> anyhow::Result<DbConnection> {
    let mut conn = url.open()?;
    migrations::run_pending(&mut conn)?;
    Ok(conn)
}

pub fn run(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let target_url = DatabaseUrl::parse(to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    let DatabaseUrl::Postgres(_) = target_url else {
        bail!("--to: copy-database copies into PostgreSQL; give a postgres:// URL");
    };
    let source_url = &settings.database.url;
    let DatabaseUrl::Sqlite(path) = source_url else {
        bail!(
            "the configured database is already PostgreSQL ({}); copy-database moves a SQLite \
             installation (use pg_dump between PostgreSQL databases)",
            source_url.display()
        );
    };
    if !path.exists() {
        bail!("no SQLite database at {}", path.display());
    }
    let started = Instant::now();
    let (DbConnection::Sqlite(mut source), DbConnection::Postgres(mut target)) =
        (open(source_url)?, open(&target_url)?)
    else {
        unreachable!("both URLs were matched above");
    };
    eprintln!(
        "copying {} into {}",
        source_url.display(),
        target_url.display()
    );
    let copied = copy::sqlite_to_postgres(&mut source, &mut target, |table, rows| {
        if rows % 10_000 == 0 {
            eprintln!("  {table}: {rows} rows");
        }
    })?;
    for (table, rows) in &copied {
        println!("{table:<28} {rows:>9}");
    }
    let total: i64 = copied.iter().map(|(_, n)| n).sum();
    println!(
        "copied {total} rows in {} tables in {:.1} s",
        copied.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "next: set database.url (or DATABASE_URL) to the PostgreSQL URL; set security.secret_key, \
         or keep {}/secret.key, so that sessions and the unsubscribe links in mail already sent \
         stay valid",
        settings.data_dir.display()
    );
    Ok(())
}
