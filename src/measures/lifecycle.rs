//! The life of a measure update: saved as a draft, submitted, approved
//! (in force at once, or scheduled to start later), rejected, superseded,
//! withdrawn, expired. Each step is one transaction that also records it in
//! the authority's history and queues the mail it causes.
//!
//! At most one update of an authority is stored as approved: a unique
//! partial index says so on both databases, and every step that changes
//! which one it is first locks the authority's row (PostgreSQL; SQLite has
//! one writer at a time), so that concurrent approvals take turns instead of
//! each superseding the same predecessor.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::base::{checked_base, in_force_now, known_base, maybe_get, stale};
use super::input::ValidUpdate;
use super::settle::settle_authority;
pub use super::settle::settle_due;
use super::store::{self, Row};
use super::{Status, Update, notify};
use crate::audit::{self, Actor, FieldChange, NewChange};
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::db::schema::{authorities, measure_updates};
use crate::error::{AppError, FieldError};

/// The measure in force that a writer or reviewer says they saw: `None`
/// when they did not say, `Some(None)` when they saw none in force.
pub type SeenBase = Option<Option<UpdateId>>;

pub(super) enum Liveness {
    Live,
    Archived,
    Missing,
}

/// Locks the authority's row until the transaction ends (PostgreSQL), so
/// that decisions about one authority's measures are taken one at a time.
pub(super) fn lock_authority(conn: &mut DbConnection, id: AuthorityId) -> QueryResult<Liveness> {
    let q = authorities::table.find(id).select(authorities::archived_at);
    let found: Option<Option<NaiveDateTime>> = match conn {
        DbConnection::Postgres(c) => q.for_update().first(c).optional()?,
        DbConnection::Sqlite(c) => q.first(c).optional()?,
    };
    Ok(match found {
        None => Liveness::Missing,
        Some(Some(_)) => Liveness::Archived,
        Some(None) => Liveness::Live,
    })
}

fn archived(authority_id: AuthorityId) -> AppError {
    AppError::Conflict {
        message: format!(
            "authority {authority_id} is archived: it is no longer in the directory and takes no updates"
        ),
        current_version: None,
    }
}

/// Locks a live authority, or says why its measures cannot change.
fn lock_live(conn: &mut DbConnection, authority_id: AuthorityId) -> Result<(), AppError> {
    match lock_authority(conn, authority_id)? {
        Liveness::Live => Ok(()),
        Liveness::Archived => Err(archived(authority_id)),
        Liveness::Missing => Err(AppError::not_found(format!(
            "no authority with id {authority_id}"
        ))),
    }
}

fn wrong_state(u: &Update, doing: &str) -> AppError {
    AppError::Conflict {
        message: format!(
            "update {} is {}; it cannot be {doing}",
            u.id,
            u.status.code()
        ),
        current_version: None,
    }
}

pub(super) fn record(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    actor: &Actor,
    action: &str,
    fields: Vec<FieldChange>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audit::record(
        conn,
        &[NewChange::new(authority_id, actor, action, &fields, now)],
    )
}

pub(super) fn set_status(
    conn: &mut DbConnection,
    id: UpdateId,
    from: Status,
    to: Status,
    decided: Option<(&Actor, Option<&str>)>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    // The old status in the WHERE clause: two reviewers cannot both decide.
    let target = measure_updates::table
        .filter(measure_updates::id.eq(id))
        .filter(measure_updates::status.eq(from.code()));
    let n = match (to, decided) {
        (Status::Submitted, _) => diesel::update(target)
            .set((
                measure_updates::status.eq(to.code()),
                measure_updates::submitted_at.eq(Some(now)),
                measure_updates::updated_at.eq(now),
            ))
            .execute(conn)?,
        (_, Some((actor, reason))) => diesel::update(target)
            .set((
                measure_updates::status.eq(to.code()),
                measure_updates::decided_at.eq(Some(now)),
                measure_updates::decided_by.eq(actor.user_id),
                measure_updates::rejection_reason.eq(reason),
                measure_updates::updated_at.eq(now),
            ))
            .execute(conn)?,
        (_, None) => diesel::update(target)
            .set((
                measure_updates::status.eq(to.code()),
                measure_updates::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    if n == 0 {
        let u = store::get(conn, id, now.date())?;
        return Err(wrong_state(&u, "changed now"));
    }
    Ok(())
}

/// Saves an update, as a draft or submitted for review; returns its id.
/// `seen` is the measure in force the writer started from: a submission
/// against one that is no longer in force is refused (409), a draft keeps it.
pub fn create(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    c: &ValidUpdate,
    draft: bool,
    seen: SeenBase,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<UpdateId, AppError> {
    let today = now.date();
    crate::db::write_transaction(conn, |conn| {
        match lock_authority(conn, authority_id)? {
            Liveness::Live => {}
            Liveness::Archived => {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "authority_id",
                    format!("authority {authority_id} is archived and takes no updates"),
                )]));
            }
            Liveness::Missing => {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "authority_id",
                    format!("no authority with id {authority_id}"),
                )]));
            }
        }
        known_base(conn, authority_id, seen)?;
        settle_authority(conn, authority_id, now)?;
        let current = in_force_now(conn, authority_id, today)?.map(|u| u.id);
        let base = if draft {
            seen.unwrap_or(current)
        } else {
            current
        };
        let status = if draft {
            Status::Draft
        } else {
            Status::Submitted
        };
        let values = (
            measure_updates::authority_id.eq(authority_id),
            measure_updates::status.eq(status.code()),
            measure_updates::base_id.eq(base),
            c.values(),
            measure_updates::created_by.eq(actor.user_id),
            measure_updates::created_at.eq(now),
            measure_updates::submitted_at.eq((!draft).then_some(now)),
            measure_updates::updated_at.eq(now),
        );
        let id: UpdateId = crate::each_backend!(conn, x => diesel::insert_into(measure_updates::table)
            .values(values)
            .returning(measure_updates::id)
            .get_result(x)?);
        if !draft {
            let submitted = store::get(conn, id, today)?;
            if seen.is_some() {
                // Checked after writing so that the comparison shows the
                // update as stored; the refusal rolls it back.
                checked_base(conn, &submitted, seen, today)?;
            }
            notify::submitted(conn, &submitted, actor, now)?;
        }
        Ok(id)
    })
}

