//! A snapshot of the directory with its search index, and the queries it
//! answers: search with filters, lookup by State and article.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::value::RawValue;

use super::index::{Hit, SearchIndex};
use super::model::Authority;
use crate::db::ids::AuthorityId;
use crate::domain::states::{self, Region};
use crate::domain::{Article, CountryCode, LanguageCode};
use crate::error::AppError;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;

/// What a search asks for, already validated.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub country: Option<CountryCode>,
    pub article: Option<Article>,
    pub region: Option<Region>,
    pub language: Option<LanguageCode>,
    pub page: u32,
    pub per_page: u32,
    /// Whether contact persons' names may match: only for readers who may
    /// see contact details, or a search would say who works where.
    pub contacts: bool,
}

/// Search parameters as they arrive, before validation.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub country: Option<String>,
    pub article: Option<String>,
    pub region: Option<String>,
    pub language: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SearchParams {
    /// Validates every parameter; the error names the first bad one.
    pub fn parse(&self) -> Result<SearchQuery, AppError> {
        let number = |name: &str, v: &Option<String>, default: u32| -> Result<u32, AppError> {
            match present(v) {
                None => Ok(default),
                Some(s) => s.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    AppError::bad_param(name, format!("{s:?} is not a whole number of at least 1"))
                }),
            }
        };
        let page = number("page", &self.page, 1)?;
        let per_page = number("per_page", &self.per_page, DEFAULT_PER_PAGE)?;
        if per_page > MAX_PER_PAGE {
            return Err(AppError::bad_param(
                "per_page",
                format!("{per_page} is more than the limit of {MAX_PER_PAGE}"),
            ));
        }
        let q = present(&self.q).map(str::to_string);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(AppError::bad_param("q", "at most 200 characters"));
        }
        Ok(SearchQuery {
            q,
            country: present(&self.country)
                .map(CountryCode::parse)
                .transpose()
                .map_err(|m| AppError::bad_param("country", m))?,
            article: present(&self.article)
                .map(Article::parse)
                .transpose()
                .map_err(|m| AppError::bad_param("article", m))?,
            region: present(&self.region)
                .map(|r| {
                    states::find_region(r).ok_or_else(|| {
                        AppError::bad_param(
                            "region",
                            format!("{r:?} is not a UN M49 region or sub-region (such as 150 or Western Africa)"),
                        )
                    })
                })
                .transpose()?,
            language: present(&self.language)
                .map(LanguageCode::parse)
                .transpose()
                .map_err(|m| AppError::bad_param("language", m))?,
            page,
            per_page,
            contacts: false,
        })
    }
}

/// One page of results.
pub struct SearchResult {
    pub items: Vec<Arc<Authority>>,
    pub total: usize,
    /// True when no authority matched every word and the closest are shown.
    pub partial: bool,
}

/// The whole directory at one generation, immutable; replaced, never changed.
pub struct Snapshot {
    pub generation: i64,
    /// In reading order: State, then central authorities first, then name.
    authorities: Vec<Arc<Authority>>,
    by_id: HashMap<AuthorityId, u32>,
    by_country: HashMap<&'static str, Vec<u32>>,
    /// Languages accepted by at least one authority, by English name.
    languages: Vec<LanguageCode>,
    index: SearchIndex,
    /// Each authority's JSON, without and with contacts, made at first use:
    /// lists then copy bytes instead of serialising the same record again.
    rendered: Vec<[OnceLock<Box<RawValue>>; 2]>,
}

