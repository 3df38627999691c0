//! The bulletins as they were sent, for the archive pages, the feed and
//! the API: each in the edition the reader may see.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::compile::Summary;
use super::parts::{self, Edition};
use crate::db::DbConnection;
use crate::db::schema::bulletins;
use crate::error::AppError;

/// A bulletin in a list: no body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Listed {
    pub number: i32,
    #[schema(value_type = crate::domain::Timestamp)]
    pub slot_at: NaiveDateTime,
    #[schema(value_type = crate::domain::Timestamp)]
    pub compiled_at: NaiveDateTime,
    pub subject: String,
    pub summary: Summary,
}

/// A bulletin without its body: what its answer says before the body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Head {
    #[serde(flatten)]
    pub listed: Listed,
    pub bulletin_id: i64,
    /// Whether this is the edition with contact details.
    pub full_edition: bool,
}

/// A bulletin with the edition for its reader: the answer's schema. The
/// answer is written part by part by [`super::json::IssueJson`] (tens of MB
/// at 50,000 authorities); tests check that it writes this.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct Issue {
    #[serde(flatten)]
    pub head: Head,
    pub html: String,
    pub text: String,
}

type ListRow = (Option<i32>, NaiveDateTime, NaiveDateTime, String, String);

/// The columns of a [`ListRow`], read by every query of this file.
const LISTED: (
    bulletins::number,
    bulletins::slot_at,
    bulletins::compiled_at,
    bulletins::subject,
    bulletins::summary,
) = (
    bulletins::number,
    bulletins::slot_at,
    bulletins::compiled_at,
    bulletins::subject,
    bulletins::summary,
);

fn listed((number, slot_at, compiled_at, subject, summary): ListRow) -> Listed {
    Listed {
        number: number.unwrap_or_default(),
        slot_at,
        compiled_at,
        subject,
        summary: serde_json::from_str(&summary).unwrap_or_default(),
    }
}

/// Sent bulletins, newest first.
pub fn list(conn: &mut DbConnection, limit: i64, offset: i64) -> QueryResult<(i64, Vec<Listed>)> {
    let total = bulletins::table
        .filter(bulletins::number.is_not_null())
        .count()
        .get_result(conn)?;
    let rows: Vec<ListRow> = bulletins::table
        .filter(bulletins::number.is_not_null())
        .order(bulletins::number.desc())
        .limit(limit)
        .offset(offset)
        .select(LISTED)
        .load(conn)?;
    Ok((total, rows.into_iter().map(listed).collect()))
}

/// One bulletin by number without its body, for the reader of the full
/// edition or the public one.
pub fn head(conn: &mut DbConnection, number: i32, full: bool) -> Result<Head, AppError> {
    let (id, row) = numbered(conn, number)?;
    Ok(Head {
        listed: listed(row),
        bulletin_id: id,
        full_edition: full,
    })
}

/// Bulletins read whole and made into answers at once: a page to keep, the
/// feed, a preview being compiled. Made whole at 50,000 authorities, 32
/// readers at once took the server from 117 to 580 MB. The others wait
/// their turn, and the other core serves everything else. (A long
/// bulletin's page and API answer are written part by part, without one.)
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// A turn to read a bulletin's body; hold it until the answer is made.
pub async fn turn() -> tokio::sync::SemaphorePermit<'static> {
    READING
        .acquire()
        .await
        .expect("the semaphore is never closed")
}

/// The content of bulletin `bulletin_id`'s HTML edition, full or public,
/// for its page or the feed (the text edition is not read). It is cut out
/// of the stored body in place: it holds no recipient's address, so nothing
/// is replaced.
pub fn content(conn: &mut DbConnection, bulletin_id: i64, full: bool) -> QueryResult<String> {
    Ok(into_content(parts::read(
        conn,
        bulletin_id,
        Edition::of(full, true),
    )?))
}

/// The part of a stored HTML body between its markers: the bulletin itself,
/// without the document around it and the recipient's footer. Cut out of
/// the body it came in rather than copied.
pub fn into_content(mut html: String) -> String {
    let range = content_range(&html);
    html.truncate(range.end);
    html.drain(..range.start);
    html
}

const START: &str = "<!--bulletin:start-->";
const END: &str = "<!--bulletin:end-->";

