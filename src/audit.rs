//! The audit log: every change to the directory and its measures, who made
//! it, when, and which fields went from what to what. The directory, the
//! measures and the import write to it; the changes pages read it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UserId};
use crate::db::schema::{authorities, changes};
/// Who made a change: an account, or a command run on the server.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub label: String,
}

impl Actor {
    pub fn user(user: &crate::auth::User) -> Self {
        Self {
            user_id: Some(user.id),
            label: user.label(),
        }
    }

    pub fn command(name: &str) -> Self {
        Self {
            user_id: None,
            label: name.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub id: i64,
    pub authority_id: AuthorityId,
    pub authority_name: String,
    pub authority_ref: String,
    pub country_code: String,
    pub country_name: String,
    pub actor: String,
    pub action: String,
    #[schema(value_type = crate::domain::Timestamp)]
    pub at: NaiveDateTime,
    pub fields: Vec<FieldChange>,
}

#[derive(Insertable)]
#[diesel(table_name = changes)]
pub struct NewChange {
    pub authority_id: AuthorityId,
    pub user_id: Option<UserId>,
    pub actor: String,
    pub action: String,
    pub fields: String,
    pub at: NaiveDateTime,
}

impl NewChange {
    pub fn new(
        authority_id: AuthorityId,
        actor: &Actor,
        action: &str,
        fields: &[FieldChange],
        at: NaiveDateTime,
    ) -> Self {
        Self {
            authority_id,
            user_id: actor.user_id,
            actor: actor.label.clone(),
            action: action.to_string(),
            fields: serde_json::to_string(fields).unwrap_or_else(|_| "[]".into()),
            at,
        }
    }
}

pub fn record(conn: &mut DbConnection, rows: &[NewChange]) -> QueryResult<()> {
    for part in rows.chunks(500) {
        crate::each_backend!(conn, c => diesel::insert_into(changes::table).values(part).execute(c)?);
    }
    Ok(())
}

type ChangeRow = (
    i64,
    AuthorityId,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
);

fn assemble(rows: Vec<ChangeRow>) -> Vec<Change> {
    rows.into_iter()
        .map(
            |(
                id,
                authority_id,
                authority_name,
                authority_ref,
                country_code,
                actor,
                action,
                fields,
                at,
            )| Change {
                id,
                authority_id,
                authority_name,
                authority_ref,
                country_name: crate::domain::states::find(&country_code)
                    .map_or_else(|| country_code.clone(), |s| s.name.clone()),
                country_code,
                actor,
                action,
                at,
                fields: serde_json::from_str(&fields).unwrap_or_default(),
            },
        )
        .collect()
}

/// Changes, newest first: of one authority, or of all (the admin's log).
pub fn list(
    conn: &mut DbConnection,
    authority_id: Option<AuthorityId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(i64, Vec<Change>)> {
    let mut query = changes::table
        .inner_join(authorities::table)
        .select((
            changes::id,
            changes::authority_id,
            authorities::name,
            authorities::ref_,
            authorities::country_code,
            changes::actor,
            changes::action,
            changes::fields,
            changes::at,
        ))
        .order(changes::id.desc())
        .into_boxed();
    let mut count = changes::table.into_boxed();
    if let Some(a) = authority_id {
        query = query.filter(changes::authority_id.eq(a));
        count = count.filter(changes::authority_id.eq(a));
    }
    let total = count.count().get_result(conn)?;
    let rows: Vec<ChangeRow> = query.limit(limit).offset(offset).load(conn)?;
    Ok((total, assemble(rows)))
}
