//! A bulletin too long to mail, as mailed: its summary and a link to it in
//! the archive. At 50,000 authorities an edition is 26 MB, which most mail
//! servers refuse, and each message of it held that much while sent.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::archive::Listed;
use super::compile::{Summary, UNSUBSCRIBE_PLACEHOLDER};
use crate::mail::message::Templates;

#[derive(Serialize)]
struct Linked<'a> {
    number: i32,
    date: String,
    full: bool,
    summary: &'a Summary,
    link: String,
    size: String,
    base_url: &'a str,
    unsubscribe_url: &'a str,
}

/// The text and the HTML of the message for bulletin `listed`, whose edition
/// is `bytes` long; `full` for the edition with contact details.
pub fn render(
    templates: &Templates,
    listed: &Listed,
    bytes: i64,
    full: bool,
    base_url: &str,
) -> Result<(String, String), String> {
    let context = Linked {
        number: listed.number,
        date: day(listed.compiled_at),
        full,
        summary: &listed.summary,
        link: format!("{base_url}/bulletins/{}", listed.number),
        size: format!("{:.1} MB", bytes as f64 / 1e6),
        base_url,
        unsubscribe_url: UNSUBSCRIBE_PLACEHOLDER,
    };
    let (mut text, mut html) = (String::new(), String::new());
    templates.render_piece("bulletin/linked", &context, &mut text, &mut html)?;
    Ok((text, html))
}

/// A date as bulletins write it: 5 January 2026.
fn day(at: NaiveDateTime) -> String {
    at.format("%-d %B %Y").to_string()
}
