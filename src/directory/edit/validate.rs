//! Checking an authority as written: every invalid field is named, nothing
//! is half-accepted. The plain fields are checked as the field table says.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::input::{AuthorityInput, InputValue};
use crate::directory::fields::{AuthorityColumns, Check, FIELDS, Field};
use crate::directory::write::{NewContact, NewDesignation, ValidAuthority};
use crate::domain::{
    Article, AuthorityKind, AuthorityRef, Channel, CountryCode, Email, Function, LanguageCode,
    Phone, TimeZone, WebUrl, join_codes, typed,
};
use crate::error::FieldError;

impl AuthorityInput {
    /// Checks every field and returns the record to store, or every problem.
    pub fn validate(&self, now: NaiveDateTime) -> Result<ValidAuthority, Vec<FieldError>> {
        self.validate_against(now, None)
    }

    /// [`validate`](Self::validate) for an edit of `stored`: a plain field
    /// left as it was stored passes even if it breaks a rule made after it
    /// was written (a line break in a name imported before names were
    /// checked), so that an edit of the phone is not refused for the name.
    /// A field that is changed is checked in full.
    pub fn validate_edit(
        &self,
        now: NaiveDateTime,
        stored: &AuthorityInput,
    ) -> Result<ValidAuthority, Vec<FieldError>> {
        self.validate_against(now, Some(stored))
    }

    fn validate_against(
        &self,
        now: NaiveDateTime,
        stored: Option<&AuthorityInput>,
    ) -> Result<ValidAuthority, Vec<FieldError>> {
        let mut v = Validator::default();
        // Telephone numbers are read in the authority's State.
        let country = self
            .text("country_code")
            .and_then(|c| CountryCode::parse(c.trim()).ok());
        let default_country = country.map(|c| c.as_str());
        let texts: Vec<Option<String>> = FIELDS
            .iter()
            .map(|f| {
                let value = self.value(f.name);
                let checked = v.field(f, value, default_country, now);
                let as_stored = stored.is_some_and(|s| value.is_some() && s.value(f.name) == value);
                match value {
                    Some(InputValue::Text(t))
                        if checked.is_none() && as_stored && !t.trim().is_empty() =>
                    {
                        v.forgive(f.name);
                        Some(t.trim().to_string())
                    }
                    _ => checked,
                }
            })
            .collect();
        let designations = v.designations(self);
        let contacts = v.contacts(self, default_country);
        if !v.errors.is_empty() {
            return Err(v.errors);
        }
        Ok(ValidAuthority {
            columns: AuthorityColumns::from_texts(texts),
            created_at: now,
            designations,
            contacts,
        })
    }
}

