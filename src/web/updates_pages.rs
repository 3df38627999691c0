//! Measure updates for people: a focal point writes one (pre-filled from the
//! measure in force), the secretariat reviews the queue beside what each
//! update would replace.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::measures_view::view;
use super::pages::page_with;
use super::{AppState, Viewer};
use crate::auth::Role;
use crate::db;
use crate::directory::edit::{self, history::Actor};
use crate::error::{AppError, FieldError};
use crate::measures::input::UpdateInput;
use crate::measures::{Operations, Originals, Status, Update, YesNo, YesNoPartly, store};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/updates/new", web::get().to(new_form))
        .route("/updates/new", web::post().to(create))
        .route("/admin/updates", web::get().to(queue))
        .route("/admin/updates/{id}/approve", web::post().to(approve))
        .route("/admin/updates/{id}/reject", web::post().to(reject));
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

#[derive(Deserialize)]
struct Which {
    authority: Option<i64>,
}

/// The authority a person writes for: a focal point's own; an admin's choice.
fn authority_for(viewer: &Viewer, asked: Option<i64>) -> Result<i64, AppError> {
    let user = viewer.signed_in()?;
    match user.role {
        Role::Admin => asked
            .ok_or_else(|| AppError::bad_param("authority", "say which authority (?authority=ID)")),
        Role::FocalPoint => match (user.authority_id, asked) {
            (Some(own), None) => Ok(own),
            (Some(own), Some(a)) if a == own => Ok(own),
            _ => Err(AppError::Forbidden(
                "a focal point writes only for its own authority".into(),
            )),
        },
        Role::Reader => Err(AppError::Forbidden("readers do not submit updates".into())),
    }
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    chosen: &Option<String>,
) -> Value {
    json!(all.iter().map(|v| json!({"code": code(*v), "label": label(*v), "selected": chosen.as_deref() == Some(code(*v))})).collect::<Vec<_>>())
}

