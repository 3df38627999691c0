//! A bulletin's editions as stored: each in parts of about [`PART`] bytes,
//! written while it is rendered and read back in order. At 50,000
//! authorities an edition is 10 to 20 MB; stored whole, the database built
//! the row of all four editions (51 MB) in memory to write it.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::compile::Summary;
use crate::db::DbConnection;
use crate::db::schema::bulletin_parts;
use crate::error::AppError;

/// Rendered text is handed to the [`Sink`] once it is at least this long,
/// so that a part is about this long. Each reader of a bulletin written as
/// it is read holds about one part, and a copy or two while it is made
/// into the answer: with parts of 1 MB, 32 readers at once held 56 MB.
pub const PART: usize = 64 * 1024;

/// One of a bulletin's four documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    HtmlFull,
    TextFull,
    HtmlPublic,
    TextPublic,
}

impl Edition {
    /// The HTML or the text of the full edition (with contact details) or
    /// the public one.
    pub const fn of(full: bool, html: bool) -> Self {
        match (full, html) {
            (true, true) => Self::HtmlFull,
            (true, false) => Self::TextFull,
            (false, true) => Self::HtmlPublic,
            (false, false) => Self::TextPublic,
        }
    }

    /// What the database calls it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HtmlFull => "html_full",
            Self::TextFull => "text_full",
            Self::HtmlPublic => "html_public",
            Self::TextPublic => "text_public",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Where a bulletin's editions go as they are rendered: each call carries
/// the next piece of one of them.
pub trait Sink {
    /// The bulletin's subject and counts, known before its body is: told
    /// before each edition's first piece.
    fn heading(&mut self, _subject: &str, _summary: &Summary) -> Result<(), AppError> {
        Ok(())
    }

    fn write(
        &mut self,
        conn: &mut DbConnection,
        edition: Edition,
        text: &str,
    ) -> Result<(), AppError>;
}

/// All four editions held in memory, stored nowhere: what the stored parts
/// must read back as.
#[derive(Debug, Default)]
pub struct InMemory {
    editions: [String; 4],
}

impl InMemory {
    pub fn get(&self, edition: Edition) -> &str {
        &self.editions[edition.index()]
    }
}

impl Sink for InMemory {
    fn write(
        &mut self,
        _: &mut DbConnection,
        edition: Edition,
        text: &str,
    ) -> Result<(), AppError> {
        self.editions[edition.index()].push_str(text);
        Ok(())
    }
}

/// One edition held in memory, the others dropped as they are rendered: a
/// preview shows one (at 50,000 authorities, 16 MB of the 51).
#[derive(Debug)]
pub struct One {
    edition: Edition,
    text: String,
}

impl One {
    pub fn new(edition: Edition) -> Self {
        Self {
            edition,
            text: String::new(),
        }
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

impl Sink for One {
    fn write(
        &mut self,
        _: &mut DbConnection,
        edition: Edition,
        text: &str,
    ) -> Result<(), AppError> {
        if edition == self.edition {
            self.text.push_str(text);
        }
        Ok(())
    }
}

/// Editions stored as parts of bulletin `bulletin_id`, in the caller's
/// transaction.
pub struct Stored {
    bulletin_id: i64,
    next: [i32; 4],
}

impl Stored {
    pub fn new(bulletin_id: i64) -> Self {
        Self {
            bulletin_id,
            next: [0; 4],
        }
    }
}

impl Sink for Stored {
    fn write(
        &mut self,
        conn: &mut DbConnection,
        edition: Edition,
        text: &str,
    ) -> Result<(), AppError> {
        if text.is_empty() {
            return Ok(());
        }
        let seq = &mut self.next[edition.index()];
        diesel::insert_into(bulletin_parts::table)
            .values((
                bulletin_parts::bulletin_id.eq(self.bulletin_id),
                bulletin_parts::edition.eq(edition.name()),
                bulletin_parts::seq.eq(*seq),
                bulletin_parts::body.eq(text),
            ))
            .execute(conn)?;
        *seq += 1;
        Ok(())
    }
}

/// Bytes stored of these editions of a bulletin, counted by the database
/// without reading them.
pub fn size(conn: &mut DbConnection, bulletin_id: i64, editions: &[Edition]) -> QueryResult<i64> {
    bulletin_parts::table
        .filter(bulletin_parts::bulletin_id.eq(bulletin_id))
        .filter(bulletin_parts::edition.eq_any(editions.iter().map(|e| e.name())))
        .select(sql::<BigInt>(
            "CAST(COALESCE(SUM(octet_length(body)), 0) AS BIGINT)",
        ))
        .first(conn)
}

/// One edition of a bulletin, whole: its parts read one at a time into one
/// string made to measure (empty when it was not stored).
pub fn read(conn: &mut DbConnection, bulletin_id: i64, edition: Edition) -> QueryResult<String> {
    let mut whole = String::with_capacity(size(conn, bulletin_id, &[edition])? as usize);
    for seq in 0.. {
        match part(conn, bulletin_id, edition, seq)? {
            Some(part) => whole.push_str(&part),
            None => break,
        }
    }
    Ok(whole)
}

/// Part `seq` (from 0) of one edition of a bulletin; `None` after its last.
pub fn part(
    conn: &mut DbConnection,
    bulletin_id: i64,
    edition: Edition,
    seq: i32,
) -> QueryResult<Option<String>> {
    bulletin_parts::table
        .filter(bulletin_parts::bulletin_id.eq(bulletin_id))
        .filter(bulletin_parts::edition.eq(edition.name()))
        .filter(bulletin_parts::seq.eq(seq))
        .select(bulletin_parts::body)
        .first(conn)
        .optional()
}
