//! An authority's fields as named text values, to say which changed.

use super::super::model::Authority;
use super::super::write::ValidAuthority;
use crate::audit::FieldChange;
use crate::directory::fields::FIELDS;

/// A record as named text values, in reading order, for comparing two.
pub fn flatten(r: &ValidAuthority) -> Vec<(&'static str, Option<String>)> {
    let join = |v: Vec<String>| Some(v.join("; ")).filter(|s| !s.is_empty());
    let mut out: Vec<(&'static str, Option<String>)> = FIELDS
        .iter()
        .zip(r.columns.texts())
        .map(|(f, stored)| (f.name, f.display(stored)))
        .collect();
    out.extend([
        (
            "designations",
            join(
                r.designations
                    .iter()
                    .map(|d| {
                        let mut s = d.article.provision().to_string();
                        if !d.functions.is_empty() {
                            let f: Vec<&str> = d.functions.iter().map(|f| f.code()).collect();
                            s.push_str(&format!(" ({})", f.join(", ")));
                        }
                        if let Some(n) = &d.note {
                            s.push_str(&format!(": {n}"));
                        }
                        s
                    })
                    .collect(),
            ),
        ),
        (
            "contacts",
            join(
                r.contacts
                    .iter()
                    .map(|c| {
                        [
                            Some(c.name.clone()),
                            c.position.clone(),
                            c.email.clone(),
                            c.phone.clone(),
                            Some(c.languages.join(" ")).filter(|s| !s.is_empty()),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                    })
                    .collect(),
            ),
        ),
    ]);
    out
}

/// The fields that differ between two versions of a record.
pub fn diff(old: Option<&ValidAuthority>, new: &ValidAuthority) -> Vec<FieldChange> {
    let before = old.map(flatten);
    flatten(new)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (field, value))| {
            let previous = before.as_ref().and_then(|b| b[i].1.clone());
            (previous != value).then(|| FieldChange {
                field: field.to_string(),
                old: previous,
                new: value,
            })
        })
        .collect()
}

/// A stored authority as a record, to compare with an edited one.
pub fn record_of(a: &Authority) -> ValidAuthority {
    use crate::directory::write::{NewContact, NewDesignation};
    ValidAuthority {
        columns: a.columns(),
        created_at: a.updated_at,
        designations: a
            .designations
            .iter()
            .map(|d| NewDesignation {
                article: d.article,
                functions: d.functions.to_vec(),
                note: d.note.as_deref().map(str::to_string),
            })
            .collect(),
        contacts: a
            .contacts
            .iter()
            .map(|c| NewContact {
                name: c.name().to_string(),
                position: c.position().map(ToString::to_string),
                email: c.email().map(ToString::to_string),
                phone: c.phone().map(ToString::to_string),
                languages: c.languages.iter().map(|l| l.as_str().to_string()).collect(),
            })
            .collect(),
    }
}
