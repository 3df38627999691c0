//! A forgotten password: a link by email that lets its reader choose a new
//! one, within an hour and once. Nothing is stored: the link carries the
//! account and its expiry, signed with the application's key over the
//! current password's hash, so that setting a password (with this link or
//! any other way) ends every link made before.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::{limits, password, users};
use crate::bulletin::tokens::Signer;
use crate::db::DbConnection;
use crate::db::schema::{mail_outbox, sessions, users as users_table};
use crate::error::AppError;
use crate::mail::message::Template;
use crate::mail::outbox::{Outgoing, enqueue};

/// How long a link works.
pub const VALID_FOR: Duration = Duration::hours(1);

/// One message per account in this time, however often the form is sent,
/// so that the form cannot fill someone's mailbox.
const RESEND_AFTER: Duration = Duration::minutes(5);

/// Someone asks for a new password for `email`: if it is an active
/// account's, a link goes to it. The asker learns nothing either way.
pub fn request(
    conn: &mut DbConnection,
    email: &str,
    signer: &Signer,
    base_url: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let Some(user) = users::find(conn, email)? else {
            return Ok(());
        };
        if user.disabled_at.is_some() {
            return Ok(());
        }
        let recent: i64 = mail_outbox::table
            .filter(mail_outbox::template.eq(Template::PasswordReset.name()))
            .filter(mail_outbox::recipient.eq(&user.email))
            .filter(mail_outbox::created_at.gt(now - RESEND_AFTER))
            .count()
            .get_result(conn)?;
        if recent > 0 {
            return Ok(());
        }
        let expires = now + VALID_FOR;
        let token = signer.reset(user.id, expires.and_utc().timestamp(), &user.password_hash);
        let context = json!({
            "reset_url": format!("{base_url}/password/reset?token={token}"),
            "expires": expires.format("%H:%M UTC on %-d %B %Y").to_string(),
        });
        enqueue(
            conn,
            &[Outgoing {
                template: Template::PasswordReset,
                to: user.email.clone(),
                context,
            }],
            now,
        )?;
        Ok(())
    })
}

/// Why a link or a new password was not taken.
#[derive(Debug, PartialEq)]
pub enum NotReset {
    /// Not a link this service made, or made before the password changed.
    Invalid,
    Expired,
    /// The new password, refused by the policy: the reason.
    Weak(String),
}

/// The account a link is for, if the link still works.
pub fn open(
    conn: &mut DbConnection,
    token: &str,
    signer: &Signer,
    now: NaiveDateTime,
) -> Result<Result<users::UserRow, NotReset>, AppError> {
    let Some((id, expires)) = Signer::reset_claims(token) else {
        return Ok(Err(NotReset::Invalid));
    };
    let row: Option<users::UserRow> = users_table::table
        .find(id)
        .select(users::UserRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row.filter(|r| r.disabled_at.is_none()) else {
        return Ok(Err(NotReset::Invalid));
    };
    if !signer.reset_holds(token, &row.password_hash) {
        return Ok(Err(NotReset::Invalid));
    }
    if now.and_utc().timestamp() > expires {
        return Ok(Err(NotReset::Expired));
    }
    Ok(Ok(row))
}

/// Sets the account's new password through a link; every session of the
/// account ends (whoever knew the old password is signed out) and the
/// failed sign-ins are forgotten. The account's email, when done.
pub fn complete(
    conn: &mut DbConnection,
    token: &str,
    new_password: &str,
    signer: &Signer,
    now: NaiveDateTime,
) -> Result<Result<String, NotReset>, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let row = match open(conn, token, signer, now)? {
            Ok(row) => row,
            Err(e) => return Ok(Err(e)),
        };
        if let Err(why) = password::check_policy(new_password, &row.email) {
            return Ok(Err(NotReset::Weak(why)));
        }
        let hash = password::hash(new_password).map_err(AppError::internal)?;
        diesel::update(users_table::table.find(row.id))
            .set(users_table::password_hash.eq(hash))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(row.id))).execute(conn)?;
        limits::clear(conn, &row.email)?;
        Ok(Ok(row.email))
    })
}
