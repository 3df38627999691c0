//! Pages rendered by handlebars from `templates/`, compiled into the binary so
//! that it runs from any folder.

use handlebars::{Handlebars, handlebars_helper};
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::domain::{AuthorityKind, Channel, LanguageCode};

#[derive(RustEmbed)]
#[folder = "templates/"]
#[include = "*.hbs"]
#[exclude = "email/*"]
struct TemplateFiles;

#[derive(RustEmbed)]
#[folder = "templates/static/"]
pub struct StaticFiles;

handlebars_helper!(eq: |a: Json, b: Json| a == b);
/// A language as people read it: "French (français)".
pub fn language_name(code: &str) -> String {
    LanguageCode::parse(code)
        .map(|l| match l.autonym() {
            Some(own) if !own.eq_ignore_ascii_case(l.english_name()) => {
                format!("{} ({own})", l.english_name())
            }
            _ => l.english_name().to_string(),
        })
        .unwrap_or_else(|_| code.to_string())
}

handlebars_helper!(language_name_helper: |code: str| language_name(code));
handlebars_helper!(channel_label: |code: str| Channel::parse(code).map(Channel::label).unwrap_or(code).to_string());
handlebars_helper!(kind_label: |code: str| AuthorityKind::parse(code).map(AuthorityKind::label).unwrap_or(code).to_string());
handlebars_helper!(plural: |n: u64, one: str, many: str| if n == 1 { one.to_string() } else { many.to_string() });
// People read minutes in UTC, not nanoseconds.
handlebars_helper!(minute: |t: Json| match t.as_str().map(str::parse::<chrono::NaiveDateTime>) {
    Some(Ok(at)) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    Some(Err(_)) => t.as_str().unwrap_or_default().to_string(),
    None => String::new(),
});
handlebars_helper!(tel: |phone: str| phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>());

pub type Templates = Handlebars<'static>;

pub fn build() -> anyhow::Result<Templates> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
    hb.register_helper("eq", Box::new(eq));
    hb.register_helper("language_name", Box::new(language_name_helper));
    hb.register_helper("channel_label", Box::new(channel_label));
    hb.register_helper("kind_label", Box::new(kind_label));
    hb.register_helper("plural", Box::new(plural));
    hb.register_helper("tel", Box::new(tel));
    hb.register_helper("minute", Box::new(minute));
    Ok(hb)
}

/// Renders a page or fails with an internal error (a template bug).
pub fn render<T: Serialize>(
    hb: &Templates,
    name: &str,
    data: &T,
) -> Result<String, crate::error::AppError> {
    hb.render(name, data)
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("template {name}: {e}")))
}
