//! An inverted index over folded word tokens, built in memory from the
//! directory. The same code serves SQLite and PostgreSQL, so both backends
//! find and rank exactly alike.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::chunked::Chunked;
use super::listing::Names;
use super::model::Authority;
use super::search::Correction;
use super::spelling::{Typed, allowed_edits, letters, suggestion_edits};
use super::vocabulary;
use crate::domain::text::{fold, tokens};

/// How much a match in each field counts.
#[derive(Clone, Copy)]
enum Field {
    Acronym = 12,
    Name = 10,
    CountryName = 6,
    CountryCode = 7,
    City = 5,
    Territory = 4,
    Person = 3,
    /// A tag for an article or a channel (see `vocabulary`).
    Topic = 2,
}

/// A document and the weight of its best field, in four bytes: the slot
/// in the low 24 bits, the weight in the high 8. A directory's postings run
/// to millions; as a struct of a `u32` and a `u8` each took eight.
#[derive(Clone, Copy)]
struct Posting(u32);

impl Posting {
    /// Slots a posting can name: far above any directory's size.
    const SLOTS: u32 = 1 << 24;

    fn new(doc: u32, weight: u8) -> Self {
        assert!(doc < Self::SLOTS, "directory slots fit in 24 bits");
        Posting(u32::from(weight) << 24 | doc)
    }

    fn doc(self) -> u32 {
        self.0 & (Self::SLOTS - 1)
    }

    fn weight(self) -> u8 {
        (self.0 >> 24) as u8
    }
}

/// The index over documents numbered by slot. A snapshot that follows an
/// edit shares every posting list the edit did not touch, and the term
/// lists themselves unless the edit changed a term: an edit costs the
/// chunk of names it changed, and the pointers of the term list at most.
#[derive(Clone)]
pub struct SearchIndex {
    /// Sorted, so that the terms a prefix matches are one contiguous run.
    terms: Arc<Vec<Arc<str>>>,
    /// Each term's length in letters, for close spellings.
    letters: Arc<Vec<u8>>,
    postings: Arc<Vec<Arc<[Posting]>>>,
    /// Folded names (English and local) for whole-phrase bonuses, by slot.
    names: Chunked<Option<Names>>,
}

/// A document's score for one query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub doc: u32,
    pub matched: u8,
    pub score: u32,
}

/// Each term of a document with the weight of its best field.
fn terms_of(a: &Authority) -> HashMap<String, u8> {
    let mut terms: HashMap<String, u8> = HashMap::new();
    let mut add = |text: &str, field: Field| {
        for t in tokens(text) {
            let best = terms.entry(t).or_insert(0);
            *best = (*best).max(field as u8);
        }
    };
    add(a.name(), Field::Name);
    if let Some(local) = a.name_local() {
        add(local, Field::Name);
    }
    if let Some(acronym) = a.acronym() {
        add(acronym, Field::Acronym);
    }
    let state = a.country.state();
    add(&state.name, Field::CountryName);
    add(&state.alpha2, Field::CountryCode);
    if let Some(a3) = &state.alpha3 {
        add(a3, Field::CountryCode);
    }
    if let Some(city) = a.city() {
        add(city, Field::City);
    }
    if let Some(territory) = a.territory() {
        add(territory, Field::Territory);
    }
    for person in &a.contacts {
        add(person.name(), Field::Person);
    }
    let mut tag = |t: String, field: Field| {
        terms.insert(t, field as u8);
    };
    tag(vocabulary::state_tag(&state.alpha2), Field::CountryName);
    for d in &a.designations {
        tag(vocabulary::article_tag(d.article), Field::Topic);
    }
    for c in &a.channels {
        tag(vocabulary::channel_tag(*c), Field::Topic);
    }
    terms
}

/// A part of a query scored on its own: each must match for a document
/// to match fully.
enum Unit<'q> {
    Word(&'q str),
    /// A phrase naming a State, an article or a channel; of one word, the
    /// word itself also counts where it is written exactly.
    Named {
        tag: &'static str,
        word: Option<&'q str>,
    },
}

