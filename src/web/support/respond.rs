//! Responses that pages share: an HTML page in the site's layout, and the
//! redirect after a form.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde::Serialize;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use memchr::memmem;

use handlebars::Context;

use super::json::AuthorityJson;
use super::templates::{Frame, Templates, render};
use super::viewer::ViewerContext;
use super::zipped::Answer;
use crate::db::ids::AuthorityId;
use crate::directory::model::Authority;
use crate::error::AppError;
use crate::splice::Spliced;
use crate::web::{AppState, Viewer};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// The content type of every page.
pub const HTML: &str = "text/html; charset=utf-8";

pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HTML))
        .body(body)
}

pub fn page<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    data: &T,
) -> Result<HttpResponse, AppError> {
    page_with(state, viewer, StatusCode::OK, name, data)
}

/// A page's own view with the viewer the layout shows beside it.
#[derive(Serialize)]
struct WithViewer<'a, T: Serialize> {
    #[serde(flatten)]
    data: &'a T,
    viewer: &'a ViewerContext<'a>,
}

/// Renders a page's template, then the layout around it. The page's data
/// is turned into template data once; wrapping the layout as a partial
/// (`{{#> layouts/base}}`) made handlebars copy it at every lookup.
pub fn render_page<T: Serialize>(
    templates: &Templates,
    name: &str,
    data: &T,
    viewer: &ViewerContext<'_>,
) -> Result<String, AppError> {
    render_spliced(templates, name, data, viewer, &Spliced::default())
}

/// [`render_page`] for data holding markers of `spliced`'s parts.
fn render_spliced<T: Serialize>(
    templates: &Templates,
    name: &str,
    data: &T,
    viewer: &ViewerContext<'_>,
    spliced: &Spliced,
) -> Result<String, AppError> {
    let failed =
        |e: handlebars::RenderError| AppError::internal(anyhow::anyhow!("template {name}: {e}"));
    let context = Context::wraps(WithViewer { data, viewer }).map_err(failed)?;
    let mut body = templates
        .render_with_context(name, &context)
        .map_err(failed)?;
    if !spliced.is_empty() {
        body = spliced.apply(&body);
    }
    // Every page's data names its title and the navigation entry it is under.
    let text = |key: &str| {
        context
            .data()
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    layout(templates, text("title"), text("nav"), viewer, &body)
}

/// The layout around a body already rendered.
fn layout(
    templates: &Templates,
    title: &str,
    nav: &str,
    viewer: &ViewerContext<'_>,
    body: &str,
) -> Result<String, AppError> {
    let frame = frame(templates, nav, viewer)?;
    Ok(in_frame(&frame, title, nav, viewer, body))
}

fn frame(
    templates: &Templates,
    nav: &str,
    viewer: &ViewerContext<'_>,
) -> Result<Arc<Frame>, AppError> {
    templates
        .frame(nav, viewer)
        .map_err(|e| AppError::internal(anyhow::anyhow!("layout: {e}")))
}

/// A body in the layout's `frame`.
fn in_frame(
    frame: &Frame,
    title: &str,
    nav: &str,
    viewer: &ViewerContext<'_>,
    body: &str,
) -> String {
    let title = handlebars::html_escape(title);
    // "Sign in" comes back to this page; the frame and the body are shared
    // by every reader of it, so the page's address goes in here.
    let back = viewer.here.filter(|_| nav != "login").map(|here| {
        format!(
            "{LOGIN_LINK}?next={}",
            utf8_percent_encode(here, NON_ALPHANUMERIC)
        )
    });
    let parts = [
        frame.before_title.as_str(),
        &title,
        &frame.after_title,
        body,
        &frame.after_body,
    ];
    let size =
        parts.iter().map(|p| p.len()).sum::<usize>() + back.as_ref().map_or(0, |b| 4 * b.len());
    let mut page = String::with_capacity(size);
    // The body is tens of KB: looked through with a vectorised search, the
    // standard one took as long as the rest of a kept page's answer.
    static LOGIN: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(LOGIN_LINK));
    for part in parts {
        match &back {
            Some(back) => {
                let mut rest = part;
                while let Some(at) = LOGIN.find(rest.as_bytes()) {
                    page.push_str(&rest[..at]);
                    page.push_str(back);
                    rest = &rest[at + LOGIN_LINK.len()..];
                }
                page.push_str(rest);
            }
            None => page.push_str(part),
        }
    }
    page
}

/// The sign-in link as templates write it, quote included so that only the
/// bare link matches.
const LOGIN_LINK: &str = "href=\"/login";

pub use super::kept::{Bodies, Body, Stamp};

/// Authority cards (`partials/authority_card`) rendered once per directory
/// snapshot, for readers who see contacts and for those who do not.
#[derive(Default)]
pub struct Cards {
    /// The snapshot generation, and each card by authority and whether the
    /// reader sees contacts.
    rendered: Mutex<(i64, CardMap)>,
}

type CardMap = HashMap<(AuthorityId, bool), Arc<str>>;

