//! Mail as the secretariat sees it: what is waiting, what was sent, and what
//! could not be sent (with the reason), which can be sent again.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db;
use crate::error::AppError;
use crate::mail::outbox::{self, STATUSES};
use crate::web::support::extract::{AdminPage, ApiWriter, Paging};
use crate::web::support::respond::page;
use crate::web::{AppState, Viewer};

#[derive(Deserialize)]
pub(crate) struct ListParams {
    status: Option<String>,
}

/// The statuses asked for, each checked; none means all.
fn statuses(raw: Option<&str>) -> Result<Vec<String>, AppError> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if STATUSES.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(AppError::bad_param(
                    "status",
                    format!("{s:?} is not one of {}", STATUSES.join(", ")),
                ))
            }
        })
        .collect()
}

async fn load(state: &AppState, wanted: Vec<String>, paging: Paging) -> Result<Value, AppError> {
    let (total, items, counts) = db::run(&state.pool, move |c| {
        let (total, items) = outbox::list(c, &wanted, paging.per_page, paging.offset())?;
        Ok((total, items, outbox::counts(c)?))
    })
    .await?;
    let counts: serde_json::Map<String, Value> =
        counts.into_iter().map(|(s, n)| (s, json!(n))).collect();
    let items: Vec<Value> = items
        .into_iter()
        .map(|e| {
            let mut v = json!(e);
            v["about"] = json!(e.about());
            v
        })
        .collect();
    let mut list = paging.envelope(items, total);
    list["counts"] = json!(counts);
    Ok(list)
}

pub(crate) async fn list_api(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<ListParams>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    viewer.admin()?;
    let wanted = statuses(params.status.as_deref())?;
    Ok(HttpResponse::Ok().json(load(&state, wanted, paging).await?))
}

pub(crate) async fn mail_page(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
    params: web::Query<ListParams>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let wanted = statuses(params.status.as_deref())?;
    let mut data = load(&state, wanted.clone(), paging).await?;
    let (page_no, per_page) = (paging.page, paging.per_page);
    let total = data["total"].as_i64().unwrap_or(0);
    let filter = wanted.join(",");
    let link = |p: i64| format!("/admin/mail?status={filter}&page={p}");
    // People read names, not identifiers.
    if let Some(items) = data["items"].as_array_mut() {
        for item in items {
            let template = item["template"].as_str().unwrap_or_default();
            item["kind"] = json!(template.replace('_', " "));
        }
    }
    data["title"] = json!("Mail");
    data["nav"] = json!("mail");
    data["filter"] = json!(filter);
    data["transport"] = json!(state.mail.describe());
    data["tabs"] = json!(
        STATUSES
            .iter()
            .map(|s| json!({"status": s, "count": data["counts"][s], "current": wanted == [s.to_string()]}))
            .collect::<Vec<_>>()
    );
    data["prev"] = json!((page_no > 1).then(|| link(page_no - 1)));
    data["next"] = json!((page_no * per_page < total).then(|| link(page_no + 1)));
    page(&state, &viewer, "pages/mail", &data)
}

async fn send_again(state: &AppState, id: i64) -> Result<outbox::Entry, AppError> {
    let now = state.clock.now();
    let entry = db::run(&state.pool, move |c| {
        let again = outbox::send_again(c, id, now)?;
        let entry = outbox::get(c, id)?
            .ok_or_else(|| AppError::not_found(format!("no message with id {id}")))?;
        if !again {
            return Err(AppError::Conflict {
                message: format!(
                    "message {id} is {}; only a failed message can be sent again",
                    entry.status
                ),
                current_version: None,
            });
        }
        Ok(entry)
    })
    .await?;
    state.mail.wake();
    Ok(entry)
}

pub(crate) async fn send_again_api(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    viewer.admin()?;
    Ok(HttpResponse::Ok().json(send_again(&state, path.into_inner()).await?))
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    csrf_token: Option<String>,
}

pub(crate) async fn send_again_form(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i64>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    viewer.admin()?;
    viewer.check_csrf(form.csrf_token.as_deref())?;
    send_again(&state, path.into_inner()).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/mail?status=queued,sending,retry"))
        .finish())
}
