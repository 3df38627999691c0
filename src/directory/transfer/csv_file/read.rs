//! Reading CSV: the header names the columns, each row is one authority.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;

use serde_json::Value;

use super::{CONTACT_PARTS, DESIGNATED, article_column, restore, split};
use crate::directory::edit::input::{AuthorityInput, ContactInput, DesignationInput};
use crate::directory::fields::{self, Field};
use crate::directory::transfer::{Entry, Place, Problem};
use crate::domain::Article;

/// What a column of the file holds.
#[derive(Debug, Clone, Copy)]
enum Column {
    Field(&'static Field),
    Article {
        article: Article,
        note: bool,
    },
    Contact {
        n: usize,
        part: &'static str,
    },
    /// Written for readers, not read (`state_name`).
    Derived,
}

fn column(name: &str) -> Option<Column> {
    if name == super::STATE_NAME {
        return Some(Column::Derived);
    }
    if let Some(f) = fields::field(name) {
        return Some(Column::Field(f));
    }
    for article in Article::all() {
        let base = article_column(article);
        if name == base {
            return Some(Column::Article {
                article,
                note: false,
            });
        }
        if name.strip_prefix(base.as_str()) == Some("_note") {
            return Some(Column::Article {
                article,
                note: true,
            });
        }
    }
    let (digits, part) = name.strip_prefix("contact")?.split_once('_')?;
    // One spelling per group: contact01_name would be a second contact1_name.
    let n: usize = digits
        .parse()
        .ok()
        .filter(|n: &usize| *n >= 1 && n.to_string() == digits)?;
    let part = CONTACT_PARTS.iter().find(|p| **p == part)?;
    Some(Column::Contact { n, part })
}

/// The columns a record's fields were read from, to name them in problems.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The article of each designation, in the order of `designations`.
    articles: Vec<Article>,
    /// The group number (`contactN_`) of each contact person.
    contacts: Vec<usize>,
}

impl Columns {
    /// The column behind a field name of the validator, such as
    /// `contacts[0].email` (`contact1_email`).
    pub fn column_of(&self, field: &str) -> String {
        if field == "designations" {
            return "art_*".into();
        }
        let indexed = |prefix: &str| -> Option<(usize, &str)> {
            let (i, rest) = field.strip_prefix(prefix)?.split_once("].")?;
            Some((i.parse().ok()?, rest))
        };
        if let Some((i, part)) = indexed("designations[")
            && let Some(a) = self.articles.get(i)
        {
            let base = article_column(*a);
            return if part == "note" {
                format!("{base}_note")
            } else {
                base
            };
        }
        if let Some((i, part)) = indexed("contacts[")
            && let Some(n) = self.contacts.get(i)
        {
            return format!("contact{n}_{part}");
        }
        field.to_string()
    }
}

/// Reads a CSV file; line numbers are those a spreadsheet shows, counting
/// the lines inside quoted cells.
pub(in crate::directory::transfer) fn read(input: impl Read) -> (Vec<Entry>, Vec<Problem>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let mut problems = Vec::new();
    let columns = match reader.headers() {
        Ok(h) if h.iter().all(str::is_empty) => {
            let m = "the file is empty; its first line must name the columns";
            return (vec![], vec![Problem::new(Place::Line(1), None, m)]);
        }
        Ok(h) => read_header(h, &mut problems),
        Err(e) => return (vec![], vec![csv_problem(&e)]),
    };
    if !problems.is_empty() {
        return (vec![], problems);
    }
    let mut entries = Vec::new();
    for result in reader.records() {
        match result {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                if let Some(e) = read_row(&columns, &record, line, &mut problems) {
                    entries.push(e);
                }
            }
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                problems.push(csv_problem(&e));
                if fatal {
                    break;
                }
            }
        }
    }
    (entries, problems)
}