impl Cards {
    /// The cards of these authorities, in their order.
    pub fn of<A: std::ops::Deref<Target = Authority>>(
        &self,
        templates: &Templates,
        generation: i64,
        authorities: &[A],
        sees_contacts: bool,
    ) -> Result<Vec<Arc<str>>, AppError> {
        let mut kept = self.rendered.lock().expect("not poisoned");
        if kept.0 != generation {
            *kept = (generation, HashMap::new());
        }
        authorities
            .iter()
            .map(|a| {
                if let Some(card) = kept.1.get(&(a.id, sees_contacts)) {
                    return Ok(card.clone());
                }
                let card: Arc<str> = render(
                    templates,
                    "partials/authority_card",
                    &AuthorityJson::new(a, sees_contacts),
                )?
                .into();
                kept.1.insert((a.id, sees_contacts), card.clone());
                Ok(card)
            })
            .collect()
    }
}

/// A page whose body depends only on the directory snapshot `generation`:
/// rendered from `data` the first time, then served from [`Bodies`].
pub fn snapshot_page<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    name: &'static str,
    generation: i64,
    frame: (&str, &str),
    data: impl FnOnce() -> Result<T, AppError>,
) -> Result<HttpResponse, AppError> {
    kept_page(state, viewer, (name, name), (generation, 0), frame, data)
}

/// A page whose body depends only on what `stamp` names, kept under `key`
/// (which must say everything else it depends on: parameters, audience).
pub fn kept_page<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    (name, key): (&'static str, &str),
    stamp: Stamp,
    (title, nav): (&str, &str),
    data: impl FnOnce() -> Result<T, AppError>,
) -> Result<HttpResponse, AppError> {
    kept_body(state, viewer, (key, stamp), (title, nav), || {
        render(&state.templates, name, &data()?)
    })
}

/// A body kept under `key` while `stamp` holds, made by `body` (already
/// rendered) when it must be, in the reader's layout.
pub fn kept_body(
    state: &AppState,
    viewer: &Viewer,
    (key, stamp): (&str, Stamp),
    frame: (&str, &str),
    body: impl FnOnce() -> Result<String, AppError>,
) -> Result<HttpResponse, AppError> {
    let body = state.bodies.get_or_render(key, stamp, body)?;
    framed(state, viewer, frame, &Body::Kept(body))
}

/// A body in the reader's layout. An anonymous reader gets a kept body's
/// page as kept: compressed when the client takes gzip.
pub fn framed(
    state: &AppState,
    viewer: &Viewer,
    (title, nav): (&str, &str),
    body: &Body,
) -> Result<HttpResponse, AppError> {
    let gzip = viewer.gzip;
    let viewer = viewer.context();
    let frame = frame(&state.templates, nav, &viewer)?;
    let page = || in_frame(&frame, title, nav, &viewer, body);
    match body {
        Body::Kept(kept) if !viewer.signed_in => {
            let here = viewer.here.unwrap_or_default();
            Ok(zipped(
                state
                    .zipped
                    .get_or_make((kept, Some(&frame)), (here, title), gzip, || page().into()),
                HTML,
            ))
        }
        // Made for this request, around option lists compressed once.
        Body::Made(made) if gzip && !made.shared.is_empty() => Ok(zipped(
            state.segments.gzip_around(&page(), &made.shared),
            HTML,
        )),
        _ => Ok(html(StatusCode::OK, page())),
    }
}

/// A page around a body made for this request, as text, for a body sent in
/// pieces: the body holds a marker where they go.
pub fn in_layout(
    state: &AppState,
    viewer: &Viewer,
    (title, nav): (&str, &str),
    body: &str,
) -> Result<String, AppError> {
    layout(&state.templates, title, nav, &viewer.context(), body)
}

/// An answer as [`super::zipped::Zipped`] or [`super::zipped::Segments`] gave it.
pub fn zipped(answer: Answer, content_type: &'static str) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, content_type));
    match answer {
        Answer::Zipped(bytes) => {
            let mut response = response.body(bytes);
            super::gzip::mark(response.headers_mut());
            response
        }
        Answer::Plain(bytes) => response.body(bytes),
    }
}

/// The stamp of what is read again at most every `every`: the same within
/// each such period of the wall clock.
pub fn recent(every: std::time::Duration) -> Stamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let period = every.as_millis().max(1);
    ((now / period) as i64, 0)
}

/// The page kept under `key` if its body was made from `stamp`, in the
/// reader's layout; `None` when it must be made.
pub fn kept_only(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    stamp: Stamp,
    frame: (&str, &str),
) -> Result<Option<HttpResponse>, AppError> {
    state
        .bodies
        .kept(key, stamp)
        .map(|body| framed(state, viewer, frame, &Body::Kept(body)))
        .transpose()
}

/// Renders a page with the viewer the layout shows (signed in or not).
pub fn page_with<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    name: &str,
    data: &T,
) -> Result<HttpResponse, AppError> {
    page_spliced(state, viewer, status, name, data, &Spliced::default())
}

/// [`page_with`] for data holding markers of `spliced`'s parts.
pub fn page_spliced<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    name: &str,
    data: &T,
    spliced: &Spliced,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer.context();
    Ok(html(
        status,
        render_spliced(&state.templates, name, data, &viewer, spliced)?,
    ))
}

/// A page that says what happened in a few lines (`pages/message`), under
/// the navigation entry `nav`, with `links` onward ([{href, text}]; the
/// bulletins and the finder when null).
pub fn message_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    (title, nav): (&str, &str),
    lines: &[&str],
    links: serde_json::Value,
) -> Result<HttpResponse, AppError> {
    page_with(
        state,
        viewer,
        status,
        "pages/message",
        &serde_json::json!({"title": title, "nav": nav, "lines": lines, "links": links}),
    )
}

/// After a form: the browser goes to `to` with a GET.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}
