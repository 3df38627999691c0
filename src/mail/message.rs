//! Messages built from `templates/email/<name>/`: `subject.txt.hbs`,
//! `body.txt.hbs` and `body.html.hbs`. The HTML body is escaped for HTML, the
//! text body and the subject are not escaped at all (they are not HTML), and
//! the subject is kept to one line so that nothing typed can add a header.

use std::time::SystemTime;

use handlebars::Handlebars;
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "templates/email/"]
#[include = "*.hbs"]
struct EmailFiles;

/// Every message the service sends, by its template in
/// `templates/email/<name>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    UpdateSubmitted,
    UpdateReceived,
    UpdateApproved,
    UpdateRejected,
    ProposalSubmitted,
    ProposalDecided,
    SubscriptionConfirm,
    SubscriptionExists,
    FreshnessReminder,
    Bulletin,
    PasswordReset,
}

impl Template {
    pub const ALL: [Template; 11] = [
        Self::UpdateSubmitted,
        Self::UpdateReceived,
        Self::UpdateApproved,
        Self::UpdateRejected,
        Self::ProposalSubmitted,
        Self::ProposalDecided,
        Self::SubscriptionConfirm,
        Self::SubscriptionExists,
        Self::FreshnessReminder,
        Self::Bulletin,
        Self::PasswordReset,
    ];

    /// The folder under `templates/email/`, and what the outbox stores.
    pub const fn name(self) -> &'static str {
        match self {
            Self::UpdateSubmitted => "update_submitted",
            Self::UpdateReceived => "update_received",
            Self::UpdateApproved => "update_approved",
            Self::UpdateRejected => "update_rejected",
            Self::ProposalSubmitted => "proposal_submitted",
            Self::ProposalDecided => "proposal_decided",
            Self::SubscriptionConfirm => "subscription_confirm",
            Self::SubscriptionExists => "subscription_exists",
            Self::FreshnessReminder => "freshness_reminder",
            Self::Bulletin => "bulletin",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// The names of the template folders found (`update_approved`, ...).
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = EmailFiles::iter()
        .filter_map(|f| f.split_once('/').map(|(name, _)| name.to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

pub struct Templates {
    html: Handlebars<'static>,
    text: Handlebars<'static>,
}

/// What a template gives: subject, text and HTML.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Templates {
    /// Loads every template and checks that each message has its three parts.
    pub fn build() -> anyhow::Result<Self> {
        handlebars::handlebars_helper!(eq: |a: Json, b: Json| a == b);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        html.register_embed_templates_with_extension::<EmailFiles>(".hbs")?;
        html.register_helper("eq", Box::new(eq));
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_escape_fn(handlebars::no_escape);
        text.register_embed_templates_with_extension::<EmailFiles>(".hbs")?;
        text.register_helper("eq", Box::new(eq));
        for found in names() {
            anyhow::ensure!(
                Template::ALL.iter().any(|t| t.name() == found),
                "templates/email/{found}/ is not a message the service sends (add it to mail::Template)"
            );
        }
        for name in Template::ALL.map(Template::name) {
            for part in ["subject.txt", "body.txt", "body.html"] {
                let full = format!("{name}/{part}");
                anyhow::ensure!(
                    text.has_template(&full),
                    "templates/email/{full}.hbs is missing"
                );
            }
        }
        Ok(Self { html, text })
    }

    /// Renders `name.txt` and `name.html` (a piece of a message, such as one
    /// State of a bulletin) onto the ends of `text` and `html`.
    pub fn render_piece<T: serde::Serialize>(
        &self,
        name: &str,
        context: &T,
        text: &mut String,
        html: &mut String,
    ) -> Result<(), String> {
        let context = serde_json::to_value(context).map_err(|e| format!("{name}: {e}"))?;
        for (hb, part, out) in [(&self.text, "txt", text), (&self.html, "html", html)] {
            let piece = hb
                .render(&format!("{name}.{part}"), &context)
                .map_err(|e| format!("template {name}.{part}: {e}"))?;
            out.push_str(&piece);
        }
        Ok(())
    }

    pub fn render<T: serde::Serialize>(&self, name: &str, context: &T) -> Result<Rendered, String> {
        // One conversion for the three parts.
        let context = serde_json::to_value(context).map_err(|e| format!("{name}: {e}"))?;
        let part = |hb: &Handlebars<'static>, part: &str| {
            hb.render(&format!("{name}/{part}"), &context)
                .map_err(|e| format!("template {name}/{part}: {e}"))
        };
        let subject = part(&self.text, "subject.txt")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject,
            text: part(&self.text, "body.txt")?,
            html: part(&self.html, "body.html")?,
        })
    }
}

/// The whole message: multipart/alternative with the text part first (the
/// least preferred), Message-ID from the outbox row, Date when it was queued.
pub fn compose(
    from: &Mailbox,
    to: &str,
    rendered: Rendered,
    message_id_local: &str,
    date: SystemTime,
) -> Result<Message, String> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("recipient {to:?} is not an address: {e}"))?;
    let domain = from.email.domain();
    let mut message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(format!("<{message_id_local}@{domain}>")))
        .date(date)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(rendered.text),
                )
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(rendered.html),
                ),
        )
        .map_err(|e| format!("the message cannot be built: {e}"))?;
    // RFC 3834: an automatic message; auto-responders do not answer it.
    message.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-generated".into(),
    ));
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_has_its_three_parts() {
        let t = Templates::build().unwrap();
        assert!(names().contains(&"update_approved".to_string()));
        drop(t);
    }

    #[test]
    fn a_message_is_multipart_with_its_ids() {
        let rendered = Rendered {
            subject: "A <b> & c".into(),
            text: "Plain & simple <b>".into(),
            html: "<p>Plain &amp; simple &lt;b&gt;</p>".into(),
        };
        let from: Mailbox = "Counterpart <no-reply@counterpart.example>"
            .parse()
            .unwrap();
        let m = compose(
            &from,
            "fp@authority.example",
            rendered,
            "cp.1",
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <cp.1@counterpart.example>"),
            "{raw}"
        );
        assert!(raw.contains("Date: Thu, 01 Jan 1970"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        let text_at = raw.find("text/plain").unwrap();
        assert!(text_at < raw.find("text/html").unwrap(), "text first");
        assert!(
            compose(
                &from,
                "not an address",
                Rendered {
                    subject: String::new(),
                    text: String::new(),
                    html: String::new()
                },
                "x",
                SystemTime::UNIX_EPOCH
            )
            .is_err()
        );
    }

    #[test]
    fn the_html_body_is_escaped_and_the_text_body_is_not() {
        let t = Templates::build().unwrap();
        let context = json!({
            "base_url": "https://counterpart.example",
            "authority": {"id": 1, "ref": "XX-1", "name": "Ministry <of> Justice & Peace", "country_name": "Xland"},
            "update": {"id": 9, "rows": [], "remarks": "Use \"email\" <now>",
                       "effective_from": "2026-01-01", "effective_until": null, "language": "en"},
            "reason": "Say <more>\nplease",
            "by": "Secretariat",
        });
        let r = t.render("update_rejected", &context).unwrap();
        assert!(
            r.html.contains("Ministry &lt;of&gt; Justice &amp; Peace"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<of>"));
        assert!(
            r.text.contains("Ministry <of> Justice & Peace"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Say <more>"), "{}", r.text);
        assert!(!r.subject.contains('\n'));
    }
}
