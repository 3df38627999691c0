//! Reading measure updates: one, a filtered page, and the measures in force.
//! The life cycle (what changes them) is in [`super::lifecycle`].

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{Operations, Originals, Status, Update, YesNo, YesNoPartly, effective_status};
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::db::schema::{authorities, measure_updates, measures_state, users};
use crate::error::AppError;

#[derive(Queryable, Selectable)]
#[diesel(table_name = measure_updates)]
pub(super) struct Row {
    id: UpdateId,
    authority_id: AuthorityId,
    status: String,
    base_id: Option<UpdateId>,
    operations: Option<String>,
    electronic_requests: Option<String>,
    electronic_address: Option<String>,
    originals_required: Option<String>,
    time_limits: Option<String>,
    video_hearings: Option<String>,
    surrenders: Option<String>,
    transfers: Option<String>,
    urgent_contact: Option<String>,
    remarks: Option<String>,
    language: Option<String>,
    effective_from: NaiveDate,
    effective_until: Option<NaiveDate>,
    rejection_reason: Option<String>,
    submitted_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

/// A stored value this version does not know: refuse to guess (a status read
/// as something else would publish or hide a measure).
fn unknown(column: &str, value: &str, id: UpdateId) -> AppError {
    AppError::internal(anyhow::anyhow!(
        "measure update {id}: unknown {column} {value:?} in the database"
    ))
}

impl Row {
    pub(super) fn update(self, today: NaiveDate) -> Result<Update, AppError> {
        let id = self.id;
        fn code<T>(
            id: UpdateId,
            column: &str,
            v: Option<String>,
            parse: fn(&str) -> Result<T, String>,
        ) -> Result<Option<T>, AppError> {
            v.map(|s| parse(&s).map_err(|_| unknown(column, &s, id)))
                .transpose()
        }
        let stored =
            Status::parse(&self.status).map_err(|_| unknown("status", &self.status, id))?;
        Ok(Update {
            id,
            authority_id: self.authority_id,
            status: effective_status(stored, self.effective_until, today),
            base_id: self.base_id,
            operations: code(id, "operations", self.operations, Operations::parse)?,
            electronic_requests: code(
                id,
                "electronic_requests",
                self.electronic_requests,
                YesNoPartly::parse,
            )?,
            electronic_address: self.electronic_address,
            originals_required: code(
                id,
                "originals_required",
                self.originals_required,
                Originals::parse,
            )?,
            time_limits: self.time_limits,
            video_hearings: code(id, "video_hearings", self.video_hearings, YesNo::parse)?,
            surrenders: code(id, "surrenders", self.surrenders, YesNoPartly::parse)?,
            transfers: code(id, "transfers", self.transfers, YesNoPartly::parse)?,
            urgent_contact: self.urgent_contact,
            remarks: self.remarks,
            language: self.language,
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            rejection_reason: self.rejection_reason,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
            updated_at: self.updated_at,
            contacts_visible: true,
        })
    }
}

fn rows(list: Vec<Row>, today: NaiveDate) -> Result<Vec<Update>, AppError> {
    list.into_iter().map(|r| r.update(today)).collect()
}

pub fn get(conn: &mut DbConnection, id: UpdateId, today: NaiveDate) -> Result<Update, AppError> {
    measure_updates::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("no update with id {id}")))?
        .update(today)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub statuses: Option<Vec<Status>>,
    pub authority_id: Option<AuthorityId>,
    pub country: Option<String>,
    /// Drafts and undecided updates are shown only to their authority's
    /// focal point (this id) and to admins (`all`).
    pub own_authority: Option<AuthorityId>,
    pub all: bool,
}

/// The statuses everyone may read: decisions that were published.
pub const PUBLIC: [Status; 3] = [Status::Approved, Status::Superseded, Status::Expired];

