//! A bulletin's content as the site shows it. The stored body is the mail's,
//! styled inline for mail readers; on the site those `style` attributes are
//! dead weight, as the Content-Security-Policy (`style-src 'self'`) keeps
//! browsers from applying them. At 505 authorities they were 26 of a
//! bulletin page's 130 KB, and moving the bytes is what limits that page.
//! The site shows the content without them (its own sheet styles it, marks
//! by their class), with its own links relative, and with the shorter names
//! its table of measures gives their fields ([`SHORT_LABELS`]).

use memchr::memmem::Finder;

use crate::measures::SHORT_LABELS;

/// Rewrites stored bulletin HTML given in pieces: each tag without its
/// `style` attribute, a measure's field names shortened, and links to the
/// site relative when it is told the site's address. What follows the last
/// whole tag of a piece is held until the next: a tag or a field's name may
/// be cut there.
///
/// Text and attribute values are escaped (`"` as `&quot;`, `<` as `&lt;`),
/// so what is looked for is only ever found where the template wrote it,
/// and a quote ends a style. At 50,000 authorities a page is 12 to 16 MB
/// with a tag every 30 bytes: the three are looked for over the whole text,
/// not tag by tag, which made such a page several times slower to write.
#[derive(Debug)]
pub struct ForWeb {
    style: Finder<'static>,
    value: Finder<'static>,
    /// `href="` and the site's address, as the mail writes its links.
    site: Option<Finder<'static>>,
    held: String,
}

const STYLE: &str = " style=\"";
const RELATIVE: &str = "href=\"/";
/// What follows a field's name: its value, in bold.
const VALUE: &str = ": <b>";

/// What was found next.
#[derive(Clone, Copy)]
enum Found {
    Style,
    Value,
    Site,
}

impl ForWeb {
    /// A rewriter that makes links under `base_url` relative (a page on the
    /// site), or leaves every link as it is (`None`: a feed, read
    /// elsewhere).
    pub fn new(base_url: Option<&str>) -> Self {
        let site = base_url
            .map(|b| Finder::new(&format!("href=\"{}/", b.trim_end_matches('/'))).into_owned());
        Self {
            style: Finder::new(STYLE),
            value: Finder::new(VALUE),
            site,
            held: String::new(),
        }
    }

    /// What of `piece` (after what was held) is rewritten for certain.
    pub fn push(&mut self, piece: &str) -> String {
        let text = if self.held.is_empty() {
            std::borrow::Cow::Borrowed(piece)
        } else {
            let mut text = std::mem::take(&mut self.held);
            text.push_str(piece);
            std::borrow::Cow::Owned(text)
        };
        let whole = memchr::memrchr(b'>', text.as_bytes()).map_or(0, |i| i + 1);
        let out = self.rewrite(&text[..whole]);
        self.held = text[whole..].to_string();
        out
    }

    /// The rest, once the content has ended: text after the last tag, and a
    /// tag left unfinished, as they are.
    pub fn end(&mut self) -> String {
        std::mem::take(&mut self.held)
    }

    /// `text`, which ends with a whole tag, rewritten.
    fn rewrite(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let find = |finder: &Finder, from: usize| finder.find(&bytes[from..]).map(|i| from + i);
        let finders = [
            (Found::Style, Some(&self.style)),
            (Found::Value, Some(&self.value)),
            (Found::Site, self.site.as_ref()),
        ];
        // Where each finds its pattern next.
        let mut next = finders.map(|(_, finder)| finder.and_then(|f| find(f, 0)));
        let mut at = 0;
        while let Some((here, i)) = next
            .iter()
            .enumerate()
            .filter_map(|(i, here)| here.map(|here| (here, i)))
            .min()
        {
            match finders[i].0 {
                Found::Style => {
                    let value = here + STYLE.len();
                    match memchr::memchr(b'"', &bytes[value..]) {
                        Some(end) => {
                            out.push_str(&text[at..here]);
                            at = value + end + 1;
                        }
                        None => {
                            out.push_str(&text[at..value]);
                            at = value;
                        }
                    }
                }
                Found::Value => {
                    shortened(&text[at..here], &mut out);
                    at = here;
                }
                Found::Site => {
                    out.push_str(&text[at..here]);
                    out.push_str(RELATIVE);
                    at = here + self.site.as_ref().map_or(0, |f| f.needle().len());
                }
            }
            // Each search goes on from where the text is now read, and the
            // one that found last from past what it found.
            for (j, (_, finder)) in finders.iter().enumerate() {
                let from = if j == i { at.max(here + 1) } else { at };
                if next[j].is_some_and(|n| n < from) {
                    next[j] = finder.and_then(|f| find(f, from));
                }
            }
        }
        out.push_str(&text[at..]);
        out
    }
}

