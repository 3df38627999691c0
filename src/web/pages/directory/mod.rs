//! Server-rendered pages. None needs JavaScript; every asset is served here.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

use crate::audit;
use crate::db;
use crate::db::ids::AuthorityId;
use crate::directory::proposals::{self, ProposalStatus};
use crate::directory::search::Snapshot;
use crate::domain::Article;
use crate::domain::states::{self, Region};
use crate::error::AppError;
use crate::measures::Described;
use crate::web::pages::measures as measures_view;
use crate::web::support::json::{AuthorityJson, CountryJson};
use crate::web::support::params::{CounterpartParams, authority_id, country_param, live_authority};
use crate::web::support::respond::{kept_page, page, page_with, snapshot_page};
use crate::web::support::templates::StaticFiles;
use crate::web::{AppState, Viewer};

mod search;
pub(crate) mod views;

pub(crate) use search::authorities;

use views::{
    About, ArticleChoice, AuthorityMeasures, AuthorityPage, CardGroup, Choices, Chosen, Countries,
    CountryPage, Finder, FinderForm, FinderResult, Freshness, Home, RegionGroup, Stats, Subregion,
};

pub(crate) async fn home(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let directory = state.directory.snapshot();
    const TITLE: &str = "Find the authority to write to";
    let page = (TITLE, "home");
    snapshot_page(
        &state,
        &viewer,
        "pages/home",
        directory.generation,
        page,
        || {
            Ok(Home {
                title: TITLE,
                nav: "home",
                choices: Choices::of(
                    &state.bodies,
                    &directory,
                    Chosen {
                        article: "18",
                        ..Chosen::default()
                    },
                )?,
                form: FinderForm {
                    country: String::new(),
                    article: "18".into(),
                },
                stats: Stats {
                    authorities: directory.len(),
                    states: directory.counts_by_country().len(),
                },
            })
        },
    )
}

pub(crate) async fn counterpart(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<CounterpartParams>,
) -> Result<HttpResponse, AppError> {
    let directory = state.directory.snapshot();
    let (typed_country, typed_article) = (
        params.country.clone().unwrap_or_default(),
        params.article.clone().unwrap_or_default(),
    );
    // The form as it was typed, with the choice marked.
    let view = |title: String| -> Result<Finder, AppError> {
        Ok(Finder {
            title,
            nav: "home",
            choices: Choices::of(
                &state.bodies,
                &directory,
                Chosen {
                    country: &typed_country,
                    article: &typed_article,
                    ..Chosen::default()
                },
            )?,
            form: FinderForm {
                country: typed_country.clone(),
                article: typed_article.clone(),
            },
            error: None,
            result: None,
        })
    };
    let (country, article) = match params.parse() {
        Ok(found) => found,
        Err(AppError::BadRequest(field)) => {
            let mut v = view("Counterpart finder".into())?;
            v.error = Some(field);
            let status = StatusCode::BAD_REQUEST;
            return page_with(&state, &viewer, status, "pages/counterpart", &v);
        }
        Err(other) => return Err(other),
    };
    // The answer depends on the directory, the measures in force, the
    // question as typed and whether the reader sees contacts: kept for
    // exactly that, and rendered only when one of them changed.
    let (in_force, version) = state.in_force.current(&state).await?;
    let sees = viewer.sees_contacts;
    // The day too: each card says how long ago its record was verified.
    let today = state.clock.today();
    let key = format!("counterpart|{typed_country}|{typed_article}|{sees}|{today}");
    let title = format!(
        "{}: {} ({})",
        country.state().name,
        article.title(),
        article.provision()
    );
    let stamp = (directory.generation, version);
    let designated = directory.designated(country, article);
    kept_page(
        &state,
        &viewer,
        ("pages/counterpart", &key),
        stamp,
        (&title, "home"),
        || {
            let ids: Vec<AuthorityId> = designated.iter().map(|a| a.id).collect();
            let mut measures = measures_view::described(&in_force, &ids, sees);
            let mut territory = None;
            let found: Vec<measures_view::WithMeasures> = designated
                .iter()
                .map(|a| {
                    let opens = a.territory().filter(|_| a.territory() != territory);
                    territory = a.territory();
                    measures_view::WithMeasures {
                        authority: AuthorityJson::new(a, sees),
                        measures: measures.remove(&a.id).unwrap_or_default(),
                        group: opens,
                        freshness: Some(Freshness::of(
                            a.verified_at(),
                            today,
                            &state.settings.directory,
                        )),
                    }
                })
                .collect();
            let mut v = view(title.clone())?;
            v.result = Some(FinderResult {
                country: CountryJson::new(country.state(), 0),
                article: ArticleChoice::from(article),
                count: found.len(),
                order: crate::directory::search::FINDER_ORDER,
                authorities: found,
            });
            Ok(v)
        },
    )
}

#[derive(serde::Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

