//! The edit form of an authority, for people: the same input and checks as
//! the API, shown again with every error beside its field and with what the
//! person typed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::audit::Actor;
use crate::db;
use crate::db::ids::AuthorityId;
use crate::directory::edit::input::{ContactInput, DesignationInput};
use crate::directory::edit::{self, AuthorityInput};
use crate::directory::fields::FIELDS;
use crate::domain::Article;
use crate::error::{AppError, FieldError};
use crate::web::support::extract::{AdminPage, SignedIn};
use crate::web::support::params::authority_id;
use crate::web::support::respond::page_with;
use crate::web::{AppState, Viewer};

pub(crate) mod context;

use context::form_context;

type Fields = Vec<(String, String)>;

use crate::web::support::respond::see_other;

fn value<'a>(form: &'a Fields, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn values(form: &Fields, name: &str) -> Vec<String> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn text(form: &Fields, name: &str) -> Option<String> {
    value(form, name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Codes typed in one box: "fr, en" or "fr en".
fn code_list(raw: Option<String>) -> Option<Vec<String>> {
    raw.map(|s| {
        s.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    })
}

/// The form's fields over `base`; `ref` and `country_code` only from an admin.
fn read_form(form: &Fields, mut base: AuthorityInput, admin: bool) -> AuthorityInput {
    for f in FIELDS.iter().filter(|f| f.control.is_plain()) {
        if f.check.is_list() {
            base.set_list(f.name, code_list(text(form, f.name)).or(Some(vec![])));
        } else {
            base.set_text(f.name, text(form, f.name));
        }
    }
    // The fields with controls of their own (see edit.hbs).
    base.set_text("kind", text(form, "kind"));
    if admin {
        base.set_text("ref", text(form, "ref"));
        base.set_text("country_code", text(form, "country_code"));
    }
    base.set_list("channels", Some(values(form, "channels")));
    let designated = values(form, "designated");
    base.designations = Some(
        Article::all()
            .filter(|a| designated.iter().any(|d| d == a.slug()))
            .map(|a| DesignationInput {
                article: Value::String(a.slug().to_string()),
                functions: Some(values(form, &format!("functions_{}", a.slug()))),
                note: text(form, &format!("note_{}", a.slug())),
            })
            .collect(),
    );
    let mut contacts = Vec::new();
    for i in 0.. {
        let at = |f: &str| format!("contact_{f}_{i}");
        if value(form, &at("name")).is_none() {
            break;
        }
        let c = ContactInput {
            name: text(form, &at("name")),
            position: text(form, &at("position")),
            email: text(form, &at("email")),
            phone: text(form, &at("phone")),
            languages: code_list(text(form, &at("languages"))),
        };
        let blank =
            c.name.is_none() && c.position.is_none() && c.email.is_none() && c.phone.is_none();
        if !blank {
            contacts.push(c);
        }
    }
    base.contacts = Some(contacts);
    base
}

#[allow(clippy::too_many_arguments)]
fn render_form(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    title: &str,
    action: &str,
    id: Option<AuthorityId>,
    version: Option<i32>,
    input: &AuthorityInput,
    errors: &[FieldError],
    conflict: Option<String>,
) -> Result<HttpResponse, AppError> {
    let admin = viewer.user.as_ref().is_some_and(|u| u.is_admin());
    page_with(
        state,
        viewer,
        status,
        "pages/edit",
        &json!({
            "title": title, "nav": "authorities", "action": action, "id": id,
            "version": version, "conflict": conflict,
            "form": form_context(input, errors, admin),
        }),
    )
}

pub(crate) async fn new_form(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
) -> Result<HttpResponse, AppError> {
    let mut input = AuthorityInput::default();
    input.designations = Some(vec![]);
    render_form(
        &state,
        &viewer,
        StatusCode::OK,
        "New authority",
        "/authorities/new",
        None,
        None,
        &input,
        &[],
        None,
    )
}

pub(crate) async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    let input = read_form(&form, AuthorityInput::default(), true);
    // Refused by validation or by the database (a ref already taken): the
    // same form again, with what was typed and each error by its field.
    let refused = |errors: &[FieldError]| {
        render_form(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "New authority",
            "/authorities/new",
            None,
            None,
            &input,
            errors,
            None,
        )
    };
    let record = match input.validate(state.clock.now()) {
        Ok(r) => r,
        Err(errors) => return refused(&errors),
    };
    let actor = Actor::user(&user);
    match db::run(&state.pool, move |c| edit::create(c, &record, &actor)).await {
        Ok(id) => {
            state.directory.refresh().await?;
            Ok(see_other(&format!("/authorities/{id}")))
        }
        Err(AppError::Invalid(errors)) => refused(&errors),
        Err(e) => Err(e),
    }
}

pub(crate) async fn edit_form(
    state: web::Data<AppState>,
    SignedIn(viewer): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    viewer.editor_of(id)?;
    let current = db::run(&state.pool, move |c| edit::current(c, id)).await?;
    let input = AuthorityInput::from_authority(&current);
    let title = format!("Edit: {}", current.name());
    render_form(
        &state,
        &viewer,
        StatusCode::OK,
        &title,
        &format!("/authorities/{id}/edit"),
        Some(id),
        Some(current.version),
        &input,
        &[],
        None,
    )
}

pub(crate) async fn save(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.editor_of(id)?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    let expected: i32 = value(&form, "version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            AppError::bad_param("version", "the form lacks the version it was read at")
        })?;
    let current = db::run(&state.pool, move |c| edit::current(c, id)).await?;
    let input = read_form(
        &form,
        AuthorityInput::from_authority(&current),
        user.is_admin(),
    );
    let action = format!("/authorities/{id}/edit");
    let title = format!("Edit: {}", current.name());
    if current.version != expected {
        let message = format!(
            "Someone else saved this authority while you were editing (it is now at version {}). \
             Your changes are below, not saved. Saving again will replace their changes with yours; \
             open the authority in another tab to compare.",
            current.version
        );
        return render_form(
            &state,
            &viewer,
            StatusCode::CONFLICT,
            &title,
            &action,
            Some(id),
            Some(current.version),
            &input,
            &[],
            Some(message),
        );
    }
    let now = state.clock.now();
    let record = match input.validate_edit(now, &AuthorityInput::from_authority(&current)) {
        Ok(r) => r,
        Err(errors) => {
            return render_form(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                &title,
                &action,
                Some(id),
                Some(expected),
                &input,
                &errors,
                None,
            );
        }
    };
    let actor = Actor::user(&user);
    let hold = !user.is_admin();
    let outcome = db::run(&state.pool, move |c| {
        edit::update_holding(c, id, expected, &record, &actor, hold, now)
    })
    .await;
    match outcome {
        Ok(saved) => {
            state.directory.refresh().await?;
            state.mail.wake();
            let word = if saved.held.is_some() {
                "held"
            } else {
                "saved"
            };
            Ok(see_other(&format!("/authorities/{id}?done={word}")))
        }
        Err(AppError::Invalid(errors)) => render_form(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            &title,
            &action,
            Some(id),
            Some(expected),
            &input,
            &errors,
            None,
        ),
        Err(AppError::Conflict {
            message,
            current_version,
        }) => render_form(
            &state,
            &viewer,
            StatusCode::CONFLICT,
            &title,
            &action,
            Some(id),
            current_version,
            &input,
            &[],
            Some(message),
        ),
        Err(e) => Err(e),
    }
}

pub(crate) async fn confirm(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.editor_of(id)?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    let actor = Actor::user(&user);
    let now = state.clock.now();
    db::run(&state.pool, move |c| edit::confirm(c, id, &actor, now)).await?;
    state.directory.refresh().await?;
    Ok(see_other(&format!("/authorities/{id}")))
}

pub(crate) async fn archive(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.admin()?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    // Without a version nothing is compared (a script's plain archive); one
    // that is not a number must not silently skip the comparison.
    let expected = value(&form, "version")
        .map(|v| {
            v.trim().parse::<i32>().map_err(|_| {
                AppError::bad_param("version", format!("{v:?} is not a version number"))
            })
        })
        .transpose()?;
    let (actor, now) = (Actor::user(&user), state.clock.now());
    db::run(&state.pool, move |c| {
        edit::archive(c, id, expected, &actor, now)
    })
    .await?;
    state.directory.refresh().await?;
    Ok(see_other("/authorities"))
}
