//! Parameters that more than one room reads from a path or a query.

use serde::Deserialize;

use crate::db::ids::AuthorityId;
use crate::domain::{Article, CountryCode};
use crate::error::AppError;

/// An authority's id from the path. An id that is not a number cannot name
/// an authority: 404, like an unknown one, not a bad request.
pub fn authority_id(raw: &str) -> Result<AuthorityId, AppError> {
    raw.parse::<AuthorityId>()
        .map_err(|_| AppError::not_found(format!("no authority with id {raw:?}")))
}

/// The authority with this id in the current directory (archived ones are
/// not in it); 404 otherwise.
pub fn live_authority(
    state: &crate::web::AppState,
    id: AuthorityId,
) -> Result<std::sync::Arc<crate::directory::model::Authority>, AppError> {
    state
        .directory
        .snapshot()
        .get(id)
        .ok_or_else(|| AppError::not_found(format!("no authority with id {id}")))
}

pub fn country_param(raw: &str) -> Result<CountryCode, AppError> {
    CountryCode::parse(raw).map_err(|m| {
        if m.starts_with("no State") {
            AppError::not_found(m)
        } else {
            AppError::bad_param("code", m)
        }
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CounterpartParams {
    /// ISO 3166-1 alpha-2 or alpha-3 code of a State party.
    #[param(required = true)]
    pub country: Option<String>,
    /// `16`, `17`, `18`, `31`, `migrants-8` or `firearms-13`.
    #[param(required = true)]
    pub article: Option<String>,
}

impl CounterpartParams {
    pub fn parse(&self) -> Result<(CountryCode, Article), AppError> {
        let required = |name: &str, v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| AppError::bad_param(name, "is required"))
        };
        let country = CountryCode::parse(&required("country", &self.country)?)
            .map_err(|m| AppError::bad_param("country", m))?;
        let article = Article::parse(&required("article", &self.article)?)
            .map_err(|m| AppError::bad_param("article", m))?;
        Ok((country, article))
    }
}

/// The body of a rejection, through the API: the reason the author is told.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RejectBody {
    #[serde(default)]
    pub reason: String,
}
