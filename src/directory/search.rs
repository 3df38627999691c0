//! A snapshot of the directory with its search index, and the queries it
//! answers: search with filters, lookup by State and article.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::chunked::Chunked;
use super::index::{Hit, SearchIndex, Unmatched};
use super::listing::{Listing, Slot};
use super::model::Authority;
use crate::db::ids::AuthorityId;
use crate::domain::{Article, CountryCode, LanguageCode};

/// The finder's order, as the page and the API say it: the one to write to
/// comes first.
pub const FINDER_ORDER: &str = "The State's national authorities come first: its central \
    authority, then those that receive requests, then the others. Authorities for a territory \
    or a special region follow, grouped under their territory.";

pub use super::search_params::{DEFAULT_PER_PAGE, SearchParams, SearchQuery};

/// An authority's reference typed whole: above any match of words.
const REF_SCORE: u32 = 1000;

/// A word typed, and the word of the directory it was read as.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Correction {
    pub typed: String,
    pub read: String,
}

/// One page of results.
pub struct SearchResult {
    pub items: Vec<Arc<Authority>>,
    pub total: usize,
    /// True when no authority matched every word and the closest are shown.
    pub partial: bool,
    /// Words found by a close spelling, as "justise" by "justice".
    pub corrections: Vec<Correction>,
    /// When nothing matched: the query spelled as the directory does, if
    /// that finds something.
    pub suggestion: Option<String>,
}

/// The whole directory at one generation, immutable; replaced, never changed.
/// A snapshot that follows an edit is derived from the one before
/// ([`Snapshot::with_changes`]) and shares all it can with it.
pub struct Snapshot {
    pub generation: i64,
    /// Each authority at its slot, the number the search index knows it by.
    /// An authority keeps its slot through edits; an archived one leaves
    /// its slot empty until the next full load.
    slots: Chunked<Option<Slot>>,
    /// Changed only when an authority moves, comes or goes: an edit that
    /// keeps its place shares its predecessor's.
    listing: Arc<Listing>,
    /// The reading order, as authorities.
    authorities: Chunked<Arc<Authority>>,
    /// Each slot's position in reading order.
    rank: Chunked<u32>,
    by_id: Arc<HashMap<AuthorityId, u32>>,
    /// Languages accepted by at least one authority, by English name.
    languages: Vec<LanguageCode>,
    index: SearchIndex,
}