fn form_context(input: &UpdateInput, errors: &[FieldError]) -> Value {
    let error = |f: &str| {
        errors
            .iter()
            .find(|e| e.field == f)
            .map(|e| e.message.clone())
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    json!({
        "operations": choices(Operations::ALL, Operations::code, Operations::label, &input.operations),
        "electronic_requests": choices(YesNoPartly::ALL, YesNoPartly::code, YesNoPartly::label, &input.electronic_requests),
        "originals_required": choices(Originals::ALL, Originals::code, Originals::label, &input.originals_required),
        "video_hearings": choices(YesNo::ALL, YesNo::code, YesNo::label, &input.video_hearings),
        "surrenders": choices(YesNoPartly::ALL, YesNoPartly::code, YesNoPartly::label, &input.surrenders),
        "transfers": choices(YesNoPartly::ALL, YesNoPartly::code, YesNoPartly::label, &input.transfers),
        "electronic_address": text(&input.electronic_address),
        "time_limits": text(&input.time_limits),
        "urgent_contact": text(&input.urgent_contact),
        "remarks": text(&input.remarks),
        "language": text(&input.language),
        "effective_from": text(&input.effective_from),
        "effective_until": text(&input.effective_until),
        "errors": errors,
        "error_count": errors.len(),
        "e": {
            "electronic_address": error("electronic_address"), "effective_from": error("effective_from"),
            "effective_until": error("effective_until"), "language": error("language"),
            "remarks": error("remarks"), "time_limits": error("time_limits"),
        },
    })
}

/// The measure in force as form input, so that an update starts from it.
fn prefill(u: Option<&Update>) -> UpdateInput {
    let Some(u) = u else {
        return UpdateInput::default();
    };
    let code = |c: Option<&'static str>| c.map(String::from);
    UpdateInput {
        operations: code(u.operations.map(Operations::code)),
        electronic_requests: code(u.electronic_requests.map(YesNoPartly::code)),
        electronic_address: u.electronic_address.clone(),
        originals_required: code(u.originals_required.map(Originals::code)),
        time_limits: u.time_limits.clone(),
        video_hearings: code(u.video_hearings.map(YesNo::code)),
        surrenders: code(u.surrenders.map(YesNoPartly::code)),
        transfers: code(u.transfers.map(YesNoPartly::code)),
        urgent_contact: u.urgent_contact.clone(),
        remarks: u.remarks.clone(),
        language: u.language.clone(),
        ..UpdateInput::default()
    }
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    authority_id: i64,
    input: &UpdateInput,
    errors: &[FieldError],
) -> Result<HttpResponse, AppError> {
    let name = db::run(&state.pool, move |c| {
        Ok(edit::current(c, authority_id)?.name)
    })
    .await?;
    page_with(
        state,
        viewer,
        status,
        "pages/update_form",
        &json!({
            "title": format!("Working measures of {name}"), "nav": "account",
            "authority_id": authority_id, "authority_name": name, "form": form_context(input, errors),
        }),
    )
}

async fn new_form(
    state: web::Data<AppState>,
    viewer: Viewer,
    which: web::Query<Which>,
) -> Result<HttpResponse, AppError> {
    if viewer.user.is_none() {
        return Ok(see_other("/login?next=/updates/new"));
    }
    let authority_id = authority_for(&viewer, which.authority)?;
    let current = db::run(&state.pool, move |c| {
        Ok(store::in_force(c, Some(&[authority_id]))?)
    })
    .await?;
    render(
        &state,
        &viewer,
        StatusCode::OK,
        authority_id,
        &prefill(current.first()),
        &[],
    )
    .await
}

#[derive(Deserialize)]
struct UpdateForm {
    csrf_token: Option<String>,
    authority_id: Option<i64>,
    action: Option<String>,
    operations: Option<String>,
    electronic_requests: Option<String>,
    electronic_address: Option<String>,
    originals_required: Option<String>,
    time_limits: Option<String>,
    video_hearings: Option<String>,
    surrenders: Option<String>,
    transfers: Option<String>,
    urgent_contact: Option<String>,
    remarks: Option<String>,
    language: Option<String>,
    effective_from: Option<String>,
    effective_until: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let authority_id = authority_for(&viewer, f.authority_id)?;
    viewer.check_csrf(f.csrf_token.as_deref())?;
    let user = viewer.signed_in()?.clone();
    let input = UpdateInput {
        authority_id: Some(authority_id),
        operations: f.operations,
        electronic_requests: f.electronic_requests,
        electronic_address: f.electronic_address,
        originals_required: f.originals_required,
        time_limits: f.time_limits,
        video_hearings: f.video_hearings,
        surrenders: f.surrenders,
        transfers: f.transfers,
        urgent_contact: f.urgent_contact,
        remarks: f.remarks,
        language: f.language,
        effective_from: f.effective_from,
        effective_until: f.effective_until,
        draft: f.action.as_deref() == Some("draft"),
    };
    let checked = match input.validate(store::today()) {
        Ok(c) => c,
        Err(errors) => {
            return render(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                authority_id,
                &input,
                &errors,
            )
            .await;
        }
    };
    let actor = Actor::user(&user);
    let draft = input.draft;
    db::run(&state.pool, move |c| {
        store::create(c, authority_id, &checked, draft, &actor)
    })
    .await?;
    state.mail.wake();
    Ok(see_other(&format!("/authorities/{authority_id}")))
}

async fn queue(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    if viewer.user.is_none() {
        return Ok(see_other("/login?next=/admin/updates"));
    }
    viewer.admin()?;
    let items = db::run(&state.pool, move |c| {
        let filter = store::Filter {
            statuses: Some(vec![Status::Submitted]),
            all: true,
            ..Default::default()
        };
        let (_, list) = store::list(c, &filter, 100, 0)?;
        let mut out = Vec::new();
        for u in list.into_iter().rev() {
            let name = edit::current(c, u.authority_id)
                .map(|a| a.name)
                .unwrap_or_default();
            let current = store::in_force(c, Some(&[u.authority_id]))?;
            out.push(compare(&u, current.first(), name));
        }
        Ok(out)
    })
    .await?;
    page_with(
        &state,
        &viewer,
        StatusCode::OK,
        "pages/review",
        &json!({
            "title": "Updates to review", "nav": "review", "items": items, "count": items.len(),
        }),
    )
}

/// The proposed update row by row beside the measure it would replace,
/// marking what differs.
fn compare(u: &Update, current: Option<&Update>, authority_name: String) -> Value {
    let new = view(u);
    let old = current.map(view);
    let old_rows: Vec<Value> = old
        .as_ref()
        .and_then(|o| o["rows"].as_array().cloned())
        .unwrap_or_default();
    let mut labels: Vec<String> = new["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(old_rows.iter())
        .filter_map(|r| r["label"].as_str().map(String::from))
        .collect();
    labels.dedup();
    let mut seen = Vec::new();
    labels.retain(|l| {
        if seen.contains(l) {
            false
        } else {
            seen.push(l.clone());
            true
        }
    });
    let find = |rows: &[Value], label: &str| {
        rows.iter()
            .find(|r| r["label"] == label)
            .and_then(|r| r["value"].as_str().map(String::from))
    };
    let new_rows: Vec<Value> = new["rows"].as_array().cloned().unwrap_or_default();
    let rows: Vec<Value> = labels
        .iter()
        .map(|l| {
            let (before, after) = (find(&old_rows, l), find(&new_rows, l));
            json!({"label": l, "before": before, "after": after, "changed": before != after})
        })
        .collect();
    let remarks_changed =
        old.as_ref().map(|o| o["remarks"].clone()) != Some(new["remarks"].clone());
    json!({
        "id": u.id, "authority_id": u.authority_id, "authority_name": authority_name,
        "submitted_at": u.submitted_at, "rows": rows, "remarks": u.remarks,
        "remarks_changed": remarks_changed, "effective_from": u.effective_from,
        "effective_until": u.effective_until, "replaces": current.map(|c| c.id),
    })
}

#[derive(Deserialize)]
struct Decision {
    csrf_token: Option<String>,
    reason: Option<String>,
}

async fn approve(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i64>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let id = path.into_inner();
    let actor = Actor::user(&user);
    db::run(&state.pool, move |c| store::approve(c, id, &actor)).await?;
    state.mail.wake();
    Ok(see_other("/admin/updates"))
}

async fn reject(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i64>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let id = path.into_inner();
    let actor = Actor::user(&user);
    let reason = form.reason.clone().unwrap_or_default();
    db::run(&state.pool, move |c| store::reject(c, id, &actor, &reason)).await?;
    state.mail.wake();
    Ok(see_other("/admin/updates"))
}
