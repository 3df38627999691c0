//! An authority as people and programs write it (API, forms, import), and
//! its validation: every invalid field is named, nothing is half-accepted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::directory::model::Authority;
use crate::directory::write::{NewContact, NewDesignation, ValidAuthority};
use crate::domain::{
    Article, AuthorityKind, AuthorityRef, Channel, CountryCode, Email, Function, LanguageCode,
    Phone, TimeZone, WebUrl,
};
use crate::error::FieldError;

/// Every writable field; absent and null mean "none". The names are those of
/// the JSON read from the API, so a record read can be written back.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuthorityInput {
    #[serde(rename = "ref", default)]
    pub ref_: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub name_local: Option<String>,
    #[serde(default)]
    pub acronym: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub territory: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub fax: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    #[serde(default)]
    pub language_note: Option<String>,
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    #[serde(default)]
    pub urgent_contact: Option<String>,
    #[serde(default)]
    pub office_hours: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub requirements: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub verified_at: Option<String>,
    #[serde(default)]
    pub designations: Option<Vec<DesignationInput>>,
    #[serde(default)]
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
const READ_ONLY: &[&str] = &[
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
    let known = serde_json::to_value(AuthorityInput::default())
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
        .unwrap_or_default();
    let unknown: Vec<FieldError> = map
        .keys()
        .filter(|k| !known.contains(k) && !READ_ONLY.contains(&k.as_str()))
        .map(|k| FieldError::new(k, "is not a field of an authority"))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    for k in READ_ONLY {
        map.remove(*k);
    }
    let input: AuthorityInput = serde_json::from_value(Value::Object(map)).map_err(|e| {
        vec![FieldError::new(
            field_of_serde_error(&e.to_string()),
            e.to_string(),
        )]
    })?;
    Ok((input, version))
}

fn field_of_serde_error(message: &str) -> String {
    // serde says "invalid type: ... at line 1 column 20" without the key; the
    // caller still sees the whole message.
    message
        .split('`')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| "body".into())
}

impl AuthorityInput {
    /// The current record as input, so a partial update (PATCH) can be
    /// merged over it and validated whole.
    pub fn from_authority(a: &Authority) -> Self {
        let codes = |v: Vec<&str>| Some(v.into_iter().map(String::from).collect());
        AuthorityInput {
            ref_: Some(a.ref_.clone()),
            country_code: Some(a.country.as_str().to_string()),
            name: Some(a.name.clone()),
            name_local: a.name_local.clone(),
            acronym: a.acronym.clone(),
            kind: Some(a.kind.code().to_string()),
            territory: a.territory.clone(),
            address: a.address.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            phone: a.phone.clone(),
            fax: a.fax.clone(),
            email: a.email.clone(),
            website: a.website.clone(),
            languages: codes(a.languages.iter().map(|l| l.as_str()).collect()),
            language_note: a.language_note.clone(),
            channels: codes(a.channels.iter().map(|c| c.code()).collect()),
            urgent_contact: a.urgent_contact.clone(),
            office_hours: a.office_hours.clone(),
            time_zone: a.time_zone.clone(),
            requirements: a.requirements.clone(),
            notes: a.notes.clone(),
            verified_at: a.verified_at.map(|d| d.to_string()),
            designations: Some(
                a.designations
                    .iter()
                    .map(|d| DesignationInput {
                        article: serde_json::to_value(d.article).unwrap_or(Value::Null),
                        functions: codes(d.functions.iter().map(|f| f.code()).collect()),
                        note: d.note.clone(),
                    })
                    .collect(),
            ),
            contacts: Some(
                a.contacts
                    .iter()
                    .map(|c| ContactInput {
                        name: Some(c.name.clone()),
                        position: c.position.clone(),
                        email: c.email.clone(),
                        phone: c.phone.clone(),
                        languages: codes(c.languages.iter().map(|l| l.as_str()).collect()),
                    })
                    .collect(),
            ),
        }
    }

