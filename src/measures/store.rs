//! Measure updates in the database, and their life cycle: draft, submitted,
//! approved or rejected, superseded, withdrawn. Each decision is one
//! transaction that also records it in the authority's history.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::input::Checked;
use super::notify;
use super::{Operations, Originals, Status, Update, YesNo, YesNoPartly, effective_status};
use crate::db::DbConnection;
use crate::db::schema::{authorities, measure_updates};
use crate::directory::edit::history::{self, Actor, FieldChange, NewChange};
use crate::error::{AppError, FieldError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = measure_updates)]
struct Row {
    id: i64,
    authority_id: i64,
    status: String,
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

impl Row {
    fn update(self, today: NaiveDate) -> Update {
        fn code<T>(v: Option<String>, parse: fn(&str) -> Result<T, String>) -> Option<T> {
            v.and_then(|s| parse(&s).ok())
        }
        let stored = Status::parse(&self.status).unwrap_or(Status::Draft);
        Update {
            id: self.id,
            authority_id: self.authority_id,
            status: effective_status(stored, self.effective_until, today),
            operations: code(self.operations, Operations::parse),
            electronic_requests: code(self.electronic_requests, YesNoPartly::parse),
            electronic_address: self.electronic_address,
            originals_required: code(self.originals_required, Originals::parse),
            time_limits: self.time_limits,
            video_hearings: code(self.video_hearings, YesNo::parse),
            surrenders: code(self.surrenders, YesNoPartly::parse),
            transfers: code(self.transfers, YesNoPartly::parse),
            urgent_contact: self.urgent_contact,
            remarks: self.remarks,
            language: self.language,
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            rejection_reason: self.rejection_reason,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
            updated_at: self.updated_at,
        }
    }
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Saves an update, as a draft or submitted for review; returns its id.
pub fn create(
    conn: &mut DbConnection,
    authority_id: i64,
    c: &Checked,
    draft: bool,
    actor: &Actor,
) -> Result<i64, AppError> {
    let now = Utc::now().naive_utc();
    let status = if draft {
        Status::Draft
    } else {
        Status::Submitted
    };
    let values = (
        measure_updates::authority_id.eq(authority_id),
        measure_updates::status.eq(status.code()),
        measure_updates::operations.eq(c.operations.map(|v| v.code())),
        measure_updates::electronic_requests.eq(c.electronic_requests.map(|v| v.code())),
        measure_updates::electronic_address.eq(&c.electronic_address),
        measure_updates::originals_required.eq(c.originals_required.map(|v| v.code())),
        measure_updates::time_limits.eq(&c.time_limits),
        measure_updates::video_hearings.eq(c.video_hearings.map(|v| v.code())),
        measure_updates::surrenders.eq(c.surrenders.map(|v| v.code())),
        measure_updates::transfers.eq(c.transfers.map(|v| v.code())),
        measure_updates::urgent_contact.eq(&c.urgent_contact),
        measure_updates::remarks.eq(&c.remarks),
        measure_updates::language.eq(&c.language),
        measure_updates::effective_from.eq(c.effective_from),
        measure_updates::effective_until.eq(c.effective_until),
        measure_updates::created_by.eq(actor.user_id),
        measure_updates::created_at.eq(now),
        measure_updates::submitted_at.eq((!draft).then_some(now)),
        measure_updates::updated_at.eq(now),
    );
    crate::db::write_transaction(conn, |conn| {
        let id: i64 = crate::each_backend!(conn, x => diesel::insert_into(measure_updates::table)
            .values(values)
            .returning(measure_updates::id)
            .get_result(x)?);
        if !draft {
            let submitted = get(conn, id)?;
            notify::submitted(conn, &submitted, actor)?;
        }
        Ok(id)
    })
}

pub fn get(conn: &mut DbConnection, id: i64) -> Result<Update, AppError> {
    measure_updates::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.update(today()))
        .ok_or_else(|| AppError::not_found(format!("no update with id {id}")))
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub statuses: Option<Vec<Status>>,
    pub authority_id: Option<i64>,
    pub country: Option<String>,
    /// Drafts and undecided updates are shown only to their authority's
    /// focal point (this id) and to admins (`None` with `all`).
    pub own_authority: Option<i64>,
    pub all: bool,
}

/// Updates, newest first, that the reader may see.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> QueryResult<(i64, Vec<Update>)> {
    let day = today();
    let public = [Status::Approved, Status::Superseded].map(|s| s.code());
    let build = || {
        let mut q = measure_updates::table
            .inner_join(authorities::table)
            .into_boxed::<crate::db::MultiBackend>();
        if !f.all {
            q = match f.own_authority {
                Some(own) => q.filter(
                    measure_updates::status
                        .eq_any(public)
                        .or(measure_updates::authority_id.eq(own)),
                ),
                None => q.filter(measure_updates::status.eq_any(public)),
            };
        }
        if let Some(a) = f.authority_id {
            q = q.filter(measure_updates::authority_id.eq(a));
        }
        if let Some(c) = &f.country {
            q = q.filter(authorities::country_code.eq(c.clone()));
        }
        q
    };
    // Expired is a reading of approved; filter on the stored status, then
    // on the status as read.
    let mut rows: Vec<Update> = build()
        .order(measure_updates::id.desc())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| r.update(day))
        .collect();
    if let Some(wanted) = &f.statuses {
        rows.retain(|u| wanted.contains(&u.status));
    }
    let total = rows.len() as i64;
    let page = rows
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok((total, page))
}

