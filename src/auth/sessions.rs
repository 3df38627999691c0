//! Cookie sessions for people. The cookie holds a random id; the database
//! holds its hash, the account and the form token (CSRF) of the session.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{User, hash_secret, random_secret, users};
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::schema::sessions;

/// A session found by its cookie.
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

/// Starts a session; returns the id for the cookie and the session's form
/// token. A new id at every sign-in, so an id planted before sign-in is
/// worth nothing after it.
pub fn start(
    conn: &mut DbConnection,
    user_id: UserId,
    now: NaiveDateTime,
) -> QueryResult<(String, String)> {
    let (id, csrf) = (random_secret(), random_secret());
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(hash_secret(&id)),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(&csrf),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok((id, csrf))
}

/// The live session of a cookie id, or nothing when it is unknown, idle for
/// longer than `idle` at `now`, or its account is disabled.
pub fn resume(
    conn: &mut DbConnection,
    id: &str,
    idle: Duration,
    now: NaiveDateTime,
) -> QueryResult<Option<Session>> {
    let hash = hash_secret(id);
    let found: Option<(UserId, String, NaiveDateTime)> = sessions::table
        .find(&hash)
        .select((
            sessions::user_id,
            sessions::csrf_token,
            sessions::last_seen_at,
        ))
        .first(conn)
        .optional()?;
    let Some((user_id, csrf_token, last_seen)) = found else {
        return Ok(None);
    };
    let idle = chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::MAX);
    if now - last_seen > idle {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(None);
    }
    let Some(user) = users::active(conn, user_id)? else {
        return Ok(None);
    };
    if now - last_seen > last_seen_precision(idle) {
        diesel::update(sessions::table.find(&hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(Session { user, csrf_token }))
}

/// How stale `last_seen_at` may be before a request writes it again: at
/// most a minute, not a write per request, but a tenth of the idle limit
/// when that is shorter. A stale time makes a session look idler than it
/// is, so a fixed minute would end every session under a shorter limit
/// however active; a tenth keeps anyone who comes back within 90% of it.
fn last_seen_precision(idle: chrono::Duration) -> chrono::Duration {
    (idle / 10).min(chrono::Duration::seconds(60))
}

pub fn end(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(hash_secret(id))).execute(conn)
}

#[cfg(test)]
mod tests {
    use super::last_seen_precision;
    use chrono::Duration;

    #[test]
    fn last_use_is_kept_to_a_tenth_of_the_idle_limit_or_a_minute() {
        assert_eq!(
            last_seen_precision(Duration::hours(8)),
            Duration::seconds(60)
        );
        assert_eq!(
            last_seen_precision(Duration::minutes(10)),
            Duration::seconds(60)
        );
        assert_eq!(
            last_seen_precision(Duration::seconds(30)),
            Duration::seconds(3)
        );
        assert_eq!(last_seen_precision(Duration::zero()), Duration::zero());
    }
}