/// Updates, newest first, that the reader may see. Statuses are read as
/// stored, so call [`super::lifecycle::settle_due`] first: it stores what
/// the date has changed (started, expired).
pub fn list(
    conn: &mut DbConnection,
    f: &Filter,
    limit: i64,
    offset: i64,
    today: NaiveDate,
) -> Result<(i64, Vec<Update>), AppError> {
    let public: Vec<&str> = PUBLIC.iter().map(|s| s.code()).collect();
    let wanted: Option<Vec<&str>> = f
        .statuses
        .as_ref()
        .map(|list| list.iter().map(|s| s.code()).collect());
    let build = || {
        let mut q = measure_updates::table
            .inner_join(authorities::table)
            .into_boxed::<crate::db::MultiBackend>();
        if !f.all {
            q = match f.own_authority {
                Some(own) => q.filter(
                    measure_updates::status
                        .eq_any(public.clone())
                        .or(measure_updates::authority_id.eq(own)),
                ),
                None => q.filter(measure_updates::status.eq_any(public.clone())),
            };
        }
        if let Some(w) = &wanted {
            q = q.filter(measure_updates::status.eq_any(w.clone()));
        }
        if let Some(a) = f.authority_id {
            q = q.filter(measure_updates::authority_id.eq(a));
        }
        if let Some(c) = &f.country {
            q = q.filter(authorities::country_code.eq(c.clone()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let page = build()
        .order(measure_updates::id.desc())
        .limit(limit)
        .offset(offset)
        .select(Row::as_select())
        .load(conn)?;
    Ok((total, rows(page, today)?))
}

/// The measures in force on `today`, at most one per authority, for some
/// authorities or all (archived authorities have none).
///
/// Read from the stored states and the date, so that a scheduled update is
/// in force from its first day even before it is settled: of the approved
/// and begun scheduled updates of an authority, the one that began last
/// holds (a begun scheduled one always began after the approved one, which
/// it will supersede); if it has ended, nothing is in force.
pub fn in_force(
    conn: &mut DbConnection,
    authority_ids: Option<&[AuthorityId]>,
    today: NaiveDate,
) -> Result<Vec<Update>, AppError> {
    in_force_of(conn, authority_ids, today, Archived::Left)
}

/// Whether the measures of archived authorities are read.
enum Archived {
    Left,
    Read,
}

fn in_force_of(
    conn: &mut DbConnection,
    authority_ids: Option<&[AuthorityId]>,
    today: NaiveDate,
    archived: Archived,
) -> Result<Vec<Update>, AppError> {
    let mut q = measure_updates::table
        .inner_join(authorities::table)
        .filter(measure_updates::status.eq_any([Status::Approved.code(), Status::Scheduled.code()]))
        .filter(measure_updates::effective_from.le(today))
        .into_boxed::<crate::db::MultiBackend>();
    if let Archived::Left = archived {
        q = q.filter(authorities::archived_at.is_null());
    }
    if let Some(ids) = authority_ids {
        q = q.filter(measure_updates::authority_id.eq_any(ids.to_vec()));
    }
    let found = q
        .order((
            measure_updates::authority_id,
            measure_updates::effective_from,
            measure_updates::decided_at,
            measure_updates::id,
        ))
        .select(Row::as_select())
        .load(conn)?;
    let mut latest: Vec<Update> = Vec::new();
    for u in rows(found, today)? {
        match latest.last_mut() {
            Some(last) if last.authority_id == u.authority_id => *last = u,
            _ => latest.push(u),
        }
    }
    latest.retain(|u| u.effective_until.is_none_or(|end| end >= today));
    for u in &mut latest {
        // Begun: it reads as in force although not yet settled.
        u.status = Status::Approved;
    }
    Ok(latest)
}

/// Moves with every change to any measure (a trigger keeps it).
pub fn generation(conn: &mut DbConnection) -> QueryResult<i64> {
    measures_state::table
        .select(measures_state::generation)
        .find(1)
        .first(conn)
}

/// Every measure in force, archived authorities' too, with the generation
/// they were read at (read first, so they are never older than it). Kept
/// beside the directory, which decides whose are shown: archiving or
/// restoring an authority then does not mean reading them all again.
pub fn all_in_force(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> Result<(i64, Vec<Update>), AppError> {
    conn.transaction(|conn| {
        let generation = generation(conn)?;
        Ok((generation, in_force_of(conn, None, today, Archived::Read)?))
    })
}

/// The id of the measure in force for one authority.
pub fn in_force_id(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    today: NaiveDate,
) -> Result<Option<Update>, AppError> {
    Ok(in_force(conn, Some(&[authority_id]), today)?.pop())
}

/// Approved updates that start later, oldest start first.
pub fn scheduled(
    conn: &mut DbConnection,
    authority_ids: &[AuthorityId],
    today: NaiveDate,
) -> Result<Vec<Update>, AppError> {
    let found = measure_updates::table
        .filter(measure_updates::status.eq(Status::Scheduled.code()))
        .filter(measure_updates::effective_from.gt(today))
        .filter(measure_updates::authority_id.eq_any(authority_ids.to_vec()))
        .order((measure_updates::effective_from, measure_updates::id))
        .select(Row::as_select())
        .load(conn)?;
    rows(found, today)
}

/// Who wrote each of these updates, as the secretariat names people.
pub fn authors(
    conn: &mut DbConnection,
    update_ids: &[UpdateId],
) -> QueryResult<HashMap<UpdateId, String>> {
    let found: Vec<(UpdateId, String, Option<String>)> = measure_updates::table
        .inner_join(users::table.on(measure_updates::created_by.eq(users::id.nullable())))
        .filter(measure_updates::id.eq_any(update_ids.to_vec()))
        .select((measure_updates::id, users::email, users::name))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|(id, email, name)| {
            let label = match name {
                Some(n) => format!("{n} <{email}>"),
                None => email,
            };
            (id, label)
        })
        .collect())
}

/// Several updates by id, in any order.
pub fn get_many(
    conn: &mut DbConnection,
    ids: &[UpdateId],
    today: NaiveDate,
) -> Result<Vec<Update>, AppError> {
    let found = measure_updates::table
        .filter(measure_updates::id.eq_any(ids.to_vec()))
        .select(Row::as_select())
        .load(conn)?;
    rows(found, today)
}

/// Is the authority in the directory (not archived)?
pub fn authority_is_live(conn: &mut DbConnection, authority_id: AuthorityId) -> QueryResult<bool> {
    let found: Option<Option<NaiveDateTime>> = authorities::table
        .find(authority_id)
        .select(authorities::archived_at)
        .first(conn)
        .optional()?;
    Ok(matches!(found, Some(None)))
}
