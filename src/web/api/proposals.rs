//! Held changes to designations and kind through the API: the secretariat
//! lists and decides them; a focal point sees and withdraws its own.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::audit::Actor;
use crate::auth::User;
use crate::db;
use crate::db::ids::{AuthorityId, ProposalId};
use crate::directory::proposals::{self, Proposal, ProposalStatus};
use crate::error::AppError;
use crate::web::support::extract::{ApiWriter, JsonBody};
use crate::web::support::params::RejectBody;
use crate::web::{AppState, Viewer};

#[derive(Deserialize)]
pub(crate) struct ListParams {
    status: Option<String>,
    authority_id: Option<AuthorityId>,
}

/// An admin sees every proposal; a focal point its authority's; 403 else.
fn scope(user: &User, asked: Option<AuthorityId>) -> Result<Option<AuthorityId>, AppError> {
    if user.is_admin() {
        return Ok(asked);
    }
    match (user.authority_id, asked) {
        (Some(own), None) => Ok(Some(own)),
        (Some(own), Some(a)) if a == own => Ok(Some(own)),
        _ => Err(AppError::Forbidden(
            "proposals are seen by the secretariat and the authority's focal point".into(),
        )),
    }
}

pub(crate) async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?;
    let authority = scope(user, params.authority_id)?;
    let status = params
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| ProposalStatus::parse(s).map_err(|m| AppError::bad_param("status", m)))
        .transpose()?;
    let items = db::run(&state.pool, move |c| {
        proposals::list(c, status, authority, 100)
    })
    .await?;
    let total = items.len();
    Ok(
        HttpResponse::Ok()
            .json(json!({"items": items, "total": total, "page": 1, "per_page": 100})),
    )
}

/// A proposal the person may see, or 404 as if it did not exist.
async fn visible(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<(User, Proposal), AppError> {
    let user = viewer.signed_in()?.clone();
    let missing = || AppError::not_found(format!("no proposal with id {raw:?}"));
    let id: ProposalId = raw.parse().map_err(|_| missing())?;
    let p = db::run(&state.pool, move |c| proposals::get(c, id)).await?;
    if scope(&user, Some(p.authority_id)).is_err() {
        return Err(missing());
    }
    Ok((user, p))
}

pub(crate) async fn get(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, p) = visible(&state, &viewer, &path).await?;
    Ok(HttpResponse::Ok().json(p))
}

pub(crate) async fn approve(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, p) = visible(&state, &viewer, &path).await?;
    let user = viewer.admin()?.clone();
    let (actor, now) = (Actor::user(&user), state.clock.now());
    let p = db::run(&state.pool, move |c| {
        proposals::approve(c, p.id, &actor, now)
    })
    .await?;
    state.directory.refresh().await?;
    state.mail.wake();
    Ok(HttpResponse::Ok().json(p))
}

pub(crate) async fn reject(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
    body: JsonBody<RejectBody>,
) -> Result<HttpResponse, AppError> {
    let (_, p) = visible(&state, &viewer, &path).await?;
    let user = viewer.admin()?.clone();
    let (actor, now, reason) = (
        Actor::user(&user),
        state.clock.now(),
        body.into_inner().reason,
    );
    let p = db::run(&state.pool, move |c| {
        proposals::reject(c, p.id, &actor, &reason, now)
    })
    .await?;
    state.mail.wake();
    Ok(HttpResponse::Ok().json(p))
}

pub(crate) async fn withdraw(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (user, p) = visible(&state, &viewer, &path).await?;
    if !user.may_edit(p.authority_id) {
        return Err(AppError::Forbidden(
            "only the authority's focal point or the secretariat may withdraw it".into(),
        ));
    }
    let (actor, now) = (Actor::user(&user), state.clock.now());
    let p = db::run(&state.pool, move |c| {
        proposals::withdraw(c, p.id, &actor, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(p))
}