fn csv_problem(e: &csv::Error) -> Problem {
    let line = e.position().map_or(1, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} cells where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text; save the file as CSV UTF-8".into(),
        _ => e.to_string(),
    };
    Problem::new(Place::Line(line), None, message)
}

fn read_header(header: &csv::StringRecord, problems: &mut Vec<Problem>) -> Vec<Column> {
    let mut seen = HashSet::new();
    let mut columns = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = raw.trim().to_ascii_lowercase();
        let field = Some(raw);
        match column(&name) {
            _ if name.is_empty() => {
                let m = format!("column {} has no name", i + 1);
                problems.push(Problem::new(Place::Line(1), None, m));
            }
            None => problems.push(Problem::new(
                Place::Line(1),
                field,
                "unknown column (see docs/import-format.md for the columns)",
            )),
            Some(_) if !seen.insert(name.clone()) => problems.push(Problem::new(
                Place::Line(1),
                field,
                "the column appears twice",
            )),
            Some(c) => columns.push(c),
        }
    }
    for required in fields::FIELDS.iter().filter(|f| f.required).map(|f| f.name) {
        if !seen.contains(required) {
            let m = format!("the column {required} is missing");
            problems.push(Problem::new(Place::Line(1), None, m));
        }
    }
    columns
}

fn read_row(
    columns: &[Column],
    record: &csv::StringRecord,
    line: u64,
    problems: &mut Vec<Problem>,
) -> Option<Entry> {
    let place = Place::Line(line);
    let mut input = AuthorityInput::default();
    // Indexed like Article::all(): the article cell, then the note.
    let mut articles: Vec<(Option<&str>, Option<&str>)> =
        Article::all().map(|_| (None, None)).collect();
    let mut people: BTreeMap<usize, ContactInput> = BTreeMap::new();
    let mut any = false;
    for (column, raw) in columns.iter().zip(record.iter()) {
        let cell = restore(raw);
        if cell.trim().is_empty() || matches!(column, Column::Derived) {
            continue;
        }
        any = true;
        match *column {
            Column::Field(f) if f.check.is_list() => input.set_list(f.name, Some(split(cell))),
            Column::Field(f) => input.set_text(f.name, Some(cell.to_string())),
            Column::Article { article, note } => {
                let i = Article::all()
                    .position(|a| a == article)
                    .unwrap_or_default();
                if note {
                    articles[i].1 = Some(cell);
                } else {
                    articles[i].0 = Some(cell);
                }
            }
            Column::Derived => {}
            Column::Contact { n, part } => {
                let c = people.entry(n).or_default();
                let text = Some(cell.to_string());
                match part {
                    "name" => c.name = text,
                    "position" => c.position = text,
                    "email" => c.email = text,
                    "phone" => c.phone = text,
                    _ => c.languages = Some(split(cell)),
                }
            }
        }
    }
    if !any {
        // Spreadsheets leave rows of empty cells behind; they are no record.
        return None;
    }
    let mut found = Columns::default();
    let mut designations = Vec::new();
    for (article, (cell, note)) in Article::all().zip(articles) {
        match cell {
            Some(cell) => {
                let functions =
                    (!cell.trim().eq_ignore_ascii_case(DESIGNATED)).then(|| split(cell));
                designations.push(DesignationInput {
                    article: serde_json::to_value(article).unwrap_or(Value::Null),
                    functions,
                    note: note.map(str::to_string),
                });
                found.articles.push(article);
            }
            None if note.is_some() => {
                let column = article_column(article);
                let m = format!(
                    "a note for an article not designated; write x or the functions in {column}"
                );
                problems.push(Problem::new(place, Some(&format!("{column}_note")), m));
            }
            None => {}
        }
    }
    input.designations = (!designations.is_empty()).then_some(designations);
    found.contacts = people.keys().copied().collect();
    input.contacts = (!people.is_empty()).then(|| people.into_values().collect());
    Some(Entry {
        place,
        input,
        columns: Some(found),
    })
}
