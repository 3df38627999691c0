//! What the date changes in the measures, stored: a scheduled update that
//! has begun takes over from the one in force, and an approved update past
//! its end is expired. Reads are right before this runs (see
//! [`super::store::in_force`]); storing it keeps the stored statuses, which
//! lists filter on, true to the date.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::lifecycle::{lock_authority, record, retire, set_status, stored_approved};
use super::store::Row;
use super::{Status, Update};
use crate::audit::{Actor, FieldChange};
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::measure_updates;
use crate::error::AppError;

/// Stores what the date has changed for one authority: a scheduled update
/// that has begun replaces the one in force (the latest begun wins), and an
/// approved update past its end is expired. Call inside a transaction that
/// holds the authority's lock.
pub(super) fn settle_authority(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let today = now.date();
    let begun: Vec<Update> = measure_updates::table
        .filter(measure_updates::authority_id.eq(authority_id))
        .filter(measure_updates::status.eq(Status::Scheduled.code()))
        .filter(measure_updates::effective_from.le(today))
        .order((
            measure_updates::effective_from,
            measure_updates::decided_at,
            measure_updates::id,
        ))
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| r.update(today))
        .collect::<Result<_, _>>()?;
    let mut changed = 0;
    let scheduler = Actor::command("schedule");
    if let Some((winner, earlier)) = begun.split_last() {
        if let Some(old) = stored_approved(conn, authority_id, today)? {
            retire(conn, &old, Status::Approved, today, now)?;
            changed += 1;
        }
        for e in earlier {
            set_status(conn, e.id, Status::Scheduled, Status::Superseded, None, now)?;
            changed += 1;
        }
        let to = if winner.effective_until.is_some_and(|end| end < today) {
            Status::Expired
        } else {
            Status::Approved
        };
        set_status(conn, winner.id, Status::Scheduled, to, None, now)?;
        changed += 1;
        record(
            conn,
            authority_id,
            &scheduler,
            "scheduled update starts",
            vec![FieldChange {
                field: "measures in force".into(),
                old: None,
                new: Some(format!(
                    "update {} from {}",
                    winner.id, winner.effective_from
                )),
            }],
            now,
        )?;
    }
    // An approved update past its end is read as expired already; storing
    // it lets lists filter on the stored status.
    changed += diesel::update(
        measure_updates::table
            .filter(measure_updates::authority_id.eq(authority_id))
            .filter(measure_updates::status.eq(Status::Approved.code()))
            .filter(measure_updates::effective_until.lt(today)),
    )
    .set(measure_updates::status.eq(Status::Expired.code()))
    .execute(conn)?;
    Ok(changed)
}

/// Settles every authority whose measures the date has changed; cheap when
/// none has (one indexed read). Returns how many updates changed state.
pub fn settle_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let today = now.date();
    let due: Vec<AuthorityId> = measure_updates::table
        .filter(
            measure_updates::status
                .eq(Status::Scheduled.code())
                .and(measure_updates::effective_from.le(today))
                .or(measure_updates::status
                    .eq(Status::Approved.code())
                    .and(measure_updates::effective_until.lt(today))),
        )
        .select(measure_updates::authority_id)
        .distinct()
        .load(conn)?;
    let mut changed = 0;
    for authority_id in due {
        changed += crate::db::write_transaction(conn, |conn| {
            lock_authority(conn, authority_id)?;
            settle_authority(conn, authority_id, now)
        })?;
    }
    Ok(changed)
}