pub(crate) async fn authority(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    done: web::Query<Done>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    // The snapshot first: the record read after it is at least as new.
    let directory = state.directory.snapshot();
    let a = live_authority(&state, id)?;
    let today = state.clock.today();
    let freshness = || Freshness::of(a.verified_at(), today, &state.settings.directory);
    // The public sees the record and its measure only: the same for a
    // snapshot, the measures in force, the day (it says whether the record
    // is stale) and the audience, so kept for those.
    if viewer.user.is_none() {
        let (in_force, version) = state.in_force.current(&state).await?;
        let sees = viewer.sees_contacts;
        let key = format!("authority|{id}|{sees}|{today}");
        return kept_page(
            &state,
            &viewer,
            ("pages/authority", &key),
            (directory.generation, version),
            (a.name(), "authorities"),
            || {
                Ok(AuthorityPage {
                    title: a.name(),
                    nav: "authorities",
                    authority: AuthorityJson::new(&a, sees),
                    measures: measures_view::described(&in_force, &[id], sees)
                        .remove(&id)
                        .unwrap_or_default(),
                    freshness: freshness(),
                    may_edit: false,
                    is_admin: false,
                    signed_in: false,
                    history: Vec::new(),
                    held: None,
                    scheduled: Vec::new(),
                    notice: None,
                })
            },
        );
    }
    let may_edit = viewer.user.as_ref().is_some_and(|u| u.may_edit(id));
    // The history is for signed-in people; those who may edit also see what
    // waits for review or starts later.
    let (history, held, scheduled) = db::run(&state.pool, move |c| {
        let history = audit::list(c, Some(id), 20, 0)?.1;
        if !may_edit {
            return Ok((history, None, Vec::new()));
        }
        let held = proposals::list(c, Some(ProposalStatus::Pending), Some(id), 1)?
            .first()
            .map(proposals::describe);
        let scheduled: Vec<Described> = crate::measures::store::scheduled(c, &[id], today)?
            .iter()
            .map(measures_view::view)
            .collect();
        Ok((history, held, scheduled))
    })
    .await?;
    let notice = match done.done.as_deref() {
        Some("saved") if may_edit => Some("Your changes are saved."),
        Some("held") if may_edit => Some(
            "Your changes are saved, except the change to designations or type: \
             it waits for the secretariat's approval (see below), and the secretariat has been told.",
        ),
        _ => None,
    };
    let is_admin = viewer.user.as_ref().is_some_and(|u| u.is_admin());
    let measures = measures_view::in_force_by_authority(&state, vec![id], viewer.sees_contacts)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let view = AuthorityPage {
        title: a.name(),
        nav: "authorities",
        authority: AuthorityJson::new(&a, viewer.sees_contacts),
        measures,
        freshness: freshness(),
        may_edit,
        is_admin,
        signed_in: viewer.user.is_some(),
        history,
        held,
        scheduled,
        notice,
    };
    page(&state, &viewer, "pages/authority", &view)
}

pub(crate) async fn countries(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let directory = state.directory.snapshot();
    let page = ("States parties", "countries");
    snapshot_page(
        &state,
        &viewer,
        "pages/countries",
        directory.generation,
        page,
        || Ok(countries_view(&directory)),
    )
}

fn countries_view(directory: &Snapshot) -> Countries<'static> {
    let counts = directory.counts_by_country();
    let in_sub = |region: &Region, code: Option<&str>| -> Vec<CountryJson<'static>> {
        states::all()
            .iter()
            .filter(|s| {
                &s.region == region && s.subregion.as_ref().map(|r| r.code.as_str()) == code
            })
            .map(|s| CountryJson::new(s, counts.get(s.alpha2.as_str()).copied().unwrap_or(0)))
            .collect()
    };
    let groups = states::regions()
        .into_iter()
        .map(|(region, subs)| {
            let mut subregions: Vec<Subregion> = subs
                .iter()
                .map(|sub| Subregion {
                    states: in_sub(&region, Some(&sub.code)),
                    name: sub.name.clone(),
                    code: sub.code.clone(),
                })
                .collect();
            let loose = in_sub(&region, None);
            if !loose.is_empty() {
                subregions.push(Subregion {
                    name: "Regional organizations".into(),
                    code: String::new(),
                    states: loose,
                });
            }
            RegionGroup {
                name: region.name,
                code: region.code,
                subregions,
            }
        })
        .collect();
    Countries {
        title: "States parties",
        nav: "countries",
        regions: groups,
    }
}

pub(crate) async fn country(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = country_param(&path)?;
    let directory = state.directory.snapshot();
    // Like the finder's: the same for a snapshot, the measures in force and
    // the audience, so kept for exactly those.
    let (in_force, version) = state.in_force.current(&state).await?;
    let sees = viewer.sees_contacts;
    let key = format!("country|{}|{sees}", code.as_str());
    let name = &code.state().name;
    kept_page(
        &state,
        &viewer,
        ("pages/country", &key),
        (directory.generation, version),
        (name, "countries"),
        || {
            let here: Vec<_> = directory.in_country(code).collect();
            let ids: Vec<AuthorityId> = here.iter().map(|a| a.id).collect();
            let mut by = measures_view::described(&in_force, &ids, sees);
            let measures = here
                .iter()
                .filter_map(|a| {
                    by.remove(&a.id).map(|measures| AuthorityMeasures {
                        id: a.id,
                        name: a.name().to_string(),
                        measures,
                    })
                })
                .collect();
            let articles = Article::all()
                .map(|article| {
                    let designated = directory.designated(code, article);
                    Ok(CardGroup {
                        provision: article.provision(),
                        title: article.title(),
                        cards: state.cards.of(
                            &state.templates,
                            directory.generation,
                            &designated,
                            sees,
                        )?,
                    })
                })
                .collect::<Result<_, AppError>>()?;
            Ok(CountryPage {
                title: name,
                nav: "countries",
                country: CountryJson::new(code.state(), here.len()),
                articles,
                measures,
            })
        },
    )
}

pub(crate) async fn about(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    // The same for every reader and every directory.
    let page = ("About", "about");
    snapshot_page(&state, &viewer, "pages/about", 0, page, || {
        Ok(About {
            title: "About",
            nav: "about",
            articles: views::articles(),
        })
    })
}

pub(crate) async fn static_file(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let file = StaticFiles::get(&path).ok_or_else(|| AppError::not_found("no such file"))?;
    let mime = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(file.data.into_owned()))
}
