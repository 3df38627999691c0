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
    // One write a minute at most, not one per request.
    if now - last_seen > chrono::Duration::seconds(60) {
        diesel::update(sessions::table.find(&hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(Session { user, csrf_token }))
}

pub fn end(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(hash_secret(id))).execute(conn)
}
