//! An update as a focal point writes it, and its validation.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{Operations, Originals, YesNo, YesNoPartly};
use crate::db::ids::{AuthorityId, UpdateId};
use crate::db::schema::measure_updates;
use crate::domain::{Email, LanguageCode, or_blank, typed};
use crate::error::FieldError;

/// The document gives each field the type it must read as; the fields are
/// taken as text and checked by [`UpdateInput::validate`], which names a
/// field that does not. Empty text says nothing, as the form sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    /// Required, but for a focal point (its own authority by default).
    pub authority_id: Option<AuthorityId>,
    #[schema(schema_with = or_blank::<super::Operations>)]
    pub operations: Option<String>,
    #[schema(schema_with = or_blank::<YesNoPartly>)]
    pub electronic_requests: Option<String>,
    pub electronic_address: Option<String>,
    #[schema(schema_with = or_blank::<Originals>)]
    pub originals_required: Option<String>,
    pub time_limits: Option<String>,
    #[schema(schema_with = or_blank::<YesNo>)]
    pub video_hearings: Option<String>,
    #[schema(schema_with = or_blank::<YesNoPartly>)]
    pub surrenders: Option<String>,
    #[schema(schema_with = or_blank::<YesNoPartly>)]
    pub transfers: Option<String>,
    pub urgent_contact: Option<String>,
    pub remarks: Option<String>,
    /// An ISO 639-1 code.
    pub language: Option<String>,
    /// `YYYY-MM-DD`; today unless said.
    #[schema(schema_with = or_blank::<crate::domain::Day>)]
    pub effective_from: Option<String>,
    #[schema(schema_with = or_blank::<crate::domain::Day>)]
    pub effective_until: Option<String>,
    /// The measure in force the update was written against (its id, or
    /// null when none was); a submission against one no longer in force is
    /// refused with the current one. Left out: the one in force now.
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    #[schema(value_type = Option<UpdateId>)]
    pub base: Option<Option<UpdateId>>,
    /// Keep as a draft instead of submitting for review.
    #[serde(default)]
    pub draft: bool,
}

/// A validated update: the values, ready to store.
#[derive(Debug, Clone)]
pub struct ValidUpdate {
    pub operations: Option<Operations>,
    pub electronic_requests: Option<YesNoPartly>,
    pub electronic_address: Option<String>,
    pub originals_required: Option<Originals>,
    pub time_limits: Option<String>,
    pub video_hearings: Option<YesNo>,
    pub surrenders: Option<YesNoPartly>,
    pub transfers: Option<YesNoPartly>,
    pub urgent_contact: Option<String>,
    pub remarks: Option<String>,
    pub language: Option<String>,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
}

impl ValidUpdate {
    /// The update these values would make, unsaved: to compare it with the
    /// measure in force before it exists.
    pub fn preview(&self, authority_id: AuthorityId, now: chrono::NaiveDateTime) -> super::Update {
        super::Update {
            id: UpdateId(0),
            authority_id,
            status: super::Status::Draft,
            base_id: None,
            operations: self.operations,
            electronic_requests: self.electronic_requests,
            electronic_address: self.electronic_address.clone(),
            originals_required: self.originals_required,
            time_limits: self.time_limits.clone(),
            video_hearings: self.video_hearings,
            surrenders: self.surrenders,
            transfers: self.transfers,
            urgent_contact: self.urgent_contact.clone(),
            remarks: self.remarks.clone(),
            language: self.language.clone(),
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            rejection_reason: None,
            submitted_at: None,
            decided_at: None,
            updated_at: now,
            contacts_visible: true,
        }
    }

