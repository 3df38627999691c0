//! Reading authorities, complete with their designations and contact
//! persons, from the database.

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{
    Authority, AuthorityRow, ContactPerson, ContactRow, Designation, DesignationRow, Designations,
    generation, parse_list,
};
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::{authorities, contact_persons, designations};
use crate::domain::{Article, Function, Instrument, LanguageCode};

fn assemble(
    row: AuthorityRow,
    designations: Vec<DesignationRow>,
    contacts: Vec<ContactRow>,
) -> Option<Authority> {
    let mut designations: Designations = designations
        .into_iter()
        .filter_map(|d| {
            let instrument = Instrument::parse(&d.instrument).ok()?;
            let article = Article::from_parts(instrument, d.article)?;
            Some(Designation {
                article,
                functions: parse_list(&d.functions, Function::parse),
                note: d.note.map(String::into_boxed_str),
            })
        })
        .collect();
    designations.sort_by_key(|d| d.article);
    let contacts = contacts.iter().map(|c| {
        ContactPerson::new(
            &c.name,
            c.position.as_deref(),
            c.email.as_deref(),
            c.phone.as_deref(),
            parse_list(&c.languages, LanguageCode::parse),
        )
    });
    Authority::new(
        row.id,
        row.columns,
        row.version,
        row.updated_at,
        designations,
        contacts,
    )
}

/// Every authority in service (not archived), complete, with the generation
/// it was read at. The generation is read first, so the data is never older
/// than it.
pub fn load_all(conn: &mut DbConnection) -> QueryResult<(i64, Vec<Authority>)> {
    conn.transaction(|conn| {
        let generation = generation(conn)?;
        Ok((generation, load(conn, None)?))
    })
}

/// Authorities read at once when the whole directory is read: the rows of
/// each part are assembled and gone before the next part is read. Read in
/// one go, the rows of 50,000 authorities and their strings lay beside the
/// authorities made of them: the server peaked at 154 MB while loading
/// (119 MB read in parts), and a full reload did the same beside the
/// snapshot being served.
const LOADED_AT_ONCE: i64 = 2_000;

/// The authorities in service among `ids` (all: `None`), complete.
pub(super) fn load(
    conn: &mut DbConnection,
    ids: Option<&[AuthorityId]>,
) -> QueryResult<Vec<Authority>> {
    match ids {
        Some(ids) => {
            let mut out = Vec::new();
            load_part(conn, Part::These(ids), &mut out)?;
            Ok(out)
        }
        None => load_in_parts(conn, LOADED_AT_ONCE),
    }
}

/// Every authority in service, read `per_part` at a time by id.
fn load_in_parts(conn: &mut DbConnection, per_part: i64) -> QueryResult<Vec<Authority>> {
    let mut out = Vec::new();
    let mut after = AuthorityId(i64::MIN);
    while let Some(last) = load_part(conn, Part::After(after, per_part), &mut out)? {
        after = last;
    }
    Ok(out)
}

/// Which authorities one read of [`load_part`] takes.
enum Part<'a> {
    These(&'a [AuthorityId]),
    /// The next so many by id after this one.
    After(AuthorityId, i64),
}

