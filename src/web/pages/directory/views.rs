//! What the directory's pages show, as types: the finder's and the search's
//! choices, results, the authority page, the States.

use std::sync::{Arc, LazyLock};

use handlebars::html_escape;
use serde::Serialize;

use crate::audit::Change;
use crate::db::ids::AuthorityId;
use crate::directory::search::Snapshot;
use crate::domain::states;
use crate::domain::{Article, Instrument};
use crate::error::{AppError, FieldError};
use crate::measures::Described;
use crate::splice::{Part, Spliced};
use crate::web::pages::measures::WithMeasures;
use crate::web::support::json::{AuthorityJson, CountryJson};
use crate::web::support::respond::Bodies;
use crate::web::support::templates::language_name;

/// The choices of the finder and the search filters, as `<option>` lists.
/// The States, articles and regions never change, so their options are
/// written once; a request only marks the one chosen.
#[derive(Serialize)]
pub struct Choices {
    state_options: Part,
    article_options: Part,
    region_options: Part,
    language_options: Part,
}

/// The articles with their summaries, for the about page.
pub fn articles() -> &'static [ArticleChoice] {
    &ARTICLES
}

#[derive(Serialize)]
pub struct ArticleChoice {
    slug: &'static str,
    provision: &'static str,
    title: &'static str,
    summary: &'static str,
    convention: bool,
}

impl From<Article> for ArticleChoice {
    fn from(a: Article) -> Self {
        ArticleChoice {
            slug: a.slug(),
            provision: a.provision(),
            title: a.title(),
            summary: a.summary(),
            convention: a.instrument() == Instrument::Convention,
        }
    }
}

static ARTICLES: LazyLock<Vec<ArticleChoice>> =
    LazyLock::new(|| Article::all().map(ArticleChoice::from).collect());

fn option(value: &str, label: &str) -> String {
    format!(
        "<option value=\"{}\">{}</option>",
        html_escape(value),
        html_escape(label)
    )
}

static STATE_OPTIONS: LazyLock<String> = LazyLock::new(|| {
    states::all()
        .iter()
        .map(|s| option(&s.alpha2, &s.name))
        .collect()
});

static ARTICLE_OPTIONS: LazyLock<String> = LazyLock::new(|| {
    Article::all()
        .map(|a| option(a.slug(), &format!("{} – {}", a.provision(), a.title())))
        .collect()
});

static REGION_OPTIONS: LazyLock<String> = LazyLock::new(|| {
    states::regions()
        .into_iter()
        .map(|(r, subs)| {
            let mut group = format!("<optgroup label=\"{}\">", html_escape(&r.name));
            group.push_str(&option(&r.code, &format!("All of {}", r.name)));
            for sub in subs {
                group.push_str(&option(&sub.code, &sub.name));
            }
            group.push_str("</optgroup>");
            group
        })
        .collect()
});

/// `options` with the option of this value marked as chosen.
fn chosen(options: Part, value: &str) -> Part {
    if value.is_empty() {
        return options;
    }
    let mut out = String::with_capacity(options.len() + 9);
    options.push_to(&mut out);
    let key = format!("<option value=\"{}\"", html_escape(value));
    if let Some(at) = out.find(&key) {
        out.insert_str(at + key.len(), " selected");
    }
    Part::Owned(out)
}

/// What the filters have chosen (empty: nothing).
#[derive(Default)]
pub struct Chosen<'a> {
    pub country: &'a str,
    pub article: &'a str,
    pub region: &'a str,
    pub language: &'a str,
}

impl Choices {
    /// The option lists with `now` chosen. The languages depend on the
    /// directory: their list is written once per snapshot and kept in `kept`.
    pub fn of(kept: &Bodies, directory: &Snapshot, now: Chosen<'_>) -> Result<Self, AppError> {
        let languages =
            kept.get_or_render("options|language", (directory.generation, 0), || {
                Ok(directory
                    .languages()
                    .iter()
                    .map(|l| option(l.as_str(), &language_name(l.as_str())))
                    .collect())
            })?;
        Ok(Choices {
            state_options: chosen(Part::Static(&STATE_OPTIONS), now.country),
            article_options: chosen(Part::Static(&ARTICLE_OPTIONS), now.article),
            region_options: chosen(Part::Static(&REGION_OPTIONS), now.region),
            language_options: chosen(Part::Shared(languages), now.language),
        })
    }

    /// Hands the option lists to `spliced`, leaving their markers.
    pub fn splice(&mut self, spliced: &mut Spliced) {
        spliced.take(&mut self.state_options);
        spliced.take(&mut self.article_options);
        spliced.take(&mut self.region_options);
        spliced.take(&mut self.language_options);
    }
}

/// What the finder's form holds.
#[derive(Serialize)]
pub struct FinderForm {
    pub country: String,
    pub article: String,
}

#[derive(Serialize)]
pub struct Home {
    pub title: &'static str,
    pub nav: &'static str,
    pub choices: Choices,
    pub form: FinderForm,
    pub stats: Stats,
}

#[derive(Serialize)]
pub struct Stats {
    pub authorities: usize,
    pub states: usize,
}

