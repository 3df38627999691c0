//! Who hears of a measure update, and what they are told: the secretariat
//! when one is submitted, the authority's focal points when one is decided.
//! The messages are queued in the transaction that makes the change, so a
//! decision is never recorded without its mail, nor mail sent for a change
//! that was rolled back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use serde::Serialize;

use super::{Described, Status, Update, describe};
use crate::audit::Actor;
use crate::auth::users::recipients;
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::schema::measure_updates;
use crate::directory::model;
use crate::mail::message::Template;
use crate::mail::{Outgoing, enqueue};

/// What the mail about an update says.
#[derive(Serialize)]
struct UpdateMail<'a> {
    authority: model::MailLabel,
    update: MailedUpdate,
    reason: Option<&'a str>,
    by: &'a str,
}

#[derive(Serialize)]
struct MailedUpdate {
    #[serde(flatten)]
    described: Described,
    status: &'static str,
    scheduled: bool,
    ended: bool,
}

fn context(conn: &mut DbConnection, u: &Update, actor: &Actor) -> QueryResult<Value> {
    let view = UpdateMail {
        authority: model::mail_label(conn, u.authority_id)?,
        update: MailedUpdate {
            described: describe(u),
            status: u.status.code(),
            scheduled: u.status == Status::Scheduled,
            ended: u.status == Status::Expired,
        },
        reason: u.rejection_reason.as_deref(),
        by: &actor.label,
    };
    Ok(serde_json::to_value(view).expect("a mail context always serialises"))
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
    let author: Option<UserId> = measure_updates::table
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