fn content_range(html: &str) -> std::ops::Range<usize> {
    let start = html.find(START).map_or(0, |i| i + START.len());
    let end = html.find(END).unwrap_or(html.len());
    if start <= end {
        start..end
    } else {
        0..html.len()
    }
}

/// The content of a stored HTML body given in parts, as [`into_content`]
/// cuts it out of the whole, for a body with both markers: the end of a
/// part that may begin a marker is held until the next.
#[derive(Debug, Default)]
pub struct Content {
    held: String,
    place: Place,
}

#[derive(Debug, Default, PartialEq)]
enum Place {
    #[default]
    Before,
    Inside,
    After,
}

impl Content {
    /// What of `piece` (after what was held) is content for certain.
    pub fn push(&mut self, piece: &str) -> String {
        let mut text = std::mem::take(&mut self.held);
        text.push_str(piece);
        if self.place == Place::Before {
            match text.find(START) {
                Some(i) => {
                    text.drain(..i + START.len());
                    self.place = Place::Inside;
                }
                None => {
                    self.held = text.split_off(held_from(&text, 0, START));
                    return String::new();
                }
            }
        }
        if self.place == Place::After {
            return String::new();
        }
        match text.find(END) {
            Some(i) => {
                text.truncate(i);
                self.place = Place::After;
            }
            None => self.held = text.split_off(held_from(&text, 0, END)),
        }
        text
    }

    /// The rest, once the body has ended.
    pub fn end(&mut self) -> String {
        match self.place {
            Place::Inside => std::mem::take(&mut self.held),
            Place::Before | Place::After => String::new(),
        }
    }
}

/// Where the end of `text` that may begin `marker` starts, at `at` or
/// after: the text from there is held until more comes.
pub(super) fn held_from(text: &str, at: usize, marker: &str) -> usize {
    let mut from = text.len().saturating_sub(marker.len() - 1).max(at);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    from
}

/// A sent bulletin's id and listing, by number.
fn numbered(conn: &mut DbConnection, number: i32) -> Result<(i64, ListRow), AppError> {
    bulletins::table
        .filter(bulletins::number.eq(number))
        .select((bulletins::id, LISTED))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("no bulletin number {number}")))
}

/// A bulletin's listing, by id, and the bytes of one of its editions (text
/// and HTML), measured by the database: the sender chooses whether to mail
/// it whole without reading it.
pub fn edition_size(
    conn: &mut DbConnection,
    bulletin_id: i64,
    full: bool,
) -> QueryResult<(Listed, i64)> {
    let row: ListRow = bulletins::table
        .find(bulletin_id)
        .select(LISTED)
        .first(conn)?;
    let both = [Edition::of(full, true), Edition::of(full, false)];
    Ok((listed(row), parts::size(conn, bulletin_id, &both)?))
}

/// A stored edition, text then HTML, by bulletin id, for the sender. Only
/// the edition asked for is read.
pub fn edition(
    conn: &mut DbConnection,
    bulletin_id: i64,
    full: bool,
) -> QueryResult<(String, String)> {
    let text = parts::read(conn, bulletin_id, Edition::of(full, false))?;
    let html = parts::read(conn, bulletin_id, Edition::of(full, true))?;
    Ok((text, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_given_in_parts_is_content_cut_out_of_the_whole() {
        let body = "<html>é<!--bulletin:start--><h1>B — ü</h1><!--bulletin:end-->footer</html>";
        let whole = into_content(body.to_string());
        let cut = |pieces: &[&str]| {
            let mut c = Content::default();
            let mut out: String = pieces.iter().map(|p| c.push(p)).collect();
            out.push_str(&c.end());
            out
        };
        for (i, _) in body.char_indices() {
            let (a, b) = body.split_at(i);
            assert_eq!(cut(&[a, b]), whole, "cut at {i}");
        }
        let chars: Vec<String> = body.chars().map(String::from).collect();
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(cut(&chars), whole);
    }

    #[test]
    fn content_is_what_lies_between_the_markers() {
        let body = "<html><!--bulletin:start--><h1>B</h1><!--bulletin:end-->footer</html>";
        assert_eq!(into_content(body.to_string()), "<h1>B</h1>");
        // Without markers (or out of order), the whole body.
        assert_eq!(into_content("plain".to_string()), "plain");
        let odd = "<!--bulletin:end-->x<!--bulletin:start-->";
        assert_eq!(into_content(odd.to_string()), odd);
    }
}
