//! Responses that pages share: an HTML page in the site's layout, and the
//! redirect after a form.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde::Serialize;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use handlebars::Context;

use super::json::AuthorityJson;
use super::templates::{Templates, render};
use super::viewer::ViewerContext;
use crate::db::ids::AuthorityId;
use crate::directory::model::Authority;
use crate::error::AppError;
use crate::splice::Spliced;
use crate::web::{AppState, Viewer};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
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
    let frame = templates
        .frame(nav, viewer)
        .map_err(|e| AppError::internal(anyhow::anyhow!("layout: {e}")))?;
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
    for part in parts {
        match &back {
            Some(back) if part.contains(LOGIN_LINK) => {
                let mut rest = part;
                while let Some(at) = rest.find(LOGIN_LINK) {
                    page.push_str(&rest[..at]);
                    page.push_str(back);
                    rest = &rest[at + LOGIN_LINK.len()..];
                }
                page.push_str(rest);
            }
            _ => page.push_str(part),
        }
    }
    Ok(page)
}

/// The sign-in link as templates write it, quote included so that only the
/// bare link matches.
const LOGIN_LINK: &str = "href=\"/login";

/// Page bodies that depend on the directory alone (the same for every
/// reader), rendered once per directory snapshot; the layout, which shows
/// who is signed in, is added per request.
#[derive(Default)]
pub struct Bodies {
    rendered: Mutex<Kept>,
    /// Keys of bodies made once and not kept (see [`Bodies::get_or_render_repeated`]).
    asked_once: Mutex<HashSet<u64>>,
}

/// Questions remembered as asked once, at most; then forgotten together.
const ASKED_ONCE: usize = 10_000;

#[derive(Default)]
struct Kept {
    bodies: HashMap<String, (Stamp, Arc<str>)>,
    /// Their total length: a large directory's pages run to hundreds of KB.
    bytes: usize,
    /// The newest stamp seen for each kind of page (its key up to the first
    /// `|`). Stamps only grow, so a body of its kind made from an older one
    /// will never be shown again.
    newest: HashMap<String, Stamp>,
}

impl Kept {
    /// Whether a body made from `stamp` under `key` is current, dropping
    /// every body of its kind that an edit has made stale. Without this,
    /// each edit left the pages made before it in memory until the budget
    /// was spent.
    fn current(&mut self, key: &str, stamp: Stamp) -> bool {
        let kind = key.split('|').next().unwrap_or_default();
        match self.newest.get(kind) {
            Some(newest) if *newest > stamp => return false,
            Some(newest) if *newest == stamp => return true,
            _ => {}
        }
        self.newest.insert(kind.to_string(), stamp);
        let prefix = format!("{kind}|");
        let mut freed = 0;
        self.bodies.retain(|k, (at, body)| {
            let stale = *at != stamp && (k == kind || k.starts_with(&prefix));
            if stale {
                freed += body.len();
            }
            !stale
        });
        self.bytes -= freed;
        true
    }
}

/// What a kept body was made from: the directory snapshot's generation and
/// the version of the measures in force (0: none shown).
pub type Stamp = (i64, u64);

/// Bodies kept at most; the finder's are one per State, article and
/// audience, about 2,400.
const KEPT_BODIES: usize = 4_000;
/// And at most this many bytes of them.
const KEPT_BYTES: usize = 32 << 20;

