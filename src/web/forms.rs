//! The edit form of an authority, for people: the same input and checks as
//! the API, shown again with every error beside its field and with what the
//! person typed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::api::authority_id;
use super::pages::page_with;
use super::{AppState, Viewer};
use crate::db;
use crate::directory::edit::history::Actor;
use crate::directory::edit::input::{ContactInput, DesignationInput};
use crate::directory::edit::{self, AuthorityInput};
use crate::directory::states;
use crate::domain::{Article, AuthorityKind, Channel, Function};
use crate::error::{AppError, FieldError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/authorities/new", web::get().to(new_form))
        .route("/authorities/new", web::post().to(create))
        .route("/authorities/{id}/edit", web::get().to(edit_form))
        .route("/authorities/{id}/edit", web::post().to(save))
        .route("/authorities/{id}/confirm", web::post().to(confirm))
        .route("/authorities/{id}/archive", web::post().to(archive));
}

type Fields = Vec<(String, String)>;

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

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
    macro_rules! scalar {
        ($($field:ident),*) => { $(base.$field = text(form, stringify!($field));)* };
    }
    scalar!(
        name,
        name_local,
        acronym,
        kind,
        territory,
        address,
        postal_code,
        city,
        phone,
        fax,
        email,
        website,
        language_note,
        urgent_contact,
        office_hours,
        time_zone,
        requirements,
        notes
    );
    if admin {
        base.ref_ = text(form, "ref");
        base.country_code = text(form, "country_code");
    }
    base.languages = code_list(text(form, "languages")).or(Some(vec![]));
    base.channels = Some(values(form, "channels"));
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

/// Labels, kinds and hints of the plain fields, in the order of the form.
const FIELDS: &[(&str, &str, &str, &str)] = &[
    ("name", "Name in English", "text", ""),
    ("name_local", "Name in the State's language", "text", ""),
    ("acronym", "Acronym", "text", ""),
    (
        "territory",
        "Territory",
        "text",
        "Only when the authority serves part of the State",
    ),
    ("address", "Postal address", "textarea", ""),
    ("postal_code", "Postal code", "text", ""),
    ("city", "City", "text", ""),
    (
        "phone",
        "Phone",
        "tel",
        "With the country code, e.g. +43 1 26060",
    ),
    ("fax", "Fax", "tel", ""),
    ("email", "Email", "email", ""),
    ("website", "Website", "url", "https://…"),
    (
        "languages",
        "Languages accepted",
        "text",
        "ISO 639-1 codes in order of preference, e.g. fr, en",
    ),
    (
        "language_note",
        "Note on languages",
        "textarea",
        "e.g. certified translation required (art. 18(14))",
    ),
    (
        "urgent_contact",
        "Urgent or out-of-hours contact",
        "text",
        "",
    ),
    ("office_hours", "Office hours", "text", ""),
    (
        "time_zone",
        "Time zone",
        "text",
        "IANA name, e.g. Europe/Vienna",
    ),
    ("requirements", "Procedural requirements", "textarea", ""),
    ("notes", "Notes", "textarea", ""),
];

fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    let list: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
        .map(|e| e.message.as_str())
        .collect();
    (!list.is_empty()).then(|| list.join("; "))
}

