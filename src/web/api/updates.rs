//! Measure updates through the API: submit, list, read, and the review
//! (approve, reject) and withdrawal.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::Actor;
use crate::auth::{Role, User};
use crate::db;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::error::{AppError, ErrorBody, FieldError};
use crate::measures::input::UpdateInput;
use crate::measures::lifecycle::{self, SeenBase};
use crate::measures::{Status, Update, store};
use crate::web::support::extract::{ApiWriter, JsonBody, Page, Paging};
use crate::web::support::params::RejectBody;
use crate::web::{AppState, Viewer};

/// May this person act for the update's authority (focal point or admin)?
fn acts_for(user: &User, authority_id: AuthorityId) -> Result<(), AppError> {
    match user.role {
        Role::Admin => Ok(()),
        Role::FocalPoint if user.authority_id == Some(authority_id) => Ok(()),
        Role::FocalPoint => Err(AppError::Forbidden(
            "a focal point acts only for its own authority".into(),
        )),
        Role::Reader => Err(AppError::Forbidden("readers do not submit updates".into())),
    }
}

/// Whether the reader may see this update at all: decided ones are public;
/// drafts, submissions, rejections and withdrawals belong to the authority
/// and the secretariat.
fn visible(viewer: &Viewer, u: &Update) -> bool {
    store::PUBLIC.contains(&u.status)
        || viewer
            .user
            .as_ref()
            .is_some_and(|user| acts_for(user, u.authority_id).is_ok())
}

