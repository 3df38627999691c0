//! The bulletin for programs: the archive, and subscriptions (asked for by
//! anyone, added and ended by the secretariat and by focal points).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::bulletin::archive;
use crate::bulletin::subscriptions::{self, Filter, SubscriptionStatus};
use crate::db;
use crate::db::ids::AuthorityId;
use crate::error::{AppError, FieldError};
use crate::web::admin::bulletin::{authority_of, scope, unsubscribe_kept};
use crate::web::pages::bulletin::{address, issue, number, request};
use crate::web::support::extract::{ApiWriter, JsonBody, Paging, csrf_header};
use crate::web::{AppState, Viewer};

#[derive(Deserialize)]
pub(crate) struct FilterParams {
    status: Option<String>,
    authority_id: Option<AuthorityId>,
}

pub(crate) async fn list(
    state: web::Data<AppState>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let (total, items) = db::run(&state.pool, move |c| {
        Ok(archive::list(c, paging.per_page, paging.offset())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}

pub(crate) async fn get(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let b = issue(&state, &viewer, number(&path)?).await?;
    Ok(HttpResponse::Ok().json(b))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSubscription {
    email: Option<String>,
    name: Option<String>,
    authority_ref: Option<String>,
}

/// Anyone may ask for a subscription (202: a confirmation goes to the
/// address, and the answer is the same whatever its state); the
/// secretariat and focal points add confirmed ones (201).
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    body: JsonBody<NewSubscription>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let email = address(body.email.as_deref())
        .map_err(|m| AppError::Invalid(vec![FieldError::new("email", m)]))?;
    let keeper = viewer
        .user
        .as_ref()
        .and_then(|u| scope(u).ok().map(|s| (u.clone(), s)));
    let Some((user, scope)) = keeper else {
        request(&state, email).await?;
        return Ok(HttpResponse::Accepted().json(json!({
            "status": "requested",
            "message": "if this address can receive the bulletin, a message with a link to confirm is on its way to it",
        })));
    };
    // Only a keeper's request adds a confirmed subscription, so only it
    // needs the form token.
    viewer.check_csrf(csrf_header(&req))?;
    let authority = authority_of(&state, scope, body.authority_ref.as_deref())?;
    let name = body
        .name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty());
    let (now, source) = (state.clock.now(), user.role.code());
    let s = db::run(&state.pool, move |c| {
        subscriptions::add_confirmed(c, &email, name.as_deref(), authority, source, now)
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(s))
}

pub(crate) async fn index(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<FilterParams>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?;
    let scope = scope(user)?;
    let status = params
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| SubscriptionStatus::parse(s).map_err(|m| AppError::bad_param("status", m)))
        .transpose()?;
    let authority_id = match (scope, params.authority_id) {
        (Some(own), Some(a)) if a != own => {
            return Err(AppError::Forbidden(
                "a focal point sees its own authority's subscriptions".into(),
            ));
        }
        (Some(own), _) => Some(own),
        (None, asked) => asked,
    };
    let filter = Filter {
        authority_id,
        status,
    };
    let (total, items) = db::run(&state.pool, move |c| {
        subscriptions::list(c, &filter, paging.per_page, paging.offset())
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}

pub(crate) async fn delete(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?;
    let scope = scope(user)?;
    let id: crate::db::ids::SubscriptionId = path
        .parse()
        .map_err(|_| AppError::not_found(format!("no subscription with id {:?}", path.as_str())))?;
    let s = unsubscribe_kept(&state, scope, id).await?;
    Ok(HttpResponse::Ok().json(s))
}
