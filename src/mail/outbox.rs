//! The outbox: every message is a row, written in the same transaction as the
//! event that causes it, and sent afterwards by the sender. A row is queued,
//! then sending (leased until a deadline), then sent, or retry (waiting for
//! its next attempt), or failed (refused for good, or out of attempts).
//! Failed rows stay, for the secretariat to see and send again.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use serde::Serialize;

use super::message::Template;
use crate::db::DbConnection;
use crate::db::ids::{MessageId, SubscriptionId};
use crate::db::schema::mail_outbox;

/// A message to send: which template, to whom, and the data it shows.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub template: Template,
    pub to: String,
    pub context: serde_json::Value,
}

/// A message is queued, sending (leased), retry (waiting), then sent or
/// failed; a bulletin's message to someone who unsubscribed meanwhile is
/// cancelled. Stored as [`MailStatus::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Queued,
    Sending,
    Retry,
    Sent,
    Failed,
    Cancelled,
}

impl MailStatus {
    pub const ALL: [MailStatus; 6] = [
        Self::Queued,
        Self::Sending,
        Self::Retry,
        Self::Sent,
        Self::Failed,
        Self::Cancelled,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Retry => "retry",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == raw)
            .ok_or_else(|| {
                let codes: Vec<&str> = Self::ALL.iter().map(|s| s.code()).collect();
                format!("{raw:?} is not one of {}", codes.join(", "))
            })
    }
}

impl utoipa::PartialSchema for MailStatus {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Self::ALL.map(Self::code)))
            .into()
    }
}

impl utoipa::ToSchema for MailStatus {}