    /// A partial update: fields present in `patch` replace those here.
    pub fn merge(mut self, patch: &serde_json::Map<String, Value>, with: AuthorityInput) -> Self {
        macro_rules! take {
            ($($field:ident => $key:literal),* $(,)?) => {
                $(if patch.contains_key($key) { self.$field = with.$field.clone(); })*
            };
        }
        take!(
            ref_ => "ref", country_code => "country_code", name => "name",
            name_local => "name_local", acronym => "acronym", kind => "kind",
            territory => "territory", address => "address", postal_code => "postal_code",
            city => "city", phone => "phone", fax => "fax", email => "email",
            website => "website", languages => "languages", language_note => "language_note",
            channels => "channels", urgent_contact => "urgent_contact",
            office_hours => "office_hours", time_zone => "time_zone",
            requirements => "requirements", notes => "notes", verified_at => "verified_at",
            designations => "designations", contacts => "contacts",
        );
        if patch.contains_key("articles") && !patch.contains_key("designations") {
            self.designations = with.designations;
        }
        self
    }

    /// Checks every field and returns the record to store, or every problem.
    pub fn validate(&self, now: chrono::NaiveDateTime) -> Result<ValidAuthority, Vec<FieldError>> {
        let mut v = Validator::default();
        let ref_ = v.required("ref", &self.ref_, |s| {
            AuthorityRef::parse(s).map(|r| r.as_str().to_string())
        });
        let country = v.required("country_code", &self.country_code, CountryCode::parse);
        let default_country = country.map(|c| c.as_str());
        let name = v.required("name", &self.name, |s| limit(s, 300));
        let kind = match text(&self.kind) {
            None => Some(AuthorityKind::CompetentAuthority),
            Some(k) => v.check("kind", AuthorityKind::parse(k)),
        };
        let phone = v.optional("phone", &self.phone, |s| {
            Phone::parse(s, default_country).map(|p| p.as_str().to_string())
        });
        let fax = v.optional("fax", &self.fax, |s| {
            Phone::parse(s, default_country).map(|p| p.as_str().to_string())
        });
        let email = v.optional("email", &self.email, |s| {
            Email::parse(s).map(|e| e.as_str().to_string())
        });
        let website = v.optional("website", &self.website, |s| {
            WebUrl::parse(s).map(|u| u.as_str().to_string())
        });
        let time_zone = v.optional("time_zone", &self.time_zone, |s| {
            TimeZone::parse(s).map(|t| t.name().to_string())
        });
        let verified_at = v.optional("verified_at", &self.verified_at, |s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| format!("{s:?} is not a date; write it as YYYY-MM-DD"))
                .and_then(|d| {
                    if d > now.date() {
                        Err("cannot be in the future".into())
                    } else {
                        Ok(d)
                    }
                })
        });
        let languages = v.list("languages", &self.languages, |s| {
            LanguageCode::parse(s).map(|l| l.as_str().to_string())
        });
        let channels = v.list("channels", &self.channels, Channel::parse);
        let short = |field: &'static str, value: &Option<String>, max: usize, v: &mut Validator| {
            v.optional(field, value, |s| limit(s, max))
        };
        let name_local = short("name_local", &self.name_local, 300, &mut v);
        let acronym = short("acronym", &self.acronym, 30, &mut v);
        let territory = short("territory", &self.territory, 200, &mut v);
        let address = short("address", &self.address, 500, &mut v);
        let postal_code = short("postal_code", &self.postal_code, 30, &mut v);
        let city = short("city", &self.city, 120, &mut v);
        let language_note = short("language_note", &self.language_note, 1000, &mut v);
        let urgent_contact = short("urgent_contact", &self.urgent_contact, 500, &mut v);
        let office_hours = short("office_hours", &self.office_hours, 300, &mut v);
        let requirements = short("requirements", &self.requirements, 4000, &mut v);
        let notes = short("notes", &self.notes, 4000, &mut v);

        let mut designations = Vec::new();
        for (i, d) in self.designations.iter().flatten().enumerate() {
            let field = format!("designations[{i}].article");
            let raw = match &d.article {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => String::new(),
            };
            let Some(article) = v.check(&field, Article::parse(&raw)) else {
                continue;
            };
            if designations
                .iter()
                .any(|x: &NewDesignation| x.article == article)
            {
                v.error(
                    &field,
                    format!("{} is designated twice", article.provision()),
                );
                continue;
            }
            let functions = v.list(
                &format!("designations[{i}].functions"),
                &d.functions,
                Function::parse,
            );
            let note = v.optional(&format!("designations[{i}].note"), &d.note, |s| {
                limit(s, 1000)
            });
            designations.push(NewDesignation {
                article,
                functions: functions.unwrap_or_default(),
                note: note.flatten(),
            });
        }
        if self.designations.as_ref().is_none_or(Vec::is_empty) {
            v.error(
                "designations",
                "an authority needs at least one designation (an article)",
            );
        }
        let mut contacts = Vec::new();
        for (i, c) in self.contacts.iter().flatten().enumerate() {
            let at = |f: &str| format!("contacts[{i}].{f}");
            let name = v.required(&at("name"), &c.name, |s| limit(s, 200));
            let position = v.optional(&at("position"), &c.position, |s| limit(s, 200));
            let email = v.optional(&at("email"), &c.email, |s| {
                Email::parse(s).map(|e| e.as_str().to_string())
            });
            let phone = v.optional(&at("phone"), &c.phone, |s| {
                Phone::parse(s, default_country).map(|p| p.as_str().to_string())
            });
            let languages = v.list(&at("languages"), &c.languages, |s| {
                LanguageCode::parse(s).map(|l| l.as_str().to_string())
            });
            if let Some(name) = name {
                contacts.push(NewContact {
                    name,
                    position: position.flatten(),
                    email: email.flatten(),
                    phone: phone.flatten(),
                    languages: languages.unwrap_or_default(),
                });
            }
        }
        if !v.errors.is_empty() {
            return Err(v.errors);
        }
        Ok(ValidAuthority {
            ref_: ref_.expect("required fields were checked"),
            country_code: country
                .map(|c| c.as_str().to_string())
                .expect("required fields were checked"),
            name: name.expect("required fields were checked"),
            name_local: name_local.flatten(),
            acronym: acronym.flatten(),
            kind: kind.expect("required fields were checked"),
            territory: territory.flatten(),
            address: address.flatten(),
            postal_code: postal_code.flatten(),
            city: city.flatten(),
            phone: phone.flatten(),
            fax: fax.flatten(),
            email: email.flatten(),
            website: website.flatten(),
            languages: languages.unwrap_or_default(),
            language_note: language_note.flatten(),
            channels: channels.unwrap_or_default(),
            urgent_contact: urgent_contact.flatten(),
            office_hours: office_hours.flatten(),
            time_zone: time_zone.flatten(),
            requirements: requirements.flatten(),
            notes: notes.flatten(),
            verified_at: verified_at.flatten(),
            created_at: now,
            designations,
            contacts,
        })
    }
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn limit(s: &str, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("contains control characters".into());
    }
    Ok(s.to_string())
}

/// Collects every problem instead of stopping at the first.
#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|m| self.error(field, m)).ok()
    }

    fn required<T>(
        &mut self,
        field: &str,
        value: &Option<String>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match text(value) {
            None => {
                self.error(field, "is required");
                None
            }
            Some(s) => self.check(field, parse(s)),
        }
    }

    /// `Some(None)` when empty, `Some(Some(v))` when valid, `None` when not.
    fn optional<T>(
        &mut self,
        field: &str,
        value: &Option<String>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match text(value) {
            None => Some(None),
            Some(s) => self.check(field, parse(s)).map(Some),
        }
    }

    fn list<T: PartialEq>(
        &mut self,
        field: &str,
        value: &Option<Vec<String>>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        let mut ok = true;
        for raw in value
            .iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            match parse(raw) {
                Ok(item) if !out.contains(&item) => out.push(item),
                Ok(_) => {}
                Err(m) => {
                    self.error(field, m);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }
}