/// Reads one part's authorities into `out`; returns the last id read
/// (`None`: there were none).
fn load_part(
    conn: &mut DbConnection,
    part: Part<'_>,
    out: &mut Vec<Authority>,
) -> QueryResult<Option<AuthorityId>> {
    use crate::db::MultiBackend;
    let mut rows = authorities::table
        .filter(authorities::archived_at.is_null())
        .order(authorities::id)
        .select(AuthorityRow::as_select())
        .into_boxed::<MultiBackend>();
    rows = match part {
        Part::These(ids) => rows.filter(authorities::id.eq_any(ids.to_vec())),
        Part::After(after, per_part) => rows.filter(authorities::id.gt(after)).limit(per_part),
    };
    let rows: Vec<AuthorityRow> = rows.load(conn)?;
    let (Some(first), Some(last)) = (rows.first().map(|r| r.id), rows.last().map(|r| r.id)) else {
        return Ok(None);
    };
    let mut designation_rows = designations::table
        .select(DesignationRow::as_select())
        .into_boxed::<MultiBackend>();
    let mut contact_rows = contact_persons::table
        .order((contact_persons::authority_id, contact_persons::seq))
        .select(ContactRow::as_select())
        .into_boxed::<MultiBackend>();
    match part {
        Part::These(ids) => {
            designation_rows =
                designation_rows.filter(designations::authority_id.eq_any(ids.to_vec()));
            contact_rows = contact_rows.filter(contact_persons::authority_id.eq_any(ids.to_vec()));
        }
        Part::After(..) => {
            designation_rows =
                designation_rows.filter(designations::authority_id.between(first, last));
            contact_rows = contact_rows.filter(contact_persons::authority_id.between(first, last));
        }
    }
    let mut designations_by: HashMap<AuthorityId, Vec<DesignationRow>> = HashMap::new();
    for d in designation_rows.load::<DesignationRow>(conn)? {
        designations_by.entry(d.authority_id).or_default().push(d);
    }
    let mut contacts_by: HashMap<AuthorityId, Vec<ContactRow>> = HashMap::new();
    for c in contact_rows.load::<ContactRow>(conn)? {
        contacts_by.entry(c.authority_id).or_default().push(c);
    }
    out.extend(rows.into_iter().filter_map(|row| {
        let id = row.id;
        assemble(
            row,
            designations_by.remove(&id).unwrap_or_default(),
            contacts_by.remove(&id).unwrap_or_default(),
        )
    }));
    Ok(Some(last))
}

/// One authority, complete; archived ones too when `archived` is true.
pub fn load_one(
    conn: &mut DbConnection,
    id: AuthorityId,
    archived: bool,
) -> QueryResult<Option<Authority>> {
    let mut query = authorities::table
        .filter(authorities::id.eq(id))
        .select(AuthorityRow::as_select())
        .into_boxed();
    if !archived {
        query = query.filter(authorities::archived_at.is_null());
    }
    let Some(row) = query.first(conn).optional()? else {
        return Ok(None);
    };
    let designations = designations::table
        .filter(designations::authority_id.eq(id))
        .select(DesignationRow::as_select())
        .load(conn)?;
    let contacts = contact_persons::table
        .filter(contact_persons::authority_id.eq(id))
        .order(contact_persons::seq)
        .select(ContactRow::as_select())
        .load(conn)?;
    Ok(assemble(row, designations, contacts))
}

/// A new SQLite database holding `n` demo authorities (made from `seed`),
/// for tests of reading and deriving the directory.
#[cfg(test)]
pub(super) fn demo_database(n: usize, seed: u64) -> (tempfile::TempDir, DbConnection) {
    use crate::db::{self, DatabaseUrl};
    use crate::directory::demo::{self, DemoOptions};
    let dir = tempfile::tempdir().unwrap();
    let mut conn = DatabaseUrl::Sqlite(dir.path().join("t.db"))
        .connect()
        .unwrap();
    db::migrations::run_pending(&mut conn).unwrap();
    let records = demo::generate(DemoOptions {
        authorities: Some(n),
        seed,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        history: false,
    });
    super::write::insert_many(&mut conn, &records, |_| {}).unwrap();
    (dir, conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read in parts of two, each authority comes with its own designations
    /// and contact persons (not a neighbour's at a part's edge), archived
    /// ones stay out, and nothing is read twice or missed.
    #[test]
    fn parts_read_what_one_read_does() {
        let (_dir, mut conn) = demo_database(9, 3);
        let ids: Vec<AuthorityId> = authorities::table
            .select(authorities::id)
            .order(authorities::id)
            .load(&mut conn)
            .unwrap();
        diesel::update(authorities::table.filter(authorities::id.eq(ids[4])))
            .set(authorities::archived_at.eq(Some(chrono::Utc::now().naive_utc())))
            .execute(&mut conn)
            .unwrap();
        let one_by_one: Vec<String> = ids
            .iter()
            .filter_map(|&id| load_one(&mut conn, id, false).unwrap())
            .map(|a| format!("{a:?}"))
            .collect();
        assert_eq!(one_by_one.len(), 8);
        assert!(
            one_by_one.iter().any(|a| a.contains("ContactPerson")),
            "the demo has contact persons to compare"
        );
        for per_part in [1, 2, 3, 100] {
            let parts: Vec<String> = load_in_parts(&mut conn, per_part)
                .unwrap()
                .iter()
                .map(|a| format!("{a:?}"))
                .collect();
            assert_eq!(parts, one_by_one, "read {per_part} at a time");
        }
    }
}
