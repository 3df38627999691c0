//! Moves an installation from the embedded SQLite database to PostgreSQL
//! (`counterpart copy-database --to postgres://...`), for a deployment that
//! outgrows one machine.
//!
//! Every table is copied, rows and ids as they are, in one PostgreSQL
//! transaction: a copy that fails or is killed leaves the target as it was.
//! Which tables exist, and in which order they can be filled, is read from
//! the databases themselves, so a table added by a later migration is copied
//! without this file changing.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, SqliteConnection};

/// Rows sent to PostgreSQL in one statement: large enough that round trips
/// do not dominate, small enough that one batch stays a few megabytes.
const BATCH: i64 = 500;

/// Tables that migrations create with their one row already in it (the
/// generation counters and the scheduler's state). The copy replaces that
/// row with the source's; every other table of the target must be empty.
const SEEDED: &[&str] = &[
    "directory_state",
    "measures_state",
    "readiness",
    "scheduler_state",
];

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Edge {
    #[diesel(sql_type = Text)]
    child: String,
    #[diesel(sql_type = Text)]
    parent: String,
}

#[derive(QueryableByName)]
struct Batch {
    #[diesel(sql_type = Text)]
    rows: String,
    #[diesel(sql_type = BigInt)]
    last: i64,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Quotes a name read from a catalog, so that no name can change a statement.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn names<C>(conn: &mut C, sql: &str) -> anyhow::Result<BTreeSet<String>>
where
    C: Connection,
    diesel::query_builder::SqlQuery: for<'a> diesel::query_dsl::LoadQuery<'a, C, Name>,
{
    Ok(diesel::sql_query(sql)
        .load::<Name>(conn)?
        .into_iter()
        .map(|n| n.name)
        .collect())
}

/// The order in which tables can be filled: every table after those it
/// refers to. A table that refers to itself (an update to the one it
/// replaced) is filled by increasing id, which puts the older row first.
fn fill_order(tables: &BTreeSet<String>, edges: &[Edge]) -> anyhow::Result<Vec<String>> {
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for e in edges.iter().filter(|e| e.child != e.parent) {
        if let Some(set) = needs.get_mut(e.child.as_str()) {
            set.insert(e.parent.as_str());
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !needs.is_empty() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(_, parents)| parents.iter().all(|p| !needs.contains_key(p)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            bail!("the tables refer to each other in a cycle: {needs:?}");
        }
        for t in ready {
            needs.remove(t);
            order.push(t.to_string());
        }
    }
    // The seeded tables go last: triggers on other tables (a measure written)
    // would otherwise move the counters copied before them.
    order.sort_by_key(|t| SEEDED.contains(&t.as_str()));
    Ok(order)
}

/// Rows of one table, `after` the given rowid, as a JSON array that
/// PostgreSQL turns back into typed rows (`json_populate_recordset`).
fn read_batch(
    source: &mut SqliteConnection,
    table: &str,
    columns: &[String],
    after: i64,
) -> anyhow::Result<Batch> {
    let object = columns
        .iter()
        .map(|c| format!("{}, {}", literal(c), ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT COALESCE(json_group_array(json(o)), '[]') AS rows, \
                COALESCE(MAX(r), 0) AS last, COUNT(*) AS count \
         FROM (SELECT rowid AS r, json_object({object}) AS o FROM {t} \
               WHERE rowid > {after} ORDER BY rowid LIMIT {BATCH})",
        t = ident(table)
    );
    diesel::sql_query(sql)
        .get_result(source)
        .with_context(|| format!("reading {table}"))
}

fn count_pg(target: &mut PgConnection, table: &str) -> anyhow::Result<i64> {
    Ok(
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {}", ident(table)))
            .get_result::<Count>(target)?
            .n,
    )
}

/// Copies every row of `source` into `target`. Both databases must already
/// be migrated to this version of Counterpart, and the target must be new
/// (nothing in it but what migrations put there). Returns each table with
/// the rows copied, in the order they were filled.
pub fn sqlite_to_postgres(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    mut progress: impl FnMut(&str, i64),
) -> anyhow::Result<Vec<(String, i64)>> {
    let migrations = format!("SELECT version AS name FROM {MIGRATIONS_TABLE}");
    let (from, to) = (names(source, &migrations)?, names(target, &migrations)?);
    if from != to {
        let extra: Vec<_> = from.difference(&to).collect();
        bail!(
            "the two databases are at different versions (the SQLite database has migrations \
             this program does not know: {extra:?}); copy with the version that wrote it"
        );
    }
    let source_tables = names(
        source,
        &format!(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '{MIGRATIONS_TABLE}'"
        ),
    )?;
    let target_tables = names(
        target,
        &format!(
            "SELECT tablename::text AS name FROM pg_tables \
             WHERE schemaname = current_schema() AND tablename <> '{MIGRATIONS_TABLE}'"
        ),
    )?;
    if source_tables != target_tables {
        bail!(
            "the databases hold different tables: only in SQLite {:?}, only in PostgreSQL {:?}",
            source_tables.difference(&target_tables).collect::<Vec<_>>(),
            target_tables.difference(&source_tables).collect::<Vec<_>>()
        );
    }
    let edges: Vec<Edge> = diesel::sql_query(
        "SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent \
         FROM pg_constraint WHERE contype = 'f' \
         AND connamespace = current_schema()::regnamespace",
    )
    .load(target)?;
    let order = fill_order(&target_tables, &edges)?;

    // A read transaction on the source: the copy is of one moment even if
    // the service is still running (it should not be: writes made after
    // that moment are not copied).
    source.batch_execute("BEGIN")?;
    let copied = target.transaction(|target| -> anyhow::Result<Vec<(String, i64)>> {
        for table in &order {
            let is_seeded = SEEDED.contains(&table.as_str());
            let rows = count_pg(target, table)?;
            if rows > 0 && !is_seeded {
                bail!(
                    "the PostgreSQL database is not new: {table} holds {rows} rows. \
                     Copy into an empty database (CREATE DATABASE ...)"
                );
            }
        }
        for table in order.iter().filter(|t| SEEDED.contains(&t.as_str())) {
            target.batch_execute(&format!("DELETE FROM {}", ident(table)))?;
        }
        let mut copied = Vec::with_capacity(order.len());
        for table in &order {
            let columns: Vec<String> = names(
                source,
                &format!("SELECT name FROM pragma_table_info({})", literal(table)),
            )?
            .into_iter()
            .collect();
            let insert = format!(
                "INSERT INTO {t} SELECT * FROM json_populate_recordset(NULL::{t}, $1::json)",
                t = ident(table)
            );
            let (mut after, mut total) = (0, 0);
            loop {
                let batch = read_batch(source, table, &columns, after)?;
                if batch.count == 0 {
                    break;
                }
                diesel::sql_query(&insert)
                    .bind::<Text, _>(&batch.rows)
                    .execute(target)
                    .with_context(|| {
                        format!(
                            "writing {table} (rows after rowid {after}) into PostgreSQL; \
                             nothing was copied"
                        )
                    })?;
                total += batch.count;
                after = batch.last;
                progress(table, total);
            }
            copied.push((table.clone(), total));
        }
        reset_sequences(target)?;
        Ok(copied)
    });
    let _ = source.batch_execute("COMMIT");
    copied
}

/// The copied rows kept their ids; each id sequence must continue after the
/// highest of them, or the next insert would collide.
fn reset_sequences(target: &mut PgConnection) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Serial {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let serials: Vec<Serial> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
    )
    .load(target)?;
    for s in serials {
        let (t, c) = (ident(&s.table_name), ident(&s.column_name));
        target.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), \
                    COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)",
            literal(&t),
            literal(&s.column_name),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(child: &str, parent: &str) -> Edge {
        Edge {
            child: child.into(),
            parent: parent.into(),
        }
    }

    #[test]
    fn tables_are_filled_after_those_they_refer_to_and_counters_last() {
        let tables: BTreeSet<String> = [
            "users",
            "authorities",
            "sessions",
            "measures_state",
            "updates",
        ]
        .map(String::from)
        .into();
        let edges = [
            edge("sessions", "users"),
            edge("users", "authorities"),
            edge("updates", "authorities"),
            edge("updates", "updates"),
            edge("updates", "users"),
        ];
        let order = fill_order(&tables, &edges).unwrap();
        let at = |t: &str| order.iter().position(|o| o == t).unwrap();
        assert!(at("authorities") < at("users"));
        assert!(at("users") < at("sessions"));
        assert!(at("users") < at("updates"));
        assert_eq!(order.last().unwrap(), "measures_state");
        assert_eq!(order.len(), 5);
    }

    #[test]
    fn a_cycle_is_refused_rather_than_half_copied() {
        let tables: BTreeSet<String> = ["a", "b"].map(String::from).into();
        let err = fill_order(&tables, &[edge("a", "b"), edge("b", "a")]).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn names_from_catalogs_cannot_break_out_of_quotes() {
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
