//! Writing authorities. Every write bumps the directory generation in the same
//! transaction, so that every instance reloads its in-memory copy.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::fields::AuthorityColumns;
use super::model::{Changed, ContactRow, DesignationRow, NewAuthority, bump_generation};
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::{authorities, contact_persons, designations};
use crate::domain::{Article, Function, join_codes};
use crate::each_backend;

/// A validated authority: a complete record, as validated input or demo data
/// produce it, ready to store.
#[derive(Debug, Clone)]
pub struct ValidAuthority {
    pub columns: AuthorityColumns,
    pub created_at: NaiveDateTime,
    pub designations: Vec<NewDesignation>,
    pub contacts: Vec<NewContact>,
}

/// Its fields read and written as `record.name`.
impl std::ops::Deref for ValidAuthority {
    type Target = AuthorityColumns;

    fn deref(&self) -> &AuthorityColumns {
        &self.columns
    }
}

impl std::ops::DerefMut for ValidAuthority {
    fn deref_mut(&mut self) -> &mut AuthorityColumns {
        &mut self.columns
    }
}

#[derive(Debug, Clone)]
pub struct NewDesignation {
    pub article: Article,
    pub functions: Vec<Function>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewContact {
    pub name: String,
    pub position: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub languages: Vec<String>,
}

impl ValidAuthority {
    pub(crate) fn row(&self) -> NewAuthority {
        NewAuthority {
            columns: self.columns.clone(),
            version: 1,
            created_at: self.created_at,
            updated_at: self.created_at,
        }
    }

    pub(crate) fn children(
        &self,
        authority_id: AuthorityId,
    ) -> (Vec<DesignationRow>, Vec<ContactRow>) {
        let designations = self
            .designations
            .iter()
            .map(|d| DesignationRow {
                id: 0,
                authority_id,
                instrument: d.article.instrument().code().to_string(),
                article: d.article.number(),
                functions: join_codes(&d.functions.iter().map(|f| f.code()).collect::<Vec<_>>()),
                note: d.note.clone(),
            })
            .collect();
        let contacts = self
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| ContactRow {
                id: 0,
                authority_id,
                seq: i as i32,
                name: c.name.clone(),
                position: c.position.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                languages: join_codes(&c.languages),
            })
            .collect();
        (designations, contacts)
    }
}

// Rows per statement: well under SQLite's and PostgreSQL's bind limits.
const BATCH: usize = 500;

/// Inserts many new authorities in one transaction, in multi-row statements.
pub fn insert_many(
    conn: &mut DbConnection,
    records: &[ValidAuthority],
    progress: impl FnMut(usize),
) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        let ids = insert_rows(conn, records, progress)?;
        bump_generation(conn, Changed::These(&ids))?;
        Ok(ids.len())
    })
}

/// The multi-row inserts of [`insert_many`], inside the caller's transaction
/// (an import also updates and records history in the same one); returns
/// the new ids in the order of `records`. Does not bump the generation.
pub fn insert_rows(
    conn: &mut DbConnection,
    records: &[ValidAuthority],
    mut progress: impl FnMut(usize),
) -> QueryResult<Vec<AuthorityId>> {
    let mut all_ids = Vec::with_capacity(records.len());
    for chunk in records.chunks(BATCH) {
        let rows: Vec<NewAuthority> = chunk.iter().map(ValidAuthority::row).collect();
        let ids: Vec<(AuthorityId, String)> = each_backend!(conn, c => {
            diesel::insert_into(authorities::table)
                .values(&rows)
                .returning((authorities::id, authorities::ref_))
                .get_results(c)?
        });
        let id_of: std::collections::HashMap<&str, AuthorityId> =
            ids.iter().map(|(id, r)| (r.as_str(), *id)).collect();
        let mut all_designations = Vec::new();
        let mut all_contacts = Vec::new();
        for record in chunk {
            let id = id_of[record.columns.ref_.as_str()];
            let (d, c) = record.children(id);
            all_designations.extend(d);
            all_contacts.extend(c);
            all_ids.push(id);
        }
        insert_children(conn, &all_designations, &all_contacts)?;
        progress(all_ids.len());
    }
    Ok(all_ids)
}

/// Designations and contact persons, in multi-row statements.
pub(crate) fn insert_children(
    conn: &mut DbConnection,
    designation_rows: &[DesignationRow],
    contact_rows: &[ContactRow],
) -> QueryResult<()> {
    for part in designation_rows.chunks(BATCH) {
        each_backend!(conn, c => diesel::insert_into(designations::table).values(part).execute(c)?);
    }
    for part in contact_rows.chunks(BATCH) {
        each_backend!(conn, c => diesel::insert_into(contact_persons::table).values(part).execute(c)?);
    }
    Ok(())
}

/// Removes every authority (for `demo-data --replace`).
pub fn delete_all(conn: &mut DbConnection) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        // Their history goes with them, and focal points are left unbound.
        diesel::delete(crate::db::schema::changes::table).execute(conn)?;
        diesel::update(crate::db::schema::users::table)
            .set(crate::db::schema::users::authority_id.eq(None::<i64>))
            .execute(conn)?;
        diesel::delete(contact_persons::table).execute(conn)?;
        diesel::delete(designations::table).execute(conn)?;
        let n = diesel::delete(authorities::table).execute(conn)?;
        bump_generation(conn, Changed::All)?;
        Ok(n)
    })
}
