//! Page bodies kept between requests: made once from a directory snapshot
//! (or the measures in force, or a period), shown to every reader of the
//! same audience until what they were made from changes.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use crate::error::AppError;
use crate::splice::Made;

/// Page bodies that depend on the directory alone (the same for every
/// reader), rendered once per directory snapshot; the layout, which shows
/// who is signed in, is added per request.
#[derive(Default)]
pub struct Bodies {
    rendered: Mutex<Kept>,
    /// Keys of bodies made once and not kept (see [`Bodies::get_or_make_repeated`]).
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

/// A kept body as a response body, without copying it.
pub fn shared(body: Arc<str>) -> actix_web::web::Bytes {
    struct Text(Arc<str>);
    impl AsRef<[u8]> for Text {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }
    actix_web::web::Bytes::from_owner(Text(body))
}

/// A body as made for a question asked once, or as kept.
pub enum Body {
    Made(Made),
    Kept(Arc<str>),
}

impl std::ops::Deref for Body {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Body::Made(made) => &made.text,
            Body::Kept(text) => text,
        }
    }
}

impl From<Body> for actix_web::web::Bytes {
    fn from(body: Body) -> Self {
        match body {
            Body::Made(made) => made.text.into(),
            Body::Kept(text) => shared(text),
        }
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
        let body = render()?.into();
        Ok(self.keep(key, stamp, body))
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
    /// `render`'s, kept only when `key` is asked for a second time (see
    /// [`Bodies::get_or_make_repeated`]). For answers cheaper to make than
    /// to hand to another thread (the JSON search).
    pub fn get_or_render_repeated(
        &self,
        key: &str,
        stamp: Stamp,
        render: impl FnOnce() -> Result<String, AppError>,
    ) -> Result<Body, AppError> {
        if let Some(body) = self.kept(key, stamp) {
            return Ok(Body::Kept(body));
        }
        Ok(self.keep_if_repeated(key, stamp, render()?.into()))
    }

    /// The text kept under `key` if it was made from `stamp`; otherwise
    /// `render`'s, made away from the workers (`super::off_workers`), for keys
    /// that readers type (searches): a body is kept only when its key is
    /// asked for a second time, so that questions asked once do not push
    /// out what is asked often.
    pub async fn get_or_make_repeated(
        &self,
        key: &str,
        stamp: Stamp,
        render: impl FnOnce() -> Result<Made, AppError> + Send + 'static,
    ) -> Result<Body, AppError> {
        if let Some(body) = self.kept(key, stamp) {
            return Ok(Body::Kept(body));
        }
        let body = super::off_workers::make(render).await??;
        Ok(self.keep_if_repeated(key, stamp, body))
    }

    fn keep_if_repeated(&self, key: &str, stamp: Stamp, body: Made) -> Body {
        if self.first_asking(key, stamp) {
            // Sent as made: copied into a kept body only once it is kept.
            return Body::Made(body);
        }
        Body::Kept(self.keep(key, stamp, body.text.into()))
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