/// A field's input checked and written as stored, as the table says.
fn check(
    check: Check,
    s: &str,
    default_country: Option<&str>,
    now: NaiveDateTime,
) -> Result<String, String> {
    match check {
        Check::Ref => AuthorityRef::parse(s).map(|r| r.as_str().to_string()),
        Check::Country => CountryCode::parse(s).map(|c| c.as_str().to_string()),
        Check::Kind => AuthorityKind::parse(s).map(|k| k.code().to_string()),
        Check::Line(max) => typed::line(s, max).map(|()| s.to_string()),
        Check::Lines(max) => typed::lines(s, max).map(|()| s.to_string()),
        Check::Phone => Phone::parse(s, default_country).map(|p| p.as_str().to_string()),
        Check::Email => Email::parse(s).map(|e| e.as_str().to_string()),
        Check::Url => WebUrl::parse(s).map(|u| u.as_str().to_string()),
        Check::TimeZone => TimeZone::parse(s).map(|t| t.name().to_string()),
        Check::PastDate => typed::date(s).and_then(|d| {
            if d > now.date() {
                Err("cannot be in the future".into())
            } else {
                Ok(d.to_string())
            }
        }),
        Check::Languages => LanguageCode::parse(s).map(|l| l.as_str().to_string()),
        Check::Channels => Channel::parse(s).map(|c| c.code().to_string()),
    }
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// How many contact persons an authority may list: more than an office
/// would name, few enough to be written in one statement on any backend.
pub const MAX_CONTACTS: usize = 50;
/// How many designations may be sent (there are six articles to designate).
pub const MAX_DESIGNATIONS: usize = 20;
/// How many codes a list may hold as sent, repeats included: languages,
/// channels, functions.
pub const MAX_CODES: usize = 30;

/// A list longer than `max`, named by its field.
fn too_many(field: &str, len: usize, max: usize) -> Option<FieldError> {
    (len > max).then(|| FieldError::new(field, format!("has {len} entries; at most {max}")))
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

    /// Drops the problems found with a field kept as it was stored.
    fn forgive(&mut self, field: &str) {
        self.errors.retain(|e| e.field != field);
    }

    fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|m| self.error(field, m)).ok()
    }

    /// One plain field, as stored (`None` when empty or invalid).
    fn field(
        &mut self,
        f: &Field,
        value: Option<&InputValue>,
        default_country: Option<&str>,
        now: NaiveDateTime,
    ) -> Option<String> {
        if f.check.is_list() {
            let items = match value {
                Some(InputValue::List(l)) => Some(l.clone()),
                Some(InputValue::Text(t)) => Some(vec![t.clone()]),
                None => None,
            };
            let list = self.list(f.name, &items, |s| check(f.check, s, default_country, now))?;
            return Some(join_codes(&list)).filter(|s| !s.is_empty());
        }
        let raw = match value {
            Some(InputValue::Text(t)) => Some(t.clone()),
            Some(InputValue::List(l)) => Some(l.join(", ")),
            None => None,
        };
        match text(&raw) {
            // An authority with no kind given is a competent authority.
            None if f.check == Check::Kind => {
                Some(AuthorityKind::CompetentAuthority.code().to_string())
            }
            None if f.required => {
                self.error(f.name, "is required");
                None
            }
            None => None,
            Some(s) => self.check(f.name, check(f.check, s, default_country, now)),
        }
    }

    fn designations(&mut self, input: &AuthorityInput) -> Vec<NewDesignation> {
        let mut designations = Vec::new();
        let sent = input.designations.as_deref().unwrap_or_default();
        if let Some(e) = too_many("designations", sent.len(), MAX_DESIGNATIONS) {
            self.errors.push(e);
            return designations;
        }
        for (i, d) in sent.iter().enumerate() {
            let field = format!("designations[{i}].article");
            let raw = match &d.article {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => String::new(),
            };
            let Some(article) = self.check(&field, Article::parse(&raw)) else {
                continue;
            };
            if designations
                .iter()
                .any(|x: &NewDesignation| x.article == article)
            {
                self.error(
                    &field,
                    format!("{} is designated twice", article.provision()),
                );
                continue;
            }
            let functions = self.list(
                &format!("designations[{i}].functions"),
                &d.functions,
                Function::parse,
            );
            let note = self.optional(&format!("designations[{i}].note"), &d.note, |s| {
                typed::lines(s, 1000).map(|()| s.to_string())
            });
            designations.push(NewDesignation {
                article,
                functions: functions.unwrap_or_default(),
                note: note.flatten(),
            });
        }
        if input.designations.as_ref().is_none_or(Vec::is_empty) {
            self.error(
                "designations",
                "an authority needs at least one designation (an article)",
            );
        }
        designations
    }

    fn contacts(
        &mut self,
        input: &AuthorityInput,
        default_country: Option<&str>,
    ) -> Vec<NewContact> {
        let mut contacts = Vec::new();
        let sent = input.contacts.as_deref().unwrap_or_default();
        if let Some(e) = too_many("contacts", sent.len(), MAX_CONTACTS) {
            self.errors.push(e);
            return contacts;
        }
        for (i, c) in sent.iter().enumerate() {
            let at = |f: &str| format!("contacts[{i}].{f}");
            let one_line = |s: &str| typed::line(s, 200).map(|()| s.to_string());
            let name = self.required(&at("name"), &c.name, one_line);
            let position = self.optional(&at("position"), &c.position, one_line);
            let email = self.optional(&at("email"), &c.email, |s| {
                Email::parse(s).map(|e| e.as_str().to_string())
            });
            let phone = self.optional(&at("phone"), &c.phone, |s| {
                Phone::parse(s, default_country).map(|p| p.as_str().to_string())
            });
            let languages = self.list(&at("languages"), &c.languages, |s| {
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
        contacts
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
        if let Some(e) = too_many(field, value.as_ref().map_or(0, Vec::len), MAX_CODES) {
            self.errors.push(e);
            return None;
        }
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