/// Changes a draft, and submits it when `submit` is set.
pub fn edit_draft(
    conn: &mut DbConnection,
    id: UpdateId,
    c: &ValidUpdate,
    submit: bool,
    seen: SeenBase,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Update, AppError> {
    let today = now.date();
    crate::db::write_transaction(conn, |conn| {
        let u = store::get(conn, id, today)?;
        lock_live(conn, u.authority_id)?;
        if u.status != Status::Draft {
            return Err(wrong_state(&u, "edited: only a draft can be"));
        }
        known_base(conn, u.authority_id, seen)?;
        let base = seen.unwrap_or(u.base_id);
        let n = diesel::update(
            measure_updates::table
                .filter(measure_updates::id.eq(id))
                .filter(measure_updates::status.eq(Status::Draft.code())),
        )
        .set((
            c.values(),
            measure_updates::base_id.eq(base),
            measure_updates::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(wrong_state(&u, "edited now"));
        }
        if submit {
            submit_in(conn, id, Some(base), actor, now)
        } else {
            store::get(conn, id, today)
        }
    })
}

fn submit_in(
    conn: &mut DbConnection,
    id: UpdateId,
    seen: SeenBase,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Update, AppError> {
    let today = now.date();
    let u = store::get(conn, id, today)?;
    if u.status != Status::Draft {
        return Err(wrong_state(&u, "submitted"));
    }
    lock_live(conn, u.authority_id)?;
    known_base(conn, u.authority_id, seen)?;
    settle_authority(conn, u.authority_id, now)?;
    // A draft was written against the measure in force then; submitting it
    // says it still holds against the one in force now.
    let base = checked_base(conn, &u, Some(seen.unwrap_or(u.base_id)), today)?;
    diesel::update(measure_updates::table.find(id))
        .set(measure_updates::base_id.eq(base))
        .execute(conn)?;
    set_status(conn, id, Status::Draft, Status::Submitted, None, now)?;
    let u = store::get(conn, id, today)?;
    notify::submitted(conn, &u, actor, now)?;
    Ok(u)
}

pub fn submit(
    conn: &mut DbConnection,
    id: UpdateId,
    seen: SeenBase,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Update, AppError> {
    crate::db::write_transaction(conn, |conn| submit_in(conn, id, seen, actor, now))
}

/// Ends an approved update that another replaces: superseded if it was in
/// force, expired if it had already ended.
pub(super) fn retire(
    conn: &mut DbConnection,
    old: &Update,
    from: Status,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let to = if old.effective_until.is_some_and(|end| end < today) {
        Status::Expired
    } else {
        Status::Superseded
    };
    set_status(conn, old.id, from, to, None, now)
}

/// The update stored as approved for an authority (at most one).
pub(super) fn stored_approved(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    today: NaiveDate,
) -> Result<Option<Update>, AppError> {
    measure_updates::table
        .filter(measure_updates::authority_id.eq(authority_id))
        .filter(measure_updates::status.eq(Status::Approved.code()))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.update(today))
        .transpose()
}

/// Approves a submitted update. Starting today or earlier, it is in force at
/// once and supersedes the one before; starting later, it is scheduled and
/// the one in force stays until then; already ended, it is recorded as
/// expired and changes nothing. When the update was written against a
/// measure that is no longer in force, the reviewer must say which measure
/// they compared it with (`reviewed`), or the answer is 409.
pub fn approve(
    conn: &mut DbConnection,
    id: UpdateId,
    reviewed: SeenBase,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(Update, Option<UpdateId>), AppError> {
    let today = now.date();
    crate::db::write_transaction(conn, |conn| {
        let u = store::get(conn, id, today)?;
        lock_live(conn, u.authority_id)?;
        settle_authority(conn, u.authority_id, now)?;
        // Read again under the lock: another reviewer may have decided.
        let u = store::get(conn, id, today)?;
        if u.status != Status::Submitted {
            return Err(wrong_state(&u, "approved"));
        }
        let current = in_force_now(conn, u.authority_id, today)?;
        let current_id = current.as_ref().map(|c| c.id);
        if u.base_id != current_id && reviewed != Some(current_id) {
            let base = maybe_get(conn, u.base_id, today)?;
            return Err(stale(
                current.as_ref(),
                &u,
                base.as_ref(),
                &format!("update {id}"),
            ));
        }
        let decided = Some((actor, None));
        let ended = u.effective_until.is_some_and(|end| end < today);
        let mut superseded = None;
        let (to, change) = if ended {
            (
                Status::Expired,
                FieldChange {
                    field: format!("update {id}"),
                    old: Some("submitted".into()),
                    new: Some("approved, already ended".into()),
                },
            )
        } else if u.effective_from > today {
            (
                Status::Scheduled,
                FieldChange {
                    field: "scheduled measures".into(),
                    old: None,
                    new: Some(format!("update {id} from {}", u.effective_from)),
                },
            )
        } else {
            if let Some(old) = stored_approved(conn, u.authority_id, today)? {
                retire(conn, &old, Status::Approved, today, now)?;
                superseded = Some(old.id);
            }
            (
                Status::Approved,
                FieldChange {
                    field: "measures in force".into(),
                    old: current_id.map(|p| format!("update {p}")),
                    new: Some(format!("update {id}")),
                },
            )
        };
        set_status(conn, id, Status::Submitted, to, decided, now)?;
        record(
            conn,
            u.authority_id,
            actor,
            "approve update",
            vec![change],
            now,
        )?;
        let approved = store::get(conn, id, today)?;
        notify::decided(conn, &approved, actor, now)?;
        Ok((approved, superseded))
    })
}

pub fn reject(
    conn: &mut DbConnection,
    id: UpdateId,
    actor: &Actor,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Update, AppError> {
    let reason = crate::domain::typed::reason(reason)
        .map_err(|m| AppError::Invalid(vec![FieldError::new("reason", m)]))?;
    let today = now.date();
    crate::db::write_transaction(conn, |conn| {
        let u = store::get(conn, id, today)?;
        if u.status != Status::Submitted {
            return Err(wrong_state(&u, "rejected"));
        }
        set_status(
            conn,
            id,
            Status::Submitted,
            Status::Rejected,
            Some((actor, Some(reason))),
            now,
        )?;
        record(
            conn,
            u.authority_id,
            actor,
            "reject update",
            vec![FieldChange {
                field: format!("update {id}"),
                old: Some("submitted".into()),
                new: Some(format!("rejected: {reason}")),
            }],
            now,
        )?;
        let rejected = store::get(conn, id, today)?;
        notify::decided(conn, &rejected, actor, now)?;
        Ok(rejected)
    })
}

/// Takes back a draft, a submission, a scheduled update or the measure in
/// force (after which none is).
pub fn withdraw(
    conn: &mut DbConnection,
    id: UpdateId,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Update, AppError> {
    let today = now.date();
    crate::db::write_transaction(conn, |conn| {
        let u = store::get(conn, id, today)?;
        lock_authority(conn, u.authority_id)?;
        settle_authority(conn, u.authority_id, now)?;
        let u = store::get(conn, id, today)?;
        let from = match u.status {
            s @ (Status::Draft | Status::Submitted | Status::Scheduled | Status::Approved) => s,
            _ => return Err(wrong_state(&u, "withdrawn")),
        };
        set_status(conn, id, from, Status::Withdrawn, None, now)?;
        let field = match from {
            Status::Approved => Some("measures in force"),
            Status::Scheduled => Some("scheduled measures"),
            _ => None,
        };
        if let Some(field) = field {
            record(
                conn,
                u.authority_id,
                actor,
                "withdraw update",
                vec![FieldChange {
                    field: field.into(),
                    old: Some(format!("update {id}")),
                    new: None,
                }],
                now,
            )?;
        }
        store::get(conn, id, today)
    })
}