impl Snapshot {
    pub fn new(generation: i64, list: Vec<Authority>) -> Self {
        let slots: Chunked<Option<Slot>> = list.into_iter().map(|a| Some(Slot::new(a))).collect();
        let listing = Listing::of(&slots);
        let index = SearchIndex::build(
            slots
                .iter()
                .map(|s| s.as_ref().map(|s| (&*s.authority, &s.made.key.names))),
        );
        let by_id = slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (s.authority.id, i as u32)))
            .collect();
        let (authorities, rank, languages) = Self::ordered(&slots, &listing);
        Self {
            generation,
            slots,
            listing: Arc::new(listing),
            authorities,
            rank,
            by_id: Arc::new(by_id),
            languages,
            index,
        }
    }

    /// What follows from the slots and their listing: the authorities in
    /// reading order, each slot's rank in it, and the languages.
    fn ordered(slots: &Chunked<Option<Slot>>, listing: &Listing) -> Ordered {
        let mut rank = vec![0u32; slots.len()];
        for (position, &slot) in listing.order.iter().enumerate() {
            rank[slot as usize] = position as u32;
        }
        let authorities = listing
            .order
            .iter()
            .map(|&slot| {
                slots[slot as usize]
                    .as_ref()
                    .expect("only filled slots are in the reading order")
                    .authority
                    .clone()
            })
            .collect();
        let mut languages: Vec<LanguageCode> = listing.languages.keys().copied().collect();
        languages.sort_by_key(|l| (l.english_name(), l.as_str().to_string()));
        (authorities, rank.into_iter().collect(), languages)
    }

    /// This directory with some authorities changed or added (`changed`,
    /// complete) and some gone (archived or deleted): what an edit needs,
    /// without reading or indexing the rest again.
    pub fn with_changes(
        &self,
        generation: i64,
        changed: Vec<Authority>,
        gone: &[AuthorityId],
    ) -> Self {
        let mut slots = self.slots.clone();
        let mut listing = self.listing.clone();
        let mut by_id = self.by_id.clone();
        let mut index = self.index.clone();
        let mut authorities = self.authorities.clone();
        // Whether the reading order (and what follows from it) must be made
        // again: an authority came, went or moved.
        let mut moved = false;
        for id in gone {
            let Some(&slot) = by_id.get(id) else {
                continue;
            };
            Arc::make_mut(&mut by_id).remove(id);
            Arc::make_mut(&mut listing).remove(&slots, slot);
            let old = slots[slot as usize].as_ref().map(|s| s.authority.clone());
            slots.set(slot as usize, None);
            index.replace(slot, old.as_deref(), None);
            moved = true;
        }
        for a in changed {
            let new = Slot::new(a);
            let slot = match by_id.get(&new.authority.id) {
                Some(&slot) => slot,
                None => {
                    slots.push(None);
                    let slot = (slots.len() - 1) as u32;
                    Arc::make_mut(&mut by_id).insert(new.authority.id, slot);
                    slot
                }
            };
            let old = slots[slot as usize].clone();
            let stays = old.as_ref().is_some_and(|old| keeps_place(old, &new));
            if old.is_some() && !stays {
                Arc::make_mut(&mut listing).remove(&slots, slot);
            }
            index.replace(
                slot,
                old.as_ref().map(|s| &*s.authority),
                Some((&new.authority, &new.made.key.names)),
            );
            if stays {
                authorities.set(self.rank[slot as usize] as usize, new.authority.clone());
            }
            slots.set(slot as usize, Some(new));
            if !stays {
                Arc::make_mut(&mut listing).insert(&slots, slot);
                moved = true;
            }
        }
        let (authorities, rank, languages) = if moved {
            Self::ordered(&slots, &listing)
        } else {
            (authorities, self.rank.clone(), self.languages.clone())
        };
        Self {
            generation,
            slots,
            listing,
            authorities,
            rank,
            by_id,
            languages,
            index,
        }
    }

    fn slot(&self, slot: u32) -> &Arc<Authority> {
        &self.slots[slot as usize]
            .as_ref()
            .expect("the index names only filled slots")
            .authority
    }

    /// An authority's JSON (with contacts when `full`), rendered once per
    /// snapshot by `render`.
    pub fn rendered(
        &self,
        a: &Authority,
        full: bool,
        render: impl FnOnce() -> Box<RawValue>,
    ) -> Cow<'_, RawValue> {
        let kept = self
            .by_id
            .get(&a.id)
            .and_then(|&i| self.slots[i as usize].as_ref())
            .filter(|s| std::ptr::eq(&*s.authority, a));
        match kept {
            Some(s) => Cow::Borrowed(s.made.rendered[full as usize].get_or_init(render)),
            // Not from this snapshot: nothing to keep it in.
            None => Cow::Owned(render()),
        }
    }

    /// Every authority, in reading order.
    pub fn authorities(&self) -> impl DoubleEndedIterator<Item = &Arc<Authority>> + Clone + '_ {
        self.authorities.iter()
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
        self.by_id.get(&id).map(|&i| self.slot(i).clone())
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
            // A State's authorities are already listed apart, in the same
            // order: no need to pass over the others.
            let candidates: Box<dyn Iterator<Item = &Arc<Authority>>> = match q.country {
                Some(c) => Box::new(
                    self.listing
                        .by_country
                        .get(c.as_str())
                        .into_iter()
                        .flatten()
                        .map(|&i| self.slot(i)),
                ),
                None => Box::new(self.authorities.iter()),
            };
            for a in candidates.filter(|a| self.passes(a, q)) {
                if total >= start && items.len() < take {
                    items.push(a.clone());
                }
                total += 1;
            }
            return SearchResult {
                items,
                total,
                partial: false,
                corrections: Vec::new(),
                suggestion: None,
            };
        };
        let scored = self.index.score(text, q.contacts);
        let (wanted, mut hits) = (scored.wanted, scored.hits);
        if let Some(doc) = self.by_ref(text) {
            hits.retain(|h| h.doc != doc);
            hits.push(Hit {
                doc,
                matched: wanted as u8,
                score: REF_SCORE,
            });
        }
        hits.retain(|h| self.passes(self.slot(h.doc), q));
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
            .map(|h| self.slot(h.doc).clone())
            .collect();
        let suggestion = if total == 0 && !scored.unmatched.is_empty() {
            self.suggest(text, &scored.unmatched, q)
        } else {
            None
        };
        SearchResult {
            items,
            total,
            partial: partial && total > 0,
            corrections: scored.corrections,
            suggestion,
        }
    }

    /// Every authority the query finds, in its order, on one page.
    pub fn matching(&self, q: &SearchQuery) -> Vec<Arc<Authority>> {
        let all = SearchQuery {
            page: 1,
            per_page: self.authorities.len().max(1) as u32,
            ..q.clone()
        };
        self.search(&all).items
    }

    /// `text` with each word that matched nothing replaced by the word the
    /// directory has closest to it, if the result finds something.
    fn suggest(&self, text: &str, unmatched: &[Unmatched], q: &SearchQuery) -> Option<String> {
        let mut words = crate::domain::text::tokens(text);
        let mut changed = false;
        for w in words.iter_mut() {
            if let Some(meant) = unmatched
                .iter()
                .find(|u| u.word == *w)
                .and_then(|u| u.meant.as_ref())
            {
                *w = meant.clone();
                changed = true;
            }
        }
        if !changed {
            return None;
        }
        let suggestion = words.join(" ");
        let scored = self.index.score(&suggestion, q.contacts);
        scored
            .hits
            .iter()
            .any(|h| self.passes(self.slot(h.doc), q))
            .then_some(suggestion)
    }

    /// The authority whose reference `text` is, separators aside
    /// (`FR-001`, `fr 001`, `fr001`): the first two letters name its State.
    fn by_ref(&self, text: &str) -> Option<u32> {
        let wanted: String = crate::domain::text::tokens(text).concat();
        // References are numbered: words alone are not one.
        if !wanted.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let state = wanted.get(..2)?.to_ascii_uppercase();
        let slots = self.listing.by_country.get(state.as_str())?;
        slots.iter().copied().find(|&slot| {
            let a = self.slot(slot);
            crate::domain::text::tokens(a.ref_()).concat() == wanted
        })
    }

    fn rank_order(&self, h: &Hit) -> (u8, u32) {
        (self.slot(h.doc).kind_rank(), self.rank[h.doc as usize])
    }

    /// The authorities of a State designated under an article, in the
    /// order of [`FINDER_ORDER`]: the one to write to first.
    pub fn designated(&self, country: CountryCode, article: Article) -> Vec<Arc<Authority>> {
        let mut list: Vec<_> = self
            .in_country(country)
            .filter(|a| a.is_designated(article))
            .enumerate()
            .map(|(at, a)| {
                let receives = a.designation(article).is_some_and(|d| {
                    d.functions.is_empty()
                        || d.functions.contains(&crate::domain::Function::Receives)
                });
                // The position last: equal keys keep the reading order.
                let key = (
                    a.territory().map(crate::domain::text::sort_key),
                    a.kind_rank(),
                    !receives,
                    at,
                );
                (key, a)
            })
            .collect();
        list.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        list.into_iter().map(|(_, a)| a).collect()
    }

    /// A State's authorities in reading order.
    pub fn in_country(&self, country: CountryCode) -> impl Iterator<Item = Arc<Authority>> + '_ {
        self.listing
            .by_country
            .get(country.as_str())
            .into_iter()
            .flatten()
            .map(|&i| self.slot(i).clone())
    }

    /// How many authorities each State has, by alpha-2 code.
    pub fn counts_by_country(&self) -> HashMap<&'static str, usize> {
        self.listing
            .by_country
            .iter()
            .map(|(k, v)| (*k, v.len()))
            .collect()
    }

    pub fn languages(&self) -> &[LanguageCode] {
        &self.languages
    }
}

/// The authorities in reading order, each slot's rank, the languages.
type Ordered = (Chunked<Arc<Authority>>, Chunked<u32>, Vec<LanguageCode>);

/// Whether an edited authority keeps its place in every list: its sort
/// key, its State and its languages are as they were.
fn keeps_place(old: &Slot, new: &Slot) -> bool {
    old.made.key == new.made.key
        && old.authority.country == new.authority.country
        && old.authority.languages == new.authority.languages
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