    /// The stored columns, for an insert or an update alike.
    #[allow(clippy::type_complexity)]
    pub(crate) fn values(
        &self,
    ) -> (
        diesel::dsl::Eq<measure_updates::operations, Option<&'static str>>,
        diesel::dsl::Eq<measure_updates::electronic_requests, Option<&'static str>>,
        diesel::dsl::Eq<measure_updates::electronic_address, Option<String>>,
        diesel::dsl::Eq<measure_updates::originals_required, Option<&'static str>>,
        diesel::dsl::Eq<measure_updates::time_limits, Option<String>>,
        diesel::dsl::Eq<measure_updates::video_hearings, Option<&'static str>>,
        diesel::dsl::Eq<measure_updates::surrenders, Option<&'static str>>,
        diesel::dsl::Eq<measure_updates::transfers, Option<&'static str>>,
        diesel::dsl::Eq<measure_updates::urgent_contact, Option<String>>,
        diesel::dsl::Eq<measure_updates::remarks, Option<String>>,
        diesel::dsl::Eq<measure_updates::language, Option<String>>,
        diesel::dsl::Eq<measure_updates::effective_from, NaiveDate>,
        diesel::dsl::Eq<measure_updates::effective_until, Option<NaiveDate>>,
    ) {
        use diesel::ExpressionMethods;
        (
            measure_updates::operations.eq(self.operations.map(|v| v.code())),
            measure_updates::electronic_requests.eq(self.electronic_requests.map(|v| v.code())),
            measure_updates::electronic_address.eq(self.electronic_address.clone()),
            measure_updates::originals_required.eq(self.originals_required.map(|v| v.code())),
            measure_updates::time_limits.eq(self.time_limits.clone()),
            measure_updates::video_hearings.eq(self.video_hearings.map(|v| v.code())),
            measure_updates::surrenders.eq(self.surrenders.map(|v| v.code())),
            measure_updates::transfers.eq(self.transfers.map(|v| v.code())),
            measure_updates::urgent_contact.eq(self.urgent_contact.clone()),
            measure_updates::remarks.eq(self.remarks.clone()),
            measure_updates::language.eq(self.language.clone()),
            measure_updates::effective_from.eq(self.effective_from),
            measure_updates::effective_until.eq(self.effective_until),
        )
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl UpdateInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidUpdate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut code =
            |field: &str, value: &Option<String>, parse: &dyn Fn(&str) -> Result<(), String>| {
                if let Some(v) = text(value)
                    && let Err(m) = parse(v)
                {
                    errors.push(FieldError::new(field, m));
                }
            };
        code("operations", &self.operations, &|v| {
            Operations::parse(v).map(|_| ())
        });
        code("electronic_requests", &self.electronic_requests, &|v| {
            YesNoPartly::parse(v).map(|_| ())
        });
        code("originals_required", &self.originals_required, &|v| {
            Originals::parse(v).map(|_| ())
        });
        code("video_hearings", &self.video_hearings, &|v| {
            YesNo::parse(v).map(|_| ())
        });
        code("surrenders", &self.surrenders, &|v| {
            YesNoPartly::parse(v).map(|_| ())
        });
        code("transfers", &self.transfers, &|v| {
            YesNoPartly::parse(v).map(|_| ())
        });
        code("language", &self.language, &|v| {
            LanguageCode::parse(v).map(|_| ())
        });
        let mut free_text =
            |field: &str, value: &Option<String>, check: fn(&str) -> Result<(), String>| {
                if let Some(v) = text(value)
                    && let Err(m) = check(v)
                {
                    errors.push(FieldError::new(field, m));
                }
            };
        free_text("time_limits", &self.time_limits, |v| typed::lines(v, 1000));
        free_text("urgent_contact", &self.urgent_contact, |v| {
            typed::line(v, 500)
        });
        free_text("remarks", &self.remarks, |v| typed::lines(v, 4000));
        free_text("electronic_address", &self.electronic_address, |v| {
            typed::line(v, 300)
        });
        // The address to send requests to: an email address or a web address.
        if let Some(a) = text(&self.electronic_address)
            && !errors.iter().any(|e| e.field == "electronic_address")
            && !a.starts_with("https://")
            && Email::parse(a).is_err()
        {
            errors.push(FieldError::new(
                "electronic_address",
                format!("{a:?} is neither an email address nor an https:// address"),
            ));
        }
        let date = |field: &str, value: &Option<String>, errors: &mut Vec<FieldError>| {
            text(value).and_then(|v| {
                typed::date(v)
                    .map_err(|m| errors.push(FieldError::new(field, m)))
                    .ok()
            })
        };
        let from = date("effective_from", &self.effective_from, &mut errors).unwrap_or(today);
        let until = date("effective_until", &self.effective_until, &mut errors);
        if until.is_some_and(|u| u < from) {
            errors.push(FieldError::new(
                "effective_until",
                "is before effective_from",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let own = |v: &Option<String>| text(v).map(String::from);
        Ok(ValidUpdate {
            operations: text(&self.operations).and_then(|v| Operations::parse(v).ok()),
            electronic_requests: text(&self.electronic_requests)
                .and_then(|v| YesNoPartly::parse(v).ok()),
            electronic_address: own(&self.electronic_address),
            originals_required: text(&self.originals_required)
                .and_then(|v| Originals::parse(v).ok()),
            time_limits: own(&self.time_limits),
            video_hearings: text(&self.video_hearings).and_then(|v| YesNo::parse(v).ok()),
            surrenders: text(&self.surrenders).and_then(|v| YesNoPartly::parse(v).ok()),
            transfers: text(&self.transfers).and_then(|v| YesNoPartly::parse(v).ok()),
            urgent_contact: own(&self.urgent_contact),
            remarks: own(&self.remarks),
            language: text(&self.language)
                .and_then(|v| LanguageCode::parse(v).ok())
                .map(|l| l.as_str().to_string()),
            effective_from: from,
            effective_until: until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let input = UpdateInput {
            operations: Some("closed".into()),
            electronic_requests: Some("maybe".into()),
            originals_required: Some("later".into()),
            electronic_address: Some("fax 123".into()),
            effective_from: Some("2026-12-01".into()),
            effective_until: Some("2026-11-30".into()),
            ..Default::default()
        };
        let fields: Vec<String> = input
            .validate(today)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "operations",
                "electronic_requests",
                "electronic_address",
                "effective_until"
            ]
        );
        let ok = UpdateInput {
            electronic_requests: Some("Yes".into()),
            electronic_address: Some("mla@justice.example".into()),
            video_hearings: Some("yes".into()),
            ..Default::default()
        };
        let checked = ok.validate(today).unwrap();
        assert_eq!(
            checked.effective_from, today,
            "from today unless said otherwise"
        );
        assert_eq!(checked.electronic_requests, Some(YesNoPartly::Yes));
    }
}