/// Everything the edit template shows.
fn form_context(input: &AuthorityInput, errors: &[FieldError], admin: bool) -> Value {
    let get = |name: &str| -> String {
        let v = serde_json::to_value(input).unwrap_or(Value::Null);
        match &v[name] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    };
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(name, label, kind, hint)| {
            json!({
                "name": name, "label": label, "value": get(name), "textarea": *kind == "textarea",
                "type": kind, "hint": hint, "error": error_for(errors, name),
                "required": *name == "name",
            })
        })
        .collect();
    let chosen_channels = input.channels.clone().unwrap_or_default();
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .map(|c| json!({"code": c.code(), "label": c.label(), "checked": chosen_channels.iter().any(|x| x == c.code())}))
        .collect();
    let designations = input.designations.clone().unwrap_or_default();
    let articles: Vec<Value> = Article::all()
        .map(|a| {
            let found = designations.iter().find(|d| {
                let raw = match &d.article {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                Article::parse(&raw).ok() == Some(a)
            });
            let functions: Vec<Value> = Function::ALL
                .iter()
                .map(|f| {
                    let on = found
                        .and_then(|d| d.functions.as_ref())
                        .is_some_and(|list| list.iter().any(|x| x == f.code()));
                    json!({"code": f.code(), "label": f.label(), "checked": on})
                })
                .collect();
            json!({
                "slug": a.slug(), "provision": a.provision(), "title": a.title(),
                "checked": found.is_some(), "functions": functions,
                "note": found.and_then(|d| d.note.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let mut contacts: Vec<Value> = input
        .contacts
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            json!({
                "name": c.name.clone().unwrap_or_default(), "position": c.position.clone().unwrap_or_default(),
                "email": c.email.clone().unwrap_or_default(), "phone": c.phone.clone().unwrap_or_default(),
                "languages": c.languages.clone().unwrap_or_default().join(", "),
            })
        })
        .collect();
    // Room for one more person (two on a new record).
    let blank = json!({"name": "", "position": "", "email": "", "phone": "", "languages": ""});
    contacts.push(blank.clone());
    if contacts.len() < 2 {
        contacts.push(blank);
    }
    for (i, c) in contacts.iter_mut().enumerate() {
        c["i"] = json!(i);
        c["number"] = json!(i + 1);
        c["error"] = json!(error_for(errors, &format!("contacts[{i}]")));
    }
    let kinds: Vec<Value> = AuthorityKind::ALL
        .iter()
        .map(|k| json!({"code": k.code(), "label": k.label(), "selected": input.kind.as_deref().unwrap_or("competent_authority") == k.code()}))
        .collect();
    let country = input
        .country_code
        .clone()
        .unwrap_or_default()
        .to_uppercase();
    let states: Vec<Value> = states::all()
        .iter()
        .map(|s| json!({"code": s.alpha2, "name": s.name, "selected": s.alpha2 == country}))
        .collect();
    json!({
        "admin": admin,
        "ref": input.ref_.clone().unwrap_or_default(),
        "ref_error": error_for(errors, "ref"),
        "country_code": country,
        "country_error": error_for(errors, "country_code"),
        "states": states,
        "kinds": kinds,
        "kind_error": error_for(errors, "kind"),
        "fields": fields,
        "channels": channels,
        "channels_error": error_for(errors, "channels"),
        "articles": articles,
        "designations_error": error_for(errors, "designations"),
        "contacts": contacts,
        "errors": errors,
        "error_count": errors.len(),
    })
}

#[allow(clippy::too_many_arguments)]
fn render_form(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    title: &str,
    action: &str,
    id: Option<i64>,
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

async fn new_form(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    if viewer.user.is_none() {
        return Ok(see_other("/login?next=/authorities/new"));
    }
    viewer.admin()?;
    let input = AuthorityInput {
        designations: Some(vec![]),
        ..AuthorityInput::default()
    };
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

async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    let input = read_form(&form, AuthorityInput::default(), true);
    let record = match input.validate(chrono::Utc::now().naive_utc()) {
        Ok(r) => r,
        Err(errors) => {
            return render_form(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "New authority",
                "/authorities/new",
                None,
                None,
                &input,
                &errors,
                None,
            );
        }
    };
    let actor = Actor::user(&user);
    match db::run(&state.pool, move |c| edit::create(c, &record, &actor)).await {
        Ok(id) => {
            state.directory.refresh().await?;
            Ok(see_other(&format!("/authorities/{id}")))
        }
        Err(AppError::Invalid(errors)) => render_form(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "New authority",
            "/authorities/new",
            None,
            None,
            &input,
            &errors,
            None,
        ),
        Err(e) => Err(e),
    }
}

async fn edit_form(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    if viewer.user.is_none() {
        return Ok(see_other(&format!("/login?next=/authorities/{id}/edit")));
    }
    viewer.editor_of(id)?;
    let current = db::run(&state.pool, move |c| edit::current(c, id)).await?;
    let input = AuthorityInput::from_authority(&current);
    let title = format!("Edit: {}", current.name);
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

async fn save(
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
    let title = format!("Edit: {}", current.name);
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
    let record = match input.validate(chrono::Utc::now().naive_utc()) {
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
    let outcome = db::run(&state.pool, move |c| {
        edit::update(c, id, expected, &record, &actor, "update")
    })
    .await;
    match outcome {
        Ok(_) => {
            state.directory.refresh().await?;
            Ok(see_other(&format!("/authorities/{id}")))
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

async fn confirm(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.editor_of(id)?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    let actor = Actor::user(&user);
    db::run(&state.pool, move |c| edit::confirm(c, id, &actor)).await?;
    state.directory.refresh().await?;
    Ok(see_other(&format!("/authorities/{id}")))
}

async fn archive(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.admin()?.clone();
    viewer.check_csrf(value(&form, "csrf_token"))?;
    let expected = value(&form, "version").and_then(|v| v.parse().ok());
    let actor = Actor::user(&user);
    db::run(&state.pool, move |c| edit::archive(c, id, expected, &actor)).await?;
    state.directory.refresh().await?;
    Ok(see_other("/authorities"))
}
