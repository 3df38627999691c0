//! Mail as the secretariat sees it: what is waiting, what was sent, and what
//! could not be sent (with the reason), which can be sent again.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db;
use crate::db::ids::MessageId;
use crate::error::{AppError, ErrorBody};
use crate::mail::outbox::{self, MailStatus};
use crate::web::support::extract::{AdminPage, ApiWriter, Paging};
use crate::web::support::respond::page;
use crate::web::{AppState, Viewer};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Statuses, separated by commas (`queued,retry`); all unless said.
    status: Option<String>,
}

/// The statuses asked for, each checked; none means all.
fn statuses(raw: Option<&str>) -> Result<Vec<MailStatus>, AppError> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| MailStatus::parse(s).map_err(|m| AppError::bad_param("status", m)))
        .collect()
}

/// A message in the list: the stored entry, and what it is about.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MailItem)]
struct Item {
    #[serde(flatten)]
    entry: outbox::Entry,
    about: Option<String>,
    /// The template's name in words, for people.
    kind: String,
}

/// One page of the outbox, with the count in each status.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MailList {
    items: Vec<Item>,
    total: i64,
    page: i64,
    per_page: i64,
    /// Messages in each status.
    #[schema(value_type = BTreeMap<String, i64>)]
    counts: BTreeMap<&'static str, i64>,
}

async fn load(
    state: &AppState,
    wanted: Vec<MailStatus>,
    paging: Paging,
) -> Result<MailList, AppError> {
    let (total, entries, counts) = db::run(&state.pool, move |c| {
        let (total, items) = outbox::list(c, &wanted, paging.per_page, paging.offset())?;
        Ok((total, items, outbox::counts(c)?))
    })
    .await?;
    let items = entries
        .into_iter()
        .map(|entry| Item {
            about: entry.about(),
            kind: entry.template.replace('_', " "),
            entry,
        })
        .collect();
    Ok(MailList {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
        counts: counts.into_iter().map(|(s, n)| (s.code(), n)).collect(),
    })
}

/// A status tab of the mail page.
#[derive(Serialize)]
struct Tab {
    status: &'static str,
    count: i64,
    current: bool,
}

#[derive(Serialize)]
struct MailPage {
    title: &'static str,
    nav: &'static str,
    filter: String,
    transport: String,
    tabs: Vec<Tab>,
    prev: Option<String>,
    next: Option<String>,
    #[serde(flatten)]
    list: MailList,
}

#[utoipa::path(
    get, path = "/api/v1/mail", operation_id = "listMail", tag = "mail",
    summary = "The outbox, newest first, with the count in each status (the secretariat)",
    params(ListParams, Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of messages", body = MailList,
            links(
                ("sendMailAgain" = (operation_id = "sendMailAgain", parameters(("id" = "$response.body#/items/0/id"))))
            )),
        (status = 400, description = "A parameter is not valid; `field` names it", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
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
    let list = load(&state, wanted.clone(), paging).await?;
    let filter = wanted
        .iter()
        .map(|s| s.code())
        .collect::<Vec<_>>()
        .join(",");
    let link = |p: i64| format!("/admin/mail?status={filter}&page={p}");
    let tabs = MailStatus::ALL
        .iter()
        .map(|s| Tab {
            status: s.code(),
            count: list.counts.get(s.code()).copied().unwrap_or(0),
            current: wanted == [*s],
        })
        .collect();
    let view = MailPage {
        title: "Mail",
        nav: "mail",
        transport: state.mail.describe(),
        tabs,
        prev: (paging.page > 1).then(|| link(paging.page - 1)),
        next: (paging.page * paging.per_page < list.total).then(|| link(paging.page + 1)),
        filter,
        list,
    };
    page(&state, &viewer, "pages/mail", &json!(view))
}

async fn send_again(state: &AppState, id: MessageId) -> Result<outbox::Entry, AppError> {
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

#[utoipa::path(
    post, path = "/api/v1/mail/{id}/send-again", operation_id = "sendMailAgain", tag = "mail",
    summary = "Put a failed message back in the queue (the secretariat)",
    params(("id" = i64, Path, description = "The message's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Queued again", body = outbox::Entry),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 404, description = "No message with this id", body = ErrorBody),
        (status = 409, description = "The message has not failed", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn send_again_api(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<MessageId>,
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
    path: web::Path<MessageId>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    viewer.admin()?;
    viewer.check_csrf(form.csrf_token.as_deref())?;
    send_again(&state, path.into_inner()).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/mail?status=queued,sending,retry"))
        .finish())
}
