//! Who hears of a measure update, and what they are told: the secretariat
//! when one is submitted, the authority's focal points when one is decided.
//! The messages are queued in the transaction that makes the change, so a
//! decision is never recorded without its mail, nor mail sent for a change
//! that was rolled back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use super::{Status, Update, describe};
use crate::audit::Actor;
use crate::auth::Role;
use crate::db::DbConnection;
use crate::db::schema::{authorities, measure_updates, users};
use crate::domain::states;
use crate::mail::message::Template;
use crate::mail::{Outgoing, enqueue};

fn context(conn: &mut DbConnection, u: &Update, actor: &Actor) -> QueryResult<Value> {
    let (ref_, name, country): (String, String, String) = authorities::table
        .find(u.authority_id)
        .select((
            authorities::ref_,
            authorities::name,
            authorities::country_code,
        ))
        .first(conn)?;
    let country_name = states::find(&country).map_or(country.clone(), |s| s.name.clone());
    let mut update = describe(u);
    update["status"] = json!(u.status.code());
    update["scheduled"] = json!(u.status == Status::Scheduled);
    update["ended"] = json!(u.status == Status::Expired);
    Ok(json!({
        "authority": {"id": u.authority_id, "ref": ref_, "name": name, "country_name": country_name},
        "update": update,
        "reason": u.rejection_reason,
        "by": actor.label,
    }))
}

/// To every active admin but the one who submitted.
pub fn submitted(
    conn: &mut DbConnection,
    u: &Update,
    actor: &Actor,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let mut q = users::table
        .filter(users::role.eq(Role::Admin.code()))
        .filter(users::disabled_at.is_null())
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(me) = actor.user_id {
        q = q.filter(users::id.ne(me));
    }
    let to: Vec<String> = q.select(users::email).order(users::id).load(conn)?;
    let context = context(conn, u, actor)?;
    queue(conn, Template::UpdateSubmitted, to, context.clone(), now)?;
    // A receipt for the person who submitted: what was recorded, and that
    // the secretariat will decide.
    if let Some(me) = actor.user_id {
        let mine: Vec<String> = users::table
            .filter(users::id.eq(me))
            .filter(users::disabled_at.is_null())
            .select(users::email)
            .load(conn)?;
        queue(conn, Template::UpdateReceived, mine, context, now)?;
    }
    Ok(())
}

/// To the authority's active focal points and whoever wrote the update,
/// except the person deciding.
pub fn decided(
    conn: &mut DbConnection,
    u: &Update,
    actor: &Actor,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let template = match u.status {
        Status::Approved | Status::Scheduled | Status::Expired => Template::UpdateApproved,
        Status::Rejected => Template::UpdateRejected,
        _ => return Ok(()),
    };
    let author: Option<i64> = measure_updates::table
        .find(u.id)
        .select(measure_updates::created_by)
        .first(conn)?;
    let mut q = users::table
        .filter(users::disabled_at.is_null())
        .filter(
            users::role
                .eq(Role::FocalPoint.code())
                .and(users::authority_id.eq(u.authority_id))
                .or(users::id.eq_any(author.into_iter().collect::<Vec<_>>())),
        )
        .into_boxed::<crate::db::MultiBackend>();
    if let Some(me) = actor.user_id {
        q = q.filter(users::id.ne(me));
    }
    let to: Vec<String> = q.select(users::email).order(users::id).load(conn)?;
    let context = context(conn, u, actor)?;
    queue(conn, template, to, context, now)
}

fn queue(
    conn: &mut DbConnection,
    template: Template,
    to: Vec<String>,
    context: Value,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let messages: Vec<Outgoing> = to
        .into_iter()
        .map(|to| Outgoing {
            template,
            to,
            context: context.clone(),
        })
        .collect();
    enqueue(conn, &messages, now)
}