/// Queues messages, due at `now`; they leave when the sender next looks (at
/// once when this instance is serving and is woken).
pub fn enqueue(
    conn: &mut DbConnection,
    messages: &[Outgoing],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for m in messages {
        // The part of the Message-ID left of the @; the sender adds the
        // sender's domain. Fixed here, so a message sent twice (a crash
        // between sending and recording it) carries the same id both times.
        let local = format!("cp.{:032x}", rand::rng().random::<u128>());
        diesel::insert_into(mail_outbox::table)
            .values((
                mail_outbox::template.eq(m.template.name()),
                mail_outbox::recipient.eq(&m.to),
                mail_outbox::context.eq(m.context.to_string()),
                mail_outbox::message_id.eq(local),
                mail_outbox::status.eq(MailStatus::Queued.code()),
                mail_outbox::attempts.eq(0),
                mail_outbox::next_attempt_at.eq(now),
                mail_outbox::created_at.eq(now),
                mail_outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A message taken by one sender, which alone may send it until its lease
/// ends.
#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = mail_outbox)]
pub struct Claimed {
    pub id: MessageId,
    pub template: String,
    pub recipient: String,
    pub context: String,
    pub message_id: String,
    /// Counting this one.
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    /// A bulletin's delivery: which bulletin, to which subscription.
    pub bulletin_id: Option<i64>,
    pub subscription_id: Option<SubscriptionId>,
}

/// Takes up to `limit` messages that are due at `now`, including those whose
/// sender stopped before finishing (its lease ran out). One statement, so
/// that two senders never take the same message: PostgreSQL skips rows
/// another has locked, SQLite runs one writer at a time.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
    lease: std::time::Duration,
) -> QueryResult<Vec<Claimed>> {
    use diesel::sql_types::{BigInt, Timestamp};
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let lock = match conn {
        DbConnection::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, \
         next_attempt_at = $1, updated_at = $2 \
         WHERE id IN (SELECT id FROM mail_outbox \
           WHERE status IN ('queued', 'retry', 'sending') AND next_attempt_at <= $2 \
           ORDER BY next_attempt_at, id LIMIT $3 {lock}) \
         RETURNING id, template, recipient, context, message_id, attempts, created_at, \
         bulletin_id, subscription_id"
    );
    let mut rows: Vec<Claimed> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

fn finish(
    conn: &mut DbConnection,
    id: MessageId,
    status: MailStatus,
    error: Option<&str>,
    next: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // Only the sender holding the message records its outcome.
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::status.eq(MailStatus::Sending.code())),
    )
    .set((
        mail_outbox::status.eq(status.code()),
        mail_outbox::last_error.eq(error),
        mail_outbox::next_attempt_at.eq(next.unwrap_or(now)),
        mail_outbox::sent_at.eq((status == MailStatus::Sent).then_some(now)),
        mail_outbox::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records many outcomes in one transaction: the messages sent in a few
/// statements, the others one by one (they are few).
pub(super) fn record(
    conn: &mut DbConnection,
    outcomes: &[(MessageId, super::sender::Verdict)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    use super::sender::Verdict;
    crate::db::write_transaction(conn, |conn| {
        let sent: Vec<MessageId> = outcomes
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Sent))
            .map(|(id, _)| *id)
            .collect();
        for part in sent.chunks(500) {
            diesel::update(
                mail_outbox::table
                    .filter(mail_outbox::id.eq_any(part))
                    .filter(mail_outbox::status.eq(MailStatus::Sending.code())),
            )
            .set((
                mail_outbox::status.eq(MailStatus::Sent.code()),
                mail_outbox::last_error.eq(None::<String>),
                mail_outbox::next_attempt_at.eq(now),
                mail_outbox::sent_at.eq(Some(now)),
                mail_outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        }
        for (id, v) in outcomes {
            match v {
                Verdict::Sent => {}
                Verdict::Retry(error, next) => mark_retry(conn, *id, error, *next, now)?,
                Verdict::Failed(error) => mark_failed(conn, *id, error, now)?,
            }
        }
        Ok(())
    })
}

pub fn mark_retry(
    conn: &mut DbConnection,
    id: MessageId,
    error: &str,
    next: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    finish(conn, id, MailStatus::Retry, Some(error), Some(next), now)
}

pub fn mark_failed(
    conn: &mut DbConnection,
    id: MessageId,
    error: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    finish(conn, id, MailStatus::Failed, Some(error), None, now)
}

/// Which of these messages were cancelled.
pub fn cancelled(conn: &mut DbConnection, ids: &[MessageId]) -> QueryResult<Vec<MessageId>> {
    mail_outbox::table
        .filter(mail_outbox::id.eq_any(ids))
        .filter(mail_outbox::status.eq(MailStatus::Cancelled.code()))
        .select(mail_outbox::id)
        .load(conn)
}

/// A message as the secretariat sees it.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = mail_outbox)]
#[schema(as = MailMessage)]
pub struct Entry {
    pub id: MessageId,
    pub template: String,
    pub recipient: String,
    #[schema(value_type = MailStatus)]
    pub status: String,
    pub attempts: i32,
    #[schema(value_type = crate::domain::Timestamp)]
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    #[schema(value_type = crate::domain::Timestamp)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub sent_at: Option<NaiveDateTime>,
    #[serde(skip_serializing)]
    pub context: String,
}

impl Entry {
    /// What the message is about, as the secretariat names it: the
    /// authority with its ref and State, and who caused the message.
    pub fn about(&self) -> Option<String> {
        /// The part of a stored context that names its authority.
        #[derive(serde::Deserialize)]
        struct Named {
            authority: Authority,
            by: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Authority {
            #[serde(rename = "ref")]
            ref_: String,
            name: String,
            #[serde(default)]
            country_name: String,
        }
        let Named { authority: a, by } = serde_json::from_str(&self.context).ok()?;
        let mut about = format!("{} {} ({})", a.ref_, a.name, a.country_name);
        if let Some(by) = by {
            about.push_str(&format!(" · by {by}"));
        }
        Some(about)
    }
}

/// Messages with these statuses (all when empty), newest first.
pub fn list(
    conn: &mut DbConnection,
    statuses: &[MailStatus],
    limit: i64,
    offset: i64,
) -> QueryResult<(i64, Vec<Entry>)> {
    let build = || {
        let mut q = mail_outbox::table.into_boxed::<crate::db::MultiBackend>();
        if !statuses.is_empty() {
            q = q.filter(mail_outbox::status.eq_any(statuses.iter().map(|s| s.code())));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let items = build()
        .order(mail_outbox::id.desc())
        .limit(limit)
        .offset(offset)
        .select(Entry::as_select())
        .load(conn)?;
    Ok((total, items))
}

/// How many messages are in each status, in the order of [`MailStatus::ALL`].
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(MailStatus, i64)>> {
    let found: Vec<(String, i64)> = mail_outbox::table
        .group_by(mail_outbox::status)
        .select((mail_outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(MailStatus::ALL
        .into_iter()
        .map(|s| {
            let n = found
                .iter()
                .find(|(f, _)| f == s.code())
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect())
}

/// Puts a failed message back in the queue with its attempts counted from
/// zero, due at `now`; false when it was not failed.
pub fn send_again(conn: &mut DbConnection, id: MessageId, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(id))
            .filter(mail_outbox::status.eq(MailStatus::Failed.code())),
    )
    .set((
        mail_outbox::status.eq(MailStatus::Queued.code()),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(now),
        mail_outbox::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn get(conn: &mut DbConnection, id: MessageId) -> QueryResult<Option<Entry>> {
    mail_outbox::table
        .find(id)
        .select(Entry::as_select())
        .first(conn)
        .optional()
}