/// A query's hits, and what was read for what was typed.
pub struct Scored {
    /// How many parts the query has: a document matching fewer is partial.
    pub wanted: usize,
    pub hits: Vec<Hit>,
    /// Words found by a close spelling.
    pub corrections: Vec<Correction>,
    /// Words that matched nothing, even spelled close.
    pub unmatched: Vec<Unmatched>,
}

/// A word that matched nothing, and the term it may have meant: the
/// nearest (the most used of those) within [`suggestion_edits`].
pub struct Unmatched {
    pub word: String,
    pub meant: Option<String>,
}

impl SearchIndex {
    /// The index of `docs` (each with its folded names), each at the slot of
    /// its position (`None`: an empty slot).
    pub(super) fn build<'a>(
        docs: impl Iterator<Item = Option<(&'a Authority, &'a Names)>>,
    ) -> Self {
        let mut map: HashMap<String, Vec<Posting>> = HashMap::new();
        let mut names = Chunked::default();
        for (i, a) in docs.enumerate() {
            let Some((a, a_names)) = a else {
                names.push(None);
                continue;
            };
            for (term, weight) in terms_of(a) {
                map.entry(term)
                    .or_default()
                    .push(Posting::new(i as u32, weight));
            }
            names.push(Some(a_names.clone()));
        }
        let mut entries: Vec<(String, Vec<Posting>)> = map.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (terms, postings): (Vec<Arc<str>>, _) = entries
            .into_iter()
            .map(|(term, list)| (Arc::from(term), Arc::from(list)))
            .unzip();
        Self {
            letters: Arc::new(terms.iter().map(|t| letters(t)).collect()),
            terms: Arc::new(terms),
            postings: Arc::new(postings),
            names,
        }
    }

    /// This index with the document in `slot` replaced: `old` is what the
    /// slot held (its terms are taken out), `new` what it holds now.
    pub(super) fn replace(
        &mut self,
        slot: u32,
        old: Option<&Authority>,
        new: Option<(&Authority, &Names)>,
    ) {
        let old_terms = old.map(terms_of).unwrap_or_default();
        let new_terms = new.map(|(a, _)| terms_of(a)).unwrap_or_default();
        for (term, weight) in &old_terms {
            if new_terms.get(term) == Some(weight) {
                continue;
            }
            if let Ok(at) = self.terms.binary_search_by(|t| (**t).cmp(term.as_str())) {
                let list: Vec<Posting> = self.postings[at]
                    .iter()
                    .filter(|p| p.doc() != slot)
                    .copied()
                    .collect();
                if list.is_empty() {
                    Arc::make_mut(&mut self.terms).remove(at);
                    Arc::make_mut(&mut self.letters).remove(at);
                    Arc::make_mut(&mut self.postings).remove(at);
                } else {
                    Arc::make_mut(&mut self.postings)[at] = list.into();
                }
            }
        }
        for (term, &weight) in &new_terms {
            if old_terms.get(term) == Some(&weight) {
                continue;
            }
            let posting = Posting::new(slot, weight);
            match self.terms.binary_search_by(|t| (**t).cmp(term.as_str())) {
                Ok(at) => {
                    let mut list = self.postings[at].to_vec();
                    let i = list.partition_point(|p| p.doc() < slot);
                    list.insert(i, posting);
                    Arc::make_mut(&mut self.postings)[at] = list.into();
                }
                Err(at) => {
                    Arc::make_mut(&mut self.terms).insert(at, Arc::from(term.as_str()));
                    Arc::make_mut(&mut self.letters).insert(at, letters(term));
                    Arc::make_mut(&mut self.postings).insert(at, Arc::from(vec![posting]));
                }
            }
        }
        let slot = slot as usize;
        while self.names.len() <= slot {
            self.names.push(None);
        }
        self.names.set(slot, new.map(|(_, names)| names.clone()));
    }

    /// Where the terms that start with `prefix` begin and end.
    fn prefixed(&self, prefix: &str) -> std::ops::Range<usize> {
        let start = self.terms.partition_point(|t| &**t < prefix);
        let len = self.terms[start..]
            .iter()
            .take_while(|t| t.starts_with(prefix))
            .count();
        start..start + len
    }

    fn exact(&self, term: &str) -> Option<usize> {
        self.terms.binary_search_by(|t| (**t).cmp(term)).ok()
    }

    /// The terms within `max` edits of `word`, with their distance. Only
    /// terms that start with the word's first or second letter are looked
    /// at: a slip after the first letter, two first letters swapped or a
    /// letter typed before the word. People seldom miss the first letter,
    /// and this keeps the cost to a small part of a large directory's
    /// terms. Words with digits are numbers or references, not misspelled
    /// words; tags are never close to a word.
    pub fn close_to(&self, word: &str, max: usize) -> Vec<(usize, usize)> {
        if word.chars().any(|c| c.is_numeric()) {
            return Vec::new();
        }
        let typed = Typed::new(word, max);
        let mut starts: Vec<char> = word.chars().take(2).collect();
        starts.dedup();
        starts
            .into_iter()
            .flat_map(|c| self.prefixed(c.encode_utf8(&mut [0; 4])))
            .filter(|&i| typed.admits(self.letters[i]))
            .filter_map(|i| typed.distance(&self.terms[i]).map(|d| (i, d)))
            .collect()
    }

    /// Scores every document that matches at least one part of the query:
    /// a word (as typed, as the start of a longer word, or, when nothing
    /// starts with it, spelled close), or a phrase naming a State, an
    /// article or a channel. Each part counts once per document, by its
    /// best field; a whole word counts more than a prefix, a prefix more
    /// than a close spelling.
    pub fn score(&self, query: &str, contacts: bool) -> Scored {
        let mut query_tokens = tokens(query);
        query_tokens.dedup();
        let mut scored = Scored {
            wanted: 0,
            hits: Vec::new(),
            corrections: Vec::new(),
            unmatched: Vec::new(),
        };
        if query_tokens.is_empty() {
            return scored;
        }
        let mut units = Vec::with_capacity(query_tokens.len());
        let mut next = 0;
        for p in vocabulary::phrases(&query_tokens) {
            units.extend(query_tokens[next..p.start].iter().map(|w| Unit::Word(w)));
            units.push(Unit::Named {
                tag: p.tag,
                word: (p.len == 1).then(|| query_tokens[p.start].as_str()),
            });
            next = p.start + p.len;
        }
        units.extend(query_tokens[next..].iter().map(|w| Unit::Word(w)));
        scored.wanted = units.len();
        Scratch::with(|scratch| {
            self.score_units(query, &query_tokens, &units, contacts, scratch, &mut scored)
        });
        scored
    }

    /// `score`'s work on the query's parts, in a thread's scratch.
    fn score_units(
        &self,
        query: &str,
        query_tokens: &[String],
        units: &[Unit<'_>],
        contacts: bool,
        Scratch { sums, best }: &mut Scratch,
        scored: &mut Scored,
    ) {
        for unit in units {
            // (term, factor): 3 as written, 2 a prefix, 1 a close spelling.
            let mut found: Vec<(usize, u32)> = Vec::new();
            match unit {
                Unit::Word(word) => {
                    let range = self.prefixed(word);
                    found.extend(range.clone().map(|i| {
                        let factor = if *self.terms[i] == **word { 3 } else { 2 };
                        (i, factor)
                    }));
                    let letters = word.chars().count();
                    let max = allowed_edits(letters);
                    // Looked for once, as far as a suggestion may reach:
                    // the closest of those within `max` is read instead of
                    // the word, and if none is, the closest of all is what
                    // the reader may have meant.
                    let reach = suggestion_edits(letters).max(max);
                    let close = if range.is_empty() && reach > 0 {
                        self.close_to(word, reach)
                    } else {
                        Vec::new()
                    };
                    let (within, further): (Vec<_>, Vec<_>) =
                        close.into_iter().partition(|&(_, d)| d <= max);
                    if let Some(i) = self.closest(&within) {
                        scored.corrections.push(Correction {
                            typed: word.to_string(),
                            read: self.terms[i].to_string(),
                        });
                    }
                    found.extend(within.into_iter().map(|(i, _)| (i, 1)));
                    if found.is_empty() {
                        scored.unmatched.push(Unmatched {
                            word: word.to_string(),
                            meant: self.closest(&further).map(|i| self.terms[i].to_string()),
                        });
                    }
                }
                Unit::Named { tag, word } => {
                    found.extend(self.exact(tag).map(|i| (i, 3)));
                    found.extend(word.and_then(|w| self.exact(w)).map(|i| (i, 3)));
                }
            }
            for (i, factor) in found {
                // A posting keeps its best field: a person's weight means the
                // word is only in a contact person's name.
                for p in self.postings[i]
                    .iter()
                    .filter(|p| contacts || p.weight() != Field::Person as u8)
                {
                    let s = p.weight() as u32 * factor;
                    let slot = best.entry(p.doc()).or_insert(0);
                    *slot = (*slot).max(s);
                }
            }
            for (doc, s) in best.drain() {
                let sum = sums.entry(doc).or_insert((0, 0));
                sum.0 += s;
                sum.1 += 1;
            }
        }
        let phrase = fold(query.trim());
        // A single word already counted as a word; a name merely starting
        // with it is no better a match, and must not outrank a central
        // authority that has the same word further in.
        let is_phrase = query_tokens.len() > 1;
        scored.hits = sums
            .drain()
            .filter_map(|(d, (total, m))| {
                // Postings name only filled slots.
                let names = self.names[d as usize].as_ref()?;
                // A name can start with the whole phrase only if it has every
                // word, so partial matches need no comparison.
                let every_word = m as usize == units.len();
                let bonus = names
                    .iter()
                    .filter(|_| every_word)
                    .map(|n| {
                        if *n == *phrase {
                            20
                        } else if is_phrase && n.starts_with(phrase.as_str()) {
                            10
                        } else {
                            0
                        }
                    })
                    .max()
                    .unwrap_or(0);
                Some(Hit {
                    doc: d,
                    matched: m,
                    score: total + bonus,
                })
            })
            .collect();
    }

    /// Of terms found close (with their distance), the word meant: the
    /// nearest, and of those the most used.
    fn closest(&self, close: &[(usize, usize)]) -> Option<usize> {
        close
            .iter()
            .min_by_key(|(i, d)| (*d, std::cmp::Reverse(self.postings[*i].len())))
            .map(|&(i, _)| i)
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }
}

/// Scoring's scratch: each part's best weight per document, then the sums
/// over parts, keyed by slot. Sized by the matches, not by the directory,
/// and kept by each thread between searches: grown afresh for every search,
/// these maps were a fifth of a search's time. A thread keeps at most
/// [`Scratch::KEPT`] entries' room; a larger search grows its own.
#[derive(Default)]
struct Scratch {
    // Keys are small integers: a fast hash, not a DoS-resistant one.
    sums: FxHashMap<u32, (u32, u8)>,
    best: FxHashMap<u32, u32>,
}

impl Scratch {
    const KEPT: usize = 4096;

    fn with<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = Default::default();
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let out = f(&mut scratch);
                scratch.sums.clear();
                scratch.best.clear();
                if scratch.sums.capacity() > Self::KEPT || scratch.best.capacity() > Self::KEPT {
                    *scratch = Scratch::default();
                }
                out
            }
            // Only if scoring ever scored within itself.
            Err(_) => f(&mut Scratch::default()),
        })
    }
}
