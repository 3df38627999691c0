//! A search as it arrives (query parameters, in the API's document too)
//! and as it is validated.

use crate::domain::states::{self, Region};
use crate::domain::{Article, CountryCode, LanguageCode, paging};
use crate::error::AppError;

pub const DEFAULT_PER_PAGE: u32 = 20;

/// What a search asks for, already validated.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub country: Option<CountryCode>,
    pub article: Option<Article>,
    pub region: Option<Region>,
    pub language: Option<LanguageCode>,
    pub page: u32,
    pub per_page: u32,
    /// Whether contact persons' names may match: only for readers who may
    /// see contact details, or a search would say who works where.
    pub contacts: bool,
}

/// Search parameters as they arrive, before validation.
/// Every parameter is optional; an empty one is as if left out.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, at most 200 characters: names, acronym, city, State, reference,
    /// article or channel; a close spelling is forgiven.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2 or alpha-3 code of a State party.
    pub country: Option<String>,
    /// `16`, `17`, `18`, `31`, `migrants-8`, `firearms-13` (or `art. 18`).
    pub article: Option<String>,
    /// A UN M49 region or sub-region, by code (`150`) or name (`Western Africa`).
    pub region: Option<String>,
    /// An ISO 639-1 code the authority accepts.
    pub language: Option<String>,
    #[param(schema_with = page_or_blank)]
    pub page: Option<String>,
    #[param(schema_with = per_page_or_blank)]
    pub per_page: Option<String>,
}

/// A whole number from 1 to `max`, or empty (the search form sends every
/// field; empty is as if left out).
fn number_or_blank(
    max: u32,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(max)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .description(Some(description))
        .into()
}

fn page_or_blank() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    number_or_blank(paging::MAX_PAGE, "The page, from 1")
}

fn per_page_or_blank() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    number_or_blank(paging::MAX_PER_PAGE, "Results on a page (20 unless asked)")
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SearchParams {
    /// Validates every parameter; the error names the first bad one.
    pub fn parse(&self) -> Result<SearchQuery, AppError> {
        let number = |name: &str,
                      v: &Option<String>,
                      read: fn(&str) -> Result<u32, String>,
                      default: u32| {
            present(v).map_or(Ok(default), |s| {
                read(s).map_err(|m| AppError::bad_param(name, m))
            })
        };
        let page = number("page", &self.page, paging::page, 1)?;
        let per_page = number(
            "per_page",
            &self.per_page,
            paging::per_page,
            DEFAULT_PER_PAGE,
        )?;
        let q = present(&self.q).map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(AppError::bad_param("q", "at most 200 characters"));
        }
        Ok(SearchQuery {
            q,
            country: present(&self.country)
                .map(CountryCode::parse)
                .transpose()
                .map_err(|m| AppError::bad_param("country", m))?,
            article: present(&self.article)
                .map(Article::parse)
                .transpose()
                .map_err(|m| AppError::bad_param("article", m))?,
            region: present(&self.region)
                .map(|r| {
                    states::find_region(r).ok_or_else(|| {
                        AppError::bad_param(
                            "region",
                            format!("{r:?} is not a UN M49 region or sub-region (such as 150 or Western Africa)"),
                        )
                    })
                })
                .transpose()?,
            language: present(&self.language)
                .map(LanguageCode::parse)
                .transpose()
                .map_err(|m| AppError::bad_param("language", m))?,
            page,
            per_page,
            contacts: false,
        })
    }
}
