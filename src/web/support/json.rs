//! The JSON shapes of DESIGN.md's interfaces. Pages render from the same
//! values, so a page and the API never disagree.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde_json::json;

use crate::directory::search::Snapshot;
use crate::domain::CountryCode;

use crate::directory::model::{Authority, ContactPerson, Designation};
use crate::domain::states::{Region, State};
use crate::domain::{Article, AuthorityKind, Channel, Instrument, LanguageCode};

#[derive(Serialize)]
pub struct AuthorityJson<'a> {
    pub id: i64,
    #[serde(rename = "ref")]
    pub ref_: &'a str,
    pub country_code: &'a str,
    pub country_name: &'a str,
    pub name: &'a str,
    pub name_local: Option<&'a str>,
    pub acronym: Option<&'a str>,
    pub kind: AuthorityKind,
    pub territory: Option<&'a str>,
    /// Convention articles, as integers.
    pub articles: Vec<i32>,
    pub languages: &'a [LanguageCode],
    pub language_note: Option<&'a str>,
    pub channels: &'a [Channel],
    pub city: Option<&'a str>,
    pub verified_at: Option<NaiveDate>,
    pub version: i32,
    /// Left out of lists, which stay small; `GET /authorities/{id}` has it.
    #[serde(flatten)]
    pub detail: Option<DetailJson<'a>>,
    /// False when contact details were left out for this reader.
    pub contacts_visible: bool,
    #[serde(flatten)]
    pub contact: Option<ContactJson<'a>>,
}

#[derive(Serialize)]
pub struct DetailJson<'a> {
    pub designations: &'a [Designation],
    pub time_zone: Option<&'a str>,
    pub office_hours: Option<&'a str>,
    pub requirements: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

#[derive(Serialize)]
pub struct ContactJson<'a> {
    pub address: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub fax: Option<&'a str>,
    pub email: Option<&'a str>,
    pub website: Option<&'a str>,
    pub urgent_contact: Option<&'a str>,
    pub contacts: &'a [ContactPerson],
}

impl<'a> AuthorityJson<'a> {
    /// The record as JSON text, for the directory's cache of rendered records.
    pub fn raw(&self) -> Box<serde_json::value::RawValue> {
        serde_json::value::to_raw_value(self).expect("an authority always serialises")
    }

    /// The record as a list shows it: without the detail of designations,
    /// hours, requirements and notes.
    pub fn summary(a: &'a Authority, sees_contacts: bool) -> Self {
        Self {
            detail: None,
            ..Self::new(a, sees_contacts)
        }
    }

    pub fn new(a: &'a Authority, sees_contacts: bool) -> Self {
        Self {
            id: a.id,
            ref_: &a.ref_,
            country_code: a.country.as_str(),
            country_name: &a.country.state().name,
            name: &a.name,
            name_local: a.name_local.as_deref(),
            acronym: a.acronym.as_deref(),
            kind: a.kind,
            territory: a.territory.as_deref(),
            articles: a
                .articles()
                .filter(|art| art.instrument() == Instrument::Convention)
                .map(Article::number)
                .collect(),
            languages: &a.languages,
            language_note: a.language_note.as_deref(),
            channels: &a.channels,
            city: a.city.as_deref(),
            verified_at: a.verified_at,
            version: a.version,
            detail: Some(DetailJson {
                designations: &a.designations,
                time_zone: a.time_zone.as_deref(),
                office_hours: a.office_hours.as_deref(),
                requirements: a.requirements.as_deref(),
                notes: a.notes.as_deref(),
                updated_at: a.updated_at,
            }),
            contacts_visible: sees_contacts,
            contact: sees_contacts.then(|| ContactJson {
                address: a.address.as_deref(),
                postal_code: a.postal_code.as_deref(),
                phone: a.phone.as_deref(),
                fax: a.fax.as_deref(),
                email: a.email.as_deref(),
                website: a.website.as_deref(),
                urgent_contact: a.urgent_contact.as_deref(),
                contacts: &a.contacts,
            }),
        }
    }
}

#[derive(Serialize)]
pub struct CountryJson<'a> {
    pub code: &'a str,
    pub alpha3: Option<&'a str>,
    pub numeric: Option<&'a str>,
    pub name: &'a str,
    pub status: crate::domain::states::StateStatus,
    pub region: &'a Region,
    pub subregion: Option<&'a Region>,
    pub languages: &'a [String],
    pub time_zone: &'a str,
    pub authority_count: usize,
}

impl<'a> CountryJson<'a> {
    pub fn new(s: &'a State, authority_count: usize) -> Self {
        Self {
            code: &s.alpha2,
            alpha3: s.alpha3.as_deref(),
            numeric: s.numeric.as_deref(),
            name: &s.name,
            status: s.status,
            region: &s.region,
            subregion: s.subregion.as_ref(),
            languages: &s.languages,
            time_zone: &s.time_zone,
            authority_count,
        }
    }
}

#[derive(Serialize)]
pub struct ArticleJson {
    pub article: Article,
    pub instrument: &'static str,
    pub provision: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
}

impl From<Article> for ArticleJson {
    fn from(a: Article) -> Self {
        Self {
            article: a,
            instrument: a.instrument().code(),
            provision: a.provision(),
            title: a.title(),
            summary: a.summary(),
        }
    }
}

/// The list shape every list answers with.
#[derive(Serialize)]
pub struct ListJson<T: Serialize> {
    pub items: Vec<T>,
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

/// A State's authorities grouped by the articles they are designated under.
pub fn by_article(
    directory: &Snapshot,
    country: CountryCode,
    sees_contacts: bool,
) -> serde_json::Value {
    let groups: Vec<serde_json::Value> = Article::all()
        .map(|article| {
            let designated = directory.designated(country, article);
            let list: Vec<AuthorityJson> = designated
                .iter()
                .map(|a| AuthorityJson::new(a, sees_contacts))
                .collect();
            json!({
                "article": article,
                "provision": article.provision(),
                "title": article.title(),
                "authorities": list,
            })
        })
        .collect();
    json!(groups)
}
