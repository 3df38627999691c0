//! An authority as people and programs write it (API, forms, import): its
//! fields by name (from the field table), designations and contact persons.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::directory::fields::{self, FIELDS};
use crate::directory::model::Authority;
use crate::domain::split_codes;
use crate::error::FieldError;

/// A field's value as written: text, or a list of codes.
#[derive(Debug, Clone, PartialEq)]
pub enum InputValue {
    Text(String),
    List(Vec<String>),
}

/// Every writable field; absent and null mean "none". The names are those of
/// the JSON read from the API, so a record read can be written back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorityInput {
    values: BTreeMap<&'static str, InputValue>,
    pub designations: Option<Vec<DesignationInput>>,
    pub contacts: Option<Vec<ContactInput>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DesignationInput {
    /// 16, "18", "art. 31" or a Protocol's "migrants-8".
    pub article: Value,
    #[serde(default)]
    pub functions: Option<Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContactInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
}

/// Fields the API answers with that a write may carry back unchanged.
pub(super) const READ_ONLY: &[&str] = &[
    "id",
    "country_name",
    "articles",
    "contacts_visible",
    "updated_at",
    "version",
    "stale",
];

/// Reads a JSON object into an input, naming unknown fields as errors so a
/// typing mistake is not silently dropped.
pub fn from_json(value: Value) -> Result<(AuthorityInput, Option<i32>), Vec<FieldError>> {
    let Value::Object(mut map) = value else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let version = match map.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => return Err(vec![FieldError::new("version", "must be a whole number")]),
        },
    };
    // `articles` alone (a list of numbers) stands for designations without
    // functions or notes.
    if !map.contains_key("designations")
        && let Some(Value::Array(list)) = map.get("articles")
    {
        let designations: Vec<Value> = list
            .iter()
            .map(|a| serde_json::json!({"article": a}))
            .collect();
        map.insert("designations".into(), Value::Array(designations));
    }
    let known = |k: &str| fields::field(k).is_some() || k == "designations" || k == "contacts";
    let unknown: Vec<FieldError> = map
        .keys()
        .filter(|k| !known(k) && !READ_ONLY.contains(&k.as_str()))
        .map(|k| FieldError::new(k, "is not a field of an authority"))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    for k in READ_ONLY {
        map.remove(*k);
    }
    let input = from_map(map)?;
    Ok((input, version))
}

/// An input from a JSON object's keys; keys that are not fields are left
/// for [`from_json`] to name. A value of the wrong type is named by its key:
/// serde's own message names the value (`5`), not where it was.
fn from_map(map: serde_json::Map<String, Value>) -> Result<AuthorityInput, Vec<FieldError>> {
    fn read<T: serde::de::DeserializeOwned>(
        key: &str,
        value: Value,
        errors: &mut Vec<FieldError>,
    ) -> Option<T> {
        serde_json::from_value(value)
            .map_err(|e| errors.push(FieldError::new(key, e.to_string())))
            .ok()
    }
    let mut input = AuthorityInput::default();
    let mut errors = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "designations" => input.designations = read(&key, value, &mut errors).flatten(),
            "contacts" => input.contacts = read(&key, value, &mut errors).flatten(),
            name => {
                let Some(f) = fields::field(name) else {
                    continue;
                };
                let v = if f.check.is_list() {
                    read::<Option<Vec<String>>>(&key, value, &mut errors)
                        .flatten()
                        .map(InputValue::List)
                } else {
                    read::<Option<String>>(&key, value, &mut errors)
                        .flatten()
                        .map(InputValue::Text)
                };
                input.set(f.name, v);
            }
        }
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

impl AuthorityInput {
    /// A field's value, as written.
    pub fn value(&self, name: &str) -> Option<&InputValue> {
        self.values.get(name)
    }

    /// A text field's value.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(InputValue::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// A list field's value.
    pub fn list(&self, name: &str) -> Option<&[String]> {
        match self.values.get(name) {
            Some(InputValue::List(l)) => Some(l),
            _ => None,
        }
    }

