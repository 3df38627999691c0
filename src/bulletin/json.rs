//! A bulletin as the API's JSON, written as its stored parts are read. At
//! 50,000 authorities the answer is 20 MB: made whole, it took the server
//! from 117 to over 150 MB for one reader.

use super::archive::{Head, held_from};
use super::compile::UNSUBSCRIBE_PLACEHOLDER;
use super::parts::Edition;
use crate::error::AppError;

/// The JSON of an [`super::archive::Issue`], piece by piece: the head, then
/// each stored part of the [`IssueJson::editions`], each edition followed
/// by [`IssueJson::end_edition`].
pub struct IssueJson {
    replace: Replace,
}

impl IssueJson {
    /// A writer whose answer has each recipient's unsubscribe line of the
    /// stored body replaced by `subscribe_url`.
    pub fn new(subscribe_url: String) -> Self {
        Self {
            replace: Replace {
                from: UNSUBSCRIBE_PLACEHOLDER,
                to: subscribe_url,
                held: String::new(),
            },
        }
    }

    /// The editions the answer holds, in order: the HTML, then the text,
    /// of the full edition or the public one.
    pub fn editions(full: bool) -> Vec<Edition> {
        vec![Edition::of(full, true), Edition::of(full, false)]
    }

    /// The answer up to the HTML's first character.
    pub fn head(head: &Head) -> Result<String, AppError> {
        let mut json = serde_json::to_string(head)
            .map_err(|e| AppError::internal(anyhow::anyhow!("bulletin head: {e}")))?;
        // The head is an object: its closing brace gives way to the body.
        json.pop();
        json.push_str(",\"html\":\"");
        Ok(json)
    }

    /// The next stored part of the current edition, as JSON string content.
    pub fn part(&mut self, text: &str) -> String {
        escaped(&self.replace.push(text))
    }

    /// The end of edition `at` (0 the HTML, 1 the text), and what comes
    /// between it and the next edition or the end of the answer.
    pub fn end_edition(&mut self, at: usize) -> String {
        let mut out = escaped(&std::mem::take(&mut self.replace.held));
        out.push_str(if at == 0 { "\",\"text\":\"" } else { "\"}" });
        out
    }
}

/// `text` as the content of a JSON string, without its quotes. Parts are
/// whole characters, so escaping each alone is escaping the whole.
fn escaped(text: &str) -> String {
    let mut quoted = serde_json::to_string(text).unwrap_or_default();
    // Without its quotes, in place.
    quoted.pop();
    if !quoted.is_empty() {
        quoted.remove(0);
    }
    quoted
}

/// Replaces `from` by `to` in text given in pieces: the end of a piece that
/// may begin an occurrence is held until the next one.
struct Replace {
    from: &'static str,
    to: String,
    held: String,
}

impl Replace {
    /// What of `piece` (after what was held) is final.
    fn push(&mut self, piece: &str) -> String {
        let mut text = std::mem::take(&mut self.held);
        text.push_str(piece);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        while let Some(i) = text[at..].find(self.from) {
            out.push_str(&text[at..at + i]);
            out.push_str(&self.to);
            at += i + self.from.len();
        }
        // Bytes after the last occurrence that may start the next one.
        let keep = held_from(&text, at, self.from);
        out.push_str(&text[at..keep]);
        self.held = text[keep..].to_string();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulletin::archive::{Issue, Listed};

    fn replaced(pieces: &[&str], from: &'static str, to: &str) -> String {
        let mut r = Replace {
            from,
            to: to.into(),
            held: String::new(),
        };
        let mut out: String = pieces.iter().map(|p| r.push(p)).collect();
        out.push_str(&r.held);
        out
    }

    #[test]
    fn every_placeholder_is_replaced_wherever_the_pieces_are_cut() {
        let p = UNSUBSCRIBE_PLACEHOLDER;
        let whole = format!("a {p}\nb é\n{p}{p}—end");
        let want = whole.replace(p, "https://x.example/subscribe");
        // Cut at every character boundary, into two and into single characters.
        for (i, _) in whole.char_indices() {
            let (a, b) = whole.split_at(i);
            assert_eq!(replaced(&[a, b], p, "https://x.example/subscribe"), want);
        }
        let chars: Vec<String> = whole.chars().map(String::from).collect();
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(replaced(&chars, p, "https://x.example/subscribe"), want);
        // A replacement holding the placeholder is not replaced again.
        assert_eq!(replaced(&["<<", ">>"], "<>", "<<>>"), "<<<>>>");
    }

    #[test]
    fn the_answer_written_in_parts_is_the_issue_as_json() {
        let head = Head {
            listed: Listed {
                number: 7,
                slot_at: chrono::NaiveDateTime::default(),
                compiled_at: chrono::NaiveDateTime::default(),
                subject: "No. 7 \"quoted\"".into(),
                summary: Default::default(),
            },
            bulletin_id: 12,
            full_edition: true,
        };
        let p = UNSUBSCRIBE_PLACEHOLDER;
        let html = format!("<p class=\"x\">Ünïcode\t</p>\n<a href=\"{p}\">Unsubscribe</a>");
        let text = format!("Line\r\n\u{1}\\ {p}\n");
        let url = "https://c.example/subscribe";
        let issue = Issue {
            head: head.clone(),
            html: html.replace(p, url),
            text: text.replace(p, url),
        };
        let mut json = IssueJson::new(url.into());
        let mut written = IssueJson::head(&head).unwrap();
        assert_eq!(
            IssueJson::editions(true),
            [Edition::HtmlFull, Edition::TextFull]
        );
        for part in [&html[..30], &html[30..]] {
            written.push_str(&json.part(part));
        }
        written.push_str(&json.end_edition(0));
        for part in [&text[..9], &text[9..]] {
            written.push_str(&json.part(part));
        }
        written.push_str(&json.end_edition(1));
        assert_eq!(written, serde_json::to_string(&issue).unwrap());
    }
}
