//! Accounts: added from the command line (and by `serve --demo`), listed and
//! disabled. Disabling ends the account's sessions and tokens at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Role, User, password};
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UserId};
use crate::db::schema::{api_tokens, sessions, users};
use crate::domain::Email;
use crate::error::{AppError, FieldError};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub authority_id: Option<AuthorityId>,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

impl UserRow {
    pub fn user(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            // Written through `Role::code`; an unknown value can only come
            // from a hand edit, and then the account may do the least, and
            // the log says so.
            role: Role::parse(&self.role).unwrap_or_else(|_| {
                tracing::error!(user = self.id.0, role = %self.role, "unknown role in the database; treated as reader");
                Role::Reader
            }),
            authority_id: self.authority_id,
        }
    }
}

/// What `user add` asks for.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub role: Role,
    /// The authority a focal point is bound to (the caller resolves its ref:
    /// authorities are the directory's).
    pub authority_id: Option<AuthorityId>,
    pub name: Option<&'a str>,
    pub password: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserInsert {
    email: String,
    name: Option<String>,
    role: String,
    authority_id: Option<AuthorityId>,
    password_hash: String,
    created_at: NaiveDateTime,
}

/// Emails are compared without regard to case.
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

pub fn add(
    conn: &mut DbConnection,
    new: NewUser<'_>,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    let email = Email::parse(new.email)
        .map_err(|m| AppError::Invalid(vec![FieldError::new("email", m)]))?;
    let email = normalise_email(email.as_str());
    let name = new.name.map(str::trim).filter(|n| !n.is_empty());
    if let Some(Err(m)) = name.map(|n| crate::domain::typed::line(n, 200)) {
        return Err(AppError::Invalid(vec![FieldError::new("name", m)]));
    }
    let authority_id = match (new.role, new.authority_id) {
        (Role::FocalPoint, None) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "authority",
                "a focal point needs --authority REF",
            )]));
        }
        (Role::FocalPoint, Some(id)) => Some(id),
        (_, Some(_)) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "authority",
                "only a focal point is bound to an authority",
            )]));
        }
        (_, None) => None,
    };
    password::check_policy(new.password, &email)
        .map_err(|m| AppError::Invalid(vec![FieldError::new("password", m)]))?;
    let exists = users::table
        .filter(users::email.eq(&email))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Err(AppError::Conflict {
            message: format!("an account for {email} already exists"),
            current_version: None,
        });
    }
    let row = UserInsert {
        email,
        name: name.map(String::from),
        role: new.role.code().to_string(),
        authority_id,
        password_hash: password::hash(new.password).map_err(AppError::internal)?,
        created_at: now,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    find(conn, &row.email)?
        .map(|r| r.user())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the new account is missing")))
}

pub fn find(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(normalise_email(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// An account that may act now: it exists and is not disabled.
pub fn active(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
    Ok(users::table
        .find(id)
        .filter(users::disabled_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.user()))
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::email)
        .select(UserRow::as_select())
        .load(conn)
}

pub fn disable(conn: &mut DbConnection, email: &str, now: NaiveDateTime) -> Result<User, AppError> {
    let row = find(conn, email)?
        .ok_or_else(|| AppError::not_found(format!("no account for {}", normalise_email(email))))?;
    crate::db::write_transaction(conn, |conn| {
        diesel::update(users::table.find(row.id))
            .set(users::disabled_at.eq(Some(now)))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(row.id))).execute(conn)?;
        diesel::update(
            api_tokens::table
                .filter(api_tokens::user_id.eq(row.id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)?;
        QueryResult::Ok(())
    })?;
    Ok(row.user())
}

/// Who is told of something: the addresses of active accounts, never the
/// person who did it (`except`).
pub mod recipients {
    use super::*;

    /// Every active admin.
    pub fn admins(conn: &mut DbConnection, except: Option<UserId>) -> QueryResult<Vec<String>> {
        let mut q = users::table
            .filter(users::role.eq(Role::Admin.code()))
            .filter(users::disabled_at.is_null())
            .into_boxed::<crate::db::MultiBackend>();
        if let Some(me) = except {
            q = q.filter(users::id.ne(me));
        }
        q.select(users::email).order(users::id).load(conn)
    }

    /// An authority's active focal points, and the account that wrote the
    /// thing decided (`author`), whatever its role.
    pub fn of_authority(
        conn: &mut DbConnection,
        authority_id: AuthorityId,
        author: Option<UserId>,
        except: Option<UserId>,
    ) -> QueryResult<Vec<String>> {
        let mut q = users::table
            .filter(users::disabled_at.is_null())
            .filter(
                users::role
                    .eq(Role::FocalPoint.code())
                    .and(users::authority_id.eq(authority_id))
                    .or(users::id.eq_any(author.into_iter().collect::<Vec<_>>())),
            )
            .into_boxed::<crate::db::MultiBackend>();
        if let Some(me) = except {
            q = q.filter(users::id.ne(me));
        }
        q.select(users::email).order(users::id).load(conn)
    }

    /// The account's own address, if it is active.
    pub fn own(conn: &mut DbConnection, id: UserId) -> QueryResult<Vec<String>> {
        users::table
            .filter(users::id.eq(id))
            .filter(users::disabled_at.is_null())
            .select(users::email)
            .load(conn)
    }
}
