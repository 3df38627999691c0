//! What the directory's pages show, as types: the finder's and the search's
//! choices, results, the authority page, the States.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

use crate::audit::Change;
use crate::db::ids::AuthorityId;
use crate::directory::search::Snapshot;
use crate::domain::states::{self, Region};
use crate::domain::{Article, Instrument};
use crate::error::FieldError;
use crate::measures::Described;
use crate::web::pages::measures::WithMeasures;
use crate::web::support::json::{ArticleGroup, AuthorityJson, CountryJson};

/// The choices of the finder and the search filters. All but the languages
/// are fixed, so they are made once.
#[derive(Serialize)]
pub struct Choices {
    states: &'static [StateChoice],
    articles: &'static [ArticleChoice],
    regions: &'static [RegionChoice],
    languages: Vec<&'static str>,
}

#[derive(Serialize)]
struct StateChoice {
    code: &'static str,
    name: &'static str,
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

#[derive(Serialize)]
struct RegionChoice {
    code: String,
    name: String,
    subregions: Vec<Region>,
}

static STATES: LazyLock<Vec<StateChoice>> = LazyLock::new(|| {
    states::all()
        .iter()
        .map(|s| StateChoice {
            code: &s.alpha2,
            name: &s.name,
        })
        .collect()
});

static ARTICLES: LazyLock<Vec<ArticleChoice>> =
    LazyLock::new(|| Article::all().map(ArticleChoice::from).collect());

static REGIONS: LazyLock<Vec<RegionChoice>> = LazyLock::new(|| {
    states::regions()
        .into_iter()
        .map(|(r, subregions)| RegionChoice {
            code: r.code,
            name: r.name,
            subregions,
        })
        .collect()
});

impl Choices {
    pub fn of(directory: &Snapshot) -> Self {
        Choices {
            states: &STATES,
            articles: &ARTICLES,
            regions: &REGIONS,
            languages: directory.languages().iter().map(|l| l.as_str()).collect(),
        }
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
}

#[derive(Serialize)]
pub struct Search<'a, F: Serialize> {
    pub title: String,
    pub nav: &'static str,
    pub choices: Choices,
    pub form: &'a F,
    /// The parameter that could not be read.
    pub error: Option<FieldError>,
    pub result: Option<SearchResult<'a>>,
}

#[derive(Serialize)]
pub struct SearchResult<'a> {
    pub items: Vec<AuthorityJson<'a>>,
    pub total: usize,
    /// No authority matched every word; these match most.
    pub partial: bool,
    pub page: u32,
    pub pages: u32,
    pub first: usize,
    pub last: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Serialize)]
pub struct AuthorityPage<'a> {
    pub title: &'a str,
    pub nav: &'static str,
    pub authority: AuthorityJson<'a>,
    pub measures: Vec<Described>,
    pub stale: bool,
    pub stale_days: u64,
    pub may_edit: bool,
    pub is_admin: bool,
    pub signed_in: bool,
    pub history: Vec<Change>,
    /// The change to designations or kind that waits for review.
    pub held: Option<Value>,
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
    pub name: &'a str,
    pub code: &'a str,
    pub subregions: Vec<Subregion<'a>>,
}

#[derive(Serialize)]
pub struct Subregion<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub states: Vec<CountryJson<'a>>,
}

#[derive(Serialize)]
pub struct CountryPage<'a> {
    pub title: &'a str,
    pub nav: &'static str,
    pub country: CountryJson<'a>,
    pub articles: Vec<ArticleGroup>,
    pub measures: Vec<AuthorityMeasures<'a>>,
}

/// An authority of the State with its measures in force.
#[derive(Serialize)]
pub struct AuthorityMeasures<'a> {
    pub id: AuthorityId,
    pub name: &'a str,
    pub measures: &'a [Described],
}

#[derive(Serialize)]
pub struct About {
    pub title: &'static str,
    pub nav: &'static str,
    pub choices: Choices,
}
