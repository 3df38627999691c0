//! Authorities as stored (rows) and as used (a complete record with its
//! designations and contact persons).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use smallvec::SmallVec;

pub use super::changes::{Changed, Delta, bump_generation, changes_since, generation};
use super::fields::AuthorityColumns;
pub(super) use super::load::load;
pub use super::load::{load_all, load_one};
use super::packed::{Packed, Texts};
use crate::db::DbConnection;
use crate::db::ids::AuthorityId;
use crate::db::schema::{authorities, contact_persons, designations};
use crate::domain::{
    Article, AuthorityKind, Channel, CountryCode, Function, LanguageCode, split_codes,
};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = authorities)]
pub struct AuthorityRow {
    pub id: AuthorityId,
    #[diesel(embed)]
    pub columns: AuthorityColumns,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
}

/// Insert form; `None` is written as NULL so that batches work on SQLite.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = authorities, treat_none_as_default_value = false)]
pub struct NewAuthority {
    #[diesel(embed)]
    pub columns: AuthorityColumns,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = designations, treat_none_as_default_value = false)]
pub struct DesignationRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub authority_id: AuthorityId,
    pub instrument: String,
    pub article: i32,
    pub functions: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contact_persons, treat_none_as_default_value = false)]
pub struct ContactRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub authority_id: AuthorityId,
    pub seq: i32,
    pub name: String,
    pub position: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub languages: String,
}

/// An authority with everything a reader may see of it: its stored
/// fields (packed, read through `Deref`: `a.name()`), the ones with a type
/// parsed once, and its designations and contact persons.
#[derive(Debug, Clone)]
pub struct Authority {
    pub id: AuthorityId,
    fields: Packed,
    pub country: CountryCode,
    pub kind: AuthorityKind,
    pub languages: Languages,
    pub channels: Channels,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub designations: Designations,
    pub contacts: Contacts,
}

impl std::ops::Deref for Authority {
    type Target = Packed;

    fn deref(&self) -> &Packed {
        &self.fields
    }
}

// Lists of codes, kept inside what holds them up to a size no authority is
// likely to pass: 50,000 authorities' lists, each an allocation of its own,
// were about 250,000 small allocations (with languages in two bytes, the
// server at 50,000 is 7 MB smaller).
pub type Languages = SmallVec<[LanguageCode; 8]>;
pub type Channels = SmallVec<[Channel; 6]>;
pub type Functions = SmallVec<[Function; 3]>;
// Nearly every authority has one designation and one or two contact persons:
// kept inside it, not in two allocations more per authority.
pub type Designations = SmallVec<[Designation; 1]>;
pub type Contacts = SmallVec<[ContactPerson; 2]>;

/// A list in its inline room, or, longer, in an allocation of exactly its
/// size.
fn exactly<A: smallvec::Array>(items: impl IntoIterator<Item = A::Item>) -> SmallVec<A> {
    let mut list: SmallVec<A> = items.into_iter().collect();
    list.shrink_to_fit();
    list
}

/// A designation under an article. Its instrument, provision and title
/// follow from the article: they are written out when it is serialised, not
/// kept in each of the directory's designations.
#[derive(Debug, Clone)]
pub struct Designation {
    pub article: Article,
    pub functions: Functions,
    pub note: Option<Box<str>>,
}

impl Serialize for Designation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut d = s.serialize_struct("Designation", 6)?;
        d.serialize_field("instrument", self.article.instrument().code())?;
        d.serialize_field("article", &self.article)?;
        d.serialize_field("provision", self.article.provision())?;
        d.serialize_field("title", self.article.title())?;
        d.serialize_field("functions", &self.functions[..])?;
        d.serialize_field("note", &self.note)?;
        d.end()
    }
}

/// A contact person: name, position, email and phone packed in one
/// allocation (read by the methods of their names), and languages.
#[derive(Debug, Clone)]
pub struct ContactPerson {
    texts: Texts<4>,
    pub languages: Languages,
}

impl ContactPerson {
    pub fn new(
        name: &str,
        position: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        languages: Languages,
    ) -> Self {
        ContactPerson {
            texts: Texts::new([Some(name), position, email, phone]),
            languages,
        }
    }

    pub fn name(&self) -> &str {
        self.texts.get(0).unwrap_or_default()
    }

    pub fn position(&self) -> Option<&str> {
        self.texts.get(1)
    }

    pub fn email(&self) -> Option<&str> {
        self.texts.get(2)
    }

    pub fn phone(&self) -> Option<&str> {
        self.texts.get(3)
    }
}

impl Serialize for ContactPerson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut c = s.serialize_struct("ContactPerson", 5)?;
        c.serialize_field("name", self.name())?;
        c.serialize_field("position", &self.position())?;
        c.serialize_field("email", &self.email())?;
        c.serialize_field("phone", &self.phone())?;
        c.serialize_field("languages", &self.languages[..])?;
        c.end()
    }
}

