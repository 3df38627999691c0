//! Text made before a page or a message is rendered, put into it after.
//! handlebars copies every string of its data twice (into its JSON, then
//! into the output): the option lists and result cards are most of the
//! search page's bytes, and a large directory's bulletin is megabytes of
//! entries, better rendered a State at a time than as one JSON tree.

use std::sync::LazyLock;

/// Marks where a part goes. The page's data holds the marker in place of
/// the part; the number, drawn once per process, keeps text a reader typed
/// from ever being taken for one.
static NONCE: LazyLock<String> = LazyLock::new(|| format!("{:016x}", rand::random::<u64>()));

const EDGE: char = '\u{1}';

#[derive(Default)]
pub struct Spliced {
    parts: Vec<String>,
}

impl Spliced {
    /// Keeps `html` and returns the marker to put in the page's data
    /// instead (in a `{{{triple}}}`, which does not escape it).
    pub fn add(&mut self, html: String) -> String {
        self.parts.push(html);
        format!("{EDGE}{}:{}{EDGE}", *NONCE, self.parts.len() - 1)
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Swaps the string for its marker.
    pub fn take(&mut self, html: &mut String) {
        let taken = std::mem::take(html);
        *html = self.add(taken);
    }

    /// The rendered page with each marker replaced by its part.
    pub fn apply(&self, rendered: &str) -> String {
        let size = rendered.len() + self.parts.iter().map(String::len).sum::<usize>();
        let mut out = String::with_capacity(size);
        let mut rest = rendered;
        while let Some(at) = rest.find(EDGE) {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            match self.part(after) {
                Some((part, used)) => {
                    out.push_str(part);
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
    fn part(&self, text: &str) -> Option<(&str, usize)> {
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
        let a = s.add("<option>A</option>".into());
        let b = s.add("<p>B</p>".into());
        let typed = format!("{EDGE}0000000000000000:0{EDGE} and {EDGE}");
        let page = format!("[{a}] {typed} [{b}] [{a}]");
        assert_eq!(
            s.apply(&page),
            format!("[<option>A</option>] {typed} [<p>B</p>] [<option>A</option>]")
        );
    }
}
