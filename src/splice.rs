//! Text made before a page or a message is rendered, put into it after.
//! handlebars copies every string of its data twice (into its JSON, then
//! into the output): the option lists and result cards are most of the
//! search page's bytes, and a large directory's bulletin is megabytes of
//! entries, better rendered a State at a time than as one JSON tree.

use std::sync::{Arc, LazyLock};

use serde::{Serialize, Serializer};

/// Marks where a part goes. The page's data holds the marker in place of
/// the part; the number, drawn once per process, keeps text a reader typed
/// from ever being taken for one.
static NONCE: LazyLock<String> = LazyLock::new(|| format!("{:016x}", rand::random::<u64>()));

const EDGE: char = '\u{1}';

/// Text made before a page, shared where it can be: the option lists written
/// once per process or snapshot, and cards rendered once per snapshot, go into
/// a page without a copy of their own first (on a search page made on a miss,
/// five copies of tens of KB).
#[derive(Debug, Clone)]
pub enum Part {
    Owned(String),
    Static(&'static str),
    Shared(Arc<str>),
    /// Pieces, one after the other.
    Joined(Vec<Arc<str>>),
}

impl Default for Part {
    fn default() -> Self {
        Part::Static("")
    }
}

impl Part {
    /// The text, when it is in one piece.
    fn whole(&self) -> Option<&str> {
        match self {
            Part::Owned(s) => Some(s),
            Part::Static(s) => Some(s),
            Part::Shared(s) => Some(s),
            Part::Joined(_) => None,
        }
    }

    /// The text, when it outlives every page it goes into (written once per
    /// process or snapshot): its address names it while the part is held.
    pub fn lasting(&self) -> Option<&str> {
        match self {
            Part::Static(s) => Some(s),
            Part::Shared(s) => Some(s),
            Part::Owned(_) | Part::Joined(_) => None,
        }
    }

    fn pieces(&self) -> impl Iterator<Item = &str> {
        let joined = match self {
            Part::Joined(pieces) => &pieces[..],
            _ => &[],
        };
        self.whole().into_iter().chain(joined.iter().map(|p| &**p))
    }

    pub fn len(&self) -> usize {
        self.pieces().map(str::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push_to(&self, out: &mut String) {
        self.pieces().for_each(|p| out.push_str(p));
    }
}

impl From<String> for Part {
    fn from(s: String) -> Self {
        Part::Owned(s)
    }
}

/// As the text it holds: a part that was not spliced is rendered whole.
impl Serialize for Part {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.whole() {
            Some(text) => s.serialize_str(text),
            None => {
                let mut text = String::with_capacity(self.len());
                self.push_to(&mut text);
                s.serialize_str(&text)
            }
        }
    }
}

#[derive(Default)]
pub struct Spliced {
    parts: Vec<Part>,
}

/// A page as made, with the parts shared between pages that went into it
/// whole (option lists): compressed once, they need not be compressed
/// again inside each page (`web::support::zipped::Segments`).
#[derive(Debug, Default)]
pub struct Made {
    pub text: String,
    pub shared: Vec<Part>,
}

impl From<String> for Made {
    fn from(text: String) -> Self {
        Made {
            text,
            shared: Vec::new(),
        }
    }
}

/// Shorter shared parts are not worth a compressed copy of their own.
const WORTH_SHARING: usize = 1024;

impl Spliced {
    /// Keeps `html` and returns the marker to put in the page's data
    /// instead (in a `{{{triple}}}`, which does not escape it).
    pub fn add(&mut self, html: impl Into<Part>) -> String {
        self.parts.push(html.into());
        format!("{EDGE}{}:{}{EDGE}", *NONCE, self.parts.len() - 1)
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Swaps the part for its marker.
    pub fn take(&mut self, html: &mut Part) {
        let taken = std::mem::take(html);
        *html = Part::Owned(self.add(taken));
    }

    /// The rendered page with each marker replaced by its part, and the
    /// parts shared between pages that it holds.
    pub fn made(&self, rendered: &str) -> Made {
        let shared = self
            .parts
            .iter()
            .filter(|p| p.lasting().is_some_and(|t| t.len() >= WORTH_SHARING))
            .cloned()
            .collect();
        Made {
            text: self.apply(rendered),
            shared,
        }
    }

    /// The rendered page with each marker replaced by its part.
    pub fn apply(&self, rendered: &str) -> String {
        let size = rendered.len() + self.parts.iter().map(Part::len).sum::<usize>();
        let mut out = String::with_capacity(size);
        let mut rest = rendered;
        while let Some(at) = rest.find(EDGE) {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            match self.part(after) {
                Some((part, used)) => {
                    part.push_to(&mut out);
                    rest = &after[used..];
                }
                None => {
                    out.push(EDGE);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The part a marker starting here names, and the marker's length
    /// (without its first edge).
    fn part(&self, text: &str) -> Option<(&Part, usize)> {
        let end = text.find(EDGE)?;
        let (nonce, index) = text[..end].split_once(':')?;
        if nonce != NONCE.as_str() {
            return None;
        }
        let part = self.parts.get(index.parse::<usize>().ok()?)?;
        Some((part, end + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_their_parts_and_nothing_else_does() {
        let mut s = Spliced::default();
        let a = s.add(Part::Static("<option>A</option>"));
        let b = s.add(Part::Joined(vec!["<p>".into(), "B</p>".into()]));
        let typed = format!("{EDGE}0000000000000000:0{EDGE} and {EDGE}");
        let page = format!("[{a}] {typed} [{b}] [{a}]");
        assert_eq!(
            s.apply(&page),
            format!("[<option>A</option>] {typed} [<p>B</p>] [<option>A</option>]")
        );
    }
}
