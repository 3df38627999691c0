//! Writing the directory through the API: create, replace, patch, archive,
//! confirm, and reading the history. Every write names the version it read.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::Value;

use crate::audit::Change;
use crate::audit::{self, Actor};
use crate::auth::User;
use crate::db;
use crate::db::ids::AuthorityId;
use crate::directory::edit::schema::{AuthorityPatch, AuthorityWrite};
use crate::directory::edit::{self, AuthorityInput, input};
use crate::directory::proposals::{self, Held};
use crate::error::{AppError, ErrorBody, FieldError};
use crate::web::support::extract::{ApiWriter, Page, Paging};
use crate::web::support::json::AuthorityJson;
use crate::web::support::params::{authority_id, live_authority};
use crate::web::{AppState, Viewer};

/// A write by cookie must carry the session's form token in a header; one by
/// bearer token needs none.
/// The version the writer read: `If-Match: "3"` or a `version` field.
fn expected_version(req: &HttpRequest, from_body: Option<i32>) -> Result<i32, AppError> {
    if let Some(raw) = req.headers().get(header::IF_MATCH) {
        let raw = raw.to_str().unwrap_or_default().trim();
        let raw = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
        return raw.parse::<i32>().map_err(|_| {
            AppError::bad_param("If-Match", format!("{raw:?} is not a version number"))
        });
    }
    from_body.ok_or_else(|| {
        AppError::bad_param(
            "version",
            "is required: send the version you last read, as If-Match or as a version field",
        )
    })
}

fn body_object(body: &Value) -> Result<&serde_json::Map<String, Value>, AppError> {
    body.as_object()
        .ok_or_else(|| AppError::Invalid(vec![FieldError::new("body", "must be a JSON object")]))
}

/// Fields only the secretariat sets: they change which record this is.
fn admin_only_fields(
    user: &User,
    before: &AuthorityInput,
    after: &AuthorityInput,
) -> Result<(), AppError> {
    if user.is_admin() {
        return Ok(());
    }
    let mut errors = Vec::new();
    if before.text("ref") != after.text("ref") {
        errors.push(FieldError::new("ref", "is set by the secretariat"));
    }
    if before.text("country_code").map(str::to_uppercase)
        != after.text("country_code").map(str::to_uppercase)
    {
        errors.push(FieldError::new("country_code", "is set by the secretariat"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Answers with the authority as now stored, and its version as ETag.
async fn respond(
    state: &AppState,
    id: AuthorityId,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    respond_with(state, id, status, None).await
}

/// [`respond`], with `held_for_review` when part of the change waits for the
/// secretariat.
async fn respond_with(
    state: &AppState,
    id: AuthorityId,
    status: actix_web::http::StatusCode,
    held: Option<Held>,
) -> Result<HttpResponse, AppError> {
    state.directory.refresh().await?;
    let a = live_authority(state, id)?;
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::ETAG, format!("\"{}\"", a.version)))
        .insert_header((header::LOCATION, format!("/api/v1/authorities/{id}")));
    Ok(response.json(Saved {
        authority: AuthorityJson::new(&a, true),
        held_for_review: held,
    }))
}

/// The authority as saved, and the change held for the secretariat's review
/// when a focal point's edit changed its designations or kind.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SavedAuthority)]
pub(crate) struct Saved<'a> {
    #[serde(flatten)]
    authority: AuthorityJson<'a>,
    /// The change to designations or kind that waits for the secretariat.
    #[serde(skip_serializing_if = "Option::is_none")]
    held_for_review: Option<Held>,
}

/// An authority archived, and its last version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Archived {
    id: AuthorityId,
    /// Always true.
    archived: bool,
    version: i32,
}

