//! Signing in and out, and the account page where a person manages the API
//! tokens of their programs.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::auth::{limits, password, random_secret, sessions, tokens, users};
use crate::db;
use crate::error::AppError;
use crate::web::support::extract::SignedIn;
use crate::web::support::respond::page_with;
use crate::web::support::viewer::{
    CSRF_FIELD, LOGIN_COOKIE, SESSION_COOKIE, make_cookie, removal_cookie, signed_cookie,
};
use crate::web::{AppState, Viewer};

use super::resume::Carried;

/// Where to go after signing in: a path on this site only, never another.
/// Browsers drop tabs and line breaks from a `Location` and read `\` as
/// `/`, so `/\t/evil.example` would be `//evil.example`: any of those, or
/// a space, and it is home instead.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

/// A path of this site, as a browser will read it.
pub(crate) fn is_local(n: &str) -> bool {
    n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control() || c.is_whitespace())
}

use crate::web::support::respond::see_other;

#[derive(Deserialize)]
pub(crate) struct NextParam {
    next: Option<String>,
}

fn login_form(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<String>,
    carried: Option<&Carried>,
) -> Result<HttpResponse, AppError> {
    let token = random_secret();
    let mut response = page_with(
        state,
        viewer,
        status,
        "pages/login",
        &json!({
            "title": "Sign in", "nav": "login", "email": email, "next": next,
            "error": error, "login_csrf": token, "carried": carried,
        }),
    )?;
    response
        .add_cookie(&make_cookie(state, LOGIN_COOKIE, token))
        .map_err(|e| AppError::internal(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

pub(crate) async fn login_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<NextParam>,
) -> Result<HttpResponse, AppError> {
    // Shown to a signed-in person too: signing in again, perhaps as someone
    // else, replaces the session with a new one.
    let next = safe_next(query.next.as_deref());
    login_form(&state, &viewer, StatusCode::OK, "", &next, None, None)
}

/// A form that arrived after its session ended: the sign-in page, carrying
/// it (see `resume`).
pub(crate) fn sign_in_again(
    state: &AppState,
    viewer: &Viewer,
    carried: &Carried,
) -> Result<HttpResponse, AppError> {
    login_form(
        state,
        viewer,
        StatusCode::UNAUTHORIZED,
        "",
        "/",
        None,
        Some(carried),
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    next: Option<String>,
    /// A form carried through sign-in (see `resume`).
    resume_action: Option<String>,
    resume_body: Option<String>,
}

pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let carried = Carried::from_fields(form.resume_action.as_deref(), form.resume_body.as_deref());
    let expected = signed_cookie(&req, &state.key, LOGIN_COOKIE).unwrap_or_default();
    let fresh =
        !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(form.csrf_token.as_bytes()));
    if !fresh {
        let message = "The sign-in form had expired. Please sign in again.".to_string();
        return login_form(
            &state,
            &viewer,
            StatusCode::FORBIDDEN,
            &form.email,
            &next,
            Some(message),
            carried.as_ref(),
        );
    }
    let email = users::normalise_email(&form.email);
    if email.is_empty() || form.password.is_empty() {
        let message = "Please enter your email and your password.".to_string();
        return login_form(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.email,
            &next,
            Some(message),
            carried.as_ref(),
        );
    }
    // The peer, or the visitor a trusted proxy names: a forwarded header
    // from anyone else could be written to dodge the limit.
    let address =
        crate::web::support::client::address(&req, &state.settings.server.trusted_proxies);
    let password = form.password;
    let (who, now) = (email.clone(), state.clock.now());
    let replaced = viewer.session_id.clone();
    let outcome = db::run(&state.pool, move |c| {
        limits::attempt(c, &who, &address, now)?;
        let row = users::find(c, &who)?;
        let hash = row
            .as_ref()
            .map_or(password::decoy_hash(), |r| r.password_hash.as_str());
        let matches = password::verify(hash, &password);
        match row {
            Some(r) if matches && r.disabled_at.is_none() => {
                limits::clear(c, &who)?;
                // The page promises that the new session replaces the one
                // this browser had; left alive, a copy of its cookie would
                // outlive the sign-in.
                if let Some(old) = &replaced {
                    sessions::end(c, old)?;
                }
                Ok(Some(sessions::start(c, r.id, now)?))
            }
            // Recorded as failed already, by `attempt`.
            _ => Ok(None),
        }
    })
    .await;
    match outcome {
        Ok(Some((session_id, csrf))) => {
            tracing::info!(email = %email, "signed in");
            let mut response = match &carried {
                Some(c) => super::resume::send_again_page(&state, &viewer, c, &email, &csrf)?,
                None => see_other(&next),
            };
            let _ = response.add_cookie(&make_cookie(&state, SESSION_COOKIE, session_id));
            let _ = response.add_cookie(&removal_cookie(&state, LOGIN_COOKIE));
            Ok(response)
        }
        Ok(None) => {
            tracing::info!(email = %email, "failed sign-in");
            let message = "The email or the password is not right.".to_string();
            login_form(
                &state,
                &viewer,
                StatusCode::UNAUTHORIZED,
                &form.email,
                &next,
                Some(message),
                carried.as_ref(),
            )
        }
        Err(AppError::TooManyRequests(message)) => login_form(
            &state,
            &viewer,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            &next,
            Some(message),
            carried.as_ref(),
        ),
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    label: Option<String>,
}

pub(crate) async fn logout(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(id) = viewer.session_id.clone() {
        viewer.check_csrf(form.csrf_token.as_deref())?;
        db::run(&state.pool, move |c| Ok(sessions::end(c, &id)?)).await?;
    }
    let mut response = see_other("/");
    let _ = response.add_cookie(&removal_cookie(&state, SESSION_COOKIE));
    Ok(response)
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    new_token: Option<String>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    let (list, authority_ref) = db::run(&state.pool, move |c| {
        let list = tokens::list(c, Some(user.id))?;
        let authority_ref = match user.authority_id {
            Some(id) => crate::directory::model::ref_of(c, id)?,
            None => None,
        };
        Ok((list, authority_ref))
    })
    .await?;
    page_with(
        state,
        viewer,
        StatusCode::OK,
        "pages/account",
        &json!({
            "title": "Your account", "nav": "account", "tokens": list,
            "new_token": new_token, "authority_ref": authority_ref,
            "csrf_field": CSRF_FIELD,
        }),
    )
}

pub(crate) async fn account(
    state: web::Data<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<HttpResponse, AppError> {
    account_page(&state, &viewer, None).await
}

pub(crate) async fn issue_token(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let label = form.label.clone();
    let now = state.clock.now();
    let token = db::run(&state.pool, move |c| {
        tokens::issue(c, user.id, label.as_deref(), now)
    })
    .await?;
    account_page(&state, &viewer, Some(token)).await
}

pub(crate) async fn revoke_token(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let id = path.into_inner();
    let (owner, now) = ((!user.is_admin()).then_some(user.id), state.clock.now());
    db::run(&state.pool, move |c| tokens::revoke(c, id, owner, now)).await?;
    Ok(see_other("/account"))
}