#[derive(Serialize)]
pub struct Finder<'a> {
    pub title: String,
    pub nav: &'static str,
    pub choices: Choices,
    pub form: FinderForm,
    /// The parameter that could not be read.
    pub error: Option<FieldError>,
    pub result: Option<FinderResult<'a>>,
}

#[derive(Serialize)]
pub struct FinderResult<'a> {
    pub country: CountryJson<'a>,
    pub article: ArticleChoice,
    pub count: usize,
    pub authorities: Vec<WithMeasures<'a>>,
    /// How the list is ordered ([`crate::directory::search::FINDER_ORDER`]).
    pub order: &'static str,
}

#[derive(Serialize)]
pub struct Search<'a, F: Serialize> {
    pub title: String,
    pub nav: &'static str,
    /// Whether the reader sees contacts: the page is kept per audience.
    pub sees_contacts: bool,
    pub choices: Choices,
    pub form: &'a F,
    /// The parameter that could not be read.
    pub error: Option<FieldError>,
    pub result: Option<SearchResult>,
    /// The words and filters for the download links (`?q=...`), empty
    /// for the whole directory.
    pub downloads: String,
}

#[derive(Serialize)]
pub struct SearchResult {
    /// The authorities found, as their cards one after the other: one
    /// string for the template to copy, not a list to walk (spliced in
    /// after rendering, as kept).
    pub cards: Part,
    pub total: usize,
    /// No authority matched every word; these match most.
    pub partial: bool,
    /// "justice" for "justise": words found by a close spelling.
    pub corrections: Vec<crate::directory::search::Correction>,
    /// Nothing matched: the question as the directory spells it, and the
    /// link that asks it.
    pub suggestion: Option<(String, String)>,
    /// "3 authorities", "45 authorities, 21–40 shown", "No authority found":
    /// written here rather than by three helpers in the template, which
    /// cost a page made on a miss more than the words are worth.
    pub heading: String,
    /// More than one page: the pager is shown.
    pub paged: bool,
    pub page: u32,
    pub pages: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl SearchResult {
    /// The heading of `total` found, `first` to `last` of them shown on
    /// one of `pages` pages.
    pub fn heading(total: usize, first: usize, last: usize, pages: u32) -> String {
        match (total, pages) {
            (0, _) => "No authority found".into(),
            (1, _) => "1 authority".into(),
            (n, 1) => format!("{n} authorities"),
            (n, _) => format!("{n} authorities, {first}–{last} shown"),
        }
    }
}

#[derive(Serialize)]
pub struct AuthorityPage<'a> {
    pub title: &'a str,
    pub nav: &'static str,
    pub authority: AuthorityJson<'a>,
    pub measures: Vec<Described>,
    pub freshness: Freshness,
    pub may_edit: bool,
    pub is_admin: bool,
    pub signed_in: bool,
    pub history: Vec<Change>,
    /// The change to designations or kind that waits for review.
    pub held: Option<crate::directory::proposals::Held>,
    pub scheduled: Vec<Described>,
    pub notice: Option<&'static str>,
}

#[derive(Serialize)]
pub struct Countries<'a> {
    pub title: &'static str,
    pub nav: &'static str,
    pub regions: Vec<RegionGroup<'a>>,
}

#[derive(Serialize)]
pub struct RegionGroup<'a> {
    pub name: String,
    pub code: String,
    pub subregions: Vec<Subregion<'a>>,
}

#[derive(Serialize)]
pub struct Subregion<'a> {
    pub name: String,
    pub code: String,
    pub states: Vec<CountryJson<'a>>,
}

#[derive(Serialize)]
pub struct CountryPage<'a> {
    pub title: &'a str,
    pub nav: &'static str,
    pub country: CountryJson<'a>,
    pub articles: Vec<CardGroup>,
    pub measures: Vec<AuthorityMeasures>,
}

/// A State's authorities designated under one article, as cards.
#[derive(Serialize)]
pub struct CardGroup {
    pub provision: &'static str,
    pub title: &'static str,
    pub cards: Vec<Arc<str>>,
}

/// An authority of the State with its measures in force.
#[derive(Serialize)]
pub struct AuthorityMeasures {
    pub id: AuthorityId,
    pub name: String,
    pub measures: Vec<Described>,
}

#[derive(Serialize)]
pub struct About {
    pub title: &'static str,
    pub nav: &'static str,
    pub articles: &'static [ArticleChoice],
}

/// How recently a record was checked, said where people decide whether to
/// rely on it (the finder's cards, the authority's page).
#[derive(Serialize)]
pub struct Freshness {
    /// "12 days ago (2026-11-20)", or "never".
    pub said: String,
    /// Not verified within `directory.stale_after`, or never.
    pub stale: bool,
    pub stale_days: i64,
}

impl Freshness {
    pub fn of(
        verified: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
        settings: &crate::config::DirectorySettings,
    ) -> Self {
        let said = match verified.map(|on| (on, (today - on).num_days())) {
            None => "never".to_string(),
            Some((on, ..=0)) => format!("today ({on})"),
            Some((on, 1)) => format!("yesterday ({on})"),
            Some((on, n)) => format!("{n} days ago ({on})"),
        };
        Freshness {
            said,
            stale: settings.is_stale(verified, today),
            stale_days: settings.stale_days(),
        }
    }
}
