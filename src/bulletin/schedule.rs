//! When bulletins are made. The slots are `first_issue_at + k × every`; the
//! database remembers the last slot taken and is advanced by compare-and-set,
//! in the same transaction that compiles the bulletin and queues its
//! deliveries: a slot is compiled once whatever the number of instances and
//! checks, a crash before the commit leaves it for the next check, and a
//! slot missed while the service was down is compiled once, the rhythm
//! continuing from the schedule.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Timestamp;
use serde::Serialize;

use super::compile::{self, Compiled, Out, Summary};
use super::parts::{PART, Sink, Stored};
use crate::config::BulletinSettings;
use crate::db::DbConnection;
use crate::db::schema::{bulletins, mail_outbox, scheduler_state, subscriptions};
use crate::error::AppError;
use crate::mail::message::Templates;

/// What a check or a "send now" did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Compiled, stored and queued to this many subscriptions.
    Compiled {
        bulletin_id: i64,
        number: i32,
        deliveries: usize,
    },
    /// The slot had nothing new; recorded, nothing sent.
    Skipped { slot: NaiveDateTime },
    /// No slot is due, or another instance took it.
    NotDue,
}

/// What compiling needs besides the database.
pub struct Compiler<'a> {
    pub settings: &'a BulletinSettings,
    pub templates: &'a Templates,
    pub base_url: &'a str,
}

impl Compiler<'_> {
    fn first_period_start(&self, slot: NaiveDateTime) -> NaiveDateTime {
        slot - chrono::Duration::milliseconds(self.settings.every.as_millis() as i64)
    }

    /// The next bulletin as it would be compiled at `now`, its full edition
    /// handed to `sink`: nothing stored.
    pub fn preview(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
        sink: &mut dyn Sink,
    ) -> Result<Compiled, AppError> {
        let number = next_number(conn)?;
        let out = Out {
            sink,
            public: false,
            unless_empty: false,
            part: PART,
        };
        compile::compile(
            conn,
            self.templates,
            number,
            now,
            now,
            self.first_period_start(now),
            self.base_url,
            out,
        )
    }

    /// Compiles the slot that is due at `now`, if no one has.
    pub fn run_due(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<Outcome, AppError> {
        let Some(slot) = self.settings.slot_at_or_before(now) else {
            return Ok(Outcome::NotDue);
        };
        crate::db::write_transaction(conn, |conn| {
            lock(conn, now)?;
            let taken = diesel::update(
                scheduler_state::table
                    .filter(scheduler_state::id.eq(1))
                    .filter(
                        scheduler_state::last_slot_at
                            .is_null()
                            .or(scheduler_state::last_slot_at.lt(slot)),
                    ),
            )
            .set(scheduler_state::last_slot_at.eq(Some(slot)))
            .execute(conn)?;
            if taken == 0 {
                return Ok(Outcome::NotDue);
            }
            self.produce(
                conn,
                slot,
                "schedule",
                self.settings.skip_when_empty,
                now,
                true,
            )
        })
    }

    /// A bulletin for now, outside the schedule, sent even if nothing is new.
    pub fn send_now(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
        cause: &str,
    ) -> Result<Outcome, AppError> {
        crate::db::write_transaction(conn, |conn| {
            lock(conn, now)?;
            self.produce(conn, now, cause, false, now, true)
        })
    }

    /// A bulletin of the past, as it was sent then (for the demo's
    /// history): stored in the archive, delivered to nobody now.
    pub fn past(&self, conn: &mut DbConnection, slot: NaiveDateTime) -> Result<Outcome, AppError> {
        crate::db::write_transaction(conn, |conn| {
            lock(conn, slot)?;
            self.produce(conn, slot, "demo", false, slot, false)
        })
    }

    /// Compiles, stores and queues the bulletin of `slot`; call inside a
    /// transaction holding the scheduler's lock.
    fn produce(
        &self,
        conn: &mut DbConnection,
        slot: NaiveDateTime,
        cause: &str,
        skip_when_empty: bool,
        now: NaiveDateTime,
        deliver: bool,
    ) -> Result<Outcome, AppError> {
        // A bulletin of a large directory is compiled from all its measures
        // at once: what that took goes back to the system.
        let _give_back = crate::memory::GiveBack;
        let at = now.max(slot);
        crate::measures::lifecycle::settle_due(conn, at)?;
        let number = next_number(conn)?;
        // The row first: the editions are stored in parts under its id as
        // they are rendered, and it is completed once they are. All of it
        // is one transaction.
        let bulletin_id: i64 = crate::each_backend!(conn, x => diesel::insert_into(bulletins::table)
            .values((
                bulletins::number.eq(Some(number)),
                bulletins::slot_at.eq(slot),
                bulletins::status.eq("sent"),
                bulletins::cause.eq(cause),
                bulletins::compiled_at.eq(now),
                bulletins::subject.eq(""),
                bulletins::summary.eq(""),
                bulletins::entries.eq(""),
            ))
            .returning(bulletins::id)
            .get_result(x)?);
        let c = compile::compile(
            conn,
            self.templates,
            number,
            slot,
            at,
            self.first_period_start(slot),
            self.base_url,
            Out {
                sink: &mut Stored::new(bulletin_id),
                public: true,
                unless_empty: skip_when_empty,
                part: PART,
            },
        )?;
        let skipped = !c.rendered;
        let summary = serde_json::to_string(&c.summary).unwrap_or_default();
        let entries = serde_json::to_string(&c.entries).unwrap_or_default();
        diesel::update(bulletins::table.find(bulletin_id))
            .set((
                bulletins::number.eq((!skipped).then_some(number)),
                bulletins::status.eq(if skipped { "skipped" } else { "sent" }),
                bulletins::since.eq(c.since),
                bulletins::subject.eq(&c.subject),
                bulletins::summary.eq(summary),
                bulletins::entries.eq(entries),
            ))
            .execute(conn)?;
        if skipped {
            tracing::info!(%slot, "bulletin slot skipped: nothing new");
            return Ok(Outcome::Skipped { slot });
        }
        let deliveries = if deliver {
            queue_deliveries(conn, bulletin_id, now)?
        } else {
            0
        };
        tracing::info!(number, deliveries, %slot, "bulletin compiled");
        Ok(Outcome::Compiled {
            bulletin_id,
            number,
            deliveries,
        })
    }
}

