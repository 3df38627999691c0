//! JSON under `/api/v1`.

use actix_web::http::header::{ETag, EntityTag, Header, IfNoneMatch};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db;
use crate::db::ids::AuthorityId;
use crate::directory::search::{Correction, SearchParams};
use crate::domain::Article;
use crate::domain::states;
use crate::error::{AppError, ErrorBody};
use crate::measures::Update;
use crate::web::support::json::by_article;
use crate::web::support::json::{
    ArticleGroup, ArticleJson, AuthorityJson, AuthoritySummary, CountryJson, ListJson,
};
use crate::web::support::kept::{Body, shared};
use crate::web::support::params::{CounterpartParams, authority_id, country_param, live_authority};
use crate::web::support::respond::zipped;
use crate::web::support::zipped::Answer;
use crate::web::{AppState, Viewer};

pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready while the database takes a write: a database that answers reads
/// but cannot write (a full disk, a read-only file, a standby) would
/// accept every page and fail every edit.
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Timestamp;
    let now = state.clock.now();
    db::run(&state.pool, move |c| {
        diesel::sql_query("UPDATE readiness SET checked_at = $1 WHERE id = 1")
            .bind::<Timestamp, _>(now)
            .execute(c)
            .map_err(AppError::unavailable)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "database": state.settings.database.url.backend_name(),
        "authorities": state.directory.snapshot().len(),
    })))
}

