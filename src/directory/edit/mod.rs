//! Changing the directory one authority at a time: create, update, archive,
//! confirm. Each write checks the version the writer last saw, records what
//! changed and by whom, and bumps the directory generation, all in one
//! transaction.

pub mod diff;
pub mod input;
pub mod schema;
mod validate;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use self::diff::{diff, record_of};
pub use self::input::AuthorityInput;
use super::model::{self, Authority, Changed, bump_generation};
use super::write::ValidAuthority;
use crate::audit::{self, Actor, FieldChange, NewChange};
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, ProposalId};
use crate::db::schema::{authorities, contact_persons, designations};
use crate::each_backend;
use crate::error::{AppError, FieldError};

fn ref_taken(
    conn: &mut DbConnection,
    ref_: &str,
    except: Option<AuthorityId>,
) -> Result<(), AppError> {
    let other: Option<AuthorityId> = authorities::table
        .filter(authorities::ref_.eq(ref_))
        .select(authorities::id)
        .first(conn)
        .optional()?;
    match other {
        Some(id) if Some(id) != except => Err(AppError::Invalid(vec![FieldError::new(
            "ref",
            format!("{ref_:?} is already the ref of authority {id}"),
        )])),
        _ => Ok(()),
    }
}

fn replace_children(
    conn: &mut DbConnection,
    id: AuthorityId,
    record: &ValidAuthority,
) -> QueryResult<()> {
    diesel::delete(designations::table.filter(designations::authority_id.eq(id))).execute(conn)?;
    diesel::delete(contact_persons::table.filter(contact_persons::authority_id.eq(id)))
        .execute(conn)?;
    let (d, c) = record.children(id);
    if !d.is_empty() {
        each_backend!(conn, x => diesel::insert_into(designations::table).values(&d).execute(x)?);
    }
    if !c.is_empty() {
        each_backend!(conn, x => diesel::insert_into(contact_persons::table).values(&c).execute(x)?);
    }
    Ok(())
}

/// Adds an authority; returns its id.
pub fn create(
    conn: &mut DbConnection,
    record: &ValidAuthority,
    actor: &Actor,
) -> Result<AuthorityId, AppError> {
    crate::db::write_transaction(conn, |conn| {
        ref_taken(conn, &record.columns.ref_, None)?;
        let id: AuthorityId = each_backend!(conn, c => diesel::insert_into(authorities::table)
            .values(&record.row())
            .returning(authorities::id)
            .get_result(c)?);
        replace_children(conn, id, record)?;
        let changes = diff(None, record);
        audit::record(
            conn,
            &[NewChange::new(
                id,
                actor,
                "create",
                &changes,
                record.created_at,
            )],
        )?;
        bump_generation(conn, Changed::These(&[id]))?;
        Ok(id)
    })
}

/// The current record of a live authority, or 404.
pub fn current(conn: &mut DbConnection, id: AuthorityId) -> Result<Authority, AppError> {
    model::load_one(conn, id, false)?
        .ok_or_else(|| AppError::not_found(format!("no authority with id {id}")))
}

pub fn conflict(current: i32) -> AppError {
    AppError::Conflict {
        message: format!(
            "this authority was changed by someone else meanwhile (it is now at version {current}); \
             reload it, apply your change again and save"
        ),
        current_version: Some(current),
    }
}

/// Replaces an authority's record if it is still at `expected` version;
/// returns the fields that changed and the version now stored.
pub fn update(
    conn: &mut DbConnection,
    id: AuthorityId,
    expected: i32,
    record: &ValidAuthority,
    actor: &Actor,
    action: &str,
    now: NaiveDateTime,
) -> Result<(Vec<FieldChange>, i32), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let current = current(conn, id)?;
        if current.version != expected {
            return Err(conflict(current.version));
        }
        if record.columns.ref_ != current.ref_() {
            ref_taken(conn, &record.columns.ref_, Some(id))?;
        }
        let changes = diff(Some(&record_of(&current)), record);
        if changes.is_empty() {
            return Ok((changes, current.version));
        }
        write_row(conn, id, expected, record, now, None)?;
        replace_children(conn, id, record)?;
        audit::record(conn, &[NewChange::new(id, actor, action, &changes, now)])?;
        bump_generation(conn, Changed::These(&[id]))?;
        Ok((changes, expected + 1))
    })
}

