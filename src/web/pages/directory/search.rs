//! The search page: the directory searched by words and filters.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::views::{Choices, Chosen, Search, SearchResult};
use crate::directory::search::{SearchParams, SearchQuery, Snapshot};
use crate::error::AppError;
use crate::splice::{Made, Part, Spliced};
use crate::web::support::respond::{framed, page_spliced};
use crate::web::support::templates::render;
use crate::web::{AppState, Viewer};

fn page_link(params: &SearchParams, page: u32) -> String {
    format!("/authorities?{}", query_string(params, page))
}

/// The words and filters as a query string; `page` past the first.
fn query_string(params: &SearchParams, page: u32) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let fields = [
        ("q", &params.q),
        ("country", &params.country),
        ("article", &params.article),
        ("region", &params.region),
        ("language", &params.language),
        ("per_page", &params.per_page),
    ];
    for (k, v) in fields {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            s.append_pair(k, v);
        }
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    s.finish()
}

/// The page's form with its choices, as asked.
fn form_view<'a>(
    state: &AppState,
    directory: &Snapshot,
    params: &'a SearchParams,
    sees_contacts: bool,
) -> Result<Search<'a, SearchParams>, AppError> {
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or_default()
    }
    let chosen = Chosen {
        country: text(&params.country),
        article: text(&params.article),
        region: text(&params.region),
        language: text(&params.language),
    };
    Ok(Search {
        title: "Search the directory".into(),
        nav: "authorities",
        sees_contacts,
        choices: Choices::of(&state.bodies, directory, chosen)?,
        form: params,
        error: None,
        result: None,
        downloads: String::new(),
    })
}

pub(crate) async fn authorities(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let directory = state.directory.snapshot();
    let params = params.into_inner();
    let sees_contacts = viewer.sees_contacts;
    let mut query = match params.parse() {
        Ok(query) => query,
        Err(AppError::BadRequest(field)) => {
            let mut view = form_view(&state, &directory, &params, sees_contacts)?;
            view.error = Some(field);
            let mut spliced = Spliced::default();
            view.choices.splice(&mut spliced);
            let status = StatusCode::BAD_REQUEST;
            return page_spliced(
                &state,
                &viewer,
                status,
                "pages/authorities",
                &view,
                &spliced,
            );
        }
        Err(other) => return Err(other),
    };
    query.contacts = sees_contacts;
    let title = match &query.q {
        Some(q) => format!("Search: {q}"),
        None => "Search the directory".into(),
    };
    // The page depends on the question as typed (the form shows it), the
    // snapshot and the audience: kept for those once asked twice. Popular
    // questions are asked again and again; one asked once costs its
    // rendering, made cheaper by putting the option lists and cards around
    // the template engine, and is not kept.
    let key = format!("search|{params:?}|{sees_contacts}");
    let stamp = (directory.generation, 0);
    let page_title = title.clone();
    let app = state.clone();
    let body = state
        .bodies
        .get_or_make_repeated(&key, stamp, move || {
            results_page(&app, &directory, &params, &query, page_title)
        })
        .await?;
    framed(&state, &viewer, (&title, "authorities"), &body)
}

/// The page of a search's results, the form included.
fn results_page(
    state: &AppState,
    directory: &Snapshot,
    params: &SearchParams,
    query: &SearchQuery,
    title: String,
) -> Result<Made, AppError> {
    let result = directory.search(query);
    let cards = state.cards.of(
        &state.templates,
        directory.generation,
        &result.items,
        query.contacts,
    )?;
    let pages = result.total.div_ceil(query.per_page as usize).max(1) as u32;
    let first = (query.page - 1) as usize * query.per_page as usize + 1;
    let mut view = form_view(state, directory, params, query.contacts)?;
    view.title = title;
    let asked = SearchParams {
        per_page: None,
        ..params.clone()
    };
    view.downloads = Some(query_string(&asked, 1))
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    view.result = Some(SearchResult {
        total: result.total,
        partial: result.partial,
        corrections: result.corrections,
        suggestion: result.suggestion.map(|words| {
            let asked = SearchParams {
                q: Some(words.clone()),
                page: None,
                ..params.clone()
            };
            (words, page_link(&asked, 1))
        }),
        heading: SearchResult::heading(
            result.total,
            first,
            first + cards.len().saturating_sub(1),
            pages,
        ),
        paged: pages > 1,
        page: query.page,
        pages,
        prev: (query.page > 1).then(|| page_link(params, query.page - 1)),
        next: (query.page < pages).then(|| page_link(params, query.page + 1)),
        cards: Part::Joined(cards),
    });
    let mut spliced = Spliced::default();
    view.choices.splice(&mut spliced);
    if let Some(r) = view.result.as_mut() {
        spliced.take(&mut r.cards);
    }
    Ok(spliced.made(&render(&state.templates, "pages/authorities", &view)?))
}
