//! Reminders to the focal points of records not verified for too long
//! (`directory.stale_after`): a mail with links to confirm or edit, at most
//! once per `directory.remind_every`, until the record is confirmed (which
//! makes it fresh again). Every reminder is recorded for the secretariat.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::auth::Role;
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::{authorities, reminders, scheduler_state, users};
use crate::domain::states;
use crate::error::AppError;
use crate::mail::{Outgoing, enqueue};

type Candidate = (
    AuthorityId,
    String,
    String,
    String,
    Option<NaiveDate>,
    String,
);

/// Sends the reminders that are due; returns how many were queued. Several
/// instances may run it at once: they take turns on the scheduler's row.
pub fn send_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    stale_after: Duration,
    remind_every: Duration,
) -> Result<usize, AppError> {
    let cutoff = (now - chrono::Duration::from_std(stale_after).unwrap_or_default()).date();
    let again_after = now - chrono::Duration::from_std(remind_every).unwrap_or_default();
    crate::db::write_transaction(conn, |conn| {
        diesel::update(scheduler_state::table.find(1))
            .set(scheduler_state::id.eq(1))
            .execute(conn)?;
        let candidates: Vec<Candidate> = users::table
            .inner_join(authorities::table.on(users::authority_id.eq(authorities::id.nullable())))
            .filter(users::role.eq(Role::FocalPoint.code()))
            .filter(users::disabled_at.is_null())
            .filter(authorities::archived_at.is_null())
            .filter(
                authorities::verified_at
                    .is_null()
                    .or(authorities::verified_at.lt(cutoff)),
            )
            .select((
                authorities::id,
                authorities::name,
                authorities::ref_,
                authorities::country_code,
                authorities::verified_at,
                users::email,
            ))
            .load(conn)?;
        if candidates.is_empty() {
            return Ok(0);
        }
        let ids: Vec<AuthorityId> = candidates.iter().map(|c| c.0).collect();
        let recent: Vec<(AuthorityId, String)> = reminders::table
            .filter(reminders::authority_id.eq_any(ids))
            .filter(reminders::sent_at.gt(again_after))
            .select((reminders::authority_id, reminders::email))
            .load(conn)?;
        let mut sent = 0;
        for (id, name, ref_, country, verified_at, email) in candidates {
            if recent.iter().any(|(a, e)| *a == id && *e == email) {
                continue;
            }
            let country_name = states::find(&country).map_or(country.clone(), |s| s.name.clone());
            let context = json!({
                "authority": {"id": id, "ref": ref_, "name": name, "country_name": country_name},
                "verified_at": verified_at.map(|d| d.to_string()),
                "days": verified_at.map(|d| (now.date() - d).num_days()),
            });
            enqueue(
                conn,
                &[Outgoing {
                    template: crate::mail::message::Template::FreshnessReminder,
                    to: email.clone(),
                    context,
                }],
                now,
            )?;
            diesel::insert_into(reminders::table)
                .values((
                    reminders::authority_id.eq(id),
                    reminders::email.eq(&email),
                    reminders::sent_at.eq(now),
                ))
                .execute(conn)?;
            sent += 1;
        }
        Ok(sent)
    })
}

/// The last reminder of each of these authorities: when, and to whom.
pub fn last_sent(
    conn: &mut DbConnection,
    authority_ids: &[AuthorityId],
) -> QueryResult<HashMap<AuthorityId, (NaiveDateTime, String)>> {
    let rows: Vec<(AuthorityId, NaiveDateTime, String)> = reminders::table
        .filter(reminders::authority_id.eq_any(authority_ids.to_vec()))
        .order(reminders::sent_at)
        .select((
            reminders::authority_id,
            reminders::sent_at,
            reminders::email,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(a, at, email)| (a, (at, email)))
        .collect())
}
