//! An authority's place in a snapshot (its slot) and the lists kept in
//! reading order, which an edit updates in place instead of making again.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::value::RawValue;

use super::chunked::Chunked;
use super::model::Authority;
use crate::db::ids::AuthorityId;
use crate::domain::LanguageCode;
use crate::domain::text::fold;

/// The reading order and the lists that follow it, which an edit updates
/// in place of making them again.
#[derive(Clone, Default)]
pub(super) struct Listing {
    /// Slots in reading order: State, then central authorities first, then
    /// name.
    pub(super) order: Vec<u32>,
    /// Each State's slots, in reading order; only States that have some.
    pub(super) by_country: HashMap<&'static str, Vec<u32>>,
    /// How many authorities accept each language.
    pub(super) languages: HashMap<LanguageCode, u32>,
}

impl Listing {
    pub(super) fn of(slots: &Chunked<Option<Slot>>) -> Self {
        let mut order: Vec<u32> = (0..slots.len() as u32)
            .filter(|&s| slots[s as usize].is_some())
            .collect();
        order.sort_unstable_by(|&a, &b| key_in(slots, a).cmp(key_in(slots, b)));
        let mut listing = Listing::default();
        for &slot in &order {
            let a = &slots[slot as usize].as_ref().expect("filled").authority;
            listing
                .by_country
                .entry(a.country.as_str())
                .or_default()
                .push(slot);
            for l in &a.languages {
                *listing.languages.entry(*l).or_default() += 1;
            }
        }
        listing.order = order;
        listing
    }

    /// Takes the authority in `slot` (still there) out of every list.
    pub(super) fn remove(&mut self, slots: &Chunked<Option<Slot>>, slot: u32) {
        let s = slots[slot as usize].as_ref().expect("a filled slot");
        let find = |list: &[u32]| list.binary_search_by(|&x| key_in(slots, x).cmp(&s.made.key));
        if let Ok(at) = find(&self.order) {
            self.order.remove(at);
        }
        let country = s.authority.country.as_str();
        if let Some(list) = self.by_country.get_mut(country) {
            if let Ok(at) = find(list) {
                list.remove(at);
            }
            if list.is_empty() {
                self.by_country.remove(country);
            }
        }
        for l in &s.authority.languages {
            if let Some(n) = self.languages.get_mut(l) {
                *n -= 1;
                if *n == 0 {
                    self.languages.remove(l);
                }
            }
        }
    }

    /// Puts the authority in `slot` in every list, in its place.
    pub(super) fn insert(&mut self, slots: &Chunked<Option<Slot>>, slot: u32) {
        let s = slots[slot as usize].as_ref().expect("a filled slot");
        let place =
            |list: &[u32]| match list.binary_search_by(|&x| key_in(slots, x).cmp(&s.made.key)) {
                Ok(at) | Err(at) => at,
            };
        let at = place(&self.order);
        self.order.insert(at, slot);
        let list = self
            .by_country
            .entry(s.authority.country.as_str())
            .or_default();
        let at = place(list);
        list.insert(at, slot);
        for l in &s.authority.languages {
            *self.languages.entry(*l).or_default() += 1;
        }
    }
}

#[derive(Clone)]
pub(super) struct Slot {
    pub(super) authority: Arc<Authority>,
    /// Its place in reading order and its JSON, in one allocation: a
    /// directory has as many slots as authorities.
    pub(super) made: Arc<Made>,
}

pub(super) struct Made {
    pub(super) key: SortKey,
    /// The JSON, without and with contacts, made at first use: lists then
    /// copy bytes instead of serialising the same record again.
    pub(super) rendered: [OnceLock<Box<RawValue>>; 2],
}

/// Reading order: State, kind, name folded, id (which makes it total).
pub(super) struct SortKey {
    state: &'static str,
    kind: u8,
    /// The name folded as `text::sort_key` folds it (it is `fold`), in the
    /// allocation the index keeps for the same authority.
    pub(super) names: Names,
    id: AuthorityId,
}

impl SortKey {
    fn parts(&self) -> (&'static str, u8, &str, AuthorityId) {
        (self.state, self.kind, self.names.english(), self.id)
    }
}

impl PartialEq for SortKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts().cmp(&other.parts())
    }
}

impl Slot {
    pub(super) fn new(a: Authority) -> Self {
        let key = SortKey {
            state: a.country.state().sort_key.as_str(),
            kind: a.kind_rank(),
            names: Names::of(&a),
            id: a.id,
        };
        Slot {
            authority: Arc::new(a),
            made: Arc::new(Made {
                key,
                rendered: Default::default(),
            }),
        }
    }
}

pub(super) fn key_in(slots: &Chunked<Option<Slot>>, slot: u32) -> &SortKey {
    &slots[slot as usize]
        .as_ref()
        .expect("only filled slots are in the reading order")
        .made
        .key
}

/// An authority's folded names in one allocation: the English name, then
/// the local one if there is one. Where the first ends is kept beside them:
/// looking for a separator in each hit's names cost a search a quarter more.
/// The reading order sorts by the same folded English name and shares this
/// allocation ([`SortKey`]).
#[derive(Clone)]
pub(super) struct Names {
    text: Arc<str>,
    english: u32,
}

impl Names {
    pub(super) fn of(a: &Authority) -> Self {
        let mut text = fold(a.name());
        let english = u32::try_from(text.len()).expect("a name fits in 4 GB");
        if let Some(local) = a.name_local() {
            text.push_str(&fold(local));
        }
        Names {
            text: text.into(),
            english,
        }
    }

    /// The English name, folded.
    pub(super) fn english(&self) -> &str {
        &self.text[..self.english as usize]
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        let (english, local) = self.text.split_at(self.english as usize);
        std::iter::once(english).chain(Some(local).filter(|l| !l.is_empty()))
    }
}