#[utoipa::path(
    post, path = "/api/v1/updates", operation_id = "createUpdate", tag = "measures",
    summary = "Submit a measure update (or keep it a draft)",
    request_body(content = UpdateInput, examples(
        ("submitted" = (summary = "Submitted for review", value = json!({
            "authority_id": 1, "operations": "reduced", "electronic_requests": "yes",
            "electronic_address": "mla@authority.example", "originals_required": "later",
            "video_hearings": "yes", "remarks": "Requests by email only this month.",
            "language": "en",
        }))),
        ("draft" = (summary = "Kept as a draft", value = json!({
            "authority_id": 1, "operations": "remote", "draft": true,
        }))),
    )),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored: submitted, or a draft", body = Update,
            headers(("Location" = String)),
            links(
                ("getUpdate" = (operation_id = "getUpdate", parameters(("id" = "$response.body#/id")))),
                ("submitUpdate" = (operation_id = "submitUpdate", parameters(("id" = "$response.body#/id")))),
                ("approveUpdate" = (operation_id = "approveUpdate", parameters(("id" = "$response.body#/id")))),
                ("rejectUpdate" = (operation_id = "rejectUpdate", parameters(("id" = "$response.body#/id")))),
                ("withdrawUpdate" = (operation_id = "withdrawUpdate", parameters(("id" = "$response.body#/id"))))
            )),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "May not act for this authority", body = ErrorBody),
        (status = 409, description = "`base` is no longer in force (`stale_base`, with `current`)",
            body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields` (an unknown or archived authority too)",
            body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    body: JsonBody<UpdateInput>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    let input = body.into_inner();
    let authority_id = match (input.authority_id, user.role) {
        (Some(a), _) => a,
        (None, Role::FocalPoint) => user.authority_id.unwrap_or(AuthorityId(0)),
        (None, _) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "authority_id",
                "is required",
            )]));
        }
    };
    acts_for(&user, authority_id)?;
    let now = state.clock.now();
    let checked = input.validate(now.date()).map_err(AppError::Invalid)?;
    let actor = Actor::user(&user);
    let (draft, seen) = (input.draft, input.base);
    let update = db::run(&state.pool, move |c| {
        let id = lifecycle::create(c, authority_id, &checked, draft, seen, &actor, now)?;
        store::get(c, id, now.date())
    })
    .await?;
    state.mail.wake();
    state.in_force.forget();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/updates/{}", update.id)))
        .json(update))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Statuses, separated by commas (`submitted,scheduled`).
    status: Option<String>,
    authority_id: Option<AuthorityId>,
    /// ISO 3166-1 alpha-2 or alpha-3 code of a State party.
    country: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/updates", operation_id = "listUpdates", tag = "measures",
    summary = "The updates the reader may see (approved, superseded and expired ones are public)",
    params(ListParams, Paging),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = Page<Update>,
            links(
                ("getUpdate" = (operation_id = "getUpdate", parameters(("id" = "$response.body#/items/0/id")))),
                ("withdrawUpdate" = (operation_id = "withdrawUpdate", parameters(("id" = "$response.body#/items/0/id")))),
                ("approveUpdate" = (operation_id = "approveUpdate", parameters(("id" = "$response.body#/items/0/id")))),
                ("rejectUpdate" = (operation_id = "rejectUpdate", parameters(("id" = "$response.body#/items/0/id"))))
            )),
        (status = 400, description = "A parameter is not valid; `field` names it", body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 404, description = "`country` names no State party", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<ListParams>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let p = params.into_inner();
    let statuses = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.split(',')
                .map(|s| Status::parse(s).map_err(|m| AppError::bad_param("status", m)))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let country = match p.country.as_deref() {
        Some(c) => Some(
            crate::web::support::params::country_param(c)?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let user = viewer.user.clone();
    let filter = store::Filter {
        statuses,
        authority_id: p.authority_id,
        country,
        own_authority: user.as_ref().and_then(|u| {
            (u.role == Role::FocalPoint)
                .then_some(u.authority_id)
                .flatten()
        }),
        all: user.as_ref().is_some_and(User::is_admin),
    };
    let now = state.clock.now();
    let sees_contacts = viewer.sees_contacts;
    let (total, items) = db::run(&state.pool, move |c| {
        lifecycle::settle_due(c, now)?;
        let (total, items) = store::list(c, &filter, paging.per_page, paging.offset(), now.date())?;
        let items: Vec<Update> = items
            .into_iter()
            .map(|u| u.for_reader(sees_contacts))
            .collect();
        Ok((total, items))
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}

fn update_id(raw: &str) -> Result<UpdateId, AppError> {
    raw.parse()
        .map_err(|_| AppError::not_found(format!("no update with id {raw:?}")))
}

#[utoipa::path(
    get, path = "/api/v1/updates/{id}", operation_id = "getUpdate", tag = "measures",
    summary = "One update",
    params(("id" = i64, Path, description = "The update's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The update", body = Update),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 404, description = "No update with this id that the reader may see", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = update_id(&path)?;
    let u = load(&state, id).await?;
    if !visible(&viewer, &u) {
        return Err(AppError::not_found(format!("no update with id {id}")));
    }
    Ok(HttpResponse::Ok().json(u.for_reader(viewer.sees_contacts)))
}

/// One update, with what the date has changed stored first.
async fn load(state: &AppState, id: UpdateId) -> Result<Update, AppError> {
    let now = state.clock.now();
    db::run(&state.pool, move |c| {
        lifecycle::settle_due(c, now)?;
        store::get(c, id, now.date())
    })
    .await
}

/// The optional body of submit and approve: the measure in force the
/// person compared the update with.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeenBody {
    /// The id of the measure in force the person compared with (null: none).
    #[schema(value_type = Option<UpdateId>)]
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    base: SeenBase,
}

/// An empty body says nothing; anything else must be that object.
fn seen(body: &[u8]) -> Result<SeenBase, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<SeenBody>(body)
        .map(|b| b.base)
        .map_err(|e| AppError::bad_param("body", e.to_string()))
}

/// Loads an update the person may act on, or answers as if it did not exist
/// (404) when they may not even see it.
async fn for_action(
    state: &AppState,
    viewer: &Viewer,
    id: UpdateId,
) -> Result<(User, Update), AppError> {
    let user = viewer.signed_in()?.clone();
    let u = load(state, id).await?;
    if !visible(viewer, &u) {
        return Err(AppError::not_found(format!("no update with id {id}")));
    }
    Ok((user, u))
}

#[utoipa::path(
    post, path = "/api/v1/updates/{id}/submit", operation_id = "submitUpdate", tag = "measures",
    summary = "Submit a draft for review",
    params(("id" = i64, Path, description = "The update's id")),
    request_body(content = Option<SeenBody>, description = "Optional: the measure in force it was compared with"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = Update),
        (status = 400, description = "The body is not this object", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "May not act for this authority", body = ErrorBody),
        (status = 404, description = "No update with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "Not a draft, or `base` is no longer in force (`stale_base`)", body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields`", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn submit(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = update_id(&path)?;
    let (user, u) = for_action(&state, &viewer, id).await?;
    acts_for(&user, u.authority_id)?;
    let actor = Actor::user(&user);
    let (seen, now) = (seen(&body)?, state.clock.now());
    let u = db::run(&state.pool, move |c| {
        lifecycle::submit(c, id, seen, &actor, now)
    })
    .await?;
    state.mail.wake();
    state.in_force.forget();
    Ok(HttpResponse::Ok().json(u))
}