/// What [`Designation`]'s `Serialize` writes.
impl utoipa::PartialSchema for Designation {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::domain::Instrument;
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        let text = || ObjectBuilder::new().schema_type(Type::String);
        let instruments = [
            Instrument::Convention,
            Instrument::MigrantsProtocol,
            Instrument::FirearmsProtocol,
        ]
        .map(Instrument::code);
        ObjectBuilder::new()
            .property("instrument", text().enum_values(Some(instruments)))
            .property("article", <Article as utoipa::PartialSchema>::schema())
            .property("provision", text())
            .property("title", text())
            .property(
                "functions",
                ArrayBuilder::new()
                    .items(<crate::domain::Function as utoipa::PartialSchema>::schema()),
            )
            .property("note", nullable_text())
            .required("instrument")
            .required("article")
            .required("provision")
            .required("title")
            .required("functions")
            .required("note")
            .into()
    }
}

impl utoipa::ToSchema for Designation {}

/// A string, or null when not given.
pub fn nullable_text() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .build()
}

/// What [`ContactPerson`]'s `Serialize` writes.
impl utoipa::PartialSchema for ContactPerson {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        ObjectBuilder::new()
            .property("name", ObjectBuilder::new().schema_type(Type::String))
            .property("position", nullable_text())
            .property("email", nullable_text())
            .property("phone", nullable_text())
            .property(
                "languages",
                ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some("ISO 639-1 codes, in order of preference")),
            )
            .required("name")
            .required("position")
            .required("email")
            .required("phone")
            .required("languages")
            .into()
    }
}

impl utoipa::ToSchema for ContactPerson {}

impl Authority {
    /// The authority of these stored columns, with its typed fields parsed;
    /// `None` when its State is not one this version knows.
    pub fn new(
        id: AuthorityId,
        columns: AuthorityColumns,
        version: i32,
        updated_at: NaiveDateTime,
        designations: impl IntoIterator<Item = Designation>,
        contacts: impl IntoIterator<Item = ContactPerson>,
    ) -> Option<Self> {
        Some(Authority {
            id,
            country: CountryCode::parse(&columns.country_code).ok()?,
            kind: AuthorityKind::parse(&columns.kind).unwrap_or(AuthorityKind::CompetentAuthority),
            languages: parse_list(&columns.languages, LanguageCode::parse),
            channels: parse_list(&columns.channels, Channel::parse),
            fields: Packed::of(&columns),
            version,
            updated_at,
            designations: exactly(designations),
            contacts: exactly(contacts),
        })
    }

    /// Convention articles under which this authority is designated.
    pub fn articles(&self) -> impl Iterator<Item = Article> + '_ {
        self.designations.iter().map(|d| d.article)
    }

    pub fn is_designated(&self, article: Article) -> bool {
        self.articles().any(|a| a == article)
    }

    pub fn designation(&self, article: Article) -> Option<&Designation> {
        self.designations.iter().find(|d| d.article == article)
    }

    /// Central authorities before others, for lists where the first answer
    /// is the one to write to.
    pub fn kind_rank(&self) -> u8 {
        match self.kind {
            AuthorityKind::CentralAuthority => 0,
            AuthorityKind::CompetentAuthority => 1,
            AuthorityKind::FocalPoint => 2,
        }
    }
}

pub(super) fn parse_list<A: smallvec::Array>(
    stored: &str,
    parse: fn(&str) -> Result<A::Item, String>,
) -> SmallVec<A> {
    // Values were validated on the way in; one written by a newer version
    // that this one does not know is left out rather than failing the load.
    exactly(split_codes(stored).filter_map(|c| parse(c).ok()))
}

/// Number of authorities stored, archived or not.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    authorities::table.count().get_result(conn)
}

/// An authority as mail names it: ref, name and State.
#[derive(Debug, Clone, Serialize)]
pub struct MailLabel {
    pub id: AuthorityId,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub name: String,
    pub country_name: String,
}

pub fn mail_label(conn: &mut DbConnection, id: AuthorityId) -> QueryResult<MailLabel> {
    let (ref_, name, country): (String, String, String) = authorities::table
        .find(id)
        .select((
            authorities::ref_,
            authorities::name,
            authorities::country_code,
        ))
        .first(conn)?;
    let country_name = crate::domain::states::find(&country).map_or(country, |s| s.name.clone());
    Ok(MailLabel {
        id,
        ref_,
        name,
        country_name,
    })
}

/// The id of the authority in service with this ref, or an error naming the
/// `authority` field (for binding a focal point to it).
pub fn live_id_of_ref(
    conn: &mut DbConnection,
    r: &str,
) -> Result<AuthorityId, crate::error::AppError> {
    use crate::error::{AppError, FieldError};
    authorities::table
        .filter(authorities::ref_.eq(r.trim()))
        .filter(authorities::archived_at.is_null())
        .select(authorities::id)
        .first::<AuthorityId>(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "authority",
                format!("no authority has the ref \"{}\"", r.trim()),
            )])
        })
}

/// The ref of an authority, archived or not.
pub fn ref_of(conn: &mut DbConnection, id: AuthorityId) -> QueryResult<Option<String>> {
    authorities::table
        .find(id)
        .select(authorities::ref_)
        .first(conn)
        .optional()
}