/// An edit as saved: the fields that changed, the version now stored, and
/// the proposal that holds a change to designations or kind for review.
pub struct Saved {
    pub changes: Vec<FieldChange>,
    pub version: i32,
    pub held: Option<ProposalId>,
}

/// [`update`], except that when `hold` is set (a focal point's edit) a
/// change to the designations or the kind is not applied but held for the
/// secretariat as a proposal; the other fields apply at once.
pub fn update_holding(
    conn: &mut DbConnection,
    id: AuthorityId,
    expected: i32,
    record: &ValidAuthority,
    actor: &Actor,
    hold: bool,
    now: NaiveDateTime,
) -> Result<Saved, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let current = current(conn, id)?;
        if current.version != expected {
            return Err(conflict(current.version));
        }
        let (record, held) = if hold && super::proposals::changes_designations(&current, record) {
            let (applied, proposal) = super::proposals::hold(conn, &current, record, actor, now)?;
            (applied, Some(proposal))
        } else {
            (record.clone(), None)
        };
        let (changes, version) = update(conn, id, expected, &record, actor, "update", now)?;
        Ok(Saved {
            changes,
            version,
            held,
        })
    })
}

fn write_row(
    conn: &mut DbConnection,
    id: AuthorityId,
    expected: i32,
    record: &ValidAuthority,
    now: NaiveDateTime,
    archived_at: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    let changes = (
        &record.columns,
        authorities::version.eq(expected + 1),
        authorities::updated_at.eq(now),
        authorities::archived_at.eq(archived_at),
    );
    // The version in the WHERE clause makes the check and the write one step,
    // whatever another instance does between them.
    let n = diesel::update(
        authorities::table
            .filter(authorities::id.eq(id))
            .filter(authorities::version.eq(expected)),
    )
    .set(changes)
    .execute(conn)?;
    if n == 0 {
        let now_at: i32 = authorities::table
            .find(id)
            .select(authorities::version)
            .first(conn)?;
        return Err(conflict(now_at));
    }
    Ok(())
}

/// Takes an authority out of the directory; its history stays.
pub fn archive(
    conn: &mut DbConnection,
    id: AuthorityId,
    expected: Option<i32>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<i32, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let current = current(conn, id)?;
        let expected = expected.unwrap_or(current.version);
        if current.version != expected {
            return Err(conflict(current.version));
        }
        write_row(conn, id, expected, &record_of(&current), now, Some(now))?;
        let changes = [FieldChange {
            field: "archived".into(),
            old: None,
            new: Some(now.format("%Y-%m-%d %H:%M").to_string()),
        }];
        audit::record(conn, &[NewChange::new(id, actor, "archive", &changes, now)])?;
        bump_generation(conn, Changed::These(&[id]))?;
        Ok(expected + 1)
    })
}

/// "Still correct": sets the last verified date to today.
pub fn confirm(
    conn: &mut DbConnection,
    id: AuthorityId,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(NaiveDate, i32), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let current = current(conn, id)?;
        let mut record = record_of(&current);
        let today = now.date();
        record.columns.verified_at = Some(today);
        write_row(conn, id, current.version, &record, now, None)?;
        let changes = [FieldChange {
            field: "verified_at".into(),
            old: current.verified_at().map(|d| d.to_string()),
            new: Some(today.to_string()),
        }];
        audit::record(conn, &[NewChange::new(id, actor, "confirm", &changes, now)])?;
        bump_generation(conn, Changed::These(&[id]))?;
        Ok((today, current.version + 1))
    })
}
