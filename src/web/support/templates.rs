//! Pages rendered by handlebars from `templates/`, compiled into the binary so
//! that it runs from any folder.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use handlebars::{Context, Handlebars, RenderError, handlebars_helper};
use rust_embed::RustEmbed;
use serde::Serialize;

use super::viewer::ViewerContext;

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

/// The site's templates, and the layout around pages as anonymous readers
/// see it, which is the same for every page under one navigation entry.
pub struct Templates {
    hb: Handlebars<'static>,
    frames: Mutex<HashMap<(String, bool), Arc<Frame>>>,
}

impl Deref for Templates {
    type Target = Handlebars<'static>;
    fn deref(&self) -> &Self::Target {
        &self.hb
    }
}

/// The layout, rendered, in the three parts around a page's title and body.
pub struct Frame {
    pub before_title: String,
    pub after_title: String,
    pub after_body: String,
}

/// What the layout shows besides the page.
#[derive(Serialize)]
struct Layout<'a> {
    nav: &'a str,
    viewer: &'a ViewerContext<'a>,
}

/// Navigation entries are a handful, named in the code; more would be a bug.
const KEPT_FRAMES: usize = 64;

impl Templates {
    /// The layout for a page under `nav`, as `viewer` sees it.
    pub fn frame(&self, nav: &str, viewer: &ViewerContext<'_>) -> Result<Arc<Frame>, RenderError> {
        let key = (nav.to_string(), viewer.sees_contacts);
        if !viewer.signed_in
            && let Some(frame) = self.frames.lock().expect("not poisoned").get(&key)
        {
            return Ok(frame.clone());
        }
        let context = Context::wraps(Layout { nav, viewer })?;
        let part = |name| self.hb.render_with_context(name, &context);
        let frame = Arc::new(Frame {
            before_title: part(LAYOUT_BEFORE_TITLE)?,
            after_title: part(LAYOUT_AFTER_TITLE)?,
            after_body: part(LAYOUT_AFTER_BODY)?,
        });
        if !viewer.signed_in {
            let mut kept = self.frames.lock().expect("not poisoned");
            if kept.len() >= KEPT_FRAMES {
                kept.clear();
            }
            kept.insert(key, frame.clone());
        }
        Ok(frame)
    }
}

pub fn build() -> anyhow::Result<Templates> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
    register_layout_parts(&mut hb)?;
    hb.register_helper("eq", Box::new(eq));
    hb.register_helper("language_name", Box::new(language_name_helper));
    hb.register_helper("channel_label", Box::new(channel_label));
    hb.register_helper("kind_label", Box::new(kind_label));
    hb.register_helper("plural", Box::new(plural));
    hb.register_helper("tel", Box::new(tel));
    hb.register_helper("minute", Box::new(minute));
    Ok(Templates {
        hb,
        frames: Mutex::default(),
    })
}

/// The layout in three templates, around the page's title and its body: the
/// body is written between them and never goes through the template engine,
/// which would copy it into its data and again into the output.
const LAYOUT_BEFORE_TITLE: &str = "layouts/base:before-title";
const LAYOUT_AFTER_TITLE: &str = "layouts/base:after-title";
const LAYOUT_AFTER_BODY: &str = "layouts/base:after-body";

fn register_layout_parts(hb: &mut Handlebars<'static>) -> anyhow::Result<()> {
    let file = TemplateFiles::get("layouts/base.hbs")
        .ok_or_else(|| anyhow::anyhow!("layouts/base.hbs is missing"))?;
    let source = std::str::from_utf8(&file.data)?;
    let missing = |what| anyhow::anyhow!("layouts/base.hbs has no {what}");
    let (head, after_body) = source
        .split_once("{{{body}}}")
        .ok_or_else(|| missing("{{{body}}}"))?;
    let (before_title, after_title) = head
        .split_once("{{title}}")
        .ok_or_else(|| missing("{{title}}"))?;
    hb.register_template_string(LAYOUT_BEFORE_TITLE, before_title)?;
    hb.register_template_string(LAYOUT_AFTER_TITLE, after_title)?;
    hb.register_template_string(LAYOUT_AFTER_BODY, after_body)?;
    Ok(())
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