/// Takes the scheduler's row for the transaction (PostgreSQL locks it;
/// SQLite has one writer), so that compiling is done by one at a time.
fn lock(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(scheduler_state::table.filter(scheduler_state::id.eq(1)))
        .set(scheduler_state::last_check_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

fn next_number(conn: &mut DbConnection) -> QueryResult<i32> {
    let max: Option<i32> = bulletins::table
        .select(diesel::dsl::max(bulletins::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// One outbox row per confirmed subscription, in one statement, holding no
/// body: the edition (with contacts for an authority's address or an
/// official's, without for anyone else) and the ids that make its
/// Message-ID and unsubscribe link.
fn queue_deliveries(
    conn: &mut DbConnection,
    bulletin_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let sql = format!(
        "INSERT INTO mail_outbox (template, recipient, context, message_id, status, attempts, \
           next_attempt_at, created_at, updated_at, bulletin_id, subscription_id) \
         SELECT '{template}', s.email, \
           CASE WHEN s.authority_id IS NOT NULL OR EXISTS \
             (SELECT 1 FROM users u WHERE u.email = s.email AND u.disabled_at IS NULL) \
           THEN '{{\"edition\":\"full\"}}' ELSE '{{\"edition\":\"public\"}}' END, \
           'cp.b{bulletin_id}.s' || CAST(s.id AS TEXT), '{queued}', 0, $1, $1, $1, {bulletin_id}, s.id \
         FROM subscriptions s WHERE s.status = '{confirmed}'",
        template = crate::mail::message::Template::Bulletin.name(),
        queued = crate::mail::outbox::MailStatus::Queued.code(),
        confirmed = super::subscriptions::SubscriptionStatus::Confirmed.code(),
    );
    diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .execute(conn)
}

/// The schedule and the last bulletin's deliveries, for `bulletin status`
/// and the secretariat's page.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub last_slot_at: Option<NaiveDateTime>,
    pub next_slot_at: NaiveDateTime,
    pub last_check_at: Option<NaiveDateTime>,
    pub every: String,
    pub last: Option<LastBulletin>,
    pub subscriptions: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastBulletin {
    pub number: i32,
    pub slot_at: NaiveDateTime,
    pub subject: String,
    pub summary: Summary,
    /// Deliveries by outbox status.
    pub deliveries: Vec<(String, i64)>,
}

pub fn status(
    conn: &mut DbConnection,
    settings: &BulletinSettings,
    now: NaiveDateTime,
) -> Result<Status, AppError> {
    let (last_slot_at, last_check_at): (Option<NaiveDateTime>, Option<NaiveDateTime>) =
        scheduler_state::table
            .find(1)
            .select((
                scheduler_state::last_slot_at,
                scheduler_state::last_check_at,
            ))
            .first(conn)?;
    let last: Option<(i64, Option<i32>, NaiveDateTime, String, String)> = bulletins::table
        .filter(bulletins::number.is_not_null())
        .order(bulletins::number.desc())
        .select((
            bulletins::id,
            bulletins::number,
            bulletins::slot_at,
            bulletins::subject,
            bulletins::summary,
        ))
        .first(conn)
        .optional()?;
    let last = match last {
        Some((id, number, slot_at, subject, summary)) => {
            let deliveries: Vec<(String, i64)> = mail_outbox::table
                .filter(mail_outbox::bulletin_id.eq(id))
                .group_by(mail_outbox::status)
                .select((mail_outbox::status, diesel::dsl::count_star()))
                .load(conn)?;
            Some(LastBulletin {
                number: number.unwrap_or_default(),
                slot_at,
                subject,
                summary: serde_json::from_str(&summary).unwrap_or_default(),
                deliveries,
            })
        }
        None => None,
    };
    let subscriptions: i64 = subscriptions::table
        .filter(subscriptions::status.eq("confirmed"))
        .count()
        .get_result(conn)?;
    let next = settings.slot_after(now);
    Ok(Status {
        last_slot_at,
        next_slot_at: match last_slot_at {
            // A due slot not yet taken is the next.
            Some(l) if settings.slot_at_or_before(now).is_some_and(|s| s > l) => {
                settings.slot_at_or_before(now).unwrap_or(next)
            }
            None => settings.slot_at_or_before(now).unwrap_or(next),
            _ => next,
        },
        last_check_at,
        every: humantime::format_duration(settings.every).to_string(),
        last,
        subscriptions,
    })
}
