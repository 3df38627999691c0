//! Held changes to designations and kind through the API: the secretariat
//! lists and decides them; a focal point sees and withdraws its own.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::Actor;
use crate::auth::User;
use crate::db;
use crate::db::ids::{AuthorityId, ProposalId};
use crate::directory::proposals::{self, Proposal, ProposalStatus};
use crate::error::{AppError, ErrorBody};
use crate::web::support::extract::{ApiWriter, JsonBody};
use crate::web::support::json::ListJson;
use crate::web::support::params::RejectBody;
use crate::web::{AppState, Viewer};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// `pending`, `approved`, `rejected`, `superseded` or `withdrawn`;
    /// empty: all.
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

#[utoipa::path(
    get, path = "/api/v1/proposals", operation_id = "listProposals", tag = "measures",
    summary = "Held changes to designations or kind: all for the secretariat, its own for a focal point",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "At most 100, newest first", body = ListJson<Proposal>,
            links(
                ("getProposal" = (operation_id = "getProposal", parameters(("id" = "$response.body#/items/0/id")))),
                ("approveProposal" = (operation_id = "approveProposal", parameters(("id" = "$response.body#/items/0/id")))),
                ("rejectProposal" = (operation_id = "rejectProposal", parameters(("id" = "$response.body#/items/0/id")))),
                ("withdrawProposal" = (operation_id = "withdrawProposal", parameters(("id" = "$response.body#/items/0/id"))))
            )),
        (status = 400, description = "`status` is not known", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither the secretariat nor the authority's focal point", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
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
    Ok(HttpResponse::Ok().json(ListJson {
        items,
        total,
        page: 1,
        per_page: 100,
    }))
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

#[utoipa::path(
    get, path = "/api/v1/proposals/{id}", operation_id = "getProposal", tag = "measures",
    summary = "One held change",
    params(("id" = i64, Path, description = "The proposal's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The proposal", body = Proposal),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No proposal with this id that the reader may see", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, p) = visible(&state, &viewer, &path).await?;
    Ok(HttpResponse::Ok().json(p))
}

#[utoipa::path(
    post, path = "/api/v1/proposals/{id}/approve", operation_id = "approveProposal", tag = "measures",
    summary = "Approve a held change (the secretariat): the designations or kind change",
    params(("id" = i64, Path, description = "The proposal's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The proposal", body = Proposal),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not decide or withdraw it", body = ErrorBody),
        (status = 404, description = "No proposal with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "No longer pending", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
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

#[utoipa::path(
    post, path = "/api/v1/proposals/{id}/reject", operation_id = "rejectProposal", tag = "measures",
    summary = "Reject a held change, with a reason (the secretariat)",
    params(("id" = i64, Path, description = "The proposal's id")),
    request_body(content = RejectBody, example = json!({"reason": "The State has not notified this designation."})),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The proposal", body = Proposal),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not decide or withdraw it", body = ErrorBody),
        (status = 404, description = "No proposal with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "No longer pending", body = ErrorBody),
        (status = 422, description = "No reason given, or too long", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
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

#[utoipa::path(
    post, path = "/api/v1/proposals/{id}/withdraw", operation_id = "withdrawProposal", tag = "measures",
    summary = "Withdraw a held change (its authority's focal point, or the secretariat)",
    params(("id" = i64, Path, description = "The proposal's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The proposal", body = Proposal),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not decide or withdraw it", body = ErrorBody),
        (status = 404, description = "No proposal with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "No longer pending", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
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
