//! The directory's generation and the log of what each write changed
//! (`directory_changes`), which lets every instance read only that.

use diesel::prelude::*;

use super::model::{Authority, load};
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::{directory_changes, directory_state};

/// The directory generation: bumped by every change to the directory.
pub fn generation(conn: &mut DbConnection) -> QueryResult<i64> {
    directory_state::table
        .select(directory_state::generation)
        .find(1)
        .first(conn)
}

/// What a write changed, for the log that lets every instance read only
/// that (`directory_changes`).
pub enum Changed<'a> {
    These(&'a [AuthorityId]),
    /// Too many to name, or not one by one (a replaced directory).
    All,
}

/// A write naming more authorities than this is logged as changing all.
const LOGGED_AT_MOST: usize = 1_000;
/// Generations the log keeps; an instance further behind reads everything.
const LOG_KEPT: i64 = 10_000;

/// Records that the directory changed and what changed; call inside the
/// writing transaction.
pub fn bump_generation(conn: &mut DbConnection, changed: Changed<'_>) -> QueryResult<()> {
    diesel::update(directory_state::table.find(1))
        .set(directory_state::generation.eq(directory_state::generation + 1))
        .execute(conn)?;
    let now = generation(conn)?;
    let rows: Vec<_> = match changed {
        Changed::These(ids) if ids.len() <= LOGGED_AT_MOST => ids
            .iter()
            .map(|id| {
                (
                    directory_changes::generation.eq(now),
                    directory_changes::authority_id.eq(Some(id.0)),
                )
            })
            .collect(),
        _ => vec![(
            directory_changes::generation.eq(now),
            directory_changes::authority_id.eq(None),
        )],
    };
    for part in rows.chunks(500) {
        crate::each_backend!(conn, c => diesel::insert_into(directory_changes::table)
            .values(part)
            .execute(c)?);
    }
    diesel::delete(
        directory_changes::table.filter(directory_changes::generation.le(now - LOG_KEPT)),
    )
    .execute(conn)?;
    Ok(())
}

/// How the directory moved since a generation an instance holds.
pub enum Delta {
    Same,
    /// Read everything again (too much changed, or the log no longer goes
    /// back that far).
    Everything,
    /// These authorities, complete as they are now, and these gone
    /// (archived or deleted), make `generation`.
    Some {
        generation: i64,
        changed: Vec<Authority>,
        gone: Vec<AuthorityId>,
    },
}

/// What changed since generation `known`, read from the log.
pub fn changes_since(conn: &mut DbConnection, known: i64) -> QueryResult<Delta> {
    conn.transaction(|conn| {
        // The generation first: the log and the records read after it are
        // at least as new.
        let latest = generation(conn)?;
        if latest == known {
            return Ok(Delta::Same);
        }
        if latest < known {
            return Ok(Delta::Everything);
        }
        let rows: Vec<(i64, Option<i64>)> = directory_changes::table
            .filter(directory_changes::generation.gt(known))
            .filter(directory_changes::generation.le(latest))
            .select((
                directory_changes::generation,
                directory_changes::authority_id,
            ))
            .load(conn)?;
        let generations: std::collections::HashSet<i64> = rows.iter().map(|r| r.0).collect();
        let mut ids: Vec<AuthorityId> = Vec::with_capacity(rows.len());
        for (_, id) in &rows {
            match id {
                Some(id) => ids.push(AuthorityId(*id)),
                None => return Ok(Delta::Everything),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        if generations.len() as i64 != latest - known || ids.len() > LOGGED_AT_MOST {
            return Ok(Delta::Everything);
        }
        let changed = load(conn, Some(&ids))?;
        let found: std::collections::HashSet<AuthorityId> = changed.iter().map(|a| a.id).collect();
        let gone = ids.into_iter().filter(|id| !found.contains(id)).collect();
        Ok(Delta::Some {
            generation: latest,
            changed,
            gone,
        })
    })
}
