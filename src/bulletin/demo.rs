//! The demo's history of measures, subscribers and past bulletins, so that a
//! newcomer sees the measures page, the archive and the next bulletin filled
//! in. Deterministic (a seeded generator) and fictional: addresses are on
//! `.example` domains. The past is played forward: measures of about half of
//! the authorities are approved, then some are replaced, withdrawn or end,
//! and a bulletin is compiled after each step, as the schedule would have.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;

use super::schedule::Compiler;
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::db::schema::{authorities, bulletins, measure_updates, scheduler_state, subscriptions};
use crate::measures::Status;

/// How many past bulletins the demo has.
const PAST_BULLETINS: i64 = 3;

struct Maker {
    rng: ChaCha8Rng,
}

const REMARKS: [&str; 8] = [
    "Requests are accepted by email; originals follow by post within 30 days.",
    "Staff work remotely; hearings by videoconference can be arranged on request.",
    "Urgent requests only: other requests are registered and answered later.",
    "The office is open as usual; electronic copies are accepted in advance.",
    "Time limits under national law are suspended until further notice.",
    "Surrenders are postponed while flights are suspended; transfers resume next month.",
    "Requests in English or French are accepted without translation for urgent matters.",
    "Secure platform submissions are preferred; post is delayed.",
];

impl Maker {
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.random_range(0..from.len())]
    }

    /// One update's stated measures, varied.
    fn insert(
        &mut self,
        conn: &mut DbConnection,
        authority: (AuthorityId, &str),
        status: Status,
        from: NaiveDateTime,
        until: Option<NaiveDateTime>,
        decided: NaiveDateTime,
    ) -> QueryResult<UpdateId> {
        let (id, ref_) = authority;
        let electronic = self.pick(&["yes", "yes", "partly", "no"]);
        let address =
            (electronic != "no").then(|| format!("requests@{}.example", ref_.to_lowercase()));
        let values = (
            measure_updates::authority_id.eq(id),
            measure_updates::status.eq(status.code()),
            measure_updates::operations
                .eq(Some(self.pick(&["normal", "reduced", "remote", "reduced"]))),
            measure_updates::electronic_requests.eq(Some(electronic)),
            measure_updates::electronic_address.eq(address),
            measure_updates::originals_required.eq(Some(self.pick(&["no", "later", "yes"]))),
            measure_updates::video_hearings.eq(Some(self.pick(&["yes", "no", "yes"]))),
            measure_updates::surrenders.eq(Some(self.pick(&["yes", "partly", "no"]))),
            measure_updates::transfers.eq(Some(self.pick(&["yes", "partly", "no"]))),
            measure_updates::urgent_contact.eq(Some(format!(
                "Duty officer, +1 555 01{:02}",
                self.rng.random_range(0..100)
            ))),
            measure_updates::remarks.eq(Some(self.pick(&REMARKS))),
            measure_updates::language.eq(Some("en")),
            measure_updates::effective_from.eq(from.date()),
            measure_updates::effective_until.eq(until.map(|u| u.date())),
            (
                measure_updates::created_at.eq(decided - Duration::days(2)),
                measure_updates::submitted_at.eq(Some(decided - Duration::days(2))),
                measure_updates::decided_at.eq((status != Status::Submitted).then_some(decided)),
                measure_updates::updated_at.eq(decided),
            ),
        );
        crate::each_backend!(conn, c => diesel::insert_into(measure_updates::table)
            .values(values)
            .returning(measure_updates::id)
            .get_result(c))
    }
}

fn set_status(conn: &mut DbConnection, id: UpdateId, status: Status) -> QueryResult<()> {
    diesel::update(measure_updates::table.find(id))
        .set(measure_updates::status.eq(status.code()))
        .execute(conn)
        .map(|_| ())
}

