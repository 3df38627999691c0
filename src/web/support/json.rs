//! The JSON shapes of DESIGN.md's interfaces. Pages render from the same
//! values, so a page and the API never disagree.

use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::directory::search::Snapshot;
use crate::domain::CountryCode;

use crate::directory::fields::{Check, FIELDS, Shown};
use crate::directory::model::Authority;
use crate::domain::states::{Region, State};
use crate::domain::{Article, Instrument, split_codes};

/// An authority as the API and the pages show it: `id`, its fields as the
/// field table says this reader sees them (with `country_name` beside
/// `country_code`), `articles`, `version`, then on the full record its
/// designations and `updated_at`, and, for readers allowed contacts, its
/// contact persons.
pub struct AuthorityJson<'a> {
    a: &'a Authority,
    /// Lists leave out the fields shown on the full record only.
    full: bool,
    sees_contacts: bool,
}

impl<'a> AuthorityJson<'a> {
    /// The record as JSON text, for the directory's cache of rendered records.
    pub fn raw(&self) -> Box<serde_json::value::RawValue> {
        serde_json::value::to_raw_value(self).expect("an authority always serialises")
    }

    /// The record as a list shows it: without designations and the fields
    /// shown on the full record only.
    pub fn summary(a: &'a Authority, sees_contacts: bool) -> Self {
        Self {
            a,
            full: false,
            sees_contacts,
        }
    }

    pub fn new(a: &'a Authority, sees_contacts: bool) -> Self {
        Self {
            a,
            full: true,
            sees_contacts,
        }
    }
}

impl Serialize for AuthorityJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.a;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &a.id)?;
        let shown = FIELDS
            .iter()
            .zip(a.texts())
            .filter(|(f, _)| f.visible(self.sees_contacts))
            .filter(|(f, _)| self.full || f.shown != Shown::OnRecord);
        for (f, stored) in shown {
            if f.check.is_list() {
                let items: Vec<&str> = split_codes(stored.unwrap_or_default()).collect();
                map.serialize_entry(f.name, &items)?;
            } else {
                map.serialize_entry(f.name, &stored)?;
            }
            if f.check == Check::Country {
                map.serialize_entry("country_name", &a.country.state().name)?;
            }
        }
        // Convention articles, as integers.
        let articles: Vec<i32> = a
            .articles()
            .filter(|art| art.instrument() == Instrument::Convention)
            .map(Article::number)
            .collect();
        map.serialize_entry("articles", &articles)?;
        map.serialize_entry("version", &a.version)?;
        if self.full {
            map.serialize_entry("designations", &a.designations)?;
            map.serialize_entry("updated_at", &a.updated_at)?;
        }
        // False when contact details were left out for this reader.
        map.serialize_entry("contacts_visible", &self.sees_contacts)?;
        if self.sees_contacts {
            map.serialize_entry("contacts", &a.contacts)?;
        }
        map.end()
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

/// Authorities shared from the snapshot, each as [`AuthorityJson`].
pub struct AuthorityList {
    pub list: Vec<Arc<Authority>>,
    pub sees_contacts: bool,
}

impl Serialize for AuthorityList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.list
                .iter()
                .map(|a| AuthorityJson::new(a, self.sees_contacts)),
        )
    }
}

/// The authorities of a State designated under one article.
#[derive(Serialize)]
pub struct ArticleGroup {
    pub article: Article,
    pub provision: &'static str,
    pub title: &'static str,
    pub authorities: AuthorityList,
}

/// A State's authorities grouped by the articles they are designated under.
pub fn by_article(
    directory: &Snapshot,
    country: CountryCode,
    sees_contacts: bool,
) -> Vec<ArticleGroup> {
    Article::all()
        .map(|article| ArticleGroup {
            article,
            provision: article.provision(),
            title: article.title(),
            authorities: AuthorityList {
                list: directory.designated(country, article),
                sees_contacts,
            },
        })
        .collect()
}
