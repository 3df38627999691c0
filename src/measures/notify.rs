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
use crate::auth::users::recipients;
use crate::db::DbConnection;
use crate::db::schema::measure_updates;
use crate::directory::model;
use crate::mail::message::Template;
use crate::mail::{Outgoing, enqueue};

fn context(conn: &mut DbConnection, u: &Update, actor: &Actor) -> QueryResult<Value> {
    let authority = model::mail_label(conn, u.authority_id)?;
    let mut update = describe(u);
    update["status"] = json!(u.status.code());
    update["scheduled"] = json!(u.status == Status::Scheduled);
    update["ended"] = json!(u.status == Status::Expired);
    Ok(json!({
        "authority": authority,
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
    let to = recipients::admins(conn, actor.user_id)?;
    let context = context(conn, u, actor)?;
    queue(conn, Template::UpdateSubmitted, to, context.clone(), now)?;
    // A receipt for the person who submitted: what was recorded, and that
    // the secretariat will decide.
    if let Some(me) = actor.user_id {
        let mine = recipients::own(conn, me)?;
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
    let to = recipients::of_authority(conn, u.authority_id, author, actor.user_id)?;
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
