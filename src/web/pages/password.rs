//! A forgotten password: the form that sends a link, and the page the link
//! opens to choose a new one (see `auth::reset`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::reset::{self, NotReset};
use crate::auth::users;
use crate::db;
use crate::error::AppError;
use crate::web::support::respond::{message_page, page_with};
use crate::web::{AppState, Viewer};

use super::bulletin::TokenParam;

/// A page that holds a reset link's token: never kept by a browser or a
/// proxy.
fn private(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn message(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    title: &str,
    lines: &[&str],
    links: Value,
) -> Result<HttpResponse, AppError> {
    message_page(state, viewer, status, (title, "login"), lines, links).map(private)
}

pub(crate) async fn forgot_form(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    page_with(
        &state,
        &viewer,
        StatusCode::OK,
        "pages/password_forgot",
        &json!({"title": "Forgot your password?", "nav": "login", "email": "", "error": null}),
    )
}

#[derive(Deserialize)]
pub(crate) struct ForgotForm {
    email: Option<String>,
}

pub(crate) async fn forgot(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.email.clone().unwrap_or_default();
    let email = users::normalise_email(&typed);
    if email.is_empty() || email.len() > 254 {
        return page_with(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "pages/password_forgot",
            &json!({"title": "Forgot your password?", "nav": "login", "email": typed,
                    "error": "Email: please give the address of your account."}),
        );
    }
    let (signer, base, now) = (
        state.mail.signer().clone(),
        state.mail.base_url().to_string(),
        state.clock.now(),
    );
    db::run(&state.pool, move |c| {
        reset::request(c, &email, &signer, &base, now)
    })
    .await?;
    state.mail.wake();
    message(
        &state,
        &viewer,
        StatusCode::OK,
        "Check your mailbox",
        &[
            "If an account uses this address, a message is on its way to it with a link to choose a new password.",
            "The link works for an hour, once. Your password stays as it is until you choose another.",
        ],
        json!([{"href": "/login", "text": "Sign in"}]),
    )
}

/// A link that no longer works, said plainly, with the way to a new one.
fn not_working(
    state: &AppState,
    viewer: &Viewer,
    why: &NotReset,
) -> Result<HttpResponse, AppError> {
    let line = match why {
        NotReset::Expired => "This link has expired: links work for an hour.",
        _ => {
            "This link does not work: it was used already, a newer password was set, or it was copied incompletely."
        }
    };
    message(
        state,
        viewer,
        StatusCode::GONE,
        "Ask for a new link",
        &[line, "Ask for a new one: it takes a minute."],
        json!([{"href": "/password/forgot", "text": "Ask for a new link"}, {"href": "/login", "text": "Sign in"}]),
    )
}

fn reset_form(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    token: &str,
    email: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    page_with(
        state,
        viewer,
        status,
        "pages/password_reset",
        &json!({"title": "Choose a new password", "nav": "login", "token": token,
                "email": email, "error": error}),
    )
    .map(private)
}

pub(crate) async fn reset_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<TokenParam>,
) -> Result<HttpResponse, AppError> {
    let token = params.token.clone().unwrap_or_default();
    let (signer, now, t) = (
        state.mail.signer().clone(),
        state.clock.now(),
        token.clone(),
    );
    let found = db::run(&state.pool, move |c| reset::open(c, &t, &signer, now)).await?;
    match found {
        Ok(row) => reset_form(&state, &viewer, StatusCode::OK, &token, &row.email, None),
        Err(why) => not_working(&state, &viewer, &why),
    }
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    token: Option<String>,
    email: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

pub(crate) async fn reset(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let token = form.token.unwrap_or_default();
    let email = form.email.unwrap_or_default();
    let password = form.password.unwrap_or_default();
    if password != form.confirm.unwrap_or_default() {
        let error = "New password: the two passwords are not the same; type them again.";
        return reset_form(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            &email,
            Some(error.into()),
        );
    }
    let (signer, now, t) = (
        state.mail.signer().clone(),
        state.clock.now(),
        token.clone(),
    );
    let done = db::run(&state.pool, move |c| {
        reset::complete(c, &t, &password, &signer, now)
    })
    .await?;
    match done {
        Ok(account) => {
            tracing::info!(email = %account, "password reset");
            message(
                &state,
                &viewer,
                StatusCode::OK,
                "Your new password is saved",
                &["Sign in with it now. Every session of this account has ended, on every device."],
                json!([{"href": "/login", "text": "Sign in"}]),
            )
        }
        Err(NotReset::Weak(why)) => reset_form(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            &email,
            Some(format!("New password: it {why}.")),
        ),
        Err(why) => not_working(&state, &viewer, &why),
    }
}
