//! JSON under `/api/v1`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::json::{ArticleJson, AuthorityJson, CountryJson, ListJson};
use super::{AppState, Viewer};
use crate::db;
use crate::directory::search::{Directory, SearchParams};
use crate::directory::states;
use crate::domain::{Article, CountryCode};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/authorities", web::get().to(list_authorities))
        .route("/authorities/{id}", web::get().to(get_authority))
        .route("/countries", web::get().to(list_countries))
        .route("/countries/{code}", web::get().to(get_country))
        .route("/counterpart", web::get().to(counterpart))
        .route("/articles", web::get().to(list_articles));
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    use diesel::connection::SimpleConnection;
    db::run(&state.pool, |c| {
        c.batch_execute("SELECT 1").map_err(AppError::unavailable)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "database": state.settings.database.url.backend_name(),
        "authorities": state.directory.snapshot().len(),
    })))
}

async fn list_authorities(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let mut query = params.parse()?;
    query.contacts = viewer.sees_contacts;
    let directory = state.directory.snapshot();
    let result = directory.search(&query);
    Ok(HttpResponse::Ok().json(ListJson {
        items: result
            .items
            .iter()
            .map(|a| {
                directory.rendered(a, viewer.sees_contacts, || {
                    AuthorityJson::summary(a, viewer.sees_contacts).raw()
                })
            })
            .collect::<Vec<_>>(),
        total: result.total,
        page: query.page,
        per_page: query.per_page,
    }))
}

/// An id that is not a number cannot name an authority: 404, like an unknown one.
pub fn authority_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .map_err(|_| AppError::not_found(format!("no authority with id {raw:?}")))
}

async fn get_authority(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let directory = state.directory.snapshot();
    let a = directory
        .get(id)
        .ok_or_else(|| AppError::not_found(format!("no authority with id {id}")))?;
    Ok(HttpResponse::Ok().json(AuthorityJson::new(&a, viewer.sees_contacts)))
}

#[derive(Deserialize)]
struct CountryListParams {
    region: Option<String>,
}

async fn list_countries(
    state: web::Data<AppState>,
    params: web::Query<CountryListParams>,
) -> Result<HttpResponse, AppError> {
    let region = params
        .region
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            states::find_region(r).ok_or_else(|| {
                AppError::bad_param(
                    "region",
                    format!("{r:?} is not a UN M49 region or sub-region"),
                )
            })
        })
        .transpose()?;
    let counts = state.directory.snapshot().counts_by_country();
    let items: Vec<CountryJson> = states::all()
        .iter()
        .filter(|s| region.as_ref().is_none_or(|r| s.in_region(&r.code)))
        .map(|s| CountryJson::new(s, counts.get(s.alpha2.as_str()).copied().unwrap_or(0)))
        .collect();
    let total = items.len();
    Ok(HttpResponse::Ok().json(ListJson {
        items,
        total,
        page: 1,
        per_page: total.max(1) as u32,
    }))
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

/// A State's authorities grouped by the articles they are designated under.
pub fn by_article(
    directory: &Directory,
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

async fn get_country(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let country = country_param(&path)?;
    let directory = state.directory.snapshot();
    let all: Vec<_> = directory.in_country(country).collect();
    let list: Vec<AuthorityJson> = all
        .iter()
        .map(|a| AuthorityJson::new(a, viewer.sees_contacts))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "country": CountryJson::new(country.state(), all.len()),
        "articles": by_article(&directory, country, viewer.sees_contacts),
        "authorities": list,
    })))
}

#[derive(Deserialize)]
pub struct CounterpartParams {
    pub country: Option<String>,
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

async fn counterpart(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<CounterpartParams>,
) -> Result<HttpResponse, AppError> {
    let (country, article) = params.parse()?;
    let directory = state.directory.snapshot();
    let found = directory.designated(country, article);
    let count = directory.in_country(country).count();
    let list: Vec<AuthorityJson> = found
        .iter()
        .map(|a| AuthorityJson::new(a, viewer.sees_contacts))
        .collect();
    let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
    let measures = super::measures_view::in_force(&state, Some(ids), viewer.sees_contacts).await?;
    Ok(HttpResponse::Ok().json(json!({
        "country": CountryJson::new(country.state(), count),
        "article": article,
        "provision": article.provision(),
        "title": article.title(),
        "authorities": list,
        "measures_in_force": measures,
    })))
}

async fn list_articles() -> HttpResponse {
    let items: Vec<ArticleJson> = Article::all().map(ArticleJson::from).collect();
    let total = items.len();
    HttpResponse::Ok().json(ListJson {
        items,
        total,
        page: 1,
        per_page: total as u32,
    })
}