    /// Sets (or, with `None`, clears) a field named by the code itself.
    pub fn set(&mut self, name: &str, value: Option<InputValue>) {
        let name = FIELDS[fields::index(name)].name;
        match value {
            Some(v) => self.values.insert(name, v),
            None => self.values.remove(name),
        };
    }

    pub fn set_text(&mut self, name: &str, value: Option<String>) {
        self.set(name, value.map(InputValue::Text));
    }

    pub fn set_list(&mut self, name: &str, value: Option<Vec<String>>) {
        self.set(name, value.map(InputValue::List));
    }

    /// The current record as input, so a partial update (PATCH) can be
    /// merged over it and validated whole.
    pub fn from_authority(a: &Authority) -> Self {
        let codes = |v: Vec<&str>| Some(v.into_iter().map(String::from).collect());
        let values = FIELDS
            .iter()
            .zip(a.texts())
            .filter_map(|(f, stored)| {
                let value = if f.check.is_list() {
                    let stored = stored.unwrap_or_default();
                    InputValue::List(split_codes(stored).map(String::from).collect())
                } else {
                    InputValue::Text(stored?.to_string())
                };
                Some((f.name, value))
            })
            .collect();
        AuthorityInput {
            values,
            designations: Some(
                a.designations
                    .iter()
                    .map(|d| DesignationInput {
                        article: serde_json::to_value(d.article).unwrap_or(Value::Null),
                        functions: codes(d.functions.iter().map(|f| f.code()).collect()),
                        note: d.note.as_deref().map(str::to_string),
                    })
                    .collect(),
            ),
            contacts: Some(
                a.contacts
                    .iter()
                    .map(|c| ContactInput {
                        name: Some(c.name().to_string()),
                        position: c.position().map(ToString::to_string),
                        email: c.email().map(ToString::to_string),
                        phone: c.phone().map(ToString::to_string),
                        languages: codes(c.languages.iter().map(|l| l.as_str()).collect()),
                    })
                    .collect(),
            ),
        }
    }

    /// A partial update: fields present in `patch` replace those here.
    pub fn merge(mut self, patch: &serde_json::Map<String, Value>, with: AuthorityInput) -> Self {
        for f in FIELDS {
            if patch.contains_key(f.name) {
                self.set(f.name, with.values.get(f.name).cloned());
            }
        }
        if patch.contains_key("designations") || patch.contains_key("articles") {
            self.designations = with.designations;
        }
        if patch.contains_key("contacts") {
            self.contacts = with.contacts;
        }
        self
    }

    /// What a reader sees of this input: without contact fields and persons
    /// unless `sees_contacts` (the anonymous download).
    pub fn shown(&self, sees_contacts: bool) -> Shown<'_> {
        Shown {
            input: self,
            sees_contacts,
        }
    }
}

impl Serialize for AuthorityInput {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shown(true).serialize(s)
    }
}

/// An input as JSON, with every field (null when absent), in the order of
/// the field table.
pub struct Shown<'a> {
    input: &'a AuthorityInput,
    sees_contacts: bool,
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for f in FIELDS.iter().filter(|f| f.visible(self.sees_contacts)) {
            match self.input.values.get(f.name) {
                Some(InputValue::Text(t)) => map.serialize_entry(f.name, t)?,
                Some(InputValue::List(l)) => map.serialize_entry(f.name, l)?,
                None => map.serialize_entry(f.name, &None::<()>)?,
            }
        }
        map.serialize_entry("designations", &self.input.designations)?;
        if self.sees_contacts {
            map.serialize_entry("contacts", &self.input.contacts)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for AuthorityInput {
    /// Keys that are not fields are left for [`from_json`] to name.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(d)?;
        from_map(map).map_err(|errors| {
            let said: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            D::Error::custom(said.join("; "))
        })
    }
}
