//! A limit on failed sign-ins, per account and per address. The attempts are
//! counted in the database, so every instance enforces the same limit.
//!
//! An attempt is recorded before its password is checked, then counted: the
//! count includes every attempt recorded (committed) before it, so however
//! many arrive at once, on one instance or several, only the first within
//! the limit go on. Counting first and recording after the check let every
//! attempt in flight pass the same count; a conditional insert would not do
//! either, as concurrent statements under READ COMMITTED see the same rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_failures;
use crate::error::AppError;

/// Failures allowed within the window before sign-in is refused.
pub const PER_ACCOUNT: i64 = 5;
pub const PER_ADDRESS: i64 = 20;
pub const WINDOW_MINUTES: i64 = 15;

/// Records an attempt as failed until [`clear`] forgives it, or refuses it
/// with 429 when earlier attempts within the window reach either limit.
///
/// Must run outside a transaction: each statement commits at once, so that
/// attempts on other connections see this one.
pub fn attempt(
    conn: &mut DbConnection,
    email: &str,
    address: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let id: i64 = diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::address.eq(address),
            login_failures::at.eq(now),
        ))
        .returning(login_failures::id)
        .get_result(conn)?;
    let since = now - chrono::Duration::minutes(WINDOW_MINUTES);
    let by_account: i64 = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)?;
    let by_address: i64 = login_failures::table
        .filter(login_failures::address.eq(address))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)?;
    if by_account > PER_ACCOUNT || by_address > PER_ADDRESS {
        // A refused attempt checked nothing; it must not lengthen the wait.
        diesel::delete(login_failures::table.find(id)).execute(conn)?;
        return Err(AppError::TooManyRequests(format!(
            "Too many failed sign-ins. Please wait {WINDOW_MINUTES} minutes before trying again."
        )));
    }
    // Old attempts count for nothing; keep the table small.
    diesel::delete(
        login_failures::table.filter(login_failures::at.lt(now - chrono::Duration::days(1))),
    )
    .execute(conn)?;
    Ok(())
}

/// A successful sign-in forgives the account's failures.
pub fn clear(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)
}
