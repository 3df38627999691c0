//! A bulletin's messages, built fast: the stored edition is encoded once
//! (quoted-printable, multipart/alternative), and each recipient's message
//! is that with its own headers and its own unsubscribe line. Thousands of
//! messages then cost a copy each, not a render and an encoding each.

use std::time::SystemTime;

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::Mailbox;

use super::compile::UNSUBSCRIBE_PLACEHOLDER;

/// A body encoded but for the lines that carry the placeholder.
struct Body {
    pieces: Vec<Piece>,
}

enum Piece {
    Encoded(Vec<u8>),
    /// A line holding the placeholder, with its line end.
    Line(String),
}

impl Body {
    fn new(text: &str) -> Self {
        let mut pieces = Vec::new();
        let mut run = String::new();
        for line in text.lines() {
            if line.contains(UNSUBSCRIBE_PLACEHOLDER) {
                if !run.is_empty() {
                    pieces.push(Piece::Encoded(quoted_printable::encode(&run)));
                    run.clear();
                }
                pieces.push(Piece::Line(format!("{line}\r\n")));
            } else {
                run.push_str(line);
                run.push_str("\r\n");
            }
        }
        if !run.is_empty() {
            pieces.push(Piece::Encoded(quoted_printable::encode(&run)));
        }
        Self { pieces }
    }

    fn write(&self, out: &mut Vec<u8>, unsubscribe_url: &str) {
        for p in &self.pieces {
            match p {
                Piece::Encoded(bytes) => out.extend_from_slice(bytes),
                Piece::Line(line) => out.extend_from_slice(&quoted_printable::encode(
                    line.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
                )),
            }
        }
    }

    fn len(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Encoded(b) => b.len(),
                Piece::Line(l) => l.len() + 200,
            })
            .sum()
    }
}

/// One edition of a bulletin, ready to be addressed.
pub struct Prepared {
    from: lettre::Address,
    domain: String,
    /// From, Subject and Date, as lettre writes them.
    head: String,
    boundary: String,
    text: Body,
    html: Body,
}

impl Prepared {
    pub fn new(
        from: &Mailbox,
        bulletin_id: i64,
        subject: &str,
        date: SystemTime,
        text: &str,
        html: &str,
    ) -> Result<Self, String> {
        // lettre encodes the headers that may hold any text (the sender's
        // name, the subject); they are the same in every message.
        let sample = Message::builder()
            .from(from.clone())
            .to(from.clone())
            .subject(subject)
            .date(date)
            .body(String::new())
            .map_err(|e| format!("the bulletin's headers: {e}"))?;
        let formatted = String::from_utf8_lossy(&sample.formatted()).into_owned();
        let headers = formatted
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .to_string();
        let mut head = String::new();
        let mut keep = false;
        for line in headers.split("\r\n") {
            if !line.starts_with([' ', '\t']) {
                keep = ["From:", "Subject:", "Date:"]
                    .iter()
                    .any(|h| line.starts_with(h));
            }
            if keep {
                head.push_str(line);
                head.push_str("\r\n");
            }
        }
        Ok(Self {
            from: from.email.clone(),
            domain: from.email.domain().to_string(),
            head,
            boundary: format!(
                "=_counterpart_bulletin_{bulletin_id}_{:016x}",
                rand::random::<u64>()
            ),
            text: Body::new(text),
            html: Body::new(html),
        })
    }

    /// The Message-ID of the bulletin's message to a subscription: the same
    /// if the message is ever sent again.
    pub fn message_id(&self, local: &str) -> String {
        format!("<{local}@{}>", self.domain)
    }

    /// The whole message for one recipient, and its envelope.
    pub fn message(
        &self,
        to: &str,
        message_id_local: &str,
        unsubscribe_url: &str,
        unsubscribe_token: &str,
    ) -> Result<(Envelope, Vec<u8>), String> {
        let address: lettre::Address = to
            .parse()
            .map_err(|e| format!("recipient {to:?} is not an address: {e}"))?;
        let envelope = Envelope::new(Some(self.from.clone()), vec![address.clone()])
            .map_err(|e| format!("envelope: {e}"))?;
        let mut out = Vec::with_capacity(self.text.len() + self.html.len() + 1024);
        let b = &self.boundary;
        out.extend_from_slice(self.head.as_bytes());
        let headers = format!(
            "To: {address}\r\n\
             Message-ID: {id}\r\n\
             MIME-Version: 1.0\r\n\
             Auto-Submitted: auto-generated\r\n\
             Precedence: bulk\r\n\
             List-Id: Counterpart bulletin <bulletin.{domain}>\r\n\
             List-Unsubscribe: <{unsubscribe_url}>,\r\n <mailto:{from}?subject=unsubscribe%20{unsubscribe_token}>\r\n\
             List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\
             Content-Type: multipart/alternative;\r\n boundary=\"{b}\"\r\n\r\n",
            id = self.message_id(message_id_local),
            domain = self.domain,
            from = self.from,
        );
        out.extend_from_slice(headers.as_bytes());
        let part = |kind: &str| {
            format!(
                "--{b}\r\nContent-Type: text/{kind}; charset=utf-8\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            )
        };
        out.extend_from_slice(part("plain").as_bytes());
        self.text.write(&mut out, unsubscribe_url);
        out.extend_from_slice(part("html").as_bytes());
        self.html.write(&mut out, unsubscribe_url);
        out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        Ok((envelope, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    #[test]
    fn each_message_is_whole_and_its_own() {
        let from: Mailbox = "Counterpart Secretariat <bulletin@counterpart.example>"
            .parse()
            .unwrap();
        let long = "é".repeat(200);
        let text = format!(
            "Bulletin — no. 3\nA long line {long}\nUnsubscribe:\n{UNSUBSCRIBE_PLACEHOLDER}\nEnd.\n"
        );
        let html = format!(
            "<p>Bulletin — no. 3 &amp; more</p>\n<a href=\"{UNSUBSCRIBE_PLACEHOLDER}\">Unsubscribe</a>\n</html>"
        );
        let p = Prepared::new(
            &from,
            3,
            "Bulletin no. 3 — 1 December",
            SystemTime::UNIX_EPOCH,
            &text,
            &html,
        )
        .unwrap();
        let url = "https://counterpart.example/unsubscribe?token=12.AbC-_xyz";
        let (envelope, bytes) = p
            .message("someone@authority.example", "cp.b3.s12", url, "12.AbC-_xyz")
            .unwrap();
        assert_eq!(envelope.to()[0].to_string(), "someone@authority.example");
        let m = MessageParser::default().parse(&bytes).expect("parses");
        assert_eq!(m.subject(), Some("Bulletin no. 3 — 1 December"));
        assert_eq!(m.message_id(), Some("cp.b3.s12@counterpart.example"));
        let text = m.body_text(0).unwrap();
        assert!(text.contains(&long), "long lines survive the encoding");
        assert!(text.contains(url) && !text.contains(UNSUBSCRIBE_PLACEHOLDER));
        let html = m.body_html(0).unwrap();
        assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
        assert_eq!(
            m.header_raw("List-Unsubscribe-Post").map(str::trim),
            Some("List-Unsubscribe=One-Click")
        );
        let lu = m.header_raw("List-Unsubscribe").unwrap();
        assert!(
            lu.contains(url) && lu.contains("mailto:bulletin@counterpart.example"),
            "{lu}"
        );
        assert!(
            bytes.split(|b| *b == b'\n').all(|line| line.len() <= 998),
            "every line short enough for SMTP"
        );
    }
}
