//! What the edit template shows: every field with its value as typed and its
//! error, the choices of channels, articles and functions, contact rows.

use serde_json::{Value, json};

use crate::directory::edit::AuthorityInput;
use crate::domain::states;
use crate::domain::{Article, AuthorityKind, Channel, Function};
use crate::error::FieldError;

/// Labels, kinds and hints of the plain fields, in the order of the form.
const FIELDS: &[(&str, &str, &str, &str)] = &[
    ("name", "Name in English", "text", ""),
    ("name_local", "Name in the State's language", "text", ""),
    ("acronym", "Acronym", "text", ""),
    (
        "territory",
        "Territory",
        "text",
        "Only when the authority serves part of the State",
    ),
    ("address", "Postal address", "textarea", ""),
    ("postal_code", "Postal code", "text", ""),
    ("city", "City", "text", ""),
    (
        "phone",
        "Phone",
        "tel",
        "With the country code, e.g. +43 1 26060",
    ),
    ("fax", "Fax", "tel", ""),
    ("email", "Email", "email", ""),
    ("website", "Website", "url", "https://…"),
    (
        "languages",
        "Languages accepted",
        "text",
        "ISO 639-1 codes in order of preference, e.g. fr, en",
    ),
    (
        "language_note",
        "Note on languages",
        "textarea",
        "e.g. certified translation required (art. 18(14))",
    ),
    (
        "urgent_contact",
        "Urgent or out-of-hours contact",
        "text",
        "",
    ),
    ("office_hours", "Office hours", "text", ""),
    (
        "time_zone",
        "Time zone",
        "text",
        "IANA name, e.g. Europe/Vienna",
    ),
    ("requirements", "Procedural requirements", "textarea", ""),
    ("notes", "Notes", "textarea", ""),
];

fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    let list: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
        .map(|e| e.message.as_str())
        .collect();
    (!list.is_empty()).then(|| list.join("; "))
}

/// Everything the edit template shows.
pub(crate) fn form_context(input: &AuthorityInput, errors: &[FieldError], admin: bool) -> Value {
    let get = |name: &str| -> String {
        let v = serde_json::to_value(input).unwrap_or(Value::Null);
        match &v[name] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    };
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(name, label, kind, hint)| {
            json!({
                "name": name, "label": label, "value": get(name), "textarea": *kind == "textarea",
                "type": kind, "hint": hint, "error": error_for(errors, name),
                "required": *name == "name",
            })
        })
        .collect();
    let chosen_channels = input.channels.clone().unwrap_or_default();
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .map(|c| json!({"code": c.code(), "label": c.label(), "checked": chosen_channels.iter().any(|x| x == c.code())}))
        .collect();
    let designations = input.designations.clone().unwrap_or_default();
    let articles: Vec<Value> = Article::all()
        .map(|a| {
            let found = designations.iter().find(|d| {
                let raw = match &d.article {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                Article::parse(&raw).ok() == Some(a)
            });
            let functions: Vec<Value> = Function::ALL
                .iter()
                .map(|f| {
                    let on = found
                        .and_then(|d| d.functions.as_ref())
                        .is_some_and(|list| list.iter().any(|x| x == f.code()));
                    json!({"code": f.code(), "label": f.label(), "checked": on})
                })
                .collect();
            json!({
                "slug": a.slug(), "provision": a.provision(), "title": a.title(),
                "checked": found.is_some(), "functions": functions,
                "note": found.and_then(|d| d.note.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let mut contacts: Vec<Value> = input
        .contacts
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            json!({
                "name": c.name.clone().unwrap_or_default(), "position": c.position.clone().unwrap_or_default(),
                "email": c.email.clone().unwrap_or_default(), "phone": c.phone.clone().unwrap_or_default(),
                "languages": c.languages.clone().unwrap_or_default().join(", "),
            })
        })
        .collect();
    // Room for one more person (two on a new record).
    let blank = json!({"name": "", "position": "", "email": "", "phone": "", "languages": ""});
    contacts.push(blank.clone());
    if contacts.len() < 2 {
        contacts.push(blank);
    }
    for (i, c) in contacts.iter_mut().enumerate() {
        c["i"] = json!(i);
        c["number"] = json!(i + 1);
        c["error"] = json!(error_for(errors, &format!("contacts[{i}]")));
    }
    let kinds: Vec<Value> = AuthorityKind::ALL
        .iter()
        .map(|k| json!({"code": k.code(), "label": k.label(), "selected": input.kind.as_deref().unwrap_or("competent_authority") == k.code()}))
        .collect();
    let country = input
        .country_code
        .clone()
        .unwrap_or_default()
        .to_uppercase();
    let states: Vec<Value> = states::all()
        .iter()
        .map(|s| json!({"code": s.alpha2, "name": s.name, "selected": s.alpha2 == country}))
        .collect();
    json!({
        "admin": admin,
        "ref": input.ref_.clone().unwrap_or_default(),
        "ref_error": error_for(errors, "ref"),
        "country_code": country,
        "country_error": error_for(errors, "country_code"),
        "states": states,
        "kinds": kinds,
        "kind_error": error_for(errors, "kind"),
        "fields": fields,
        "channels": channels,
        "channels_error": error_for(errors, "channels"),
        "articles": articles,
        "designations_error": error_for(errors, "designations"),
        "contacts": contacts,
        "errors": errors,
        "error_count": errors.len(),
    })
}