impl Bodies {
    /// The text kept under `key`, if it was made from `stamp`.
    pub fn kept(&self, key: &str, stamp: Stamp) -> Option<Arc<str>> {
        let kept = self.rendered.lock().expect("not poisoned");
        kept.bodies
            .get(key)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, body)| body.clone())
    }

    /// The text kept under `key` if it was made from `stamp`; otherwise
    /// `render`'s, kept from now on.
    pub fn get_or_render(
        &self,
        key: &str,
        stamp: Stamp,
        render: impl FnOnce() -> Result<String, AppError>,
    ) -> Result<Arc<str>, AppError> {
        if let Some(body) = self.kept(key, stamp) {
            return Ok(body);
        }
        // Rendered outside the lock; two requests may both render the first
        // time, and the last one stays.
        Ok(self.keep(key, stamp, render()?.into()))
    }

    /// Keeps `body`, made from `stamp`, under `key` (unless a newer stamp
    /// was seen since); returns it.
    fn keep(&self, key: &str, stamp: Stamp, body: Arc<str>) -> Arc<str> {
        let mut kept = self.rendered.lock().expect("not poisoned");
        if !kept.current(key, stamp) {
            // Made from a snapshot older than one already shown.
            return body;
        }
        // Full: drop what older stamps made; still full (keys carry what
        // readers typed, so even current ones must not grow without end):
        // drop everything.
        let full = |k: &Kept| k.bodies.len() >= KEPT_BODIES || k.bytes + body.len() > KEPT_BYTES;
        if full(&kept) {
            kept.bodies.retain(|_, (at, _)| *at == stamp);
            kept.bytes = kept.bodies.values().map(|(_, b)| b.len()).sum();
            if full(&kept) {
                kept.bodies.clear();
                kept.bytes = 0;
            }
        }
        kept.bytes += body.len();
        if let Some((_, old)) = kept.bodies.insert(key.to_string(), (stamp, body.clone())) {
            kept.bytes -= old.len();
        }
        body
    }

    /// The text kept under `key` if it was made from `stamp`; otherwise
    /// `render`'s, made away from the workers (`off_workers`), for keys
    /// that readers type (searches): a body is kept only when its key is
    /// asked for a second time, so that questions asked once do not push
    /// out what is asked often.
    pub async fn get_or_make_repeated(
        &self,
        key: &str,
        stamp: Stamp,
        render: impl FnOnce() -> Result<String, AppError> + Send + 'static,
    ) -> Result<Arc<str>, AppError> {
        if let Some(body) = self.kept(key, stamp) {
            return Ok(body);
        }
        let body: Arc<str> = super::off_workers::make(render).await??.into();
        if self.first_asking(key, stamp) {
            return Ok(body);
        }
        Ok(self.keep(key, stamp, body))
    }

    /// Whether this is the first time `key` is asked for at `stamp`
    /// (remembered, so the next time is not).
    fn first_asking(&self, key: &str, stamp: Stamp) -> bool {
        let hash = rustc_hash::FxBuildHasher.hash_one((key, stamp));
        let mut asked = self.asked_once.lock().expect("not poisoned");
        if asked.len() >= ASKED_ONCE {
            asked.clear();
        }
        asked.insert(hash)
    }
}

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
    framed(state, viewer, frame, &body)
}

/// A kept body in the reader's layout.
pub fn framed(
    state: &AppState,
    viewer: &Viewer,
    (title, nav): (&str, &str),
    body: &str,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer.context();
    Ok(html(
        StatusCode::OK,
        layout(&state.templates, title, nav, &viewer, body)?,
    ))
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
        .map(|body| framed(state, viewer, frame, &body))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Result<String, AppError> {
        Ok(text.to_string())
    }

    #[test]
    fn a_newer_stamp_drops_the_stale_bodies_of_its_kind_only() {
        let bodies = Bodies::default();
        bodies
            .get_or_render("country|FR", (1, 0), || body("fr 1"))
            .unwrap();
        bodies
            .get_or_render("country|DE", (1, 0), || body("de 1"))
            .unwrap();
        bodies
            .get_or_render("pages/home", (1, 0), || body("home"))
            .unwrap();
        // An edit: generation 2.
        bodies
            .get_or_render("country|FR", (2, 0), || body("fr 2"))
            .unwrap();
        let kept = bodies.rendered.lock().unwrap();
        let mut keys: Vec<&str> = kept.bodies.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["country|FR", "pages/home"]);
        assert_eq!(kept.bytes, "fr 2".len() + "home".len());
    }

    #[test]
    fn a_body_made_from_an_older_stamp_is_shown_but_not_kept() {
        let bodies = Bodies::default();
        bodies
            .get_or_render("country|FR", (2, 0), || body("fr 2"))
            .unwrap();
        let late = bodies
            .get_or_render("country|DE", (1, 0), || body("de 1"))
            .unwrap();
        assert_eq!(&*late, "de 1");
        assert!(bodies.kept("country|DE", (1, 0)).is_none());
        assert_eq!(bodies.kept("country|FR", (2, 0)).as_deref(), Some("fr 2"));
    }
}
