//! Who is asking: nobody, a person with a session cookie, or a program with a
//! bearer token; and so what they may see and do.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, CookieJar, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::auth::{Role, User, sessions, tokens};
use crate::db;
use crate::db::ids::AuthorityId;
use crate::error::AppError;
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "counterpart_session";
/// Carries the form token of the sign-in form, before there is a session.
pub const LOGIN_COOKIE: &str = "counterpart_login";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub user: Option<User>,
    /// The session's form token; none for programs and anonymous readers.
    pub csrf: Option<String>,
    /// The cookie's session id, to end it at sign-out.
    pub session_id: Option<String>,
    pub via_token: bool,
    pub sees_contacts: bool,
    /// The page asked for (path and query), for a reader not signed in:
    /// "Sign in" comes back to it.
    pub here: Option<String>,
    /// The client takes gzip: a page anonymous readers share is sent as
    /// kept compressed (`super::zipped::Zipped`).
    pub gzip: bool,
}

impl Viewer {
    /// The account, or 401.
    pub fn signed_in(&self) -> Result<&User, AppError> {
        self.user
            .as_ref()
            .ok_or_else(|| AppError::Unauthorized("please sign in first".into()))
    }

    pub fn admin(&self) -> Result<&User, AppError> {
        let user = self.signed_in()?;
        if user.role != Role::Admin {
            return Err(AppError::Forbidden(
                "only the secretariat (admin) may do this".into(),
            ));
        }
        Ok(user)
    }

    /// The account, if it may edit this authority; 401 or 403 otherwise.
    pub fn editor_of(&self, authority_id: AuthorityId) -> Result<&User, AppError> {
        let user = self.signed_in()?;
        if !user.may_edit(authority_id) {
            return Err(AppError::Forbidden(match user.role {
                Role::FocalPoint => "a focal point may change only its own authority".into(),
                _ => "your account may not change the directory".into(),
            }));
        }
        Ok(user)
    }

    /// A form or a cookie-authenticated API write must carry the session's
    /// token; a bearer token is not sent by browsers on their own, so it
    /// needs none.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), AppError> {
        if self.via_token {
            return Ok(());
        }
        let ok = match (&self.csrf, presented) {
            (Some(expected), Some(given)) => {
                bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "the form has expired or did not come from this site; reload the page and try again"
                    .into(),
            ))
        }
    }

    /// What every page's layout shows of the viewer.
    /// What the layout shows of the viewer.
    pub fn context(&self) -> ViewerContext<'_> {
        match &self.user {
            Some(u) => ViewerContext {
                signed_in: true,
                email: &u.email,
                name: u.name.as_deref(),
                role: u.role.code(),
                is_admin: u.is_admin(),
                authority_id: u.authority_id,
                csrf: self.csrf.as_deref().unwrap_or_default(),
                sees_contacts: self.sees_contacts,
                here: None,
            },
            None => ViewerContext {
                here: self.here.as_deref(),
                ..ViewerContext::anonymous(self.sees_contacts)
            },
        }
    }
}

/// The viewer as the layout shows it: signed in or not, the navigation an
/// admin gets, the form token.
#[derive(Debug, Serialize)]
pub struct ViewerContext<'a> {
    pub signed_in: bool,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub role: &'a str,
    pub is_admin: bool,
    pub authority_id: Option<AuthorityId>,
    pub csrf: &'a str,
    pub sees_contacts: bool,
    /// See [`Viewer::here`]; not for templates (the layout puts it in the
    /// sign-in link).
    #[serde(skip)]
    pub here: Option<&'a str>,
}

impl ViewerContext<'static> {
    pub fn anonymous(sees_contacts: bool) -> Self {
        ViewerContext {
            signed_in: false,
            email: "",
            name: None,
            role: "",
            is_admin: false,
            authority_id: None,
            csrf: "",
            sees_contacts,
            here: None,
        }
    }
}

/// A signed cookie's value, if the signature holds.
pub fn signed_cookie(
    req: &HttpRequest,
    key: &actix_web::cookie::Key,
    name: &str,
) -> Option<String> {
    let cookie = req.cookie(name)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    jar.signed(key).get(name).map(|c| c.value().to_string())
}

/// A cookie signed with the application's key, HttpOnly, SameSite=Lax, and
/// Secure when the site is served over https.
pub fn make_cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    let mut jar = CookieJar::new();
    let cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.server.public_url.scheme() == "https")
        .finish();
    jar.signed_mut(&state.key).add(cookie);
    jar.get(name).cloned().expect("just added")
}

pub fn removal_cookie(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = make_cookie(state, name, String::new());
    c.make_removal();
    c
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already known for this request (a middleware asked first): the
        // session is looked up, and its last use written, once.
        if let Some(known) = req.extensions().get::<Viewer>() {
            let known = known.clone();
            return Box::pin(async move { Ok(known) });
        }
        let state = req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered")
            .clone();
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let session_id = signed_cookie(req, &state.key, SESSION_COOKIE);
        let here = (req.method() == actix_web::http::Method::GET)
            .then(|| req.uri().path_and_query().map(|p| p.as_str().to_string()))
            .flatten();
        let gzip = super::gzip::accepted(req.headers());
        let asked = req.clone();
        Box::pin(async move {
            let mut viewer = Self::look_up(state, bearer, session_id, here).await?;
            viewer.gzip = gzip;
            // Kept for the request: a later extractor asks no second time,
            // and `no_store_for_accounts` sees who the answer was made for.
            // An anonymous reader costs no look-up to know again, and most
            // requests are theirs.
            if viewer.user.is_some() {
                asked.extensions_mut().insert(viewer.clone());
            }
            Ok(viewer)
        })
    }
}

impl Viewer {
    async fn look_up(
        state: web::Data<AppState>,
        bearer: Option<String>,
        session_id: Option<String>,
        here: Option<String>,
    ) -> Result<Self, AppError> {
        let public = state.settings.directory.public_contacts;
        if let Some(token) = bearer {
            let now = state.clock.now();
            let user = db::run(&state.pool, move |c| {
                Ok(tokens::authenticate(c, &token, now)?)
            })
            .await?;
            let Some(user) = user else {
                return Err(AppError::Unauthorized(
                    "the bearer token is unknown or revoked".into(),
                ));
            };
            return Ok(Viewer {
                user: Some(user),
                csrf: None,
                session_id: None,
                via_token: true,
                sees_contacts: true,
                here: None,
                gzip: false,
            });
        }
        let Some(id) = session_id else {
            return Ok(Viewer {
                sees_contacts: public,
                here,
                ..Viewer::default()
            });
        };
        let (idle, now) = (state.settings.security.session_idle, state.clock.now());
        let lookup = id.clone();
        let session = db::run(&state.pool, move |c| {
            Ok(sessions::resume(c, &lookup, idle, now)?)
        })
        .await?;
        Ok(match session {
            Some(s) => Viewer {
                user: Some(s.user),
                csrf: Some(s.csrf_token),
                session_id: Some(id),
                via_token: false,
                sees_contacts: true,
                here: None,
                gzip: false,
            },
            // Expired or unknown: an anonymous reader, as if no cookie.
            None => Viewer {
                sees_contacts: public,
                here,
                ..Viewer::default()
            },
        })
    }
}

/// Answers made for an account (a page with contact details, the account
/// page that shows a new token once, the API to a token) are kept by no
/// browser or proxy cache, unless the handler said otherwise.
pub async fn no_store_for_accounts(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let for_account = res
        .request()
        .extensions()
        .get::<Viewer>()
        .is_some_and(|v| v.user.is_some());
    let headers = res.headers_mut();
    if for_account && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(res)
}