/// Plays the demo's history into an empty database of measures; does
/// nothing when there are measures or bulletins already.
pub fn load(
    conn: &mut DbConnection,
    compiler: &Compiler,
    now: NaiveDateTime,
    seed: u64,
) -> anyhow::Result<usize> {
    let existing: i64 = measure_updates::table.count().get_result(conn)?;
    let bulletins_made: i64 = bulletins::table.count().get_result(conn)?;
    if existing > 0 || bulletins_made > 0 {
        return Ok(0);
    }
    let every = Duration::milliseconds(compiler.settings.every.as_millis() as i64);
    let last = compiler
        .settings
        .slot_at_or_before(now)
        .unwrap_or(now - every);
    let slots: Vec<NaiveDateTime> = (0..PAST_BULLETINS)
        .rev()
        .map(|k| last - every * k as i32)
        .collect();
    let mut list: Vec<(AuthorityId, String)> = authorities::table
        .filter(authorities::archived_at.is_null())
        .order(authorities::id)
        .select((authorities::id, authorities::ref_))
        .load(conn)?;
    let mut m = Maker {
        rng: ChaCha8Rng::seed_from_u64(seed),
    };
    list.shuffle(&mut m.rng);
    let half = list.len() / 2;
    let (with, without) = list.split_at(half);
    // Measures are dated by days, whatever the rhythm of the schedule.
    let day = Duration::days(1);
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<usize> {
        let mut current: Vec<(usize, UpdateId)> = Vec::new();
        let start = slots[0] - day * 40;
        // Before the first bulletin: most have a measure.
        for (i, (id, r)) in with.iter().enumerate().skip(with.len() / 10) {
            let u = m.insert(
                conn,
                (*id, r),
                Status::Approved,
                start + day * (i % 20) as i32,
                None,
                start,
            )?;
            current.push((i, u));
        }
        compiler.past(conn, slots[0])?;
        // Then some change their measure, some withdraw it, some begin.
        for (k, (i, old)) in current.iter_mut().enumerate() {
            let (id, r) = &with[*i];
            if k % 5 == 0 {
                set_status(conn, *old, Status::Superseded)?;
                *old = m.insert(
                    conn,
                    (*id, r),
                    Status::Approved,
                    slots[0] + day,
                    None,
                    slots[0] + day,
                )?;
            } else if k % 17 == 0 {
                set_status(conn, *old, Status::Withdrawn)?;
            }
        }
        for (i, (id, r)) in with.iter().enumerate().take(with.len() / 10) {
            let u = m.insert(
                conn,
                (*id, r),
                Status::Approved,
                slots[0] + day * 2,
                None,
                slots[0] + day * 2,
            )?;
            current.push((i, u));
        }
        if slots.len() > 1 {
            compiler.past(conn, slots[1])?;
        }
        // Some measures end; a few are replaced again.
        for (k, (i, old)) in current.iter_mut().enumerate() {
            let (id, r) = &with[*i];
            if k % 13 == 3 {
                set_status(conn, *old, Status::Expired)?;
                diesel::update(measure_updates::table.find(*old))
                    .set(measure_updates::effective_until.eq(Some((slots[1] - day).date())))
                    .execute(conn)?;
            } else if k % 7 == 1 {
                set_status(conn, *old, Status::Superseded)?;
                *old = m.insert(
                    conn,
                    (*id, r),
                    Status::Approved,
                    slots[1] + day,
                    None,
                    slots[1] + day,
                )?;
            }
        }
        if slots.len() > 2 {
            compiler.past(conn, slots[2])?;
        }
        // Waiting for the secretariat now.
        for (id, r) in without.iter().take(6) {
            m.insert(
                conn,
                (*id, r),
                Status::Submitted,
                now.date().and_hms_opt(0, 0, 0).unwrap_or(now),
                None,
                now,
            )?;
        }
        diesel::update(scheduler_state::table.find(1))
            .set(scheduler_state::last_slot_at.eq(Some(last)))
            .execute(conn)?;
        subscribers(conn, with, now)?;
        Ok(PAST_BULLETINS as usize)
    })
}

/// Authorities' desks (the edition with contacts) and members of the public
/// (the edition without), on `.example` addresses; a few still to confirm.
fn subscribers(
    conn: &mut DbConnection,
    authorities: &[(AuthorityId, String)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for (i, (id, r)) in authorities.iter().take(24).enumerate() {
        let email = format!("bulletin.desk@{}.example", r.to_lowercase());
        insert(
            conn,
            &email,
            Some(*id),
            Some("Bulletin desk"),
            "confirmed",
            now - Duration::days(90 - i as i64),
        )?;
    }
    let public = [
        "a.researcher",
        "newsroom",
        "legal.clinic",
        "m.ortega",
        "k.tanaka",
        "l.okafor",
        "policy.unit",
        "library",
        "s.haddad",
        "j.novak",
        "training.centre",
        "r.silva",
    ];
    for (i, who) in public.iter().enumerate() {
        let email = format!("{who}@public-reader.example");
        insert(
            conn,
            &email,
            None,
            None,
            "confirmed",
            now - Duration::days(60 - i as i64),
        )?;
    }
    for who in ["pending.one", "pending.two", "pending.three"] {
        insert(
            conn,
            &format!("{who}@public-reader.example"),
            None,
            None,
            "pending",
            now,
        )?;
    }
    Ok(())
}

fn insert(
    conn: &mut DbConnection,
    email: &str,
    authority_id: Option<AuthorityId>,
    name: Option<&str>,
    status: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(subscriptions::table)
        .values((
            subscriptions::email.eq(email),
            subscriptions::name.eq(name),
            subscriptions::authority_id.eq(authority_id),
            subscriptions::status.eq(status),
            subscriptions::source.eq("demo"),
            subscriptions::created_at.eq(at),
            subscriptions::confirmed_at.eq((status == "confirmed").then_some(at)),
            subscriptions::updated_at.eq(at),
        ))
        .execute(conn)
}
