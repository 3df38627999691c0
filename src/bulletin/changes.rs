//! The bulletin's section on the directory: what happened to each authority
//! in the period, from the history of changes, in a few words.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::compile::state_name;
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::{authorities, changes};
use crate::directory::fields::{self, Topic};

#[derive(Serialize)]
pub(super) struct Changed {
    name: String,
    #[serde(rename = "ref")]
    ref_: String,
    state: String,
    link: String,
    what: String,
}

/// What a changed field (or child list) in the history is about.
fn topic(field: &str) -> Option<Topic> {
    match field {
        "designations" => Some(Topic::Designation),
        "contacts" => Some(Topic::Contact),
        _ => fields::field(field).map(|f| f.topic),
    }
}

/// What happened to each authority in the period, in a few words.
pub(super) fn directory_changes(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    base_url: &str,
) -> QueryResult<Vec<Changed>> {
    let rows: Vec<(AuthorityId, String, String, String, String, String)> = changes::table
        .inner_join(authorities::table)
        .filter(changes::at.gt(from))
        .filter(changes::at.le(to))
        .order(changes::id)
        .select((
            changes::authority_id,
            authorities::name,
            authorities::ref_,
            authorities::country_code,
            changes::action,
            changes::fields,
        ))
        .load(conn)?;
    let mut by: BTreeMap<(String, String), (AuthorityId, String, Vec<&'static str>)> =
        BTreeMap::new();
    for (id, name, ref_, country, action, fields) in rows {
        let fields: Vec<crate::audit::FieldChange> =
            serde_json::from_str(&fields).unwrap_or_default();
        let touched = |t: Topic| fields.iter().any(|f| topic(&f.field) == Some(t));
        let mut what = Vec::new();
        match action.as_str() {
            "create" | "import" if fields.iter().any(|f| f.field == "ref" && f.old.is_none()) => {
                what.push("added to the directory")
            }
            "archive" => what.push("archived"),
            "update" | "import" | "approve designation change" => {
                for (t, words) in [
                    (Topic::Contact, "contact details changed"),
                    (Topic::Designation, "designations changed"),
                    (Topic::NameOrPlace, "name or place changed"),
                    (Topic::Arrangements, "working arrangements changed"),
                ] {
                    if touched(t) {
                        what.push(words);
                    }
                }
            }
            // Measures have their own sections; "still correct" is no change.
            _ => {}
        }
        if what.is_empty() {
            continue;
        }
        let entry = by
            .entry((state_name(&country), name))
            .or_insert((id, ref_, Vec::new()));
        for w in what {
            if !entry.2.contains(&w) {
                entry.2.push(w);
            }
        }
    }
    Ok(by
        .into_iter()
        .map(|((state, name), (id, ref_, what))| Changed {
            name,
            ref_,
            state,
            link: format!("{base_url}/authorities/{id}"),
            what: what.join("; "),
        })
        .collect())
}
