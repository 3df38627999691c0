//! Moving the whole directory in and out: CSV and JSON files for import and
//! export, and vCards for address books.
//!
//! Both file formats are read into [`AuthorityInput`], the shape every writer
//! uses, so an imported record is validated exactly as one typed in a form.
//! An import is all or nothing: every problem of every record is reported,
//! and only a file without any is written, in one transaction.

mod apply;
pub mod csv_file;
pub mod json;
pub mod vcard;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use chrono::NaiveDateTime;

pub use self::apply::{Summary, apply};
use super::edit::input::AuthorityInput;
use super::write::ValidAuthority;
use crate::error::FieldError;

/// Records between two progress reports on large files.
pub const PROGRESS_EVERY: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            _ => Err(format!("unknown format {raw:?}; use csv or json")),
        }
    }

    /// From the file's extension, when it has a known one.
    pub fn guess(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        Self::parse(ext).ok()
    }
}

/// Where a record, or a problem, is in the file, as people look for it: the
/// line a spreadsheet shows for CSV, the 1-based position in the list for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Line(u64),
    Item(usize),
    /// A JSON syntax error, before there are items.
    At {
        line: usize,
        column: usize,
    },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Item(n) => write!(f, "item {n}"),
            Place::At { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

/// One thing wrong with an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn new(place: Place, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            place,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field {field}: {}", self.place, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

/// A record read from a file, not yet validated.
#[derive(Debug, Clone)]
pub struct Entry {
    pub place: Place,
    pub input: AuthorityInput,
    /// For CSV, the columns the validator's field names stand for.
    pub columns: Option<csv_file::Columns>,
}

impl Entry {
    fn problem(&self, e: FieldError) -> Problem {
        let field = match &self.columns {
            Some(c) => c.column_of(&e.field),
            None => e.field,
        };
        Problem::new(self.place, Some(&field), e.message)
    }
}

/// Reads a whole file. Every problem found is returned; the entries are
/// only worth validating when there is none.
pub fn read(format: Format, input: impl std::io::Read) -> Result<Vec<Entry>, Vec<Problem>> {
    let (entries, problems) = match format {
        Format::Csv => csv_file::read(input),
        Format::Json => json::read(input),
    };
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// A record that passed validation, with where it came from.
#[derive(Debug, Clone)]
pub struct ValidEntry {
    pub place: Place,
    pub record: ValidAuthority,
}

/// Validates every entry and checks that no ref appears twice; returns the
/// records to write, or every problem of every entry.
pub fn validate(
    entries: &[Entry],
    now: NaiveDateTime,
    mut progress: impl FnMut(usize),
) -> Result<Vec<ValidEntry>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(entries.len());
    let mut first_of: HashMap<&str, Place> = HashMap::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        if let Some(ref_) = entry.input.text("ref").map(str::trim)
            && !ref_.is_empty()
        {
            if let Some(first) = first_of.get(ref_) {
                problems.push(Problem::new(
                    entry.place,
                    Some(&field_name(entry, "ref")),
                    format!("{ref_:?} is already the ref of {first}"),
                ));
            } else {
                first_of.insert(ref_, entry.place);
            }
        }
        match entry.input.validate(now) {
            Ok(mut record) => {
                // Stored designations are read back in article order; in
                // file order a re-import would always look like a change.
                record.designations.sort_by_key(|d| d.article);
                valid.push(ValidEntry {
                    place: entry.place,
                    record,
                })
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e| entry.problem(e))),
        }
        if (i + 1) % PROGRESS_EVERY == 0 {
            progress(i + 1);
        }
    }
    if problems.is_empty() {
        Ok(valid)
    } else {
        problems.sort_by_key(|p| order(p.place));
        Err(problems)
    }
}

fn field_name(entry: &Entry, field: &str) -> String {
    match &entry.columns {
        Some(c) => c.column_of(field),
        None => field.to_string(),
    }
}

fn order(place: Place) -> (usize, u64) {
    match place {
        Place::At { line, .. } => (0, line as u64),
        Place::Line(n) => (1, n),
        Place::Item(n) => (1, n as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(place: Place, ref_: &str, name: Option<&str>) -> Entry {
        Entry {
            place,
            input: {
                let mut input = AuthorityInput::default();
                input.designations = Some(vec![super::super::edit::input::DesignationInput {
                    article: serde_json::json!(18),
                    ..Default::default()
                }]);
                input.set_text("ref", Some(ref_.into()));
                input.set_text("country_code", Some("FR".into()));
                input.set_text("name", name.map(str::to_string));
                input
            },
            columns: None,
        }
    }

    #[test]
    fn duplicate_refs_name_the_first_occurrence() {
        let now = crate::clock::Clock::system().now();
        let entries = vec![
            entry(Place::Item(1), "A-1", Some("One")),
            entry(Place::Item(2), "B-1", None),
            entry(Place::Item(3), "A-1", Some("Again")),
        ];
        let problems = validate(&entries, now, |_| {}).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "item 2, field name: is required",
                "item 3, field ref: \"A-1\" is already the ref of item 1"
            ]
        );
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(Format::guess(Path::new("x/list.CSV")), Some(Format::Csv));
        assert_eq!(Format::guess(Path::new("list.json")), Some(Format::Json));
        assert_eq!(Format::guess(Path::new("list.txt")), None);
        assert_eq!(Format::guess(Path::new("list")), None);
        assert!(Format::parse("xml").unwrap_err().contains("csv or json"));
    }
}