/// `words` before a value, with the field's name shortened when it ends
/// with one.
fn shortened(words: &str, out: &mut String) {
    for (long, short) in SHORT_LABELS {
        if let Some(before) = words.strip_suffix(long) {
            out.push_str(before);
            out.push_str(short);
            return;
        }
    }
    out.push_str(words);
}

/// A whole content, rewritten as [`ForWeb`] does it in pieces.
pub fn for_web(html: &str, base_url: Option<&str>) -> String {
    let mut web = ForWeb::new(base_url);
    let mut out = web.push(html);
    out.push_str(&web.end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &str = concat!(
        "<h2 style=\"font-size:18px;margin:20px 0 8px\">Measures — ü</h2>\n",
        "<p style=\"margin:0 0 10px\"><b class=\"new\" style=\"color:#1b6e3a\">NEW</b> ",
        "<a href=\"https://c.example/authorities/7\" style=\"color:#0b4f8a\">A &quot;style=&quot; b</a>",
        " (X-1) x &gt; y<br>Operations: <b>Normal</b>; Requests by electronic means: <b>No</b>",
        "<br><i>Hearings by videoconference: &lt;b&gt;</i></p>\n",
        "<a href=\"https://elsewhere.example/https://c.example/\">out</a> Transfers of sentenced persons: ",
    );

    #[test]
    fn the_site_has_no_inline_style_short_field_names_and_its_own_links_relative() {
        let web = for_web(MAIL, Some("https://c.example/"));
        assert_eq!(
            web,
            concat!(
                "<h2>Measures — ü</h2>\n",
                "<p><b class=\"new\">NEW</b> ",
                "<a href=\"/authorities/7\">A &quot;style=&quot; b</a>",
                " (X-1) x &gt; y<br>Operations: <b>Normal</b>; Electronic requests: <b>No</b>",
                "<br><i>Hearings by videoconference: &lt;b&gt;</i></p>\n",
                "<a href=\"https://elsewhere.example/https://c.example/\">out</a> Transfers of sentenced persons: ",
            )
        );
        // A feed keeps its links whole.
        let feed = for_web(MAIL, None);
        assert!(!feed.contains(" style=\""), "{feed}");
        assert!(feed.contains("<a href=\"https://c.example/authorities/7\">"));
    }

    #[test]
    fn content_given_in_pieces_is_rewritten_as_the_whole() {
        let whole = for_web(MAIL, Some("https://c.example"));
        let cut = |pieces: &[&str]| {
            let mut web = ForWeb::new(Some("https://c.example"));
            let mut out: String = pieces.iter().map(|p| web.push(p)).collect();
            out.push_str(&web.end());
            out
        };
        for (i, _) in MAIL.char_indices() {
            let (a, b) = MAIL.split_at(i);
            assert_eq!(cut(&[a, "", b]), whole, "cut at {i}");
        }
        let chars: Vec<String> = MAIL.chars().map(String::from).collect();
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(cut(&chars), whole);
    }

    #[test]
    fn an_unfinished_tag_is_given_back_as_it_is() {
        assert_eq!(for_web("a <b style=\"x", None), "a <b style=\"x");
        assert_eq!(for_web("<i style=\"x>y", None), "<i style=\"x>y");
    }
}
