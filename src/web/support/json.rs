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
            map.serialize_entry("designations", &a.designations[..])?;
            map.serialize_entry("updated_at", &a.updated_at)?;
        }
        // False when contact details were left out for this reader.
        map.serialize_entry("contacts_visible", &self.sees_contacts)?;
        if self.sees_contacts {
            map.serialize_entry("contacts", &a.contacts[..])?;
        }
        map.end()
    }
}

/// The record's schema, read from the field table as [`AuthorityJson`]
/// writes it: a field added to the table is in the document at once.
fn authority_schema(full: bool) -> utoipa::openapi::schema::Object {
    use crate::directory::model::{ContactPerson, Designation, nullable_text};
    use utoipa::PartialSchema;
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let mut o = ObjectBuilder::new()
        .property("id", crate::db::ids::AuthorityId::schema())
        .required("id");
    let nullable = crate::directory::fields::nullable();
    for (f, nullable) in FIELDS.iter().zip(nullable) {
        if !full && f.shown == Shown::OnRecord {
            continue;
        }
        let value: utoipa::openapi::RefOr<_> = if f.check.is_list() {
            ArrayBuilder::new()
                .items(text())
                .description(Some(f.label))
                .into()
        } else if nullable {
            let mut v = nullable_text();
            v.description = Some(f.label.to_string());
            if f.check == Check::PastDate {
                v.format = Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Date,
                ));
            }
            v.into()
        } else {
            text().description(Some(f.label)).into()
        };
        o = o.property(f.name, value);
        // Contact details are left out for readers who may not see them.
        if f.visible(false) {
            o = o.required(f.name);
        }
        if f.check == Check::Country {
            o = o.property("country_name", text()).required("country_name");
        }
    }
    let numbers: Vec<i32> = Article::convention().map(Article::number).collect();
    o = o
        .property(
            "articles",
            ArrayBuilder::new()
                .items(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .enum_values(Some(numbers)),
                )
                .description(Some("The Convention articles it is designated under")),
        )
        .required("articles")
        .property("version", i32::schema())
        .required("version");
    if full {
        o = o
            .property(
                "designations",
                ArrayBuilder::new().items(Designation::schema()),
            )
            .required("designations")
            .property("updated_at", crate::domain::Timestamp::schema())
            .required("updated_at");
    }
    o.property(
        "contacts_visible",
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(
                "False when contact details were left out for this reader",
            )),
    )
    .required("contacts_visible")
    .property(
        "contacts",
        ArrayBuilder::new()
            .items(ContactPerson::schema())
            .description(Some("Contact persons, for readers who may see contacts")),
    )
    .build()
}

/// The full record, as `GET /api/v1/authorities/{id}` and writes answer.
impl utoipa::PartialSchema for AuthorityJson<'_> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        authority_schema(true).into()
    }
}

impl utoipa::ToSchema for AuthorityJson<'_> {
    fn name() -> std::borrow::Cow<'static, str> {
        "Authority".into()
    }
}

/// The record as lists show it ([`AuthorityJson::summary`]), for the
/// document only.
pub struct AuthoritySummary;

impl utoipa::PartialSchema for AuthoritySummary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        authority_schema(false).into()
    }
}

impl utoipa::ToSchema for AuthoritySummary {}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Country)]
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

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ArticleInfo)]
pub struct ArticleJson {
    pub article: Article,
    /// `untoc`, `migrants_protocol` or `firearms_protocol`.
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
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = List)]
pub struct ListJson<T> {
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
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleGroup {
    pub article: Article,
    pub provision: &'static str,
    pub title: &'static str,
    #[schema(value_type = Vec<AuthorityJson<'static>>)]
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
