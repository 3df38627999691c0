//! Bearer tokens for programs: shown once when issued, stored hashed, listed
//! by a short prefix, revocable.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{User, hash_secret, random_secret, users};
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::schema::{api_tokens, users as users_table};
use crate::error::{AppError, FieldError};

const PREFIX: &str = "cpt_";

#[derive(Debug, Serialize, Queryable)]
pub struct TokenInfo {
    pub id: i64,
    pub email: String,
    pub label: Option<String>,
    pub prefix: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Issues a token for an account and returns it; it cannot be shown again.
pub fn issue(
    conn: &mut DbConnection,
    user_id: UserId,
    label: Option<&str>,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let label = label.map(str::trim).filter(|l| !l.is_empty());
    if let Some(Err(m)) = label.map(|l| crate::domain::typed::line(l, 100)) {
        return Err(AppError::Invalid(vec![FieldError::new("label", m)]));
    }
    let token = format!("{PREFIX}{}", random_secret());
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::label.eq(label),
            api_tokens::token_hash.eq(hash_secret(&token)),
            api_tokens::prefix.eq(&token[..PREFIX.len() + 8]),
            api_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The account a token acts for, if the token is live.
pub fn authenticate(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let found: Option<(i64, UserId, Option<NaiveDateTime>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash_secret(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::user_id,
            api_tokens::last_used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user_id, last_used)) = found else {
        return Ok(None);
    };
    if last_used.is_none_or(|t| now - t > chrono::Duration::seconds(60)) {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
    }
    users::active(conn, user_id)
}

/// Tokens, newest first; of one account when `user_id` is given.
pub fn list(conn: &mut DbConnection, user_id: Option<UserId>) -> QueryResult<Vec<TokenInfo>> {
    let mut query = api_tokens::table
        .inner_join(users_table::table)
        .select((
            api_tokens::id,
            users_table::email,
            api_tokens::label,
            api_tokens::prefix,
            api_tokens::created_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .order(api_tokens::id.desc())
        .into_boxed();
    if let Some(u) = user_id {
        query = query.filter(api_tokens::user_id.eq(u));
    }
    query.load(conn)
}

/// Revokes a token; an account other than an admin may revoke only its own.
pub fn revoke(
    conn: &mut DbConnection,
    id: i64,
    owner: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut target = api_tokens::table
        .filter(api_tokens::id.eq(id))
        .filter(api_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(u) = owner {
        target = target.filter(api_tokens::user_id.eq(u));
    }
    let found: Option<i64> = target.select(api_tokens::id).first(conn).optional()?;
    let Some(found) = found else {
        return Err(AppError::not_found(format!("no live token with id {id}")));
    };
    diesel::update(api_tokens::table.find(found))
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}
