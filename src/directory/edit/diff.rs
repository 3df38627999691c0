//! An authority's fields as named text values, to say which changed.

use super::super::model::Authority;
use super::super::write::ValidAuthority;
use crate::audit::FieldChange;

/// A record as named text values, in reading order, for comparing two.
pub fn flatten(r: &ValidAuthority) -> Vec<(&'static str, Option<String>)> {
    let join = |v: Vec<String>| Some(v.join("; ")).filter(|s| !s.is_empty());
    vec![
        ("ref", Some(r.ref_.clone())),
        ("country_code", Some(r.country_code.clone())),
        ("name", Some(r.name.clone())),
        ("name_local", r.name_local.clone()),
        ("acronym", r.acronym.clone()),
        ("kind", Some(r.kind.code().to_string())),
        ("territory", r.territory.clone()),
        ("address", r.address.clone()),
        ("postal_code", r.postal_code.clone()),
        ("city", r.city.clone()),
        ("phone", r.phone.clone()),
        ("fax", r.fax.clone()),
        ("email", r.email.clone()),
        ("website", r.website.clone()),
        ("languages", join(r.languages.clone())),
        ("language_note", r.language_note.clone()),
        (
            "channels",
            join(r.channels.iter().map(|c| c.code().to_string()).collect()),
        ),
        ("urgent_contact", r.urgent_contact.clone()),
        ("office_hours", r.office_hours.clone()),
        ("time_zone", r.time_zone.clone()),
        ("requirements", r.requirements.clone()),
        ("notes", r.notes.clone()),
        ("verified_at", r.verified_at.map(|d| d.to_string())),
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
    ]
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
        ref_: a.ref_.clone(),
        country_code: a.country.as_str().to_string(),
        name: a.name.clone(),
        name_local: a.name_local.clone(),
        acronym: a.acronym.clone(),
        kind: a.kind,
        territory: a.territory.clone(),
        address: a.address.clone(),
        postal_code: a.postal_code.clone(),
        city: a.city.clone(),
        phone: a.phone.clone(),
        fax: a.fax.clone(),
        email: a.email.clone(),
        website: a.website.clone(),
        languages: a.languages.iter().map(|l| l.as_str().to_string()).collect(),
        language_note: a.language_note.clone(),
        channels: a.channels.clone(),
        urgent_contact: a.urgent_contact.clone(),
        office_hours: a.office_hours.clone(),
        time_zone: a.time_zone.clone(),
        requirements: a.requirements.clone(),
        notes: a.notes.clone(),
        verified_at: a.verified_at,
        created_at: a.updated_at,
        designations: a
            .designations
            .iter()
            .map(|d| NewDesignation {
                article: d.article,
                functions: d.functions.clone(),
                note: d.note.clone(),
            })
            .collect(),
        contacts: a
            .contacts
            .iter()
            .map(|c| NewContact {
                name: c.name.clone(),
                position: c.position.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                languages: c.languages.iter().map(|l| l.as_str().to_string()).collect(),
            })
            .collect(),
    }
}
