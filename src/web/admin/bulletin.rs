//! The bulletin for those who run it: the secretariat sees the schedule and
//! the last delivery, previews the next bulletin, sends one now, and keeps
//! the list of subscribers; a focal point keeps its authority's.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Role, User};
use crate::bulletin::subscriptions::{self, Filter, SubscriptionStatus};
use crate::bulletin::{Compiler, Outcome, schedule};
use crate::db;
use crate::db::ids::{AuthorityId, SubscriptionId};
use crate::error::{AppError, FieldError};
use crate::web::pages::bulletin::address;
use crate::web::support::extract::{AdminPage, SignedIn, page_param};
use crate::web::support::respond::page_with;
use crate::web::{AppState, Viewer};

use crate::web::support::respond::see_other;

/// Whose subscriptions a person manages: every one (the secretariat, `None`)
/// or its authority's (a focal point); nobody else's.
pub(crate) fn scope(user: &User) -> Result<Option<AuthorityId>, AppError> {
    match (user.role, user.authority_id) {
        (Role::Admin, _) => Ok(None),
        (Role::FocalPoint, Some(own)) => Ok(Some(own)),
        _ => Err(AppError::Forbidden(
            "subscriptions are kept by the secretariat and by focal points for their authority"
                .into(),
        )),
    }
}

/// The authority a new subscription belongs to: a focal point's own; the
/// secretariat's choice, by ref.
/// The authority a subscription is added for: a focal point's own, or the
/// one the secretariat named by its ref in `field` (the form's and the
/// API's names differ, and an error names the one that was sent).
pub(crate) fn authority_of(
    state: &AppState,
    scope: Option<AuthorityId>,
    given_ref: Option<&str>,
    field: &str,
) -> Result<Option<AuthorityId>, AppError> {
    if let Some(own) = scope {
        return Ok(Some(own));
    }
    let Some(r) = given_ref.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let snapshot = state.directory.snapshot();
    snapshot
        .authorities()
        .find(|a| a.ref_().eq_ignore_ascii_case(r))
        .map(|a| Some(a.id))
        .ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                field,
                format!("no authority with ref {r:?} in the directory"),
            )])
        })
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    page: Option<String>,
    status: Option<String>,
    done: Option<String>,
}

const PER_PAGE: i64 = 50;

async fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    params: ListParams,
    alert: Option<String>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    let scope = scope(&user)?;
    let wanted = params
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| SubscriptionStatus::parse(s).map_err(|m| AppError::bad_param("status", m)))
        .transpose()?;
    let page_no = page_param(&params.page)?;
    let (settings, now) = (state.settings.bulletin.clone(), state.clock.now());
    let filter = Filter {
        authority_id: scope,
        status: wanted,
    };
    let (status_now, (total, items)) = db::run(&state.pool, move |c| {
        Ok((
            schedule::status(c, &settings, now)?,
            subscriptions::list(c, &filter, PER_PAGE, (page_no - 1) * PER_PAGE)?,
        ))
    })
    .await?;
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    let notice = match params.done.as_deref() {
        Some("added") => Some("The address is subscribed: it receives the next bulletin."),
        Some("removed") => Some("The address is unsubscribed: it receives nothing more."),
        Some("sent") => {
            Some("The bulletin was compiled and is being sent; the counts below follow it.")
        }
        _ => None,
    };
    let link = |p: i64| {
        format!(
            "{}?page={p}&status={}",
            if scope.is_some() {
                "/subscriptions"
            } else {
                "/admin/bulletin"
            },
            params.status.clone().unwrap_or_default()
        )
    };
    page_with(
        state,
        viewer,
        status,
        "pages/admin_bulletin",
        &json!({
            "title": if scope.is_some() { "Subscriptions of your authority" } else { "The bulletin" },
            "nav": if scope.is_some() { "updates" } else { "admin-bulletin" },
            "secretariat": scope.is_none(),
            "action": if scope.is_some() { "/subscriptions" } else { "/admin/subscribers" },
            "status": status_now, "items": items, "total": total,
            "filter": params.status.clone().unwrap_or_default(),
            "statuses": SubscriptionStatus::ALL.iter().map(|s| json!({"code": s.code(), "label": s.label()})).collect::<Vec<_>>(),
            "notice": notice, "alert": alert,
            "prev": (page_no > 1).then(|| link(page_no - 1)),
            "next": (page_no < pages).then(|| link(page_no + 1)),
        }),
    )
}

pub(crate) async fn admin_page(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, StatusCode::OK, params.into_inner(), None).await
}

pub(crate) async fn own_page(
    state: web::Data<AppState>,
    SignedIn(viewer): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, StatusCode::OK, params.into_inner(), None).await
}

#[derive(Deserialize)]
pub(crate) struct AddForm {
    csrf_token: Option<String>,
    email: Option<String>,
    name: Option<String>,
    authority: Option<String>,
}

pub(crate) async fn add(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let scope = scope(&user)?;
    let back = if scope.is_some() {
        "/subscriptions"
    } else {
        "/admin/bulletin"
    };
    let refused = |message: String| {
        let params = ListParams {
            page: None,
            status: None,
            done: None,
        };
        render(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            params,
            Some(message),
        )
    };
    let email = match address(form.email.as_deref()) {
        Ok(e) => e,
        Err(e) => return refused(format!("Email address: {e}")).await,
    };
    let authority = match authority_of(&state, scope, form.authority.as_deref(), "authority") {
        Ok(a) => a,
        Err(AppError::Invalid(f)) => return refused(format!("Authority: {}", f[0].message)).await,
        Err(e) => return Err(e),
    };
    let name = form
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect::<String>());
    let (now, source) = (state.clock.now(), user.role.code());
    db::run(&state.pool, move |c| {
        subscriptions::add_confirmed(c, &email, name.as_deref(), authority, source, now)
    })
    .await?;
    Ok(see_other(&format!("{back}?done=added")))
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    csrf_token: Option<String>,
}

/// Ends a subscription the person keeps; another's answers as unknown.
pub(crate) async fn remove(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<SubscriptionId>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let scope = scope(&user)?;
    unsubscribe_kept(&state, scope, path.into_inner()).await?;
    let back = if scope.is_some() {
        "/subscriptions"
    } else {
        "/admin/bulletin"
    };
    Ok(see_other(&format!("{back}?done=removed")))
}

pub(crate) async fn unsubscribe_kept(
    state: &AppState,
    scope: Option<AuthorityId>,
    id: SubscriptionId,
) -> Result<subscriptions::Subscription, AppError> {
    let now = state.clock.now();
    db::run(&state.pool, move |c| {
        let s = subscriptions::get(c, id)?;
        if scope.is_some() && s.authority_id != scope {
            return Err(AppError::not_found(format!("no subscription with id {id}")));
        }
        subscriptions::unsubscribe(c, id, now)
    })
    .await
}

pub(crate) async fn send_now(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let now = state.clock.now();
    let s = state.clone();
    let outcome = db::run(&state.pool, move |c| {
        Compiler {
            settings: &s.settings.bulletin,
            templates: s.mail.templates(),
            base_url: s.mail.base_url(),
        }
        .send_now(c, now, &format!("send-now by {}", user.email))
    })
    .await?;
    state.mail.wake();
    match outcome {
        Outcome::Compiled { number, .. } => Ok(see_other(&format!(
            "/admin/bulletin?done=sent&number={number}"
        ))),
        _ => Ok(see_other("/admin/bulletin")),
    }
}
