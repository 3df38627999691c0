//! CSV: one row per authority, a header row naming the columns (any order),
//! lists in one cell separated by `;`. The columns are described in
//! docs/import-format.md.
//!
//! Cells are neutralised against spreadsheet formulas on the way out and
//! restored on the way in, so that export then import is lossless.

use std::borrow::Borrow;
use std::io::Write;

use serde_json::Value;

use crate::directory::edit::input::{AuthorityInput, InputValue};
use crate::directory::fields::FIELDS;
use crate::directory::model::Authority;
use crate::domain::{Article, states};

/// The columns of one contact person: `contact1_name`, `contact1_position`...
pub const CONTACT_PARTS: &[&str] = &["name", "position", "email", "phone", "languages"];

/// Contact groups written even when no record has as many, so that a
/// spreadsheet user has room to add one.
const MIN_CONTACTS: usize = 2;

/// The State's name beside its code, for people reading the file; an
/// import reads the code and passes over this column.
pub const STATE_NAME: &str = "state_name";

/// Separates the items of a list inside one cell.
const SEP: &str = ";";

/// The cell of a designated article with no functions.
const DESIGNATED: &str = "x";

/// The column of an article: `art_16`, `art_migrants_8`; its note column
/// adds `_note`.
pub fn article_column(a: Article) -> String {
    format!("art_{}", a.slug().replace('-', "_"))
}

fn list(items: &Option<Vec<String>>) -> String {
    items.as_deref().unwrap_or_default().join(SEP)
}

fn split(cell: &str) -> Vec<String> {
    cell.split(SEP)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// A spreadsheet would run a cell starting with `=`, `+`, `-` or `@` as a
/// formula (some also look past a leading tab or carriage return); a
/// leading `'` makes it text. Cells that already start with
/// quotes before such a character get one more, so that [`restore`] can
/// always take exactly one off and the pair is lossless.
pub fn neutralise(cell: &str) -> String {
    if cell.trim_start_matches('\'').starts_with(is_trigger) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The inverse of [`neutralise`].
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(is_trigger) => rest,
        _ => cell,
    }
}

fn article_of(v: &Value) -> Option<Article> {
    match v {
        Value::Number(n) => Article::parse(&n.to_string()).ok(),
        Value::String(s) => Article::parse(s).ok(),
        _ => None,
    }
}

/// Writes the records as CSV, in the order given. Without contacts it is the
/// anonymous download: no contact fields (see the field table) and no
/// contact persons.
pub fn write<A: Borrow<Authority>>(
    records: &[A],
    include_contacts: bool,
    mut out: impl Write,
) -> std::io::Result<()> {
    // Without the byte order mark, spreadsheets read the file in their
    // local encoding: accents and Arabic come out garbled. Imports skip it.
    out.write_all("\u{feff}".as_bytes())?;
    let contacts = records
        .iter()
        .map(|a| a.borrow().contacts.len())
        .max()
        .unwrap_or(0)
        .max(MIN_CONTACTS);
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(header(include_contacts, contacts))?;
    for a in records {
        let input = AuthorityInput::from_authority(a.borrow());
        w.write_record(row(&input, include_contacts, contacts))?;
    }
    w.flush()
}

/// Where the State's name goes: after `ref` and `country_code`.
const STATE_AT: usize = 2;

fn header(include_contacts: bool, contacts: usize) -> Vec<String> {
    let mut h: Vec<String> = FIELDS
        .iter()
        .filter(|f| f.visible(include_contacts))
        .map(|f| f.name.to_string())
        .collect();
    debug_assert_eq!(h[..STATE_AT], ["ref", "country_code"]);
    h.insert(STATE_AT, STATE_NAME.into());
    for a in Article::all() {
        let column = article_column(a);
        let note = format!("{column}_note");
        h.extend([column, note]);
    }
    if include_contacts {
        for n in 1..=contacts {
            h.extend(CONTACT_PARTS.iter().map(|p| format!("contact{n}_{p}")));
        }
    }
    h
}

fn row(i: &AuthorityInput, include_contacts: bool, contacts: usize) -> Vec<String> {
    let mut r = Vec::new();
    for f in FIELDS.iter().filter(|f| f.visible(include_contacts)) {
        r.push(match i.value(f.name) {
            Some(InputValue::List(l)) => l.join(SEP),
            Some(InputValue::Text(t)) => t.clone(),
            None => String::new(),
        });
    }
    let designations = i.designations.as_deref().unwrap_or_default();
    for a in Article::all() {
        match designations
            .iter()
            .find(|d| article_of(&d.article) == Some(a))
        {
            None => r.extend([String::new(), String::new()]),
            Some(d) => {
                let functions = list(&d.functions);
                r.push(if functions.is_empty() {
                    DESIGNATED.into()
                } else {
                    functions
                });
                r.push(d.note.clone().unwrap_or_default());
            }
        }
    }
    if include_contacts {
        let people = i.contacts.as_deref().unwrap_or_default();
        for n in 0..contacts {
            match people.get(n) {
                None => r.extend(CONTACT_PARTS.iter().map(|_| String::new())),
                Some(c) => r.extend([
                    c.name.clone().unwrap_or_default(),
                    c.position.clone().unwrap_or_default(),
                    c.email.clone().unwrap_or_default(),
                    c.phone.clone().unwrap_or_default(),
                    list(&c.languages),
                ]),
            }
        }
    }
    let state = i
        .text("country_code")
        .and_then(states::find)
        .map(|s| s.name.clone());
    r.insert(STATE_AT, state.unwrap_or_default());
    r.iter().map(|c| neutralise(c)).collect()
}

mod read;

pub use self::read::Columns;
pub(super) use self::read::read;

#[cfg(test)]
mod tests;
