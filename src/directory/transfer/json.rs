//! JSON: an array of authorities in the shape the API writes
//! ([`AuthorityInput`]), or an object `{"authorities": [...]}`.

use std::borrow::Borrow;
use std::io::{Read, Write};

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Entry, Place, Problem};
use crate::directory::edit::input::{self, AuthorityInput};
use crate::directory::model::Authority;

/// Writes the records as a pretty-printed JSON array, in the order given.
/// Without contacts it is the anonymous download: no contact fields (see the
/// field table) and no contact persons.
pub fn write<A: Borrow<Authority>>(
    records: &[A],
    include_contacts: bool,
    mut out: impl Write,
) -> std::io::Result<()> {
    let inputs: Vec<AuthorityInput> = records
        .iter()
        .map(|a| AuthorityInput::from_authority(a.borrow()))
        .collect();
    let shown: Vec<_> = inputs.iter().map(|i| i.shown(include_contacts)).collect();
    serde_json::to_writer_pretty(&mut out, &shown)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The file as an object: `{"authorities": [...]}` and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapped {
    authorities: Vec<Box<RawValue>>,
}

const SHAPE: &str = "the file must hold an array of authorities, or {\"authorities\": [...]}";

/// Reads a JSON file. Every item is checked for unknown fields and wrong
/// types here; the values themselves are validated later.
pub(super) fn read(mut input: impl Read) -> (Vec<Entry>, Vec<Problem>) {
    let start = Place::At { line: 1, column: 1 };
    let mut text = String::new();
    if let Err(e) = input.read_to_string(&mut text) {
        let m = format!("cannot be read as UTF-8 text: {e}");
        return (vec![], vec![Problem::new(start, None, m)]);
    }
    // Editors on Windows start UTF-8 files with a byte order mark.
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Items stay unparsed text until their turn: the whole file as values
    // would take several times its size in memory.
    let items = match body.trim_start().chars().next() {
        Some('[') => serde_json::from_str::<Vec<Box<RawValue>>>(body),
        Some('{') => serde_json::from_str::<Wrapped>(body).map(|w| w.authorities),
        _ => return (vec![], vec![Problem::new(start, None, SHAPE)]),
    };
    let items = match items {
        Ok(items) => items,
        Err(e) => {
            let place = Place::At {
                line: e.line(),
                column: e.column(),
            };
            let m = if e.is_data() {
                SHAPE.to_string()
            } else {
                format!("not valid JSON: {}", without_position(&e.to_string()))
            };
            return (vec![], vec![Problem::new(place, None, m)]);
        }
    };
    let mut entries = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let place = Place::Item(i + 1);
        let value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
        match input::from_json(value) {
            Ok((input, _version)) => entries.push(Entry {
                place,
                input,
                columns: None,
            }),
            Err(errors) => problems.extend(errors.into_iter().map(|e| {
                let field = if e.field == "body" {
                    field_of_type_error(raw)
                } else {
                    Some(e.field)
                };
                Problem::new(place, field.as_deref(), e.message)
            })),
        }
    }
    (entries, problems)
}

/// The first field that cannot be read on its own; `None` when the item is
/// not an object at all.
fn field_of_type_error(item: &RawValue) -> Option<String> {
    let Ok(Value::Object(map)) = serde_json::from_str(item.get()) else {
        return None;
    };
    map.iter()
        .find(|(k, v)| {
            let alone = serde_json::json!({ k.as_str(): v });
            serde_json::from_value::<AuthorityInput>(alone).is_err()
        })
        .map(|(k, _)| k.clone())
}

/// serde_json ends its messages with " at line L column C", which the
/// problem already says in front.
fn without_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        read(text.as_bytes())
            .1
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn reads_an_array_or_an_object_holding_one() {
        let item = r#"{"ref": "A-1", "country_code": "FR", "name": "X", "articles": [18]}"#;
        for text in [
            format!("[{item}]"),
            format!("{{\"authorities\": [{item}]}}"),
        ] {
            let (entries, problems) = read(text.as_bytes());
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].place, Place::Item(1));
            assert_eq!(entries[0].input.text("ref"), Some("A-1"));
            assert_eq!(
                entries[0].input.designations.as_ref().map(Vec::len),
                Some(1)
            );
        }
    }

    #[test]
    fn syntax_errors_say_where() {
        assert_eq!(
            problems("[\n  {\"ref\": \"A\",}\n]"),
            ["line 2, column 15: not valid JSON: key must be a string"]
        );
        assert_eq!(
            problems(r#"{"items": []}"#),
            [
                "line 1, column 8: the file must hold an array of authorities, or {\"authorities\": [...]}"
            ]
        );
        assert_eq!(
            problems("3"),
            [
                "line 1, column 1: the file must hold an array of authorities, or {\"authorities\": [...]}"
            ]
        );
        let (entries, problems) = read("\u{feff}[]".as_bytes());
        assert!(entries.is_empty() && problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn items_with_unknown_fields_or_wrong_types_are_named() {
        let text = r#"[{"ref": "A"}, {"ref": "B", "nmae": "x"}, 3, {"languages": "en"}]"#;
        let found = problems(text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0],
            "item 2, field nmae: is not a field of an authority"
        );
        assert_eq!(found[1], "item 3: must be a JSON object");
        assert_eq!(
            found[2],
            "item 4, field languages: invalid type: string \"en\", expected a sequence"
        );
    }
}