#[utoipa::path(
    post, path = "/api/v1/updates/{id}/approve", operation_id = "approveUpdate", tag = "measures",
    summary = "Approve a submitted update (the secretariat): in force now, or scheduled",
    params(("id" = i64, Path, description = "The update's id")),
    request_body(content = Option<SeenBody>, description = "Optional: the measure in force it was compared with"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved, with the update it took the place of", body = Approved<'static>),
        (status = 400, description = "The body is not this object", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 404, description = "No update with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "Not submitted, or its `base` is no longer in force (`stale_base`)", body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields`", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn approve(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = update_id(&path)?;
    let (_, _) = for_action(&state, &viewer, id).await?;
    let user = viewer.admin()?.clone();
    let actor = Actor::user(&user);
    let (seen, now) = (seen(&body)?, state.clock.now());
    let (u, superseded) = db::run(&state.pool, move |c| {
        lifecycle::approve(c, id, seen, &actor, now)
    })
    .await?;
    state.mail.wake();
    state.in_force.forget();
    Ok(HttpResponse::Ok().json(Approved {
        update: &u,
        superseded,
    }))
}

/// An approved update, and the one it took the place of.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = ApprovedUpdate)]
pub(crate) struct Approved<'a> {
    #[serde(flatten)]
    update: &'a crate::measures::Update,
    /// The id of the update that was in force until now, if any.
    superseded: Option<UpdateId>,
}

#[utoipa::path(
    post, path = "/api/v1/updates/{id}/reject", operation_id = "rejectUpdate", tag = "measures",
    summary = "Reject a submitted update, with the reason the author is told (the secretariat)",
    params(("id" = i64, Path, description = "The update's id")),
    request_body(content = RejectBody, example = json!({"reason": "Please give the address for requests."})),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = Update),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 404, description = "No update with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "Not submitted", body = ErrorBody),
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
    let id = update_id(&path)?;
    for_action(&state, &viewer, id).await?;
    let user = viewer.admin()?.clone();
    let actor = Actor::user(&user);
    let reason = body.into_inner().reason;
    let now = state.clock.now();
    let u = db::run(&state.pool, move |c| {
        lifecycle::reject(c, id, &actor, &reason, now)
    })
    .await?;
    state.mail.wake();
    state.in_force.forget();
    Ok(HttpResponse::Ok().json(u))
}

#[utoipa::path(
    post, path = "/api/v1/updates/{id}/withdraw", operation_id = "withdrawUpdate", tag = "measures",
    summary = "Withdraw an update (its authority's focal point, or the secretariat)",
    params(("id" = i64, Path, description = "The update's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = Update),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "May not act for this authority", body = ErrorBody),
        (status = 404, description = "No update with this id that the reader may see", body = ErrorBody),
        (status = 409, description = "Already decided, withdrawn or ended", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn withdraw(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = update_id(&path)?;
    let (user, u) = for_action(&state, &viewer, id).await?;
    acts_for(&user, u.authority_id)?;
    let actor = Actor::user(&user);
    let now = state.clock.now();
    let u = db::run(&state.pool, move |c| {
        lifecycle::withdraw(c, id, &actor, now)
    })
    .await?;
    state.in_force.forget();
    Ok(HttpResponse::Ok().json(u))
}