#[utoipa::path(
    post, path = "/api/v1/authorities", operation_id = "createAuthority", tag = "editing",
    summary = "Create an authority (the secretariat)",
    request_body(content = AuthorityWrite, description = "The fields, as an authority is read",
        example = json!({
            "ref": "FR-900", "country_code": "FR", "name": "Office for examples",
            "kind": "competent_authority", "city": "Paris", "languages": ["fr", "en"],
            "channels": ["email", "post"], "email": "office@fr-900.example",
            "phone": "+33 1 44 77 63 00", "articles": [18],
        })),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Saved<'static>,
            headers(("ETag" = String, description = "Its version"), ("Location" = String)),
            links(
                ("getAuthority" = (operation_id = "getAuthority", parameters(("id" = "$response.body#/id")))),
                ("patchAuthority" = (operation_id = "patchAuthority", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))),
                ("confirmAuthority" = (operation_id = "confirmAuthority", parameters(("id" = "$response.body#/id")))),
                ("authorityHistory" = (operation_id = "authorityHistory", parameters(("id" = "$response.body#/id")))),
                ("archiveAuthority" = (operation_id = "archiveAuthority", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag"))))
            )),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 409, description = "The reference is taken", body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields`", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    let (input, _) = input::from_json(body.into_inner()).map_err(AppError::Invalid)?;
    let record = input
        .validate(state.clock.now())
        .map_err(AppError::Invalid)?;
    let actor = Actor::user(&user);
    let id = db::run(&state.pool, move |c| edit::create(c, &record, &actor)).await?;
    respond(&state, id, actix_web::http::StatusCode::CREATED).await
}

async fn write(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
    body: Value,
    partial: bool,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.editor_of(id)?.clone();
    let object = body_object(&body)?.clone();
    let (given, body_version) = input::from_json(body).map_err(AppError::Invalid)?;
    let expected = expected_version(&req, body_version)?;
    let actor = Actor::user(&user);
    let hold = !user.is_admin();
    let now = state.clock.now();
    let held = db::run(&state.pool, move |c| {
        let current = edit::current(c, id)?;
        let before = AuthorityInput::from_authority(&current);
        let after = if partial {
            before.clone().merge(&object, given)
        } else {
            given
        };
        admin_only_fields(&user, &before, &after)?;
        if current.version != expected {
            // Before validation: the writer's view is stale either way.
            return Err(edit::conflict(current.version));
        }
        let record = after
            .validate_edit(now, &before)
            .map_err(AppError::Invalid)?;
        let saved = edit::update_holding(c, id, expected, &record, &actor, hold, now)?;
        saved
            .held
            .map(|p| proposals::get(c, p).map(|p| proposals::describe(&p)))
            .transpose()
    })
    .await?;
    if held.is_some() {
        state.mail.wake();
    }
    respond_with(&state, id, actix_web::http::StatusCode::OK, held).await
}

#[utoipa::path(
    put, path = "/api/v1/authorities/{id}", operation_id = "replaceAuthority", tag = "editing",
    summary = "Replace an authority (the secretariat, or its focal point)",
    params(
        ("id" = i64, Path, description = "The authority's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"`), unless sent as `version`"),
    ),
    request_body(content = AuthorityWrite, description = "Every field; those left out are emptied"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved; a focal point's change to designations or kind is held",
            body = Saved<'static>,
            headers(("ETag" = String, description = "The new version"), ("Location" = String))),
        (status = 400, description = "No version named, or the body is not JSON", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "May not change this authority", body = ErrorBody),
        (status = 404, description = "No authority with this id", body = ErrorBody),
        (status = 409, description = "Changed since the version named; `current_version` says the new one",
            body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields`", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    writer: ApiWriter,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    write(req, state, writer, path, body.into_inner(), false).await
}

#[utoipa::path(
    patch, path = "/api/v1/authorities/{id}", operation_id = "patchAuthority", tag = "editing",
    summary = "Change some fields of an authority, keep the others",
    params(
        ("id" = i64, Path, description = "The authority's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"`), unless sent as `version`"),
    ),
    request_body(content = AuthorityPatch, description = "The fields to change",
        example = json!({"city": "Lyon", "languages": ["fr"]})),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved; a focal point's change to designations or kind is held",
            body = Saved<'static>,
            headers(("ETag" = String, description = "The new version"), ("Location" = String))),
        (status = 400, description = "No version named, or the body is not JSON", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "May not change this authority", body = ErrorBody),
        (status = 404, description = "No authority with this id", body = ErrorBody),
        (status = 409, description = "Changed since the version named; `current_version` says the new one",
            body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields`", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    writer: ApiWriter,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    write(req, state, writer, path, body.into_inner(), true).await
}

#[utoipa::path(
    delete, path = "/api/v1/authorities/{id}", operation_id = "archiveAuthority", tag = "editing",
    summary = "Archive an authority (the secretariat): gone from the directory, history kept",
    params(
        ("id" = i64, Path, description = "The authority's id"),
        ("If-Match" = Option<String>, Header, description = "The version read (`\"3\"`)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived", body = Archived),
        (status = 400, description = "If-Match is not a version", body = ErrorBody),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 404, description = "No authority with this id", body = ErrorBody),
        (status = 409, description = "Changed since the version named", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.admin()?.clone();
    let expected = match req.headers().get(header::IF_MATCH) {
        Some(_) => Some(expected_version(&req, None)?),
        None => None,
    };
    let (actor, now) = (Actor::user(&user), state.clock.now());
    let version = db::run(&state.pool, move |c| {
        edit::archive(c, id, expected, &actor, now)
    })
    .await?;
    state.directory.refresh().await?;
    Ok(HttpResponse::Ok().json(Archived {
        id,
        archived: true,
        version,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/authorities/{id}/confirm", operation_id = "confirmAuthority", tag = "editing",
    summary = "Say the record is still correct: last verified is today",
    params(("id" = i64, Path, description = "The authority's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed", body = Saved<'static>,
            headers(("ETag" = String, description = "The new version"), ("Location" = String))),
        (status = 401, description = "No (valid) bearer token", body = ErrorBody),
        (status = 403, description = "May not change this authority", body = ErrorBody),
        (status = 404, description = "No authority with this id", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn confirm(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let user = viewer.editor_of(id)?.clone();
    let actor = Actor::user(&user);
    let now = state.clock.now();
    db::run(&state.pool, move |c| edit::confirm(c, id, &actor, now)).await?;
    respond(&state, id, actix_web::http::StatusCode::OK).await
}

#[utoipa::path(
    get, path = "/api/v1/authorities/{id}/history", operation_id = "authorityHistory", tag = "editing",
    summary = "An authority's changes: who, when, each field's old and new value",
    params(("id" = i64, Path, description = "The authority's id"), Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Its changes, newest first", body = Page<Change>),
        (status = 400, description = "`page` or `per_page` is not valid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No authority with this id", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn authority_history(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    viewer.signed_in()?;
    let id = authority_id(&path)?;
    let (total, items) = db::run(&state.pool, move |c| {
        edit::current(c, id)?;
        Ok(audit::list(c, Some(id), paging.per_page, paging.offset())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}

#[utoipa::path(
    get, path = "/api/v1/changes", operation_id = "listChanges", tag = "editing",
    summary = "Every change to the directory, newest first (the secretariat)",
    params(Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changes", body = Page<Change>),
        (status = 400, description = "`page` or `per_page` is not valid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the secretariat", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn all_changes(
    state: web::Data<AppState>,
    viewer: Viewer,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    viewer.admin()?;
    let (total, items) = db::run(&state.pool, move |c| {
        Ok(audit::list(c, None, paging.per_page, paging.offset())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}
