//! The bulletin for programs: the archive, and subscriptions (asked for by
//! anyone, added and ended by the secretariat and by focal points).

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::bulletin::archive::{self, Issue, Listed};
use crate::bulletin::json::IssueJson;
use crate::bulletin::subscriptions::{self, Filter, Subscription, SubscriptionStatus};
use crate::db;
use crate::db::ids::AuthorityId;
use crate::error::{AppError, ErrorBody, FieldError};
use crate::web::admin::bulletin::{authority_of, scope, unsubscribe_kept};
use crate::web::pages::bulletin::{address, number, request};
use crate::web::support::extract::{ApiWriter, JsonBody, Page, Paging, csrf_header};
use crate::web::support::streamed::{self, Writer};
use crate::web::{AppState, Viewer};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FilterParams {
    /// `pending`, `confirmed` or `unsubscribed`; empty: all.
    status: Option<String>,
    authority_id: Option<AuthorityId>,
}

#[utoipa::path(
    get, path = "/api/v1/bulletins", operation_id = "listBulletins", tag = "bulletin",
    summary = "The bulletins sent, newest first",
    params(Paging),
    responses(
        (status = 200, description = "The bulletins, without their bodies", body = Page<Listed>,
            links(
                ("getBulletin" = (operation_id = "getBulletin", parameters(("number" = "$response.body#/items/0/number"))))
            )),
        (status = 400, description = "`page` or `per_page` is not valid", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    state: web::Data<AppState>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let (total, items) = db::run(&state.pool, move |c| {
        Ok(archive::list(c, paging.per_page, paging.offset())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}

#[utoipa::path(
    get, path = "/api/v1/bulletins/{number}", operation_id = "getBulletin", tag = "bulletin",
    summary = "One bulletin with its HTML and text, in the edition the reader may see",
    params(("number" = i32, Path, description = "The bulletin's number, from 1")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The bulletin", body = Issue),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 404, description = "No bulletin with this number", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let n = number(&path)?;
    let full = viewer.sees_contacts;
    let head = db::run(&state.pool, move |c| archive::head(c, n, full)).await?;
    let first = IssueJson::head(&head)?;
    let json = IssueJson::new(format!("{}/subscribe", state.mail.base_url()));
    let editions = IssueJson::editions(full);
    let pieces = streamed::body(state.pool.clone(), head.bulletin_id, editions, first, json);
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .streaming(pieces))
}

/// The API's JSON, written as the bulletin's parts are read (20 MB at
/// 50,000 authorities).
impl Writer for IssueJson {
    fn part(&mut self, _: usize, text: &str) -> String {
        IssueJson::part(self, text)
    }

    fn end(&mut self, at: usize) -> String {
        self.end_edition(at)
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSubscription {
    /// Required.
    #[schema(max_length = 254)]
    email: Option<String>,
    /// Kept by the secretariat or a focal point, at most 200 characters.
    name: Option<String>,
    /// The authority whose subscription it is (the secretariat's choice; a
    /// focal point's own authority).
    authority_ref: Option<String>,
}

/// Anyone may ask for a subscription (202: a confirmation goes to the
/// address, and the answer is the same whatever its state); the
/// secretariat and focal points add confirmed ones (201).
/// The answer to anyone's request for a subscription: the same whatever
/// the address's state.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Requested {
    /// Always `requested`.
    status: &'static str,
    message: &'static str,
}

#[utoipa::path(
    post, path = "/api/v1/subscriptions", operation_id = "createSubscription", tag = "bulletin",
    summary = "Ask for the bulletin (anyone), or add a confirmed subscription (the secretariat, a focal point)",
    request_body(content = NewSubscription, example = json!({"email": "reader@ministry.example", "name": "A reader"})),
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Added, confirmed (the secretariat or a focal point)", body = Subscription,
            links(
                ("endSubscription" = (operation_id = "endSubscription", parameters(("id" = "$response.body#/id"))))
            )),
        (status = 202, description = "Asked: a confirmation is on its way to the address", body = Requested),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "The bearer token is unknown or revoked", body = ErrorBody),
        (status = 403, description = "A cookie-authenticated request without its form token", body = ErrorBody),
        (status = 422, description = "Invalid fields, each named in `fields`", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    body: JsonBody<NewSubscription>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let email = address(body.email.as_deref())
        .map_err(|m| AppError::Invalid(vec![FieldError::new("email", m)]))?;
    let keeper = viewer
        .user
        .as_ref()
        .and_then(|u| scope(u).ok().map(|s| (u.clone(), s)));
    let Some((user, scope)) = keeper else {
        request(&state, email).await?;
        return Ok(HttpResponse::Accepted().json(Requested {
            status: "requested",
            message: "if this address can receive the bulletin, a message with a link to confirm is on its way to it",
        }));
    };
    // Only a keeper's request adds a confirmed subscription, so only it
    // needs the form token.
    viewer.check_csrf(csrf_header(&req))?;
    let authority = authority_of(
        &state,
        scope,
        body.authority_ref.as_deref(),
        "authority_ref",
    )?;
    let name = body
        .name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty());
    let (now, source) = (state.clock.now(), user.role.code());
    let s = db::run(&state.pool, move |c| {
        subscriptions::add_confirmed(c, &email, name.as_deref(), authority, source, now)
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(s))
}

#[utoipa::path(
    get, path = "/api/v1/subscriptions", operation_id = "listSubscriptions", tag = "bulletin",
    summary = "The subscriptions one keeps: all for the secretariat, its authority's for a focal point",
    params(FilterParams, Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriptions", body = Page<Subscription>,
            links(
                ("endSubscription" = (operation_id = "endSubscription", parameters(("id" = "$response.body#/items/0/id"))))
            )),
        (status = 400, description = "A parameter is not valid; `field` names it", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither the secretariat nor a focal point (of this authority)", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn index(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<FilterParams>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?;
    let scope = scope(user)?;
    let status = params
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| SubscriptionStatus::parse(s).map_err(|m| AppError::bad_param("status", m)))
        .transpose()?;
    let authority_id = match (scope, params.authority_id) {
        (Some(own), Some(a)) if a != own => {
            return Err(AppError::Forbidden(
                "a focal point sees its own authority's subscriptions".into(),
            ));
        }
        (Some(own), _) => Some(own),
        (None, asked) => asked,
    };
    let filter = Filter {
        authority_id,
        status,
    };
    let (total, items) = db::run(&state.pool, move |c| {
        subscriptions::list(c, &filter, paging.per_page, paging.offset())
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.envelope(items, total)))
}

#[utoipa::path(
    delete, path = "/api/v1/subscriptions/{id}", operation_id = "endSubscription", tag = "bulletin",
    summary = "End a subscription one keeps",
    params(("id" = i64, Path, description = "The subscription's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Unsubscribed", body = Subscription),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither the secretariat nor a focal point", body = ErrorBody),
        (status = 404, description = "No subscription with this id that one keeps", body = ErrorBody),
        (status = 503, description = "The database is not available", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    ApiWriter(viewer): ApiWriter,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?;
    let scope = scope(user)?;
    let id: crate::db::ids::SubscriptionId = path
        .parse()
        .map_err(|_| AppError::not_found(format!("no subscription with id {:?}", path.as_str())))?;
    let s = unsubscribe_kept(&state, scope, id).await?;
    Ok(HttpResponse::Ok().json(s))
}