impl Snapshot {
    pub fn new(generation: i64, list: Vec<Authority>) -> Self {
        let mut authorities: Vec<Arc<Authority>> = list.into_iter().map(Arc::new).collect();
        authorities.sort_by_cached_key(|a| {
            (
                a.country.state().sort_key.clone(),
                a.kind_rank(),
                crate::domain::text::sort_key(&a.name),
                a.id,
            )
        });
        let by_id = authorities
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i as u32))
            .collect();
        let mut by_country: HashMap<&'static str, Vec<u32>> = HashMap::new();
        let mut languages = std::collections::BTreeSet::new();
        for (i, a) in authorities.iter().enumerate() {
            by_country
                .entry(a.country.as_str())
                .or_default()
                .push(i as u32);
            languages.extend(a.languages.iter().copied());
        }
        let mut languages: Vec<LanguageCode> = languages.into_iter().collect();
        languages.sort_by_key(|l| l.english_name());
        let index = SearchIndex::build(&authorities);
        let rendered = authorities.iter().map(|_| Default::default()).collect();
        Self {
            rendered,
            generation,
            authorities,
            by_id,
            by_country,
            languages,
            index,
        }
    }

    /// An authority's JSON (with contacts when `full`), rendered once per
    /// snapshot by `render`.
    pub fn rendered(
        &self,
        a: &Authority,
        full: bool,
        render: impl FnOnce() -> Box<RawValue>,
    ) -> Cow<'_, RawValue> {
        match self.by_id.get(&a.id) {
            Some(&i) => Cow::Borrowed(self.rendered[i as usize][full as usize].get_or_init(render)),
            // Not from this snapshot: nothing to keep it in.
            None => Cow::Owned(render()),
        }
    }

    /// Every authority, in reading order.
    pub fn authorities(&self) -> &[Arc<Authority>] {
        &self.authorities
    }

    pub fn len(&self) -> usize {
        self.authorities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.authorities.is_empty()
    }

    pub fn term_count(&self) -> usize {
        self.index.term_count()
    }

    pub fn get(&self, id: AuthorityId) -> Option<Arc<Authority>> {
        self.by_id
            .get(&id)
            .map(|&i| self.authorities[i as usize].clone())
    }

    fn passes(&self, a: &Authority, q: &SearchQuery) -> bool {
        q.country.is_none_or(|c| a.country == c)
            && q.article.is_none_or(|art| a.is_designated(art))
            && q.region
                .as_ref()
                .is_none_or(|r| a.country.state().in_region(&r.code))
            && q.language.is_none_or(|l| a.languages.contains(&l))
    }

    pub fn search(&self, q: &SearchQuery) -> SearchResult {
        let start = (q.page.saturating_sub(1) as usize).saturating_mul(q.per_page as usize);
        let take = q.per_page as usize;
        let Some(text) = q.q.as_deref() else {
            let mut total = 0;
            let mut items = Vec::with_capacity(take);
            for a in self.authorities.iter().filter(|a| self.passes(a, q)) {
                if total >= start && items.len() < take {
                    items.push(a.clone());
                }
                total += 1;
            }
            return SearchResult {
                items,
                total,
                partial: false,
            };
        };
        let (wanted, mut hits) = self.index.score(text, self.authorities.len(), q.contacts);
        hits.retain(|h| self.passes(&self.authorities[h.doc as usize], q));
        // Every word must match; when none does, the closest matches are
        // better than nothing ("ministry for justice").
        let most = hits.iter().map(|h| h.matched).max().unwrap_or(0);
        let partial = (most as usize) < wanted;
        let required = if partial {
            most.max(2).min(wanted as u8)
        } else {
            most
        };
        hits.retain(|h| h.matched >= required);
        let order = |a: &Hit, b: &Hit| {
            b.score
                .cmp(&a.score)
                .then_with(|| self.rank_order(a).cmp(&self.rank_order(b)))
        };
        let total = hits.len();
        // Only the hits up to the end of the page need to be in order.
        let needed = start.saturating_add(take);
        if needed < hits.len() {
            hits.select_nth_unstable_by(needed, order);
            hits.truncate(needed);
        }
        hits.sort_unstable_by(order);
        let items = hits
            .iter()
            .skip(start)
            .take(take)
            .map(|h| self.authorities[h.doc as usize].clone())
            .collect();
        SearchResult {
            items,
            total,
            partial: partial && total > 0,
        }
    }

    fn rank_order(&self, h: &Hit) -> (u8, u32) {
        (self.authorities[h.doc as usize].kind_rank(), h.doc)
    }

    /// The authorities of a State designated under an article, the one to
    /// write to first: central authorities, then those that receive requests.
    pub fn designated(&self, country: CountryCode, article: Article) -> Vec<Arc<Authority>> {
        let mut list: Vec<Arc<Authority>> = self
            .in_country(country)
            .filter(|a| a.is_designated(article))
            .collect();
        list.sort_by_key(|a| {
            let receives = a.designation(article).is_some_and(|d| {
                d.functions.is_empty() || d.functions.contains(&crate::domain::Function::Receives)
            });
            (a.kind_rank(), !receives)
        });
        list
    }

    /// A State's authorities in reading order.
    pub fn in_country(&self, country: CountryCode) -> impl Iterator<Item = Arc<Authority>> + '_ {
        self.by_country
            .get(country.as_str())
            .into_iter()
            .flatten()
            .map(|&i| self.authorities[i as usize].clone())
    }

    /// How many authorities each State has, by alpha-2 code.
    pub fn counts_by_country(&self) -> HashMap<&'static str, usize> {
        self.by_country.iter().map(|(k, v)| (*k, v.len())).collect()
    }

    pub fn languages(&self) -> &[LanguageCode] {
        &self.languages
    }
}