/// The measures in force today, for some authorities or all.
pub fn in_force(
    conn: &mut DbConnection,
    authority_ids: Option<&[i64]>,
) -> QueryResult<Vec<Update>> {
    let day = today();
    let mut q = measure_updates::table
        .filter(measure_updates::status.eq(Status::Approved.code()))
        .filter(measure_updates::effective_from.le(day))
        .filter(
            measure_updates::effective_until
                .is_null()
                .or(measure_updates::effective_until.ge(day)),
        )
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(ids) = authority_ids {
        q = q.filter(measure_updates::authority_id.eq_any(ids.to_vec()));
    }
    Ok(q.order(measure_updates::authority_id)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| r.update(day))
        .collect())
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

fn set_status(
    conn: &mut DbConnection,
    id: i64,
    from: Status,
    to: Status,
    extra: Option<(&Actor, Option<&str>)>,
) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    // The old status in the WHERE clause: two reviewers cannot both decide.
    let target = measure_updates::table
        .filter(measure_updates::id.eq(id))
        .filter(measure_updates::status.eq(from.code()));
    let n = match (to, extra) {
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
        return Err(wrong_state(&get(conn, id)?, "changed now"));
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    u: &Update,
    actor: &Actor,
    action: &str,
    fields: Vec<FieldChange>,
) -> QueryResult<()> {
    history::record(
        conn,
        &[NewChange::new(
            u.authority_id,
            actor,
            action,
            &fields,
            Utc::now().naive_utc(),
        )],
    )
}

pub fn submit(conn: &mut DbConnection, id: i64, actor: &Actor) -> Result<Update, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let u = get(conn, id)?;
        if u.status != Status::Draft {
            return Err(wrong_state(&u, "submitted"));
        }
        set_status(conn, id, Status::Draft, Status::Submitted, None)?;
        let u = get(conn, id)?;
        notify::submitted(conn, &u, actor)?;
        Ok(u)
    })
}

/// Makes a submitted update the authority's measure in force; the one in
/// force before is superseded.
pub fn approve(
    conn: &mut DbConnection,
    id: i64,
    actor: &Actor,
) -> Result<(Update, Option<i64>), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let u = get(conn, id)?;
        if u.status != Status::Submitted {
            return Err(wrong_state(&u, "approved"));
        }
        let previous: Option<i64> = measure_updates::table
            .filter(measure_updates::authority_id.eq(u.authority_id))
            .filter(measure_updates::status.eq(Status::Approved.code()))
            .select(measure_updates::id)
            .first(conn)
            .optional()?;
        if let Some(p) = previous {
            set_status(conn, p, Status::Approved, Status::Superseded, None)?;
        }
        set_status(
            conn,
            id,
            Status::Submitted,
            Status::Approved,
            Some((actor, None)),
        )?;
        record(
            conn,
            &u,
            actor,
            "approve update",
            vec![FieldChange {
                field: "measures in force".into(),
                old: previous.map(|p| format!("update {p}")),
                new: Some(format!("update {id}")),
            }],
        )?;
        let approved = get(conn, id)?;
        notify::decided(conn, &approved, actor)?;
        Ok((approved, previous))
    })
}

pub fn reject(
    conn: &mut DbConnection,
    id: i64,
    actor: &Actor,
    reason: &str,
) -> Result<Update, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "reason",
            "is required: say why, for the focal point",
        )]));
    }
    if reason.chars().count() > 2000 {
        return Err(AppError::Invalid(vec![FieldError::new(
            "reason",
            "is longer than 2000 characters",
        )]));
    }
    crate::db::write_transaction(conn, |conn| {
        let u = get(conn, id)?;
        if u.status != Status::Submitted {
            return Err(wrong_state(&u, "rejected"));
        }
        set_status(
            conn,
            id,
            Status::Submitted,
            Status::Rejected,
            Some((actor, Some(reason))),
        )?;
        record(
            conn,
            &u,
            actor,
            "reject update",
            vec![FieldChange {
                field: format!("update {id}"),
                old: Some("submitted".into()),
                new: Some(format!("rejected: {reason}")),
            }],
        )?;
        let rejected = get(conn, id)?;
        notify::decided(conn, &rejected, actor)?;
        Ok(rejected)
    })
}

/// Takes back a draft, a submission or a measure in force.
pub fn withdraw(conn: &mut DbConnection, id: i64, actor: &Actor) -> Result<Update, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let u = get(conn, id)?;
        let from = match u.status {
            s @ (Status::Draft | Status::Submitted | Status::Approved) => s,
            _ => return Err(wrong_state(&u, "withdrawn")),
        };
        set_status(conn, id, from, Status::Withdrawn, None)?;
        if from == Status::Approved {
            record(
                conn,
                &u,
                actor,
                "withdraw update",
                vec![FieldChange {
                    field: "measures in force".into(),
                    old: Some(format!("update {id}")),
                    new: None,
                }],
            )?;
        }
        get(conn, id)
    })
}