#[utoipa::path(
    get, path = "/api/v1/authorities", operation_id = "searchAuthorities", tag = "directory",
    summary = "Search the directory",
    params(SearchParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of authorities, best match first",
            body = SearchJson<AuthoritySummary>,
            links(
                ("getAuthority" = (operation_id = "getAuthority", parameters(("id" = "$response.body#/items/0/id")))),
                ("patchAuthority" = (operation_id = "patchAuthority", parameters(("id" = "$response.body#/items/0/id")))),
                ("confirmAuthority" = (operation_id = "confirmAuthority", parameters(("id" = "$response.body#/items/0/id")))),
                ("authorityHistory" = (operation_id = "authorityHistory", parameters(("id" = "$response.body#/items/0/id"))))
            )),
        (status = 400, description = "A parameter is not valid; `field` names it", body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn list_authorities(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let mut query = params.parse()?;
    let sees = viewer.sees_contacts;
    query.contacts = sees;
    let directory = state.directory.snapshot();
    // The answer depends on the question, the snapshot and the audience:
    // kept for those from a question's second asking, like the search page.
    // The question as sent is the key: the same question written otherwise
    // is only kept twice.
    let key = format!("api-search|{}|{sees}", req.query_string());
    let body = state
        .bodies
        .get_or_render_repeated(&key, (directory.generation, 0), || {
            let result = directory.search(&query);
            serde_json::to_string(&SearchJson {
                items: result
                    .items
                    .iter()
                    .map(|a| directory.rendered(a, sees, || AuthorityJson::summary(a, sees).raw()))
                    .collect::<Vec<_>>(),
                total: result.total,
                page: query.page,
                per_page: query.per_page,
                partial: result.partial,
                corrections: result.corrections,
                did_you_mean: result.suggestion,
            })
            .map_err(|e| AppError::internal(anyhow::anyhow!("search JSON: {e}")))
        })?;
    let answer = match body {
        // Asked again: kept, and kept compressed for clients that take it.
        Body::Kept(kept) if viewer.gzip => state
            .zipped
            .get_or_zip((&kept, None), ("", ""), || shared(kept.clone())),
        body => Answer::Plain(body.into()),
    };
    Ok(zipped(answer, "application/json"))
}

/// A page of search results, and how the question was read.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SearchResults)]
pub(crate) struct SearchJson<T> {
    items: Vec<T>,
    total: usize,
    page: u32,
    per_page: u32,
    /// No authority matched every word: these match most of them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
    /// Words found by a close spelling.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    corrections: Vec<Correction>,
    /// Nothing matched: the question spelled as the directory does.
    #[serde(skip_serializing_if = "Option::is_none")]
    did_you_mean: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/authorities/{id}", operation_id = "getAuthority", tag = "directory",
    summary = "One authority, with its designations' detail",
    params(
        ("id" = i64, Path, description = "The authority's id"),
        ("If-None-Match" = Option<String>, Header,
            description = "The ETag read before: 304 when it is still the same"),
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The authority; contact details only for readers who may see them",
            body = AuthorityJson<'static>,
            headers(("ETag" = String, description = "Its version: `\"3\"`, or `\"3-public\"` without contacts"))),
        (status = 304, description = "Unchanged since the ETag sent",
            headers(("ETag" = String))),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 404, description = "No authority with this id (or it was archived)", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn get_authority(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let a = live_authority(&state, id)?;
    // The version, as writes answer it and take it back in If-Match. The
    // record without contact details is another representation, with a tag
    // of its own, so that a cache never answers one reader with the other's.
    let tag = if viewer.sees_contacts {
        a.version.to_string()
    } else {
        format!("{}-public", a.version)
    };
    let tag = EntityTag::new_strong(tag);
    let unchanged = match IfNoneMatch::parse(&req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(seen)) => seen.iter().any(|t| t.weak_eq(&tag)),
        Err(_) => false,
    };
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header(ETag(tag))
        .json(AuthorityJson::new(&a, viewer.sees_contacts)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CountryListParams {
    /// A UN M49 region or sub-region, by code (`150`) or name.
    region: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/countries", operation_id = "listCountries", tag = "directory",
    summary = "Every State party, with its region and number of authorities",
    params(CountryListParams),
    responses(
        (status = 200, description = "The States", body = ListJson<CountryJson<'static>>),
        (status = 400, description = "`region` is not a UN M49 region", body = ErrorBody),
    )
)]
pub(crate) async fn list_countries(
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

/// A State, its authorities, and its authorities by article.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CountryDetail)]
pub(crate) struct CountryDetail<'a> {
    country: CountryJson<'a>,
    articles: Vec<ArticleGroup>,
    #[schema(value_type = Vec<AuthorityJson<'static>>)]
    authorities: Vec<AuthorityJson<'a>>,
}

#[utoipa::path(
    get, path = "/api/v1/countries/{code}", operation_id = "getCountry", tag = "directory",
    summary = "A State, its authorities, and its authorities grouped by article",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2 or alpha-3")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The State and its authorities", body = CountryDetail<'static>),
        (status = 400, description = "Not a country code", body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 404, description = "No State party with this code", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn get_country(
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
    Ok(HttpResponse::Ok().json(CountryDetail {
        country: CountryJson::new(country.state(), all.len()),
        articles: by_article(&directory, country, viewer.sees_contacts),
        authorities: list,
    }))
}

/// The finder's answer: whom to write to in a State under an article.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Counterpart)]
pub(crate) struct CounterpartJson<'a> {
    country: CountryJson<'a>,
    article: Article,
    provision: &'static str,
    title: &'static str,
    /// The order of `authorities`, in words.
    order: &'static str,
    /// In the order to write to them.
    #[schema(value_type = Vec<AuthorityJson<'static>>)]
    authorities: Vec<AuthorityJson<'a>>,
    /// The measures in force of these authorities.
    measures_in_force: Vec<Update>,
}

#[utoipa::path(
    get, path = "/api/v1/counterpart", operation_id = "findCounterpart", tag = "directory",
    summary = "The authorities to write to in a State under an article",
    params(CounterpartParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The authorities, national ones first, and their measures in force",
            body = CounterpartJson<'static>),
        (status = 400, description = "`country` or `article` is missing or not known; `field` names it",
            body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn counterpart(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<CounterpartParams>,
) -> Result<HttpResponse, AppError> {
    let (country, article) = params.parse()?;
    let directory = state.directory.snapshot();
    // The same answer for a snapshot, the measures in force and the
    // audience: kept for exactly those, like the finder's page.
    let (in_force, version) = state.in_force.current(&state).await?;
    let sees = viewer.sees_contacts;
    let key = format!(
        "api-counterpart|{}|{}|{sees}",
        country.as_str(),
        article.slug()
    );
    let body = state
        .bodies
        .get_or_render(&key, (directory.generation, version), || {
            let found = directory.designated(country, article);
            let count = directory.in_country(country).count();
            let list: Vec<AuthorityJson> =
                found.iter().map(|a| AuthorityJson::new(a, sees)).collect();
            let ids: Vec<AuthorityId> = found.iter().map(|a| a.id).collect();
            let measures = crate::web::pages::measures::picked(&in_force, &ids, sees);
            serde_json::to_string(&CounterpartJson {
                country: CountryJson::new(country.state(), count),
                article,
                provision: article.provision(),
                title: article.title(),
                order: crate::directory::search::FINDER_ORDER,
                authorities: list,
                measures_in_force: measures,
            })
            .map_err(|e| AppError::internal(anyhow::anyhow!("counterpart JSON: {e}")))
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(actix_web::http::header::ContentType::json())
        .body(shared(body)))
}

#[utoipa::path(
    get, path = "/api/v1/articles", operation_id = "listArticles", tag = "directory",
    summary = "The articles and Protocol provisions known",
    responses((status = 200, description = "The articles", body = ListJson<ArticleJson>))
)]
pub(crate) async fn list_articles() -> HttpResponse {
    let items: Vec<ArticleJson> = Article::all().map(ArticleJson::from).collect();
    let total = items.len();
    HttpResponse::Ok().json(ListJson {
        items,
        total,
        page: 1,
        per_page: total as u32,
    })
}
